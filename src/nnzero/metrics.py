"""Metrics: numbers that say how well a model does, as opposed to losses it trains on.

Taught in [chapter 8](../ch08_training.md).
"""

import torch


# --8<-- [start:accuracy]
def accuracy(input: torch.Tensor, target: torch.Tensor) -> float:
    # --8<-- [end:accuracy]
    """Returns the share of predicted labels that equal the true labels.

    For class scores (logits) of shape ``(N, C)`` pass ``logits.argmax(dim=-1)``.

    Args:
        input: The predicted labels, any shape.
        target: The true labels, same shape as ``input``.

    Returns:
        A number between 0 and 1.

    Raises:
        ValueError: If the shapes differ (for example, when logits are passed
            instead of labels).
    """
    if input.shape != target.shape:
        raise ValueError(f"input {tuple(input.shape)} and target {tuple(target.shape)} differ")
    # --8<-- [start:accuracy_body]
    return (input == target).double().mean().item()


# --8<-- [end:accuracy_body]
