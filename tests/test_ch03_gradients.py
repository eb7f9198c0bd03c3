"""Chapter 3: finite differences and gradient descent, checked against torch autograd."""

import zlib
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
