"""Chapter 3: finite differences and gradient descent, checked against torch autograd."""

import inspect
import re
import zlib
from collections.abc import Callable
from itertools import pairwise

import pytest
import torch
from claims_run import Run, claim, page_run

from nnzero.calculus import (
    gradient_descent,
    numerical_derivative,
    numerical_gradient,
    partial_derivative,
)
from nnzero.exercises import ExerciseError, hints_in
from nnzero.exercises.ch03 import check_1, check_2, check_3

F64 = torch.float64

# Smooth functions written with torch ops, so autograd can differentiate them.
SCALAR_FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "cube": lambda t: t**3 - 2 * t,
    "sin_times_square": lambda t: torch.sin(t) * t**2,
    "exp_cos": lambda t: torch.exp(0.5 * t) * torch.cos(3 * t),
    "sigmoid": torch.sigmoid,
    "log1p_square": lambda t: torch.log1p(t**2),
}

TENSOR_FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sin_square_sum": lambda x: (torch.sin(x) * x**2).sum(),
    "log_sum_exp": lambda x: torch.logsumexp(x, dim=-1).sum(),
    "quadratic_form": lambda x: (
        torch.outer(x.reshape(-1), x.reshape(-1)).tril().sum() + (x**3).mean()
    ),
    "tanh_norm": lambda x: torch.tanh(x).norm(),
    "product_cos": lambda x: torch.cos(x.reshape(-1)[:-1] * x.reshape(-1)[1:]).sum(),
}


def autograd_derivative(g: Callable[[torch.Tensor], torch.Tensor], x: float) -> float:
    t = torch.tensor(x, dtype=F64, requires_grad=True)
    (d,) = torch.autograd.grad(g(t), t)
    return d.item()


def autograd_gradient(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    leaf = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(leaf), leaf)
    return g


def as_float_function(g: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[float], float]:
    return lambda x: g(torch.tensor(x, dtype=F64)).item()


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numerical_derivative_matches_autograd(name: str, seed: int) -> None:
    g = SCALAR_FUNCTIONS[name]
    points = torch.empty(5, dtype=F64).uniform_(
        -2, 2, generator=torch.Generator().manual_seed(seed)
    )
    h = 1e-5
    for x in points.tolist():
        exact = autograd_derivative(g, x)
        approx = numerical_derivative(as_float_function(g), x, h)
        # Truncation ~ h**2 (times f'''/6) plus round-off ~ eps / h, both well under 1e-8 here.
        tolerance = 1e-8 * max(1.0, abs(exact))
        assert abs(approx - exact) <= tolerance, (name, x, approx, exact)


def test_numerical_derivative_is_second_order() -> None:
    # For x**3 the central difference is off by exactly h**2: (3x²h·2 + 2h³) / 2h - 3x² = h².
    for h in [1e-1, 1e-2, 1e-3]:
        error = numerical_derivative(lambda x: x**3, 1.5, h) - 3 * 1.5**2
        assert error == pytest.approx(h**2, rel=1e-6)


@pytest.mark.parametrize("name", TENSOR_FUNCTIONS)
@pytest.mark.parametrize("shape", [(6,), (3, 4), (2, 3, 2)])
def test_numerical_gradient_matches_autograd(name: str, shape: tuple[int, ...]) -> None:
    f = TENSOR_FUNCTIONS[name]
    generator = torch.Generator().manual_seed(zlib.crc32(f"{name}{shape}".encode()))
    for _ in range(3):
        x = torch.randn(shape, dtype=F64, generator=generator)
        expected = autograd_gradient(f, x)
        approx = numerical_gradient(f, x)
        assert approx.shape == x.shape
        assert approx.dtype == F64
        torch.testing.assert_close(approx, expected, rtol=1e-8, atol=1e-8)


def test_numerical_gradient_leaves_input_alone_and_handles_views() -> None:
    f = TENSOR_FUNCTIONS["sin_square_sum"]
    base = torch.randn(4, 3, dtype=F64, generator=torch.Generator().manual_seed(7))
    x = base.T  # not contiguous
    before = x.clone()
    approx = numerical_gradient(f, x)
    assert torch.equal(x, before)
    torch.testing.assert_close(approx, autograd_gradient(f, x), rtol=1e-8, atol=1e-8)

    w = base.clone().requires_grad_(True)
    torch.testing.assert_close(
        numerical_gradient(f, w), autograd_gradient(f, w), rtol=1e-8, atol=1e-8
    )
    assert w.grad is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_partial_derivative_is_one_gradient_coordinate(seed: int) -> None:
    f = TENSOR_FUNCTIONS["quadratic_form"]
    x = torch.randn(3, 2, dtype=F64, generator=torch.Generator().manual_seed(seed))
    expected = autograd_gradient(f, x).reshape(-1)
    for i in range(x.numel()):
        assert partial_derivative(f, x, i) == pytest.approx(expected[i].item(), rel=1e-8, abs=1e-8)


