"""Derivatives by finite differences, and plain gradient descent.

These are the tools of chapter 3: they need nothing but the function itself,
so they are the reference that every hand-written or automatic gradient in
the course is checked against.
"""

from collections.abc import Callable

import torch

ScalarFunction = Callable[[float], float]
TensorFunction = Callable[[torch.Tensor], torch.Tensor]


# --8<-- [start:numerical_derivative]
def numerical_derivative(f: ScalarFunction, x: float, h: float = 1e-5) -> float:
    """Approximates f'(x) by the central difference (f(x + h) - f(x - h)) / 2h.

    Args:
        f: A function of one real number.
        x: The point where the derivative is taken.
        h: The half-width of the step; the error shrinks like h**2.

    Returns:
        The approximate derivative of ``f`` at ``x``.
    """
    return (f(x + h) - f(x - h)) / (2 * h)
# --8<-- [end:numerical_derivative]


# --8<-- [start:numerical_gradient]
def numerical_gradient(f: TensorFunction, x: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    """Approximates the gradient of a scalar function of a tensor, one coordinate at a time.

    Each coordinate ``x[i]`` is nudged by ``+h`` and ``-h`` while the others
    stay put; the central difference of ``f`` is the partial derivative.

    Args:
        f: A function that maps a tensor shaped like ``x`` to a scalar tensor.
        x: The point where the gradient is taken. It is not modified.
        h: The half-width of the step.

    Returns:
        A tensor shaped like ``x`` holding the partial derivatives.
    """
    grad = torch.zeros_like(x)
    flat_x = x.detach().clone().reshape(-1)
    flat_grad = grad.reshape(-1)
    for i in range(flat_x.numel()):
        original = flat_x[i].item()
        flat_x[i] = original + h
        f_plus = f(flat_x.reshape(x.shape)).item()
        flat_x[i] = original - h
        f_minus = f(flat_x.reshape(x.shape)).item()
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
# --8<-- [end:numerical_gradient]


# --8<-- [start:gradient_descent]
def gradient_descent(
    grad: TensorFunction, start: torch.Tensor, lr: float, steps: int
) -> torch.Tensor:
    """Runs plain gradient descent and returns every point it visits.

    Args:
        grad: A function that returns the gradient at a point.
        start: The first point.
        lr: The learning rate: how far to move along the antigradient.
        steps: How many steps to take.

    Returns:
        A tensor of shape ``(steps + 1, *start.shape)``: the start and each step.
    """
    points = [start.clone()]
    x = start.clone()
    for _ in range(steps):
        x = x - lr * grad(x)
        points.append(x.clone())
    return torch.stack(points)
# --8<-- [end:gradient_descent]
