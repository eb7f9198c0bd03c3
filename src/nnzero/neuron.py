"""One artificial neuron: the weighted sum, activation functions and the perceptron rule.

These are the tools of chapter 2. Every activation is written from plain tensor
arithmetic; the tests check each of them, and the whole neuron, against PyTorch
(``torch.sigmoid``, ``torch.tanh``, ``torch.relu``, ``torch.heaviside`` and
``torch.nn.Linear``) in double precision.

Taught in [chapter 2](../ch02_neuron.md).
"""

from collections.abc import Callable

import torch

from nnzero.metrics import accuracy

Activation = Callable[[torch.Tensor], torch.Tensor]
"""A function that maps the weighted sums ``z`` to the outputs ``f(z)``, element by element."""


# --8<-- [start:weighted_sum]
def weighted_sum(
    x: torch.Tensor,
    w: torch.Tensor,
    b: float | torch.Tensor,
) -> torch.Tensor:
    """Computes z = w1*x1 + ... + wn*xn + b for one input or for a batch.

    Args:
        x: One input, shape ``(n,)``, or a batch of inputs, ``(batch, n)``.
        w: The weights, shape ``(n,)``: one weight per input feature.
        b: The bias, a number or a 0-d tensor.

    Returns:
        A 0-d tensor for one input, or shape ``(batch,)`` for a batch.
    """
    return (x * w).sum(dim=-1) + b
    # --8<-- [end:weighted_sum]


# --8<-- [start:step]
def step(z: torch.Tensor) -> torch.Tensor:
    """The step (Heaviside) function: 1 where z >= 0, else 0.

    Args:
        z: The weighted sums, any shape.

    Returns:
        A tensor of zeros and ones, shaped and typed like ``z``.
    """
    return (z >= 0).to(z.dtype)
    # --8<-- [end:step]


# --8<-- [start:sigmoid]
def sigmoid(z: torch.Tensor) -> torch.Tensor:
    """The sigmoid 1 / (1 + exp(-z)), computed without overflow for any z.

    ``exp`` is only taken of ``-|z|``, a number <= 0, so it never
    overflows: for z >= 0 the formula is used as is, for z < 0 it is
    rewritten as exp(z) / (1 + exp(z)), which is the same number.
    ``-|z|`` is written with ``where`` rather than ``abs``, whose gradient
    at 0 is 0 in autograd: the gradient at z = 0 stays 1/4.

    Args:
        z: The weighted sums, any shape.

    Returns:
        Values strictly between 0 and 1 (up to rounding), shaped like ``z``.
    """
    e = torch.exp(torch.where(z >= 0, -z, z))  # exp(-|z|), in (0, 1]: no overflow
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))
    # --8<-- [end:sigmoid]


# --8<-- [start:tanh]
def tanh(z: torch.Tensor) -> torch.Tensor:
    """The hyperbolic tangent, computed without overflow for any z.

    tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z)). Dividing the
    numerator and the denominator by exp(|z|) leaves only exp(-2|z|),
    which is at most 1. ``|z|`` and the sign are written with ``where``
    rather than ``abs`` and ``sign``, whose gradients at 0 are 0 in
    autograd: the gradient at z = 0 stays 1.

    Args:
        z: The weighted sums, any shape.

    Returns:
        Values between -1 and 1, shaped like ``z``.
    """
    e = torch.exp(-2 * torch.where(z >= 0, z, -z))  # exp(-2|z|), in (0, 1]: no overflow
    t = (1 - e) / (1 + e)  # tanh(|z|)
    return torch.where(z >= 0, t, -t)
    # --8<-- [end:tanh]


# --8<-- [start:relu]
def relu(z: torch.Tensor) -> torch.Tensor:
    """The rectified linear unit max(0, z).

    Args:
        z: The weighted sums, any shape.

    Returns:
        ``z`` where it is positive, zero elsewhere.
    """
    return torch.where(z <= 0, torch.zeros_like(z), z)  # nan stays nan, as in torch
    # --8<-- [end:relu]


# --8<-- [start:neuron_class]
class Neuron:
    """One artificial neuron: a weighted sum followed by an activation.

    Attributes:
        weights (torch.Tensor): The weights, shape ``(n,)``.
        bias (torch.Tensor): The bias, a 0-d tensor.
        activation (Activation): The activation function applied to the weighted sum.
    """

    def __init__(
        self,
        weights: torch.Tensor,
        bias: float | torch.Tensor,
        activation: Activation,
    ) -> None:
        self.weights = weights
        self.bias = torch.as_tensor(bias, dtype=weights.dtype)
        self.activation = activation

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Computes f(w^T x + b) for one input or each row of a batch."""
        return self.activation(weighted_sum(x, self.weights, self.bias))
        # --8<-- [end:neuron_class]


# --8<-- [start:perceptron_train]
def perceptron_train(
    x: torch.Tensor,
    y: torch.Tensor,
    epochs: int,
    lr: float,
    history: list[float] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Trains a step-activation neuron with the perceptron learning rule.

    The weights and the bias start as small random numbers from torch's
    global generator, so ``torch.manual_seed`` makes training repeatable.
    The points are visited in order. After each point the neuron moves
    towards it when it missed a 1, away from it when it missed a 0, and
    stays put when it was right: ``error = y_i - step(w^T x_i + b)``,
    ``w += lr * error * x_i``, ``b += lr * error``.

    Args:
        x: The training inputs, shape ``(batch, n)``.
        y: The labels, 0 or 1, shape ``(batch,)``, with the dtype of ``x``.
        epochs: How many times to go through all the points.
        lr: The learning rate: how far one correction moves the weights.
        history: If given, the accuracy on ``x`` after each epoch is
            appended to it.

    Returns:
        The trained weights, shape ``(n,)``, and the bias, a 0-d tensor.
    """
    w = 0.1 * torch.randn(x.shape[1], dtype=x.dtype)
    b = 0.1 * torch.randn((), dtype=x.dtype)
    for _ in range(epochs):
        for x_i, y_i in zip(x, y, strict=True):
            error = y_i - step(weighted_sum(x_i, w, b))  # -1, 0 or +1
            w = w + lr * error * x_i
            b = b + lr * error
        if history is not None:
            history.append(accuracy(step(weighted_sum(x, w, b)), y))
    return w, b
    # --8<-- [end:perceptron_train]
