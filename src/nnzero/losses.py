"""Loss functions written from tensor arithmetic.

Each loss returns the mean over all elements (or samples), as torch's
functions do with their default ``reduction="mean"``; passing ``reduction`` or another
argument the course leaves out raises ``TypeError`` that names torch's function.
One difference on purpose: for a row that holds ``+inf``, torch's ``log_softmax`` and
``softmax`` are ``nan`` on the whole row; ours are ``nan`` only where the ``+inf`` is,
and give the other entries their limit (log-probability ``-inf``, probability 0).
Their gradients come from autograd running through the arithmetic written here, so the formulas
are arranged to stay finite and accurate for very large logits (±1000).

Taught in [chapter 6](../ch06_losses.md).
"""

import warnings

import torch

from nnzero._torch_args import refuse, subset_of

_REDUCTION = {"size_average": None, "reduce": None, "reduction": "mean"}


def _check_same_shape(input: torch.Tensor, target: torch.Tensor) -> None:
    """Warns, as torch does, when the target's shape differs from the input's."""
    if input.shape != target.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting.",
            stacklevel=3,
        )


@subset_of("torch.nn.functional.mse_loss", _check_same_shape, weight=None, **_REDUCTION)
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


def _check_bce(input: torch.Tensor, target: torch.Tensor) -> None:
    """Refuses a target whose shape differs from the input's (as torch does), and infinite logits.

    At an infinite logit ``max(z, 0) - z y`` becomes ``inf - inf``; torch gives ``inf`` or ``nan``.
    """
    if input.shape != target.shape:
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    if input.isinf().any():
        raise ValueError(
            "nnzero.losses.binary_cross_entropy_with_logits supports finite logits only; "
            "an infinite logit gives inf - inf in its formula (torch returns inf or nan there)"
        )


@subset_of(
    "torch.nn.functional.binary_cross_entropy_with_logits",
    _check_bce,
    weight=None,
    pos_weight=None,
    **_REDUCTION,
)
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
        input: The logits ``z``, any shape; finite logits only.
        target: The labels ``y`` in [0, 1], same shape as ``input``.

    Returns:
        A scalar tensor: the mean loss over all elements.

    Raises:
        ValueError: If a logit is infinite (at ``z = ±inf`` the formula gives
            ``inf - inf``; torch returns ``inf`` or ``nan`` there), or if the
            target's shape differs from the input's.
    """
    z, y = input, target
    positive_part = (z + z.abs()) / 2
    return (positive_part - z * y + torch.log1p(torch.exp(-z.abs()))).mean()


# --8<-- [end:binary_cross_entropy_with_logits]


@subset_of("torch.logsumexp", keepdim=False, out=None)
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

    Raises:
        RuntimeError: If ``dim`` has size 0 (torch returns ``-inf`` there).
    """
    # m is a constant for each row: its gradient would cancel out, so none flows through it.
    m = input.amax(dim=dim, keepdim=True).detach()
    m = torch.where(m.isinf(), 0.0, m)  # an infinite m would give inf - inf = nan
    return ((input - m).exp().sum(dim=dim, keepdim=True).log() + m).squeeze(dim)


# --8<-- [end:logsumexp]


@subset_of("torch.log_softmax", dtype=None)
# --8<-- [start:log_softmax]
def log_softmax(input: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Computes ``log softmax(input)`` along ``dim``, like ``torch.log_softmax``.

    ``log(exp(z_i) / sum_j exp(z_j)) = z_i - logsumexp(z)``: no division and no
    logarithm of a tiny probability, so it stays finite for any finite logits.
    It is computed as ``(z_i - m) - log(sum_j exp(z_j - m))`` with ``m`` the largest
    entry: subtracting ``m + log(...)`` from ``z_i`` in one step would round the
    small logarithm away next to huge scores (two scores of 1e300 would give 0, not -log 2).

    Args:
        input: The scores, any shape.
        dim: The dimension along which the probabilities sum to 1.

    Returns:
        The log-probabilities, shaped like ``input``; all of them are <= 0.
    """
    m = input.amax(dim=dim, keepdim=True).detach()
    shifted = input - torch.where(m.isinf(), 0.0, m)  # as in logsumexp: no inf - inf
    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()


# --8<-- [end:log_softmax]


@subset_of("torch.softmax", dtype=None)
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


def _check_cross_entropy(input: torch.Tensor, target: torch.Tensor) -> None:
    """Refuses what the course's cross-entropy does not handle, saying what it does handle."""
    where = "nnzero.losses.cross_entropy"
    supported = (
        "it takes scores of shape (N, C) and class indices of shape (N,); 1-D scores, "
        "(N, C, d1, ...) scores and probability targets are torch-only: "
        "use torch.nn.functional.cross_entropy"
    )
    if input.dim() != 2 or target.dim() != 1 or target.dtype.is_floating_point:
        refuse(
            where,
            f"got scores {tuple(input.shape)} and target {tuple(target.shape)} "
            f"of {target.dtype}; {supported}",
        )
    if len(target) != len(input):
        refuse(where, f"{len(input)} rows of scores but {len(target)} targets")
    if len(target) > 0 and not (int(target.min()) >= 0 and int(target.max()) < input.shape[1]):
        refuse(
            where,
            f"class indices must be in [0, {input.shape[1]}), "
            f"got {target.min().item()}..{target.max().item()}",
        )


@subset_of(
    "torch.nn.functional.cross_entropy",
    _check_cross_entropy,
    weight=None,
    ignore_index=-100,
    label_smoothing=0.0,
    **_REDUCTION,
)
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

    Raises:
        ValueError: For other shapes (torch's function also takes those) or
            indices outside ``[0, C)``.
    """
    log_probs = log_softmax(input, dim=-1)
    return -log_probs[torch.arange(len(target)), target].mean()


# --8<-- [end:cross_entropy]
