"""Mini-batches and a train/validation split.

Training looks at the data a small random batch at a time. Each epoch the
samples are put in a new random order (a permutation drawn from a seeded
generator, so runs can be repeated exactly), then cut into consecutive
batches.

Taught in [chapter 8](../ch08_training.md).
"""

# --8<-- [start:imports]
from collections.abc import Iterator

import torch

# --8<-- [end:imports]


# --8<-- [start:mini_batches]
class MiniBatches:
    # --8<-- [end:mini_batches]
    """Iterates over ``(x, y)`` in mini-batches, reshuffled every epoch.

    Each ``for`` loop over the object is one epoch. With ``shuffle=True`` an
    epoch visits the samples in the order ``torch.randperm(n, generator=g)``,
    a fresh permutation each time; the last batch is smaller when ``n`` is
    not a multiple of ``batch_size``.

    Args:
        x: The inputs; the first dimension indexes the samples.
        y: The targets, with as many samples as ``x``.
        batch_size: The number of samples per batch.
        shuffle: Whether to reorder the samples every epoch.
        seed: The seed of the generator behind the permutations.

    Raises:
        ValueError: If ``x`` and ``y`` differ in length or ``batch_size`` < 1.
    """

    # --8<-- [start:mini_batches_init]
    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
    ) -> None:
        # --8<-- [end:mini_batches_init]
        if len(x) != len(y):
            raise ValueError(f"x has {len(x)} samples but y has {len(y)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        # --8<-- [start:mini_batches_fields]
        self.x = x
        self.y = y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = torch.Generator().manual_seed(seed)
        # --8<-- [end:mini_batches_fields]

    # --8<-- [start:mini_batches_iter]
    def __len__(self) -> int:
        """Returns the number of batches in one epoch."""
        return (len(self.x) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Yields the ``(x_batch, y_batch)`` pairs of one epoch."""
        n = len(self.x)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.x[idx], self.y[idx]


# --8<-- [end:mini_batches_iter]


# --8<-- [start:train_val_split]
def train_val_split(
    x: torch.Tensor, y: torch.Tensor, val_fraction: float = 0.2, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    # --8<-- [end:train_val_split]
    """Splits the samples at random into a training part and a validation part.

    Args:
        x: The inputs; the first dimension indexes the samples.
        y: The targets, with as many samples as ``x``.
        val_fraction: The share of samples held out for validation, in (0, 1).
        seed: The seed of the random permutation.

    Returns:
        ``(x_train, y_train, x_val, y_val)``; the validation part has
            ``round(val_fraction * n)`` samples.

    Raises:
        ValueError: If the lengths differ or ``val_fraction`` is not in (0, 1).
    """
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} samples but y has {len(y)}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), not {val_fraction}")
    # --8<-- [start:train_val_split_body]
    n = len(x)
    n_val = round(val_fraction * n)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    val_idx, train_idx = order[:n_val], order[n_val:]
    return x[train_idx], y[train_idx], x[val_idx], y[val_idx]


# --8<-- [end:train_val_split_body]
