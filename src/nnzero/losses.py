"""Loss functions written from tensor arithmetic.

Each loss returns the mean over all elements (or samples), as torch's
functions do with their default ``reduction="mean"``. Their gradients come
from autograd running through the arithmetic written here, so the formulas
are arranged to stay finite and accurate for very large logits (±1000).
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


# --8<-- [start:cross_entropy]
def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of class scores against class indices, like ``F.cross_entropy``.

    For one sample with scores ``z`` and true class ``y`` the loss is
    ``-log softmax(z)[y] = log(sum_j exp(z_j)) - z_y``. Subtracting the row's
    maximum from every score first changes nothing (it cancels between the
    two terms), but keeps every exponent at or below 0, so logits of ±1000
    do not overflow.

    Args:
        logits: Scores of shape ``(N, C)``: N samples, C classes.
        targets: Class indices of shape ``(N,)``, integers in ``[0, C)``.

    Returns:
        A scalar tensor: the mean loss over the N samples.
    """
    # The shift is a constant for each row: no gradient needs to flow through it.
    shifted = logits - logits.max(dim=1, keepdim=True).values.detach()
    log_sum_exp = shifted.exp().sum(dim=1).log()
    true_class_score = shifted[torch.arange(len(targets)), targets]
    return (log_sum_exp - true_class_score).mean()


# --8<-- [end:cross_entropy]
