"""Dropout from scratch, as ``torch.nn.Dropout``.

While training, dropout zeroes each input element with probability ``p`` and
multiplies the survivors by ``1 / (1 - p)``, so the expected value of every
element stays the same. In evaluation mode it passes the input through
unchanged.

Taught in [chapter 11](../ch11_init_norm_reg.md#dropout).
"""

import torch

from nnzero._torch_args import init_subset_of

# --8<-- [start:imports]
from nnzero.layers import Module

# --8<-- [end:imports]


# --8<-- [start:dropout]
class Dropout(Module):
    # --8<-- [end:dropout]
    """Zeroes random elements while training and rescales the rest, like ``torch.nn.Dropout``.

    The mask is drawn with ``bernoulli_(1 - p)``, the same call torch makes, so with the same
    seed both layers drop the same elements.

    Args:
        p: The probability of zeroing an element, ``0 <= p < 1``.
        generator: The random number generator for the masks (the default one if ``None``).

    Attributes:
        training (bool): Whether the layer drops elements; ``False`` makes it the identity.
            ``train()`` and ``eval()``, from [`Module`][nnzero.layers.Module], switch it.

    Raises:
        ValueError: If ``p`` is outside ``[0, 1)``.
    """

    # --8<-- [start:dropout_body]
    def __init__(self, p: float = 0.5, *, generator: torch.Generator | None = None) -> None:
        if not 0 <= p < 1:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p
        self.generator = generator
        self.training = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns ``x`` with about a fraction ``p`` of it zeroed and the rest scaled."""
        if not self.training or self.p == 0:
            return x
        keep = torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)  # 1 = keep
        return x * (keep / (1 - self.p))


# --8<-- [end:dropout_body]


init_subset_of(Dropout, "torch.nn.Dropout", inplace=False)
