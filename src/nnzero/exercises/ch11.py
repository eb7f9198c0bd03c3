"""Checks of the exercises of chapter 11 (initialization, normalization, regularization).

1. Batch normalization in training mode, equal to ``torch.nn.functional.batch_norm``.
2. Dropout: zeros with probability ``p``, survivors scaled by ``1 / (1 - p)``, identity in
   evaluation mode.
3. The running statistics of ``torch.nn.BatchNorm1d`` after one training batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from nnzero.exercises import verdict

F64 = torch.float64
BatchNorm = Callable[..., Any]
DropoutFunction = Callable[..., Any]
RunningUpdate = Callable[..., Any]


def _close(x: object, y: torch.Tensor) -> bool:
    return (
        isinstance(x, torch.Tensor)
        and x.shape == y.shape
        and bool(torch.allclose(x.detach().to(F64), y, rtol=1e-10, atol=1e-12))
    )


def check_1(batch_norm: BatchNorm) -> None:
    """Checks ``batch_norm(x, weight, bias, eps=1e-5)`` against torch in training mode.

    Args:
        batch_norm: The learner's function; it normalizes each column of ``x`` over the
            batch with the batch's mean and biased variance, then scales and shifts.
    """
    generator = torch.Generator().manual_seed(11)
    for n, features in [(6, 3), (32, 5), (3, 2)]:
        x = 4 * torch.randn(n, features, dtype=F64, generator=generator) + 1
        weight = torch.rand(features, dtype=F64, generator=generator) + 0.5
        bias = torch.randn(features, dtype=F64, generator=generator)
        expected = torch.nn.functional.batch_norm(x, None, None, weight, bias, training=True)
        answer = batch_norm(x.clone(), weight.clone(), bias.clone())
        if _close(answer, expected):
            continue
        mean, biased = x.mean(dim=0), x.var(dim=0, unbiased=False)
        unbiased = x.var(dim=0, unbiased=True)
        with_unbiased = (x - mean) / torch.sqrt(unbiased + 1e-5) * weight + bias
        no_affine = (x - mean) / torch.sqrt(biased + 1e-5)
        over_rows = (
            torch.nn.functional.batch_norm(x.T, None, None, None, None, training=True).T * weight
            + bias
        )
        if _close(answer, with_unbiased):
            hint = {
                "ru": "Дисперсия посчитана с делением на N − 1. Батч-нормализация нормирует "
                "смещённой дисперсией: x.var(dim=0, unbiased=False).",
                "en": "The variance divides by N − 1. Batch normalization normalizes with the "
                "biased variance: x.var(dim=0, unbiased=False).",
            }
        elif _close(answer, no_affine):
            hint = {
                "ru": "Нормировка верная, но не хватает масштаба и сдвига: умножьте на weight "
                "и прибавьте bias.",
                "en": "The normalization is right, but the scale and shift are missing: "
                "multiply by weight and add bias.",
            }
        elif _close(answer, over_rows):
            hint = {
                "ru": "Статистики посчитаны по строкам. Среднее и дисперсию каждого признака "
                "берут по батчу, то есть по dim=0.",
                "en": "The statistics are taken along the rows. Each feature's mean and "
                "variance are taken over the batch, that is over dim=0.",
            }
        else:
            hint = {
                "ru": "Ответ расходится с torch.nn.functional.batch_norm. Формула: "
                "(x − mean) / sqrt(var + eps) · weight + bias, eps внутри корня.",
                "en": "The answer differs from torch.nn.functional.batch_norm. The formula is "
                "(x − mean) / sqrt(var + eps) · weight + bias, with eps inside the root.",
            }
        verdict(1, False, hint)
    verdict(1, True, {"ru": "-", "en": "-"})


def check_2(dropout: DropoutFunction) -> None:
    """Checks ``dropout(x, p, training=True)`` by the statistics of its output.

    Args:
        dropout: The learner's function; in training mode it zeroes each element with
            probability ``p`` and multiplies the others by ``1 / (1 - p)``; with
            ``training=False`` it returns ``x`` unchanged.
    """
    generator = torch.Generator().manual_seed(12)
    x = torch.rand(200_000, dtype=F64, generator=generator) + 0.5  # no zeros in the input
    for p in [0.2, 0.5, 0.7]:
        out = dropout(x.clone(), p)
        if not isinstance(out, torch.Tensor) or out.shape != x.shape:
            verdict(
                2,
                False,
                {
                    "ru": "Верните тензор той же формы, что x.",
                    "en": "Return a tensor of the same shape as x.",
                },
            )
            return
        out = out.detach().to(F64)
        zeros = float((out == 0).double().mean())
        kept = out != 0
        ratios = out[kept] / x[kept]
        if abs(zeros - (1 - p)) < 0.01 and abs(zeros - p) > 0.05:
            hint = {
                "ru": "Зануляется доля 1 − p, а не p. p — вероятность выбросить элемент.",
                "en": "A share of 1 − p is zeroed instead of p. p is the probability of "
                "dropping an element.",
            }
        elif abs(zeros - p) > 0.01:
            hint = {
                "ru": f"Доля нулей {zeros:.3f}, а при p = {p} должна быть около {p}.",
                "en": f"The share of zeros is {zeros:.3f}; with p = {p} it should be about {p}.",
            }
        elif torch.allclose(ratios, torch.ones_like(ratios)):
            hint = {
                "ru": "Оставшиеся значения не масштабированы. Разделите их на 1 − p, чтобы "
                "среднее выхода не изменилось.",
                "en": "The kept values are not rescaled. Divide them by 1 − p so that the "
                "mean of the output stays the same.",
            }
        elif torch.allclose(ratios, torch.full_like(ratios, 1 - p)):
            hint = {
                "ru": "Оставшиеся значения умножены на 1 − p, а нужно разделить на 1 − p.",
                "en": "The kept values are multiplied by 1 − p; they should be divided by it.",
            }
        elif not torch.allclose(ratios, torch.full_like(ratios, 1 / (1 - p))):
            hint = {
                "ru": "Каждое оставшееся значение должно быть ровно x / (1 − p).",
                "en": "Every kept value should be exactly x / (1 − p).",
            }
        else:
            continue
        verdict(2, False, hint)
    evaluation = dropout(x.clone(), 0.5, training=False)
    if not _close(evaluation, x):
        verdict(
            2,
            False,
            {
                "ru": "С training=False дропаут ничего не меняет: верните x как есть.",
                "en": "With training=False dropout changes nothing: return x as it is.",
            },
        )
    verdict(2, True, {"ru": "-", "en": "-"})


def check_3(update_running: RunningUpdate) -> None:
    """Checks ``update_running(running_mean, running_var, x, momentum=0.1)`` against torch.

    Args:
        update_running: The learner's function; it returns the new running mean and running
            variance after the training batch ``x``, as ``torch.nn.BatchNorm1d`` keeps them.
    """
    generator = torch.Generator().manual_seed(13)
    for n, momentum in [(5, 0.1), (20, 0.3), (4, 0.05)]:
        start_mean = torch.randn(3, dtype=F64, generator=generator)
        start_var = torch.rand(3, dtype=F64, generator=generator) + 0.5
        layer = torch.nn.BatchNorm1d(3, momentum=momentum, dtype=F64)
        layer.running_mean = start_mean.clone()
        layer.running_var = start_var.clone()
        x = 2 * torch.randn(n, 3, dtype=F64, generator=generator) + 1
        layer(x)
        torch_mean, torch_var = layer.running_mean, layer.running_var
        answer = update_running(start_mean.clone(), start_var.clone(), x.clone(), momentum)
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            verdict(
                3,
                False,
                {
                    "ru": "Верните пару (новое среднее, новая дисперсия).",
                    "en": "Return a pair (new mean, new variance).",
                },
            )
            return
        new_mean, new_var = answer
        if _close(new_mean, torch_mean) and _close(new_var, torch_var):
            continue
        swapped_mean = momentum * start_mean + (1 - momentum) * x.mean(dim=0)
        biased_var = (1 - momentum) * start_var + momentum * x.var(dim=0, unbiased=False)
        if _close(new_mean, swapped_mean):
            hint = {
                "ru": "Веса перепутаны: в PyTorch momentum — доля нового батча, "
                "running = (1 − momentum) · running + momentum · batch.",
                "en": "The weights are swapped: in PyTorch momentum is the share of the new "
                "batch, running = (1 − momentum) · running + momentum · batch.",
            }
        elif _close(new_mean, torch_mean) and _close(new_var, biased_var):
            hint = {
                "ru": "Среднее верное, а в дисперсию идёт несмещённая оценка батча: "
                "деление на N − 1, а не на N.",
                "en": "The mean is right, but the variance takes the batch's unbiased "
                "estimate: divide by N − 1, not by N.",
            }
        else:
            hint = {
                "ru": "Ответ расходится с torch.nn.BatchNorm1d. Обе статистики обновляются "
                "как (1 − momentum) · старое + momentum · значение по батчу.",
                "en": "The answer differs from torch.nn.BatchNorm1d. Both statistics update "
                "as (1 − momentum) · old + momentum · the batch's value.",
            }
        verdict(3, False, hint)
    verdict(3, True, {"ru": "-", "en": "-"})
