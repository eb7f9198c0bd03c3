"""Chapter 5: torch autograd against our engine and finite differences, the page's claims,
and the checks of its exercises."""

import math

import pytest
import torch
from claims_run import claim
from exercise_hints import wrong_answers_get_hints

from nnzero.calculus import numerical_gradient
from nnzero.engine import Value
from nnzero.exercises.ch05 import check_1, check_2, check_3

PAGE = "ch05_torch_autograd"
F64 = torch.float64


# --- The page's claims ----------------------------------------------------------------------


@claim("ch05_torch_autograd", "grad-accumulates")
def test_grad_accumulates(run) -> None:
    lines = run.output("accumulation").splitlines()
    assert len(lines) == 3
    first = torch.tensor([float(v) for v in lines[0].split("[")[1].split("]")[0].split(",")])
    for k, line in enumerate(lines, start=1):
        values = torch.tensor([float(v) for v in line.split("[")[1].split("]")[0].split(",")])
        torch.testing.assert_close(values, k * first, rtol=0, atol=1e-3)
    assert first.abs().min() > 1  # not vacuous: the contributions are not zero


@claim("ch05_torch_autograd", "halves-match-whole-batch")
def test_halves_match_whole_batch(run) -> None:
    out = run.output("accumulate_halves")
    difference = float(out.split("max abs difference:")[1])
    assert difference == 0.0  # the page: "here the difference is exactly 0"
    whole = out.split("whole batch:")[1].split("\n")[0]
    assert "0.0000" not in whole  # the gradient itself is not zero


@claim("ch05_torch_autograd", "no-zeroing-never-settles")
def test_no_zeroing_never_settles(run) -> None:
    numbers = run.numbers("training_loop")
    steps, final_zeroed, low, high = numbers[0], numbers[1], numbers[3], numbers[4]
    assert steps == 60
    assert high - low > 1  # still jumping by more than a unit of loss after 40 steps
    assert low > final_zeroed  # and never as low as the run that zeroes its gradients
    settled_low, settled_high = numbers[6], numbers[7]  # "with zeroing: last 20 losses ..."
    assert settled_high - settled_low < 1e-3  # the page: "drops ... and stays there"
    assert settled_low <= final_zeroed <= settled_high
    assert run.figures("training_loop") == 1


@claim("ch05_torch_autograd", "detach-stops-gradient")
def test_detach_stops_gradient(run) -> None:
    out = run.output("detach")
    assert "frozen: requires_grad=False  is_leaf=True" in out
    assert "shares memory with w: True" in out
    assert "gradient of a * a: 6.0, of a * a.detach(): 3.0" in out


@claim("ch05_torch_autograd", "dynamic-graph-matches-numerical")
def test_dynamic_graph_matches_numerical(run) -> None:
    lines = run.output("dynamic_check").splitlines()
    assert len(lines) == 4
    for line in lines:
        assert float(line.split("max abs difference")[1]) < 1e-9
    # and the two printed graphs really differ: a different branch and number of halvings
    graphs = run.output("dynamic_graph")
    first, second = graphs.split("x = [3.0, -5.0]:")
    assert first.count("MulBackward0") == 1 and "TanhBackward0" in first
    assert second.count("MulBackward0") == 3 and "TanhBackward0" not in second


@claim("ch05_torch_autograd", "value-matches-torch")
def test_value_matches_torch(run) -> None:
    assert float(run.output("same_difference").split(":")[1]) < 1e-12
    scratch = run.numbers("same_scratch")
    torch_grads = run.numbers("same_torch")
    assert len(scratch) == len(torch_grads) == 3
    assert all(abs(g) > 0.1 for g in scratch)


# --- The same claims, checked directly in float64 on many points ------------------------------


def neuron_with_penalty_value(x, w, b):
    """The expression of the section #same-gradients, with our engine; returns the gradients."""
    xs = [Value(v) for v in x]
    ws = [Value(v) for v in w]
    bias = Value(b)
    z = sum((xi * wi for xi, wi in zip(xs, ws, strict=True)), bias)
    loss = (z.tanh() - 1.0) ** 2 + 0.1 * sum(wi * wi for wi in ws)
    loss.backward()
    return [wi.grad for wi in ws] + [bias.grad]


def neuron_with_penalty_torch(x, w, b):
    x = torch.tensor(x, dtype=F64)
    w = torch.tensor(w, dtype=F64, requires_grad=True)
    b = torch.tensor(b, dtype=F64, requires_grad=True)
    loss = (torch.tanh(x @ w + b) - 1.0) ** 2 + 0.1 * (w * w).sum()
    loss.backward()
    return [*w.grad.tolist(), b.grad.item()]


