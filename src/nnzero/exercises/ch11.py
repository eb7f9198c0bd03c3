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

from nnzero.exercises import Hint
from nnzero.exercises._common import F64, call, close, fail, passed

BatchNorm = Callable[..., Any]
DropoutFunction = Callable[..., Any]
RunningUpdate = Callable[..., Any]


def check_1(batch_norm: BatchNorm) -> None:
    """Checks ``batch_norm(x, weight, bias, eps=1e-5)`` against torch in training mode.

    Both the output and the gradient with respect to ``x`` must match: in training mode the
    gradient also flows through the batch's mean and variance.

    Args:
        batch_norm: The learner's function; it normalizes each column of ``x`` over the
            batch with the batch's mean and biased variance, then scales and shifts.
    """
    generator = torch.Generator().manual_seed(11)
    for n, features, eps in [(6, 3, 1e-5), (32, 5, 1e-5), (3, 2, 1e-5), (5, 4, 0.5)]:
        x = 4 * torch.randn(n, features, dtype=F64, generator=generator) + 1
        weight = torch.rand(features, dtype=F64, generator=generator) + 0.5
        bias = torch.randn(features, dtype=F64, generator=generator)
        upstream = torch.randn(n, features, dtype=F64, generator=generator)
        leaf = x.clone().requires_grad_()
        expected = torch.nn.functional.batch_norm(
            leaf, None, None, weight, bias, training=True, eps=eps
        )
        (expected_grad,) = torch.autograd.grad(expected, leaf, upstream)
        expected = expected.detach()
        leaf = x.clone().requires_grad_()
        answer = call(1, batch_norm, leaf, weight.clone(), bias.clone(), eps)
        if close(answer, expected):
            grad = None
            if isinstance(answer, torch.Tensor) and answer.requires_grad:
                (grad,) = torch.autograd.grad(answer, leaf, upstream, allow_unused=True)
            if grad is not None and close(grad, expected_grad):
                continue
            fail(
                1,
                {
                    "ru": "Значения верные, а градиент по x нет: в режиме обучения он идёт и "
                    "через среднее и дисперсию батча; не отрывайте их от графа "
                    "(.detach(), .item(), torch.no_grad()).",
                    "en": "The values are right but the gradient with respect to x is not: in "
                    "training mode it also flows through the batch's mean and variance; do not "
                    "cut them off the graph (.detach(), .item(), torch.no_grad()).",
                },
            )
        mean, biased = x.mean(dim=0), x.var(dim=0, unbiased=False)
        unbiased = x.var(dim=0, unbiased=True)
        with_unbiased = (x - mean) / torch.sqrt(unbiased + eps) * weight + bias
        no_affine = (x - mean) / torch.sqrt(biased + eps)
        default_eps = (x - mean) / torch.sqrt(biased + 1e-5) * weight + bias
        over_rows = (
            torch.nn.functional.batch_norm(x.T, None, None, None, None, training=True, eps=eps).T
            * weight
            + bias
        )
        if eps != 1e-5 and close(answer, default_eps):
            hint = {
                "ru": f"При eps = {eps} ответ такой, будто eps = 1e-5: берите eps из аргумента.",
                "en": f"With eps = {eps} the answer is that of eps = 1e-5: take eps from the "
                "argument.",
            }
        elif close(answer, with_unbiased):
            hint = {
                "ru": "Дисперсия посчитана с делением на N − 1. Батч-нормализация нормирует "
                "смещённой дисперсией: x.var(dim=0, unbiased=False).",
                "en": "The variance divides by N − 1. Batch normalization normalizes with the "
                "biased variance: x.var(dim=0, unbiased=False).",
            }
        elif close(answer, no_affine):
            hint = {
                "ru": "Нормировка верная, но не хватает масштаба и сдвига: умножьте на weight "
                "и прибавьте bias.",
                "en": "The normalization is right, but the scale and shift are missing: "
                "multiply by weight and add bias.",
            }
        elif close(answer, over_rows):
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
        fail(1, hint)
    passed(1)


