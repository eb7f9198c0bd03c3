"""Batch normalization from scratch, as ``torch.nn.BatchNorm1d``.

A batch-norm layer standardizes every feature over the mini-batch (mean 0,
spread 1), then lets the network rescale and shift it with two learnable
vectors. While training it also keeps running averages of the batch means and
variances; in evaluation mode it normalizes with those instead, so one example
gets the same answer whatever batch it comes in.

Taught in [chapter 11](../ch11_init_norm_reg.md#batchnorm).
"""

import torch

from nnzero._torch_args import check_forward, check_int, init_subset_of, refuse

# --8<-- [start:imports]
from nnzero.layers import Module

# --8<-- [end:imports]


# --8<-- [start:batchnorm]
class BatchNorm1d(Module):
    # --8<-- [end:batchnorm]
    """Normalizes each feature of a ``(N, num_features)`` batch, like ``torch.nn.BatchNorm1d``.

    Training mode: ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the mean and the
    biased variance of this batch, and the running statistics move towards the batch's.
    Evaluation mode: the same formula with the running statistics.

    Args:
        num_features: The number of features (columns) of the input.
        eps: Added to the variance so that a constant feature does not divide by zero.
        momentum: The weight of the new batch in the running averages (torch's convention:
            ``running = (1 - momentum) * running + momentum * batch``).
        dtype: The floating-point type of the parameters and statistics (torch's default
            if ``None``).

    Attributes:
        weight (torch.Tensor): The learnable scale, shape ``(num_features,)``, starts at 1.
        bias (torch.Tensor): The learnable shift, shape ``(num_features,)``, starts at 0.
        running_mean (torch.Tensor): The running average of batch means, starts at 0.
        running_var (torch.Tensor): The running average of unbiased batch variances, starts at 1.
        training (bool): Whether the layer normalizes with batch statistics; ``train()``
            and ``eval()``, from [`Module`][nnzero.layers.Module], switch it.
    """

    # --8<-- [start:batchnorm_body]
    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        *,
        dtype: torch.dtype | None = None,
    ) -> None:
        self.eps = eps
        self.momentum = momentum
        self.weight = torch.ones(num_features, dtype=dtype, requires_grad=True)
        self.bias = torch.zeros(num_features, dtype=dtype, requires_grad=True)
        self.running_mean = torch.zeros(num_features, dtype=dtype)
        self.running_var = torch.ones(num_features, dtype=dtype)
        self.training = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns the normalized, rescaled and shifted batch ``x`` of shape ``(N, features)``."""
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError("training mode needs more than one example per batch")
            mean = x.mean(dim=0)
            var = ((x - mean) ** 2).mean(dim=0)  # biased: divide by n
            with torch.no_grad():  # the running averages are not trained
                m = self.momentum
                unbiased = var * n / (n - 1)  # divide by n - 1, as torch stores it
                self.running_mean.mul_(1 - m).add_(m * mean)
                self.running_var.mul_(1 - m).add_(m * unbiased)
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean) / torch.sqrt(var + self.eps)
        return x_hat * self.weight + self.bias

    def parameters(self) -> list[torch.Tensor]:
        """Returns ``[weight, bias]``."""
        return [self.weight, self.bias]


# --8<-- [end:batchnorm_body]


def _check_batchnorm(num_features: object, eps: object, momentum: object, **_: object) -> None:
    where = "nnzero.normalization.BatchNorm1d"
    check_int(where, "num_features", num_features, 0)
    if not isinstance(momentum, int | float) or not 0 <= momentum <= 1:
        refuse(
            where,
            f"momentum must be a number in [0, 1], got {momentum!r} "
            "(momentum=None, a cumulative average, is torch-only)",
        )
    if not isinstance(eps, int | float) or eps < 0:
        refuse(where, f"eps must be a non-negative number, got {eps!r}")


def _check_batch(layer: BatchNorm1d, x: object) -> None:
    features = len(layer.weight)
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != features:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        refuse(
            "nnzero.normalization.BatchNorm1d",
            f"expects a batch of shape (N, {features}), got {shape}; (N, C, L) input is torch-only",
        )
    if layer.training and layer.eps <= 0:
        refuse(
            "nnzero.normalization.BatchNorm1d", "eps must be positive in training mode, as in torch"
        )


init_subset_of(
    BatchNorm1d,
    "torch.nn.BatchNorm1d",
    _check_batchnorm,
    affine=True,
    track_running_stats=True,
    device=None,
    bias=True,
)
check_forward(BatchNorm1d, _check_batch)