@pytest.mark.parametrize("seed", range(5))
def test_value_engine_and_torch_agree(seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    x, w = torch.randn(2, 4, dtype=F64, generator=generator).tolist()
    b = torch.randn((), dtype=F64, generator=generator).item()
    ours = neuron_with_penalty_value(x, w, b)
    theirs = neuron_with_penalty_torch(x, w, b)
    for a, t in zip(ours, theirs, strict=True):
        assert a == pytest.approx(t, rel=0, abs=1e-12)


def shrink_then_score(x: torch.Tensor) -> torch.Tensor:
    while (x**2).sum() > 1:
        x = x * 0.5
    if x.sum() > 0:
        return torch.tanh(x.sum())
    return (x**2).sum()


@pytest.mark.parametrize("seed", range(5))
def test_data_dependent_graph_has_exact_gradients(seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    for _ in range(4):
        x = (10 * torch.randn(3, dtype=F64, generator=generator)).requires_grad_(True)
        shrink_then_score(x).backward()
        # the exact gradient: after k halvings the function is g(x / 2**k)
        k, scaled = 0, x.detach()
        while (scaled**2).sum() > 1:
            scaled, k = scaled * 0.5, k + 1
        if scaled.sum() > 0:
            exact = (1 - math.tanh(scaled.sum().item()) ** 2) * torch.ones_like(scaled) / 2**k
        else:
            exact = 2 * scaled / 2**k
        torch.testing.assert_close(x.grad, exact, rtol=0, atol=1e-12)
        torch.testing.assert_close(
            numerical_gradient(shrink_then_score, x), exact, atol=1e-8, rtol=0
        )


def test_gradients_accumulate_and_zeroing_resets() -> None:
    w = torch.tensor([0.3, -1.2, 2.0], dtype=F64, requires_grad=True)
    once = torch.autograd.grad((w.sin() * w).sum(), w)[0]
    for k in range(1, 4):
        (w.sin() * w).sum().backward()
        torch.testing.assert_close(w.grad, k * once, rtol=0, atol=1e-12)
    w.grad = None
    (w.sin() * w).sum().backward()
    torch.testing.assert_close(w.grad, once, rtol=0, atol=1e-12)


def test_backward_gradient_argument_is_weighted_sum() -> None:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(4, dtype=F64, generator=generator, requires_grad=True)
    v = torch.randn(4, dtype=F64, generator=generator)
    torch.exp(x).backward(gradient=v)
    (expected,) = torch.autograd.grad((v * torch.exp(x)).sum(), x)
    torch.testing.assert_close(x.grad, expected, rtol=0, atol=1e-12)


# --- The exercises --------------------------------------------------------------------------


def correct_gradient(f, x):
    leaf = x.detach().requires_grad_(True)
    return torch.autograd.grad(f(leaf), leaf)[0]


def gradient_with_backward(f, x):
    x.requires_grad_(True)
    f(x).backward()
    return x.grad


def gradient_of_wrong_value(f, x):
    return 2 * correct_gradient(f, x)


def correct_step(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
    for p in params:
        p.grad = None


def step_without_no_grad(params, lr):
    for p in params:
        p -= lr * p.grad


def step_that_rebinds(params, lr):
    with torch.no_grad():
        for p in params:
            p = p - lr * p.grad  # the mistake the check must catch


def step_that_keeps_grads(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def step_uphill(params, lr):
    with torch.no_grad():
        for p in params:
            p += lr * p.grad
    for p in params:
        p.grad = None


def step_that_stops_tracking(params, lr):
    for p in params:
        p.requires_grad_(False)
        p -= lr * p.grad
        p.grad = None


def test_correct_answers_pass(capsys) -> None:
    check_1(torch.tensor([7.0, -5.0]))
    check_1([7.0, -5.0])
    check_2(correct_gradient)
    check_3(correct_step)
    assert capsys.readouterr().out.count("correct") == 4


WRONG = [
    (check_1, [2.0, -4.0], "одного вызова", "one backward"),
    (check_1, [3.0, 3.0], "последнего", "last call"),
    (check_1, [4.0, -8.0], "3 · sum", "3 * sum"),
    (check_1, [5.0, -1.0], "дважды", "twice"),
    (check_1, [7.0, -5.0, 0.0], "форму", "shape"),
    (check_1, [8.0, 1.0], "прибавляет", "adds to it"),
    (check_2, gradient_with_backward, "autograd.grad", "autograd.grad"),
    (check_2, gradient_of_wrong_value, "точным", "exact"),
    (check_3, step_without_no_grad, "no_grad", "no_grad"),
    (check_3, step_that_rebinds, "на месте", "in place"),
    (check_3, step_that_keeps_grads, "обнулите", "clear them"),
    (check_3, step_uphill, "против градиента", "against the gradient"),
    (check_3, step_that_stops_tracking, "листом", "leaf"),
]


test_wrong_answers_get_hints = wrong_answers_get_hints(WRONG)
