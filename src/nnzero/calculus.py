"""Derivatives by finite differences, and plain gradient descent.

These are the tools of chapter 3: they need nothing but the function
itself, so they are the reference that every hand-written or automatic
gradient in the course is checked against.

Taught in [chapter 3](../ch03_gradients.md).
"""

# --8<-- [start:imports]
from collections.abc import Callable

import torch

ScalarFunction = Callable[[float], float]
TensorFunction = Callable[[torch.Tensor], torch.Tensor]
# --8<-- [end:imports]


# --8<-- [start:numerical_derivative]
def numerical_derivative(
    f: ScalarFunction,
    x: float,
    h: float = 1e-5,
) -> float:
    """Approximates f'(x) by the central difference.

    The central difference is (f(x + h) - f(x - h)) / 2h.

    Args:
        f: A function of one real number.
        x: The point where the derivative is taken.
        h: The half-width of the step; the error shrinks like h**2.

    Returns:
        The approximate derivative of ``f`` at ``x``.
    """
    return (f(x + h) - f(x - h)) / (2 * h)
    # --8<-- [end:numerical_derivative]


# --8<-- [start:partial_derivative]
def partial_derivative(
    f: TensorFunction,
    x: torch.Tensor,
    index: int,
    h: float = 1e-5,
) -> float:
    """Approximates one partial derivative of a function of a tensor.

    Only the coordinate ``index`` is nudged by ``+h`` and ``-h``; the
    others stay put, so ``f`` becomes a function of one number.

    Args:
        f: Maps a tensor shaped like ``x`` to a scalar tensor.
        x: The point where the derivative is taken. It is not modified.
        index: Which coordinate to nudge, counting over ``x`` flattened
            row by row.
        h: The half-width of the step.

    Returns:
        The approximate derivative of ``f`` by ``x.flatten()[index]``.
    """
    nudged = x.detach().reshape(-1).clone()
    original = nudged[index].item()
    nudged[index] = original + h
    f_plus = f(nudged.reshape(x.shape)).item()
    nudged[index] = original - h
    f_minus = f(nudged.reshape(x.shape)).item()
    return (f_plus - f_minus) / (2 * h)
    # --8<-- [end:partial_derivative]


# --8<-- [start:numerical_gradient]
def numerical_gradient(
    f: TensorFunction,
    x: torch.Tensor,
    h: float = 1e-5,
) -> torch.Tensor:
    """Approximates the gradient of a scalar function of a tensor.

    The gradient is the tensor of all partial derivatives, each one
    computed by ``partial_derivative`` with the other coordinates fixed.

    Args:
        f: Maps a tensor shaped like ``x`` to a scalar tensor.
        x: The point where the gradient is taken. It is not modified.
        h: The half-width of the step.

    Returns:
        A tensor shaped like ``x`` holding the partial derivatives.
    """
    partials = [partial_derivative(f, x, i, h) for i in range(x.numel())]
    grad = torch.tensor(partials, dtype=x.dtype, device=x.device)
    return grad.reshape(x.shape)
    # --8<-- [end:numerical_gradient]


# --8<-- [start:gradient_descent]
def gradient_descent(
    grad: TensorFunction,
    start: torch.Tensor,
    lr: float,
    steps: int,
) -> torch.Tensor:
    """Runs plain gradient descent and returns every point it visits.

    Args:
        grad: A function that returns the gradient at a point.
        start: The first point.
        lr: The learning rate: how far to move along the antigradient.
        steps: How many steps to take.

    Returns:
        A tensor of shape ``(steps + 1, *start.shape)``: the start and
            then the point after each step.
    """
    points = [start.clone()]
    x = start.clone()
    for _ in range(steps):
        x = x - lr * grad(x)
        points.append(x.clone())
    return torch.stack(points)
    # --8<-- [end:gradient_descent]
