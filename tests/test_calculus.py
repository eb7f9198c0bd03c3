"""Finite differences agree with torch.autograd in float64."""

import math

import pytest
import torch

from nnzero.calculus import gradient_descent, numerical_derivative, numerical_gradient

FUNCTIONS = {
    "quadratic": lambda x: (x**2).sum(),
    "exp_sin": lambda x: (x.exp() * x.sin()).sum(),
    "tanh_mix": lambda x: torch.tanh(x @ torch.linspace(-1, 1, x.numel()).double()) ** 3,
    "log_sum_exp": lambda x: x.exp().sum().log(),
    "rosenbrock": lambda x: ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum(),
}


def autograd_gradient(f, x):
    x = x.clone().requires_grad_()
    (grad,) = torch.autograd.grad(f(x), x)
    return grad


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("seed", range(5))
def test_numerical_gradient_matches_autograd(name, seed):
    f = FUNCTIONS[name]
    x = torch.randn(6, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    x_before = x.clone()
    numeric = numerical_gradient(f, x)
    torch.testing.assert_close(numeric, autograd_gradient(f, x), rtol=1e-6, atol=1e-7)
    assert torch.equal(x, x_before)  # the input is left as it was


def test_numerical_gradient_of_a_matrix_argument():
    w = torch.randn(3, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    v = torch.randn(4, dtype=torch.float64)

    def f(m):
        return torch.tanh(m @ v).sum()

    numeric = numerical_gradient(f, w)
    assert numeric.shape == w.shape
    torch.testing.assert_close(numeric, autograd_gradient(f, w), rtol=1e-6, atol=1e-8)


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


def test_gradient_descent_on_a_quadratic():
    a = torch.tensor([1.0, 10.0], dtype=torch.float64)

    def grad(x):
        return autograd_gradient(lambda z: 0.5 * (a * z**2).sum(), x)

    start = torch.tensor([1.0, 1.0], dtype=torch.float64)
    points = gradient_descent(grad, start, lr=0.05, steps=30)
    assert points.shape == (31, 2)
    # On 0.5 * a * x**2 each step multiplies x by (1 - lr * a).
    expected = torch.stack([start * (1 - 0.05 * a) ** k for k in range(31)])
    torch.testing.assert_close(points, expected, rtol=1e-12, atol=1e-12)