def random_quadratic(seed: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A symmetric positive definite A and a vector b: f(x) = x·Ax/2 - b·x is convex."""
    generator = torch.Generator().manual_seed(seed)
    m = torch.randn(n, n, dtype=F64, generator=generator)
    a = m @ m.T + n * torch.eye(n, dtype=F64)
    b = torch.randn(n, dtype=F64, generator=generator)
    return a, b


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_descent_path_matches_torch_steps(seed: int) -> None:
    a, b = random_quadratic(seed, 4)
    start = torch.randn(4, dtype=F64, generator=torch.Generator().manual_seed(100 + seed))
    lr, steps = 0.5 / torch.linalg.eigvalsh(a).max().item(), 25

    path = gradient_descent(lambda x: a @ x - b, start, lr, steps)

    assert path.shape == (steps + 1, 4)
    assert torch.equal(path[0], start)
    # The reference: torch's own SGD on the same loss, gradients from autograd.
    x = start.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([x], lr=lr)
    for k in range(1, steps + 1):
        optimizer.zero_grad()
        loss = 0.5 * x @ a @ x - b @ x
        loss.backward()
        optimizer.step()
        torch.testing.assert_close(path[k], x.detach(), rtol=0, atol=1e-12)


def test_gradient_descent_does_not_modify_start() -> None:
    start = torch.tensor([1.0, -2.0], dtype=F64)
    gradient_descent(lambda x: 2 * x, start, lr=0.1, steps=3)
    assert torch.equal(start, torch.tensor([1.0, -2.0], dtype=F64))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_descent_converges_to_minimum_of_convex_quadratic(seed: int) -> None:
    a, b = random_quadratic(seed, 3)
    eigenvalues = torch.linalg.eigvalsh(a)
    lr = 1 / eigenvalues.max().item()
    start = torch.zeros(3, dtype=F64)

    path = gradient_descent(lambda x: a @ x - b, start, lr, steps=2000)

    minimum = torch.linalg.solve(a, b)
    torch.testing.assert_close(path[-1], minimum, rtol=0, atol=1e-10)


def test_gradient_descent_diverges_with_too_large_learning_rate() -> None:
    # f(x) = (x - 3)² has f'' = 2: every lr above 2 / 2 = 1 overshoots more at each step.
    path = gradient_descent(lambda x: 2 * (x - 3), torch.tensor(0.0, dtype=F64), lr=1.05, steps=30)
    distances = (path - 3).abs()
    assert torch.all(distances[1:] > distances[:-1])


# --- The page's claims about its own run (docs/ru|en/ch03_gradients.md) -------------------

NUMBER = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


def printed(run: Run, section: str, label: str) -> list[float]:
    """The numbers on every line of a section's output that contains ``label``."""
    lines = [line for line in run.output(section).splitlines() if label in line]
    assert lines, f"section {section!r} printed no line with {label!r}"
    return [float(n) for line in lines for n in re.findall(NUMBER, line.split(label, 1)[1])]


def learning_rate_rows(run: Run) -> dict[float, list[float]]:
    """lr -> [x after 30 steps, |x - 3| after 10, 20, 30 steps, jumps over 3]."""
    rows = {}
    for line in run.output("learning_rates").splitlines()[1:]:
        lr, *rest = (float(n) for n in re.findall(NUMBER, line))
        rows[lr] = rest
    assert sorted(rows) == [0.02, 0.1, 0.95, 1.05]
    return rows


def test_default_steps_are_the_ones_the_page_argues_for() -> None:
    # The page: the best central-difference step is around 1e-5, the default of every function.
    for function in (numerical_derivative, partial_derivative, numerical_gradient):
        assert inspect.signature(function).parameters["h"].default == 1e-5


@claim("ch03_gradients", "secant-digit-per-tenfold")
def test_secant_gains_a_digit_per_tenfold_smaller_step(run: Run) -> None:
    errors = [abs(slope - 12) for slope in printed(run, "secant_slope", "slope =")]
    assert len(errors) == 4
    assert errors == sorted(errors, reverse=True)
    for bigger, smaller in pairwise(errors):
        assert 9 < bigger / smaller < 12


@claim("ch03_gradients", "forward-tenfold-central-hundredfold")
def test_forward_error_falls_tenfold_central_hundredfold(run: Run) -> None:
    rows = [
        [float(n) for n in re.findall(NUMBER, line)]
        for line in run.output("forward_vs_central").splitlines()[1:]
    ]
    assert [row[0] for row in rows] == [0.1, 0.01, 0.001]
    for (_, forward_a, central_a), (_, forward_b, central_b) in pairwise(rows):
        assert 9 < forward_a / forward_b < 11
        assert 90 < central_a / central_b < 110


@claim("ch03_gradients", "sine-matches-cosine")
def test_numerical_derivative_of_sine_prints_the_cosine(run: Run) -> None:
    lines = run.output("sine_derivative").splitlines()
    assert len(lines) == 3
    for line in lines:
        numerical, cosine = re.search(r"numerical (\S+), cos\(x\) (\S+)", line).groups()
        assert numerical == cosine


@claim("ch03_gradients", "best-step-not-smallest")
def test_best_step_is_far_from_the_smallest(run: Run) -> None:
    best_h, best_error = printed(run, "error_vs_h", "best central h:")
    smallest_h, smallest_error = printed(run, "error_vs_h", "central error at h =")
    assert smallest_h == 1e-15
    assert best_h >= 1e-7  # eight orders of magnitude above the smallest step
    assert smallest_error > 1e6 * best_error


@claim("ch03_gradients", "error-slopes-1-and-2")
def test_error_slopes_are_one_and_two(run: Run) -> None:
    (forward,) = printed(run, "error_vs_h", "forward error slope for h from 1e-4 to 0.1:")
    (central,) = printed(run, "error_vs_h", "central error slope for h from 1e-4 to 0.1:")
    assert forward == pytest.approx(1, abs=0.05)
    assert central == pytest.approx(2, abs=0.05)
    (round_off,) = printed(run, "error_vs_h", "central error slope for h up to 1e-8:")
    assert round_off == pytest.approx(-1, abs=0.2)  # the round-off error grows like 1/h


@claim("ch03_gradients", "steepest-is-negative-gradient")
def test_brute_force_finds_the_negative_gradient(run: Run) -> None:
    (searched,) = printed(run, "steepest_direction", "steepest descent angle:")
    (negative_gradient,) = printed(run, "steepest_direction", "negative gradient angle:")
    assert abs(searched - negative_gradient) <= 0.5  # the search tries every whole degree


@claim("ch03_gradients", "manual-descent-approaches")
def test_manual_descent_approaches_the_minimum(run: Run) -> None:
    xs = printed(run, "descent_1d_manual", ": x =")[0::2]
    values = printed(run, "descent_1d_manual", "f(x) =")
    assert len(xs) == len(values) == 5
    assert all(a < b < 3 for a, b in pairwise(xs))
    assert all(a > b > 1 for a, b in pairwise(values))


@claim("ch03_gradients", "small-rate-crawls")
def test_small_learning_rate_does_not_reach_the_minimum(run: Run) -> None:
    _, d10, d20, d30, jumps = learning_rate_rows(run)[0.02]
    assert d10 > d20 > d30 > 0.5
    assert jumps == 0


@claim("ch03_gradients", "good-rate-no-overshoot")
def test_good_learning_rate_arrives_without_overshooting(run: Run) -> None:
    _, d10, d20, d30, jumps = learning_rate_rows(run)[0.1]
    assert d10 > d20 > d30
    assert d30 < 0.01
    assert jumps == 0


@claim("ch03_gradients", "eta-095-converges")
def test_eta_095_overshoots_but_converges(run: Run) -> None:
    _, d10, d20, d30, jumps = learning_rate_rows(run)[0.95]
    assert jumps == 30
    assert 3 > d10 > d20 > d30  # it started 3 away from the minimum


@claim("ch03_gradients", "eta-105-diverges")
def test_eta_105_diverges(run: Run) -> None:
    _, d10, d20, d30, jumps = learning_rate_rows(run)[1.05]
    assert jumps == 30
    assert 3 < d10 < d20 < d30


@claim("ch03_gradients", "zigzag-ends-closer")
def test_zigzag_path_ends_closer_to_the_minimum(run: Run) -> None:
    slow_distance, zigzag_distance = printed(run, "descent_2d", "distance to minimum")
    (slow_floor, slow_crossings), (_, zigzag_crossings) = [
        [numbers[1], numbers[2]] for numbers in _floor_lines(run)
    ]
    assert slow_floor <= 10 and slow_crossings == 0
    assert zigzag_crossings == 40  # it crosses the floor at every one of its 40 steps
    assert zigzag_distance < slow_distance / 100


def _floor_lines(run: Run) -> list[list[float]]:
    return [
        [float(n) for n in re.findall(NUMBER, line)]
        for line in run.output("descent_2d").splitlines()
        if "crossed the valley floor" in line
    ]


@claim("ch03_gradients", "numerical-matches-autograd")
def test_numerical_gradient_matches_autograd_on_the_page(run: Run) -> None:
    for section in ("autograd_check", "neuron_loss_check"):
        (difference,) = printed(run, section, "max abs difference:")
        assert 0 <= difference < 1e-9
    autograd = printed(run, "autograd_check", "autograd:")
    numerical = printed(run, "autograd_check", "numerical:")
    assert len(autograd) == 5 and autograd == numerical


def test_page_exercises_pass_their_checks() -> None:
    run = page_run("ch03_gradients")
    for n in (1, 2, 3):
        assert f"✓ exercise {n}: correct" in run.output(f"exercise_{n}")


# --- The exercises' checks ----------------------------------------------------------------


def reference_jacobian(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    h = 1e-5
    columns = []
    for j in range(x.numel()):
        nudge = torch.zeros_like(x)
        nudge[j] = h
        columns.append((f(x + nudge) - f(x - nudge)) / (2 * h))
    return torch.stack(columns, dim=1)


def transposed_jacobian(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    return reference_jacobian(f, x).T


def forward_jacobian(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    h = 1e-2  # a forward difference with a large step: off by about h
    columns = []
    for j in range(x.numel()):
        nudge = torch.zeros_like(x)
        nudge[j] = h
        columns.append((f(x + nudge) - f(x)) / h)
    return torch.stack(columns, dim=1)


def reference_gradient_error(f: Callable, grad: Callable, x: torch.Tensor) -> float:
    return (grad(x) - numerical_gradient(f, x)).abs().max().item()


def summed_gradient_error(f: Callable, grad: Callable, x: torch.Tensor) -> float:
    return (grad(x) - numerical_gradient(f, x)).abs().sum().item()


def wrong_point_gradient_error(f: Callable, grad: Callable, x: torch.Tensor) -> float:
    return (grad(x) - numerical_gradient(f, x + 0.1)).abs().max().item()


def test_checks_accept_right_answers(capsys: pytest.CaptureFixture[str]) -> None:
    check_1(reference_jacobian)
    check_2(0.25)
    check_2(0.2499999)
    check_3(reference_gradient_error)
    assert capsys.readouterr().out.splitlines() == [
        "✓ exercise 1: correct",
        "✓ exercise 2: correct",
        "✓ exercise 2: correct",
        "✓ exercise 3: correct",
    ]


@pytest.mark.parametrize(
    ("lang", "hints"),
    [
        ("ru", ["ожидалась матрица формы", "столбец матрицы, а не строка"]),
        ("en", ["should have shape", "a column of the matrix, not a row"]),
    ],
)
def test_check_1_hints(lang: str, hints: list[str]) -> None:
    with hints_in(lang):
        with pytest.raises(ExerciseError, match=hints[0]):
            check_1(transposed_jacobian)  # (n, m) instead of (m, n) on the R^2 -> R^3 case
        with pytest.raises(ExerciseError, match=hints[1]):
            check_1(forward_jacobian)


@pytest.mark.parametrize(
    ("lang", "hints"),
    [
        ("ru", ["умножает расстояние до минимума на 1 − 8η", "начинает перепрыгивать"]),
        ("en", ["multiplies the distance to the minimum by 1 − 8η", "starts to jump over"]),
    ],
)
def test_check_2_hints(lang: str, hints: list[str]) -> None:
    with hints_in(lang):
        with pytest.raises(ExerciseError, match=hints[0]):
            check_2(1.0)  # the threshold of the chapter's parabola, not of this one
        with pytest.raises(ExerciseError, match=hints[1]):
            check_2(0.125)  # where overshooting starts


@pytest.mark.parametrize(
    ("lang", "hints"),
    [
        ("ru", ["Для верного градиента", "наибольшую по модулю разность"]),
        ("en", ["A correct gradient gave", "the largest absolute difference"]),
    ],
)
def test_check_3_hints(lang: str, hints: list[str]) -> None:
    with hints_in(lang):
        with pytest.raises(ExerciseError, match=hints[0]):
            check_3(wrong_point_gradient_error)
        with pytest.raises(ExerciseError, match=hints[1]):
            check_3(summed_gradient_error)
