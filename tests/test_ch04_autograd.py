"""Chapter 4: the graph drawing, the page's claims, the exercises; the engine: test_engine.py."""

import math

import matplotlib
import pytest
from claims_run import claim

from nnzero.engine import Value
from nnzero.exercises import ExerciseError, hints_in
from nnzero.exercises.ch04 import check_1, check_2, check_3
from nnzero.graph import depths, draw_graph, trace

matplotlib.use("Agg")


def test_trace_and_depths() -> None:
    a, b = Value(2.0), Value(-1.0)
    ab = a * b
    out = (ab + a) * ab
    nodes, edges = trace(out)
    assert len(nodes) == 5
    assert len(edges) == 6  # two inputs for each of the three operations
    d = depths(out)
    assert d[out] == 0
    assert d[ab] == 2  # the longest path: ab -> ab + a -> out
    assert d[a] == 3
    for child, parent in edges:
        assert d[child] > d[parent]


def test_draw_graph_draws_every_node() -> None:
    import matplotlib.pyplot as plt

    a = Value(3.0)
    square = a * a
    square.backward()
    ax = draw_graph(square, {a: "a"})
    texts = [t.get_text() for t in ax.texts]
    assert "$a$" in texts
    assert "6.0000" in texts and "9.0000" in texts
    assert texts.count("data") == 2 and texts.count("grad") == 2
    assert len(ax.patches) == 3  # two boxes and one operation circle
    plt.close("all")


# --- exercises ---------------------------------------------------------------------------


def sigmoid_wrong_sign(x: Value) -> Value:
    return 1 / (1 + x.exp())


def sigmoid_through_data(x: Value) -> Value:
    return Value(1 / (1 + math.exp(-x.data)))


def count_with_repeats(root: Value) -> int:
    return 1 + sum(count_with_repeats(child) for child in root._prev)


def count_without_root(root: Value) -> int:
    nodes, _ = trace(root)
    return len(nodes) - 1


def square_assigning(x: Value) -> Value:
    out = Value(x.data**2, (x,), "**2")

    def _backward() -> None:
        x.grad = 2 * x.data * out.grad

    out._backward = _backward
    return out


def test_exercise_checks_accept_right_answers(capsys: pytest.CaptureFixture[str]) -> None:
    check_1(lambda x: 1 / (1 + (-x).exp()))
    check_2(lambda root: len(trace(root)[0]))

    def square(x: Value) -> Value:
        return x**2

    check_3(square)
    out = capsys.readouterr().out
    assert [f"✓ exercise {n}: correct" in out for n in (1, 2, 3)] == [True, True, True]


@pytest.mark.parametrize(
    ("lang", "check", "answer", "hint"),
    [
        ("ru", check_1, sigmoid_wrong_sign, "знак"),
        ("en", check_1, sigmoid_wrong_sign, "sign"),
        ("ru", check_1, sigmoid_through_data, "градиент нет"),
        ("en", check_1, sigmoid_through_data, "gradient is not"),
        ("ru", check_2, count_with_repeats, "один раз"),
        ("en", check_2, count_with_repeats, "counts once"),
        ("ru", check_2, count_without_root, "не все узлы"),
        ("en", check_2, count_without_root, "missing"),
        ("ru", check_3, square_assigning, r"\+="),
        ("en", check_3, square_assigning, r"\+="),
    ],
)
def test_exercise_checks_reject_wrong_answers(lang, check, answer, hint) -> None:
    with hints_in(lang), pytest.raises(ExerciseError, match=hint):
        check(answer)


# --- claims of the page ------------------------------------------------------------------


@claim("ch04_autograd", "by-hand-equals-engine")
def test_by_hand_equals_engine(run) -> None:
    by_hand, engine = run.numbers("run_backward")[-2:]
    assert by_hand == engine == 1.0


@claim("ch04_autograd", "wrong-order-zero")
def test_wrong_order_gives_zero(run) -> None:
    inputs_first, nonzero, output_first = run.output("wrong_order").splitlines()[:3]
    assert inputs_first.endswith("dw1 = 0.0000, dx1 = 0.0000")
    # Only the output's own rule ran after the output had its gradient: n gets it, no one else.
    assert nonzero.split(":")[1].strip().split(", ") == ["n", "o"]
    assert output_first.endswith("dw1 = 1.0000, dx1 = -1.5000")


@claim("ch04_autograd", "assign-loses-gradient")
def test_assign_loses_gradient(run) -> None:
    twice, product = run.output("assign_instead").splitlines()[:2]
    assert twice.endswith("d(a + a)/da = 1.0")  # the right answer is 2.0
    assert product.endswith("= 3.0, should be 2a + b = 10.0")


@claim("ch04_autograd", "engine-matches-torch")
def test_engine_matches_torch_on_page(run) -> None:
    assert run.output("torch_check_scratch") == run.output("torch_check_torch")
    assert run.numbers("torch_check_diff")[-1] < 1e-12


@claim("ch04_autograd", "moons-loss-falls")
def test_moons_loss_falls(run) -> None:
    lines = [line for line in run.output("train").splitlines() if "mean loss" in line]
    losses = [float(line.split()[-1]) for line in lines]
    assert len(losses) >= 5
    assert losses[-1] < losses[0] / 3
    assert run.numbers("train")[-1] >= 0.95
    assert run.figures("moons_boundary") == 1
