"""Loss functions written from tensor arithmetic.

Each loss returns the mean over all elements (or samples), as torch's
functions do with their default ``reduction="mean"``. Their gradients come
from autograd running through the arithmetic written here, so the formulas
are arranged to stay finite and accurate for very large logits (±1000).

Taught in [chapter 6](../ch06_losses.md).
"""

import torch


# --8<-- [start:mse]
def mse(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error, like ``torch.nn.functional.mse_loss``.

    Args:
        input: The predictions, any shape.
        target: The true values, same shape as ``input``.

    Returns:
        A scalar tensor: the mean of ``(input - target) ** 2``.
    """
    return ((input - target) ** 2).mean()


# --8<-- [end:mse]


# --8<-- [start:binary_cross_entropy_with_logits]
def binary_cross_entropy_with_logits(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on raw scores, like torch's function of the same name.

    With ``p = sigmoid(z)`` the loss of one element is
    ``-(y log p + (1 - y) log(1 - p))``, which simplifies to
    ``max(z, 0) - z y + log(1 + exp(-|z|))``. In this form the exponential
    never sees a positive number, so nothing overflows.

    ``max(z, 0)`` is written as ``(z + |z|) / 2``: the same number, but its
    derivative at ``z = 0`` is 1/2, which makes the gradient of the whole loss
    exactly ``sigmoid(z) - y`` there too (with ``clamp`` it would be off by 1/2).

    Args:
        input: The logits ``z``, any shape.
        target: The labels ``y`` in [0, 1], same shape as ``input``.

    Returns:
        A scalar tensor: the mean loss over all elements.
    """
    z, y = input, target
    positive_part = (z + z.abs()) / 2
    return (positive_part - z * y + torch.log1p(torch.exp(-z.abs()))).mean()


# --8<-- [end:binary_cross_entropy_with_logits]


# --8<-- [start:logsumexp]
def logsumexp(input: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Computes ``log(sum(exp(input)))`` along ``dim`` without overflow, like ``torch.logsumexp``.

    With ``m`` the largest entry, ``log(sum_j exp(z_j)) = m + log(sum_j exp(z_j - m))``.
    Every exponent on the right is at most 0, so logits of 1000 do not overflow,
    and the largest term is ``exp(0) = 1``, so the logarithm never sees 0.

    Args:
        input: The scores, any shape.
        dim: The dimension to sum over; it is removed from the result.

    Returns:
        A tensor shaped like ``input`` without ``dim``.
    """
    # m is a constant for each row: its gradient would cancel out, so none flows through it.
    m = input.amax(dim=dim, keepdim=True).detach()
    return ((input - m).exp().sum(dim=dim, keepdim=True).log() + m).squeeze(dim)


# --8<-- [end:logsumexp]


# --8<-- [start:log_softmax]
def log_softmax(input: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Computes ``log softmax(input)`` along ``dim``, like ``torch.log_softmax``.

    ``log(exp(z_i) / sum_j exp(z_j)) = z_i - logsumexp(z)``: no division and no
    logarithm of a tiny probability, so it stays finite for any logits.

    Args:
        input: The scores, any shape.
        dim: The dimension along which the probabilities sum to 1.

    Returns:
        The log-probabilities, shaped like ``input``; all of them are <= 0.
    """
    return input - logsumexp(input, dim).unsqueeze(dim)


# --8<-- [end:log_softmax]


# --8<-- [start:softmax]
def softmax(input: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Turns scores into probabilities along ``dim``, like ``torch.softmax``.

    ``softmax(z)_i = exp(z_i) / sum_j exp(z_j)``, computed as the exponential of
    [`log_softmax`][nnzero.losses.log_softmax] so that large logits do not overflow.

    Args:
        input: The scores, any shape.
        dim: The dimension along which the probabilities sum to 1.

    Returns:
        Numbers between 0 and 1, shaped like ``input``.
    """
    return log_softmax(input, dim).exp()


# --8<-- [end:softmax]


# --8<-- [start:cross_entropy]
def cross_entropy(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of class scores against class indices, like ``F.cross_entropy``.

    For one sample with scores ``z`` and true class ``y`` the loss is
    ``-log softmax(z)[y]``: small when the model gives the true class a high
    probability. [`log_softmax`][nnzero.losses.log_softmax] keeps it finite
    for logits of ±1000.

    Args:
        input: The scores (logits), shape ``(N, C)``: N samples, C classes.
        target: The class indices, shape ``(N,)``, integers in ``[0, C)``.

    Returns:
        A scalar tensor: the mean loss over the N samples.
    """
    log_probs = log_softmax(input, dim=-1)
    return -log_probs[torch.arange(len(target)), target].mean()


# --8<-- [end:cross_entropy]
