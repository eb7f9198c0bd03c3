"""Batch normalization from scratch, as ``torch.nn.BatchNorm1d``.

A batch-norm layer standardizes every feature over the mini-batch (mean 0,
spread 1), then lets the network rescale and shift it with two learnable
vectors. While training it also keeps running averages of the batch means and
variances; in evaluation mode it normalizes with those instead, so one example
gets the same answer whatever batch it comes in.

Taught in [chapter 11](../ch11_init_norm_reg.md#batchnorm).
"""

import torch

from nnzero.layers import Module


# --8<-- [start:batchnorm]
class BatchNorm1d(Module):
    """Normalizes each feature of a ``(N, num_features)`` batch, like ``torch.nn.BatchNorm1d``.

    Training mode: ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the mean and the
    biased variance of this batch, and the running statistics move towards the batch's.
    Evaluation mode: the same formula with the running statistics.

    Args:
        num_features: The number of features (columns) of the input.
        eps: Added to the variance so that a constant feature does not divide by zero.
        momentum: The weight of the new batch in the running averages (torch's convention:
            ``running = (1 - momentum) * running + momentum * batch``).
        dtype: The floating-point type of the parameters and statistics.

    Attributes:
        weight (torch.Tensor): The learnable scale, shape ``(num_features,)``, starts at 1.
        bias (torch.Tensor): The learnable shift, shape ``(num_features,)``, starts at 0.
        running_mean (torch.Tensor): The running average of batch means, starts at 0.
        running_var (torch.Tensor): The running average of unbiased batch variances, starts at 1.
        training (bool): Whether the layer normalizes with batch statistics.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        *,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.eps = eps
        self.momentum = momentum
        self.weight = torch.ones(num_features, dtype=dtype, requires_grad=True)
        self.bias = torch.zeros(num_features, dtype=dtype, requires_grad=True)
        self.running_mean = torch.zeros(num_features, dtype=dtype)
        self.running_var = torch.ones(num_features, dtype=dtype)
        self.training = True

    def train(self, mode: bool = True) -> "BatchNorm1d":
        """Switches to training mode (or to evaluation mode with ``mode=False``)."""
        self.training = mode
        return self

    def eval(self) -> "BatchNorm1d":
        """Switches to evaluation mode: normalize with the running statistics."""
        return self.train(False)

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


# --8<-- [end:batchnorm]
