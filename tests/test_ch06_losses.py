"""Chapter 6: the page's claims and the exercises; the losses against torch: test_losses.py."""

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from claims_run import claim
from exercise_hints import wrong_answers_get_hints

from nnzero.exercises.ch06 import check_1, check_2, check_3
from nnzero.losses import binary_cross_entropy_with_logits, logsumexp

F64 = torch.float64
PAGE = "ch06_losses"


# --- the page's claims --------------------------------------------------------------------


def differences(run, section):
    """The (value, gradient) differences that print_differences printed in a section."""
    text = run.output(section)
    lines = [line.split("max difference:")[1] for line in text.splitlines() if "max diff" in line]
    return [float(part.split()[-1]) for line in lines for part in line.split(",")]


@claim("ch06_losses", "accuracy-has-zero-slope")
def test_accuracy_has_zero_slope(run):
    numbers = run.numbers("accuracy_is_flat")
    accuracies = numbers[1:9:3]  # "threshold t: accuracy a, loss l" three times
    losses = numbers[2:9:3]
    assert len(set(accuracies)) == 1
    assert len(set(losses)) == 3
    accuracy_slope, loss_slope = numbers[-3], numbers[-1]  # "slope of ... at 0.1: s"
    assert accuracy_slope == 0.0
    assert abs(loss_slope) > 1e-3
    assert run.figures("accuracy_plot") == 1


@claim("ch06_losses", "mse-matches-torch")
def test_mse_matches_torch_on_the_page(run):
    assert differences(run, "mse_difference") == [0.0, 0.0]
    lines = run.output("mse_scratch").splitlines()
    autograd = next(line for line in lines if line.startswith("gradient")).split(":")[1]
    formula = next(line for line in lines if line.startswith("2 * (p - y)")).split(":")[1]
    assert autograd.split() == formula.split()
    assert run.numbers("mse_scratch")[-1] == 0.0  # "max difference between the two"


@claim("ch06_losses", "naive-bce-overflows")
def test_naive_bce_overflows(run):
    lines = run.output("bce_naive").splitlines()
    assert len(lines) == 3
    first, *extreme = lines
    assert "inf" not in first and "nan" not in first
    for line, loss in zip(extreme, ["800", "40"], strict=True):
        assert "naive inf" in line
        assert line.endswith(f"stable {loss}")


@claim("ch06_losses", "bce-matches-torch")
def test_bce_matches_torch_on_the_page(run):
    diffs = differences(run, "bce_difference")
    assert len(diffs) == 2 and max(diffs) < 1e-15
    for section in ["bce_scratch", "bce_torch"]:
        output = run.output(section)
        assert "nan" not in output and "inf" not in output
        assert run.numbers(section)[-2:] == [-0.2, 0.0]  # gradients at -1000 and 1000


@claim("ch06_losses", "cross-entropy-matches-torch")
def test_cross_entropy_matches_torch_on_the_page(run):
    value, gradient = differences(run, "cross_entropy_difference")
    assert value == 0.0  # the page says "exactly equal"
    assert gradient < 1e-15  # rounding errors of float64


@claim("ch06_losses", "gradient-sign-pattern")
def test_gradient_sign_pattern(run):
    grad = torch.tensor(run.numbers("cross_entropy_scratch")[1:]).reshape(4, 3)
    targets = [0, 2, 1, 2]  # as the section sets them
    for row, target in zip(grad, targets, strict=True):
        assert (row < 0).nonzero().flatten().tolist() == [target]
        assert abs(row.sum().item()) < 1e-3  # printed to 4 digits


@claim("ch06_losses", "gradient-is-p-minus-y")
def test_gradient_is_p_minus_y_on_the_page(run):
    assert run.numbers("gradient_is_p_minus_y")[-1] < 1e-15
    shown = run.numbers("gradient_is_p_minus_y")[:-1]  # the matrix (p - y) / n
    assert shown == run.numbers("cross_entropy_scratch")[1:]


@claim("ch06_losses", "naive-softmax-nan")
def test_naive_softmax_gives_nan(run):
    output = run.output("naive_softmax")
    assert "exp(1000):      inf" in output
    assert "naive softmax:  [[nan" in output
    assert "naive log-sum-exp: inf" in output


