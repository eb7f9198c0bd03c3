"""Chapter 3: the page's claims and the exercises; the calculus against torch: test_calculus.py."""

import inspect
import re
from collections.abc import Callable
from itertools import pairwise

import pytest
import torch
from claims_run import Run, claim, page_run

from nnzero.calculus import numerical_derivative, numerical_gradient, partial_derivative
from nnzero.exercises import ExerciseError, hints_in
from nnzero.exercises.ch03 import check_1, check_2, check_3

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
