"""Finite differences agree with torch.autograd in float64; gradient descent takes torch's steps."""

import math
from collections.abc import Callable

import pytest
import torch

from nnzero.calculus import (
    gradient_descent,
    numerical_derivative,
    numerical_gradient,
    partial_derivative,
)

F64 = torch.float64

# Smooth functions written with torch ops, so autograd can differentiate them.
SCALAR_FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "cube": lambda t: t**3 - 2 * t,
    "sin_times_square": lambda t: torch.sin(t) * t**2,
    "exp_cos": lambda t: torch.exp(0.5 * t) * torch.cos(3 * t),
    "sigmoid": torch.sigmoid,
    "log1p_square": lambda t: torch.log1p(t**2),
}

# Functions of a tensor of any shape to a scalar.
FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "quadratic": lambda x: (x**2).sum(),
    "exp_sin": lambda x: (x.exp() * x.sin()).sum(),
    "tanh_mix": lambda x: (
        torch.tanh(x.reshape(-1) @ torch.linspace(-1, 1, x.numel()).double()) ** 3
    ),
    "log_sum_exp": lambda x: x.exp().sum().log(),
    "rosenbrock": lambda x: (
        (1 - x.reshape(-1)[:-1]) ** 2 + 100 * (x.reshape(-1)[1:] - x.reshape(-1)[:-1] ** 2) ** 2
    ).sum(),
    "sin_square_sum": lambda x: (torch.sin(x) * x**2).sum(),
    "log_sum_exp_rows": lambda x: torch.logsumexp(x, dim=-1).sum(),
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


def autograd_gradient(f, x):
    x = x.detach().clone().requires_grad_()
    (grad,) = torch.autograd.grad(f(x), x)
    return grad


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("shape", [(6,), (3, 4), (2, 3, 2)])
@pytest.mark.parametrize("seed", range(5))
def test_numerical_gradient_matches_autograd(name, shape, seed):
    f = FUNCTIONS[name]
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=F64)
    x_before = x.clone()
    numeric = numerical_gradient(f, x)
    assert numeric.shape == x.shape
    assert numeric.dtype == F64
    torch.testing.assert_close(numeric, autograd_gradient(f, x), rtol=1e-8, atol=1e-8)
    assert torch.equal(x, x_before)  # the input is left as it was


def test_numerical_gradient_of_a_matrix_argument():
    w = torch.randn(3, 4, generator=torch.Generator().manual_seed(0), dtype=F64)
    v = torch.randn(4, dtype=F64)

    def f(m):
        return torch.tanh(m @ v).sum()

    numeric = numerical_gradient(f, w)
    assert numeric.shape == w.shape
    torch.testing.assert_close(numeric, autograd_gradient(f, w), rtol=1e-6, atol=1e-8)


def test_numerical_gradient_leaves_input_alone_and_handles_views() -> None:
    f = FUNCTIONS["sin_square_sum"]
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
    f = FUNCTIONS["quadratic_form"]
    x = torch.randn(3, 2, dtype=F64, generator=torch.Generator().manual_seed(seed))
    expected = autograd_gradient(f, x).reshape(-1)
    for i in range(x.numel()):
        assert partial_derivative(f, x, i) == pytest.approx(expected[i].item(), rel=1e-8, abs=1e-8)


@pytest.mark.parametrize(
    ("f", "df"),
    [
        (math.sin, math.cos),
        (math.exp, math.exp),
        (lambda x: x**3 - 2 * x, lambda x: 3 * x**2 - 2),
        (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    ],
)
@pytest.mark.parametrize("x", [-1.5, 0.0, 0.7, 2.0])
def test_numerical_derivative(f, df, x):
    assert numerical_derivative(f, x) == pytest.approx(df(x), rel=1e-8, abs=1e-9)


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
        approx = numerical_derivative(lambda t: g(torch.tensor(t, dtype=F64)).item(), x, h)
        # Truncation ~ h**2 (times f'''/6) plus round-off ~ eps / h, both well under 1e-8 here.
        tolerance = 1e-8 * max(1.0, abs(exact))
        assert abs(approx - exact) <= tolerance, (name, x, approx, exact)


def test_numerical_derivative_is_second_order() -> None:
    # For x**3 the central difference is off by exactly h**2: (3x²h·2 + 2h³) / 2h - 3x² = h².
    for h in [1e-1, 1e-2, 1e-3]:
        error = numerical_derivative(lambda x: x**3, 1.5, h) - 3 * 1.5**2
        assert error == pytest.approx(h**2, rel=1e-6)


def test_gradient_descent_on_a_quadratic():
    a = torch.tensor([1.0, 10.0], dtype=F64)

    def grad(x):
        return autograd_gradient(lambda z: 0.5 * (a * z**2).sum(), x)

    start = torch.tensor([1.0, 1.0], dtype=F64)
    points = gradient_descent(grad, start, lr=0.05, steps=30)
    assert points.shape == (31, 2)
    # On 0.5 * a * x**2 each step multiplies x by (1 - lr * a).
    expected = torch.stack([start * (1 - 0.05 * a) ** k for k in range(31)])
    torch.testing.assert_close(points, expected, rtol=1e-12, atol=1e-12)


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
    lr = 1 / torch.linalg.eigvalsh(a).max().item()
    path = gradient_descent(lambda x: a @ x - b, torch.zeros(3, dtype=F64), lr, steps=2000)
    torch.testing.assert_close(path[-1], torch.linalg.solve(a, b), rtol=0, atol=1e-10)


def test_gradient_descent_diverges_with_too_large_learning_rate() -> None:
    # f(x) = (x - 3)² has f'' = 2: every lr above 2 / 2 = 1 overshoots more at each step.
    path = gradient_descent(lambda x: 2 * (x - 3), torch.tensor(0.0, dtype=F64), lr=1.05, steps=30)
    distances = (path - 3).abs()
    assert torch.all(distances[1:] > distances[:-1])