def _dropout_problem(out: object, x: torch.Tensor, p: float) -> Hint | None:
    """The hint for what is wrong with one training-mode output of dropout, or None."""
    if not isinstance(out, torch.Tensor) or out.shape != x.shape:
        return {
            "ru": "Верните тензор той же формы, что x.",
            "en": "Return a tensor of the same shape as x.",
        }
    out = out.detach().to(F64)
    zeros = float((out == 0).double().mean())
    kept = out != 0
    ratios = out[kept] / x[kept]
    if bool((kept == kept[0]).all()):
        return {
            "ru": "Все строки батча потеряли одни и те же элементы: маска одна на всех. "
            "Тяните случайные числа формы x.shape, чтобы каждый пример получил свою маску.",
            "en": "Every row of the batch lost the same elements: one mask is shared by all "
            "samples. Draw random numbers of shape x.shape, so that each sample gets its own.",
        }
    if abs(zeros - (1 - p)) < 0.01 and abs(zeros - p) > 0.05:
        return {
            "ru": "Зануляется доля 1 − p, а не p. p — вероятность выбросить элемент.",
            "en": "A share of 1 − p is zeroed instead of p. p is the probability of "
            "dropping an element.",
        }
    if abs(zeros - p) > 0.01:
        return {
            "ru": f"Доля нулей {zeros:.3f}, а при p = {p} должна быть около {p}.",
            "en": f"The share of zeros is {zeros:.3f}; with p = {p} it should be about {p}.",
        }
    for factor, hint in [
        (
            1.0,
            {
                "ru": "Оставшиеся значения не масштабированы. Разделите их на 1 − p, чтобы "
                "среднее выхода не изменилось.",
                "en": "The kept values are not rescaled. Divide them by 1 − p so that the "
                "mean of the output stays the same.",
            },
        ),
        (
            1 - p,
            {
                "ru": "Оставшиеся значения умножены на 1 − p, а нужно разделить на 1 − p.",
                "en": "The kept values are multiplied by 1 − p; they should be divided by it.",
            },
        ),
    ]:
        if close(ratios, torch.full_like(ratios, factor)):
            return hint
    if not close(ratios, torch.full_like(ratios, 1 / (1 - p))):
        return {
            "ru": "Каждое оставшееся значение должно быть ровно x / (1 − p).",
            "en": "Every kept value should be exactly x / (1 − p).",
        }
    return None


def check_2(dropout: DropoutFunction) -> None:
    """Checks ``dropout(x, p, training=True)`` by the statistics of its output.

    Args:
        dropout: The learner's function; in training mode it zeroes each element with
            probability ``p``, independently for every sample, and multiplies the others by
            ``1 / (1 - p)``; with ``training=False`` it returns ``x`` unchanged.
    """
    generator = torch.Generator().manual_seed(12)
    x = torch.rand(2000, 100, dtype=F64, generator=generator) + 0.5  # no zeros in the input
    for p in [0.2, 0.5, 0.7]:
        problem = _dropout_problem(call(2, dropout, x, p), x, p)
        if problem is not None:
            fail(2, problem)
    first, second = (call(2, dropout, x, 0.5) for _ in range(2))
    if torch.equal(first == 0, second == 0):
        fail(
            2,
            {
                "ru": "Два вызова выбросили одни и те же элементы: маска должна быть новой при "
                "каждом вызове (не задавайте seed внутри функции).",
                "en": "Two calls dropped the same elements: the mask must be new on every call "
                "(do not set a seed inside the function).",
            },
        )
    if not close(call(2, dropout, x, 0.5, False), x):
        fail(
            2,
            {
                "ru": "С training=False дропаут ничего не меняет: верните x как есть.",
                "en": "With training=False dropout changes nothing: return x as it is.",
            },
        )
    passed(2)


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
        args = (start_mean.clone(), start_var.clone(), x.clone(), momentum)
        answer = call(3, update_running, *args, may_change=True)  # as torch, in place is fine
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            fail(
                3,
                {
                    "ru": "Верните пару (новое среднее, новая дисперсия).",
                    "en": "Return a pair (new mean, new variance).",
                },
            )
        new_mean, new_var = answer
        if close(new_mean, torch_mean) and close(new_var, torch_var):
            continue
        swapped_mean = momentum * start_mean + (1 - momentum) * x.mean(dim=0)
        biased_var = (1 - momentum) * start_var + momentum * x.var(dim=0, unbiased=False)
        if close(new_mean, swapped_mean):
            hint = {
                "ru": "Веса перепутаны: в PyTorch momentum — доля нового батча, "
                "running = (1 − momentum) · running + momentum · batch.",
                "en": "The weights are swapped: in PyTorch momentum is the share of the new "
                "batch, running = (1 − momentum) · running + momentum · batch.",
            }
        elif close(new_mean, torch_mean) and close(new_var, biased_var):
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
        fail(3, hint)
    passed(3)
