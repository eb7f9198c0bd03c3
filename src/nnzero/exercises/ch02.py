"""Checks for the exercises of chapter 2: logic gates from step neurons."""

from __future__ import annotations

from collections.abc import Callable

import torch

from nnzero.exercises._common import F64, judge

BITS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=F64)
"""The four inputs of a function of two bits, one per row."""


def _answers(model: Callable[[torch.Tensor], torch.Tensor]) -> list[float] | None:
    """The model's outputs on the four pairs of bits, or None if it gives no such list."""
    try:
        out = model(BITS)
    except (RuntimeError, TypeError):
        return None
    if not isinstance(out, torch.Tensor) or out.numel() != 4:
        return None
    return [float(v) for v in out.reshape(4).tolist()]


def check_1(neuron: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Checks a step neuron that computes AND: 1 only when both inputs are 1.

    Args:
        neuron: Maps a batch of pairs of bits, shape ``(4, 2)``, to outputs, shape ``(4,)``;
            for example an ``nnzero.neuron.Neuron`` with the ``step`` activation.

    Raises:
        ExerciseError: The outputs are not 0, 0, 0, 1.
    """
    judge(
        1,
        None
        if _answers(neuron) == [0.0, 0.0, 0.0, 1.0]
        else {
            "ru": "на входах (0, 0), (0, 1), (1, 0), (1, 1) нейрон должен выдать 0, 0, 0, 1; "
            "при весах 1 и 1 сумма x1 + x2 равна 0, 1, 1 или 2 — подберите смещение, чтобы "
            "порог оказался между 1 и 2",
            "en": "on the inputs (0, 0), (0, 1), (1, 0), (1, 1) the neuron must output 0, 0, 0, "
            "1; with weights 1 and 1 the sum x1 + x2 is 0, 1, 1 or 2, so choose a bias that "
            "puts the threshold between 1 and 2",
        },
    )


def check_2(xor_net: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Checks a small network that computes XOR: 1 when exactly one input is 1.

    Args:
        xor_net: Maps a batch of pairs of bits, shape ``(4, 2)``, to outputs, shape ``(4,)``.

    Raises:
        ExerciseError: The outputs are not 0, 1, 1, 0.
    """
    judge(
        2,
        None
        if _answers(xor_net) == [0.0, 1.0, 1.0, 0.0]
        else {
            "ru": "на входах (0, 0), (0, 1), (1, 0), (1, 1) сеть должна выдать 0, 1, 1, 0; "
            "XOR — это «хотя бы одна единица» (OR) и одновременно «не обе единицы» (NAND): "
            "проверьте каждый из трёх нейронов отдельно",
            "en": "on the inputs (0, 0), (0, 1), (1, 0), (1, 1) the network must output 0, 1, "
            "1, 0; XOR is 'at least one 1' (OR) and at the same time 'not both 1' (NAND): "
            "check each of the three neurons on its own",
        },
    )
