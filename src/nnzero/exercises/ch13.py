"""Checks of chapter 13's exercises (a yes/no classifier on pictures), against references."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F  # noqa: N812

from nnzero.exercises import Hint
from nnzero.exercises._common import F64, call, close, fail, passed

# Exercise 1 ------------------------------------------------------------------------------------

_F1_VALUE: Hint = {
    "ru": "F1 — это 2·P·R / (P + R), где P — точность, R — полнота; "
    "считайте TP, FP и FN по предсказанным меткам 0 и 1",
    "en": "F1 is 2·P·R / (P + R) with P the precision and R the recall; "
    "count TP, FP and FN from the predicted labels 0 and 1",
}
_F1_ZERO: Hint = {
    "ru": "когда ни одного верного срабатывания нет (TP = 0), точность и полнота равны 0 "
    "или не определены, а F1 = 0: считайте его как 2·TP / (2·TP + FP + FN), без деления 0 на 0",
    "en": "when there are no true positives (TP = 0) the precision and recall are 0 or "
    "undefined, and F1 is 0: compute it as 2·TP / (2·TP + FP + FN), with no 0 / 0",
}
_F1_TYPE: Hint = {
    "ru": "функция должна вернуть одно число (float), например через .item() или float(...)",
    "en": "return one number (a float), for example with .item() or float(...)",
}


def _reference_f1(predicted: torch.Tensor, target: torch.Tensor) -> float:
    tp = float(((predicted == 1) & (target == 1)).sum())
    fp = float(((predicted == 1) & (target == 0)).sum())
    fn = float(((predicted == 0) & (target == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn)


def _f1_cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(13)
    cases = []
    for n in [8, 20, 50]:
        target = torch.randint(0, 2, (n,), generator=g).to(F64)
        target[0] = 1.0  # at least one positive, so F1 is defined
        predicted = torch.randint(0, 2, (n,), generator=g).to(F64)
        predicted[0] = 1.0
        cases.append((predicted, target))
    target = torch.tensor([1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], dtype=F64)
    cases.append((torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], dtype=F64), target))
    cases.append((torch.ones(8, dtype=F64), target))
    cases.append((torch.zeros(8, dtype=F64), target))  # nothing found: F1 is 0
    cases.append((1 - target, target))  # every answer wrong: no true positives, F1 is 0
    return cases


def check_1(answer: Callable[[torch.Tensor, torch.Tensor], float | torch.Tensor]) -> None:
    """Exercise 1: the F1 score, the harmonic mean of precision and recall.

    Args:
        answer: The learner's ``f1_score(predicted, target)`` on tensors of 0s and 1s.
    """
    for predicted, target in _f1_cases():
        try:
            value = call(1, answer, predicted.clone(), target.clone(), allow=(ZeroDivisionError,))
        except ZeroDivisionError:
            fail(1, _F1_ZERO)
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if not isinstance(value, float | int):
            fail(1, _F1_TYPE)
        if not close(value, torch.tensor(_reference_f1(predicted, target))):
            fail(1, _F1_ZERO if _reference_f1(predicted, target) == 0 else _F1_VALUE)
    passed(1)


# Exercise 2 ------------------------------------------------------------------------------------

_LOOPS_SHAPE: Hint = {
    "ru": "форма ответа должна быть (N, C_out, H - k + 1, W - k + 1): "
    "без дополнения нулями фильтр помещается в H - k + 1 положений по высоте",
    "en": "the result must have shape (N, C_out, H - k + 1, W - k + 1): "
    "without padding the filter fits in H - k + 1 positions down the picture",
}
_LOOPS_VALUE: Hint = {
    "ru": "значения не совпадают с F.conv2d(x, weight): в положении (i, j) нужна сумма "
    "x[n, :, i:i+k, j:j+k] * weight[o] по всем каналам и клеткам фильтра",
    "en": "the values differ from F.conv2d(x, weight): at position (i, j) take the sum of "
    "x[n, :, i:i+k, j:j+k] * weight[o] over every channel and cell of the filter",
}


def check_2(answer: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """Exercise 2: a convolution written with loops over positions, equal to ``F.conv2d``.

    Args:
        answer: The learner's ``conv2d_loops(x, weight)`` (stride 1, no padding, no bias).
    """
    g = torch.Generator().manual_seed(130)
    for shape, filters in [((1, 1, 5, 5), (1, 1, 3, 3)), ((2, 3, 7, 6), (4, 3, 3, 3))]:
        x = torch.randn(shape, generator=g, dtype=F64)
        weight = torch.randn(filters, generator=g, dtype=F64)
        ours = torch.as_tensor(call(2, answer, x.clone(), weight.clone()))
        want = F.conv2d(x, weight)
        if ours.shape != want.shape:
            fail(2, _LOOPS_SHAPE)
        if not close(ours, want):
            fail(2, _LOOPS_VALUE)
    passed(2)


# Exercise 3 ------------------------------------------------------------------------------------

_SHIFT_VALUE: Hint = {
    "ru": "столбец j должен переехать в столбец j + pixels, а освободившиеся столбцы — "
    "заполниться нулями (torch.roll возвращает их с другой стороны: обнулите их)",
    "en": "column j must move to column j + pixels and the columns left empty must be zeros "
    "(torch.roll brings them back from the other side: zero them)",
}
_SHIFT_INPLACE: Hint = {
    "ru": "функция изменила исходные картинки: сдвигайте копию (torch.zeros_like, .clone())",
    "en": "the function changed the original pictures: shift a copy (torch.zeros_like, .clone())",
}


def _reference_shift(images: torch.Tensor, pixels: int) -> torch.Tensor:
    shifted = torch.zeros_like(images)
    width = images.shape[-1]
    if pixels >= 0:
        shifted[..., pixels:] = images[..., : width - pixels]
    else:
        shifted[..., :pixels] = images[..., -pixels:]
    return shifted


def check_3(answer: Callable[[torch.Tensor, int], torch.Tensor]) -> None:
    """Exercise 3: shifting pictures sideways by whole pixels, filling the gap with zeros.

    Args:
        answer: The learner's ``shift_right(images, pixels)`` for images ``(N, C, H, W)``.
    """
    g = torch.Generator().manual_seed(1300)
    images = torch.rand(3, 1, 5, 6, generator=g, dtype=F64) + 0.5  # no zeros of its own
    for pixels in [0, 1, 2, -1, -3, 5]:
        original = images.clone()
        ours = torch.as_tensor(call(3, answer, images, pixels, may_change=True))
        if not torch.equal(images, original):
            fail(3, _SHIFT_INPLACE)
        if not close(ours, _reference_shift(original, pixels)):
            fail(3, _SHIFT_VALUE)
    passed(3)