@claim("ch06_losses", "stable-softmax-matches-torch")
def test_stable_softmax_matches_torch_on_the_page(run):
    output = run.output("stable_softmax")
    assert "nan" not in output and "inf" not in output
    lines = output.splitlines()
    for ours, theirs in zip(lines[0:6:2], lines[1:6:2], strict=True):
        assert ours.split(":")[1].split() == theirs.split(":")[1].split()
    diffs = differences(run, "stable_softmax")
    assert diffs == [0.0] * 6  # the page says "differ ... by 0"
    assert output.splitlines()[-1].endswith("[True, True, True]")  # torch.equal


@claim("ch06_losses", "mse-gradient-vanishes")
def test_mse_gradient_vanishes_when_confidently_wrong(run):
    rows = torch.tensor(run.numbers("confident_mistake")).reshape(-1, 3)
    logit, mse_grad, bce_grad = rows[0].tolist()
    assert logit == -10.0
    assert abs(bce_grad) > 1e4 * abs(mse_grad)
    assert bce_grad == pytest.approx(-1.0, abs=1e-4)
    assert run.figures("losses_plot") == 1


def test_exercise_solutions_pass_on_the_page():
    from claims_run import page_run

    run = page_run(PAGE)
    for n in [1, 2, 3]:
        assert f"✓ exercise {n}: correct" in run.output(f"exercise_{n}")
    assert run.numbers("exercise_3")[-4:] == [22.0, 3.0, 22.0, 3.0]


# --- the exercise checks: right answers pass, wrong ones get the hint in both languages ----


def naive_logsumexp(z):
    return z.exp().sum(dim=-1).log()


def logsumexp_without_max_back(z):
    m = z.max(dim=-1, keepdim=True).values
    return (z - m).exp().sum(dim=-1).log()


def logsumexp_keeping_dim(z):
    return torch.logsumexp(z, dim=-1, keepdim=True)


def logsumexp_off_the_graph(z):
    return torch.tensor(torch.logsumexp(z, dim=-1).tolist(), dtype=F64)


def naive_bce(z, y):
    p = torch.sigmoid(z)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def bce_summed(z, y):
    return F.binary_cross_entropy_with_logits(z, y, reduction="sum")


def bce_per_element(z, y):
    return F.binary_cross_entropy_with_logits(z, y, reduction="none")


def bce_wrong_sign(z, y):
    return (z.clamp(min=0) + z * y + torch.log1p(torch.exp(-z.abs()))).mean()


def bce_detached_gradient(z, y):
    value = F.binary_cross_entropy_with_logits(z, y)
    return value.detach() + 0 * z.sum()


def mse_not_mae(x, y):
    return ((x - y) ** 2).mean()


def mae_with_wrong_gradient(x, y):
    return (x - y).abs().mean().detach() + 0 * x.sum()


def test_right_answers_pass(capsys):
    check_1(lambda z: torch.logsumexp(z, dim=-1))
    check_1(logsumexp)
    check_2(F.binary_cross_entropy_with_logits)
    check_2(binary_cross_entropy_with_logits)
    check_3(F.l1_loss)
    printed = capsys.readouterr().out
    assert printed.count("✓ exercise") == 5


WRONG = [
    (check_1, naive_logsumexp, "переполнилась", "overflowed"),
    (check_1, logsumexp_without_max_back, "прибавить максимум", "add the maximum back"),
    (check_1, logsumexp_keeping_dim, "последнюю ось", "last dimension"),
    (check_1, logsumexp_off_the_graph, "градиент", "gradient"),
    (check_2, naive_bce, "inf или nan", "inf or nan"),
    (check_2, bce_summed, "знаки", "signs"),
    (check_2, bce_per_element, "одно число", "one number"),
    (check_2, bce_wrong_sign, "знаки", "signs"),
    (check_2, bce_detached_gradient, "от графа", "off the graph"),
    (check_3, mse_not_mae, "модулей", "absolute"),
    (check_3, mae_with_wrong_gradient, "sign", "sign"),
]


test_wrong_answers_get_the_hint = wrong_answers_get_hints(WRONG)
