"""The training loop: epochs of mini-batch steps, with validation after each.

One step is always the same four lines: forward pass, loss, backward pass,
optimizer step (with the gradients cleared first). An epoch runs that over
every mini-batch; after it the model is measured on the validation data,
which it never trains on, so over-fitting shows up as a gap between the two.

Taught in [chapter 8](../ch08_training.md).
"""

# --8<-- [start:imports]
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch

from nnzero.data import MiniBatches
from nnzero.metrics import accuracy
from nnzero.optim import Optimizer

Model = Callable[[torch.Tensor], torch.Tensor]
LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

# --8<-- [end:imports]


# --8<-- [start:train_epoch]
def train_epoch(
    model: Model,
    loss_fn: LossFunction,
    optimizer: Optimizer,
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
) -> float:
    # --8<-- [end:train_epoch]
    """Takes one optimizer step per mini-batch and returns the mean batch loss.

    Args:
        model: Maps a batch of inputs to a batch of outputs.
        loss_fn: Maps ``(outputs, targets)`` to a scalar loss.
        optimizer: Updates the model's parameters.
        batches: The ``(x, y)`` mini-batches of one epoch.

    Returns:
        The average of the batch losses (before each step).
    """
    # --8<-- [start:train_epoch_body]
    total, count = 0.0, 0
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        total += loss.item()
        count += 1
    return total / max(count, 1)


# --8<-- [end:train_epoch_body]


# --8<-- [start:evaluate]
@torch.no_grad()
def evaluate(
    model: Model, loss_fn: LossFunction, x: torch.Tensor, y: torch.Tensor
) -> tuple[float, float]:
    # --8<-- [end:evaluate]
    """Measures the model on data without training it.

    Args:
        model: Maps inputs to class scores.
        loss_fn: Maps ``(scores, targets)`` to a scalar loss.
        x: The inputs.
        y: The class indices.

    Returns:
        ``(loss, accuracy)`` over all of ``x``.
    """
    # --8<-- [start:evaluate_body]
    logits = model(x)
    return loss_fn(logits, y).item(), accuracy(logits.argmax(dim=-1), y)


# --8<-- [end:evaluate_body]


# --8<-- [start:history]
@dataclass
class History:
    # --8<-- [end:history]
    """What [`fit`][nnzero.training.fit] measured after each epoch.

    Attributes:
        train_loss: The mean training batch loss of each epoch.
        val_loss: The validation loss after each epoch (empty without validation data).
        val_accuracy: The validation accuracy after each epoch (empty without
            validation data).
    """

    # --8<-- [start:history_fields]
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)


# --8<-- [end:history_fields]


# --8<-- [start:fit]
def fit(
    model: Model,
    loss_fn: LossFunction,
    optimizer: Optimizer,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    *,
    epochs: int,
    batch_size: int,
    seed: int = 0,
) -> History:
    # --8<-- [end:fit]
    """Trains for a number of epochs, validating after each one.

    Args:
        model: Maps inputs to class scores.
        loss_fn: Maps ``(scores, targets)`` to a scalar loss.
        optimizer: Updates the model's parameters.
        train: The training inputs and targets.
        val: The validation inputs and targets, or ``None`` to skip validation.
        epochs: How many passes over the training data.
        batch_size: The number of samples per step.
        seed: The seed of the shuffling.

    Returns:
        The per-epoch losses and accuracies.
    """
    # --8<-- [start:fit_body]
    batches = MiniBatches(train[0], train[1], batch_size, shuffle=True, seed=seed)
    history = History()
    for _ in range(epochs):
        history.train_loss.append(train_epoch(model, loss_fn, optimizer, batches))
        if val is not None:
            val_loss, val_acc = evaluate(model, loss_fn, val[0], val[1])
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_acc)
    return history


# --8<-- [end:fit_body]
