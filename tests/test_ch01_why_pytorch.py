"""Chapter 1: the page's claims about its own run, and the checks of its exercises."""

import pytest
import torch
from claims_run import claim

from nnzero.exercises import ExerciseError, hints_in
from nnzero.exercises.ch01 import check_1, check_2


@claim("ch01_why_pytorch", "graph-follows-branch")
def test_graph_follows_branch(run) -> None:
    lines = run.output("define_by_run").splitlines()
    assert "x = +3.0" in lines[0] and lines[0].endswith("MulBackward0")
    assert "x = -3.0" in lines[1] and lines[1].endswith("NegBackward0")


@claim("ch01_why_pytorch", "default-dtypes")
def test_default_dtypes(run) -> None:
    out = run.output("dtypes")
    assert "floats:   torch.float32" in out
    assert "integers: torch.int64" in out
    assert "int64 + float32: torch.float32" in out


@claim("ch01_why_pytorch", "float32-coarser")
def test_float32_coarser(run) -> None:
    out = run.output("dtypes")
    f32 = float(out.split("0.1 in float32: ")[1].split()[0])
    f64 = float(out.split("0.1 in float64: ")[1].split()[0])
    assert f32 != 0.1 and abs(f32 - 0.1) > 1e6 * abs(f64 - 0.1)
    assert abs(f32 - 0.1) > 1e-9


@claim("ch01_why_pytorch", "built-on-cpu")
def test_built_on_cpu(run) -> None:
    out = run.output("device")
    assert out.count("cpu") == 3 and "cuda" not in out


@claim("ch01_why_pytorch", "view-shares-memory")
def test_view_shares_memory(run) -> None:
    assert "numbers after grid[0, 0] = 100: tensor([100," in run.output("reshape_view")


@claim("ch01_why_pytorch", "view-needs-contiguous")
def test_view_needs_contiguous(run) -> None:
    out = run.output("view_needs_contiguous")
    assert "is contiguous: False" in out
    assert "reshape(-1): tensor([100,   3,   1,   4,   2,   5])" in out
    assert "view(-1) fails:" in out


@claim("ch01_why_pytorch", "broadcast-error")
def test_broadcast_error(run) -> None:
    out = run.output("broadcasting_error")
    assert out.startswith("RuntimeError:")
    assert "(2, 3) + (2, 1) -> (2, 3)" in out


@claim("ch01_why_pytorch", "matmul-order")
def test_matmul_order(run) -> None:
    out = run.output("elementwise_vs_matmul")
    pq = out.split("P @ Q (matrix product):")[1].split("Q @ P")[0]
    qp = out.split("Q @ P (the order matters):")[1]
    assert pq.split() != qp.split()


@claim("ch01_why_pytorch", "seed-repeats")
def test_seed_repeats(run) -> None:
    out = run.output("seeding")
    assert "first == second: True" in out and "first == third:  False" in out


@claim("ch01_why_pytorch", "matmul-matches-torch")
def test_matmul_matches_torch(run) -> None:
    out = run.output("check_matmul")
    assert "max |ours - torch|: 0.0e+00" in out and "allclose: True" in out


@claim("ch01_why_pytorch", "broadcast-shape-matches-torch")
def test_broadcast_shape_matches_torch(run) -> None:
    rows = run.output("check_broadcast_shape").strip().splitlines()
    assert len(rows) == 5
    for row in rows:
        ours = row.split("ours: ")[1].split(" torch: ")[0].strip()
        torch_says = row.split(" torch: ")[1].strip()
        if torch_says == "RuntimeError":
            assert ours == "ValueError"
        else:
            assert ours == torch_says


def mean_not_sum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a[:, :, :, None] * b[:, None, :, :]).mean(dim=2)  # the right shape, wrong numbers


def matmul_wrong_shape(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a[:, :, :, None] * b[:, None, :, :]).sum(dim=(2, 3))


@pytest.mark.parametrize(
    ("lang", "words"), [("ru", "форма верна, а числа нет"), ("en", "the shape is right")]
)
def test_check_1_hints_on_wrong_sum_axis(lang: str, words: str) -> None:
    with hints_in(lang), pytest.raises(ExerciseError, match=words):
        check_1(mean_not_sum)


@pytest.mark.parametrize(
    ("lang", "words"), [("ru", "нужен ответ формы"), ("en", "must have shape")]
)
def test_check_1_hints_on_wrong_shape(lang: str, words: str) -> None:
    with hints_in(lang), pytest.raises(ExerciseError, match=words):
        check_1(matmul_wrong_shape)


def test_check_1_accepts_matmul(capsys: pytest.CaptureFixture[str]) -> None:
    check_1(torch.matmul)
    assert "✓ exercise 1: correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "lang", "words"),
    [
        (lambda u, v: u * v, "ru", "поэлементно"),
        (lambda u, v: u * v, "en", "elementwise"),
        (lambda u, v: v.reshape(-1, 1) * u.reshape(1, -1), "ru", "столбец"),
        (lambda u, v: v.reshape(-1, 1) * u.reshape(1, -1), "en", "column"),
    ],
)
def test_check_2_hints(wrong, lang: str, words: str) -> None:
    with hints_in(lang), pytest.raises(ExerciseError, match=words):
        check_2(wrong)


def test_check_2_accepts_outer(capsys: pytest.CaptureFixture[str]) -> None:
    check_2(torch.outer)
    assert "✓ exercise 2: correct" in capsys.readouterr().out
