"""Checks of chapter 6's exercises (loss functions): values and gradients against torch."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F  # noqa: N812

from nnzero.exercises import Hint
from nnzero.exercises._common import F64, close, judge, value_and_grad

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _compare(
    number: int,
    answer: Callable[..., torch.Tensor],
    reference: Callable[..., torch.Tensor],
    cases: Sequence[tuple[torch.Tensor, ...]],
    hints: dict[str, Hint],
) -> Hint | None:
    """The first of the hints ``shape``, ``finite``, ``value``, ``grad`` that fits, or None.

    The answer's value and gradient are compared with the reference's on every case.
    """
    for input, *rest in cases:
        value, grad = value_and_grad(number, answer, input, *rest)
        want_value, want_grad = value_and_grad(number, reference, input, *rest)
        if value.shape != want_value.shape:
            return hints["shape"]
        if not (torch.isfinite(value).all() and torch.isfinite(grad).all()):
            return hints["finite"]
        if not close(value, want_value):
            return hints["value"]
        if not close(grad, want_grad):
            return hints["grad"]
    return None


# Exercise 1 ------------------------------------------------------------------------------------

_LSE: dict[str, Hint] = {
    "shape": {
        "ru": "сворачивать нужно последнюю ось: для входа формы (N, C) ответ — N чисел",
        "en": "reduce over the last dimension: an input of shape (N, C) gives N numbers",
    },
    "finite": {
        "ru": "экспонента переполнилась: вычтите максимум строки до exp и прибавьте его после log",
        "en": "exp overflowed: subtract each row's maximum before exp and add it back after log",
    },
    "value": {
        "ru": "значение не совпадает с torch.logsumexp(z, dim=-1): не забыли прибавить максимум?",
        "en": "the value differs from torch.logsumexp(z, dim=-1): did you add the maximum back?",
    },
    "grad": {
        "ru": "значение верное, а градиент нет (он должен равняться софтмаксу): "
        "считайте всё операциями torch, без .item() и .tolist()",
        "en": "the value is right but the gradient (which must equal the softmax) is not: "
        "keep every step a torch operation, no .item() or .tolist()",
    },
}


def check_1(answer: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Exercise 1: a log-sum-exp over the last dimension that survives logits of ±1000.

    Args:
        answer: The learner's function of a tensor ``z``, reducing its last dimension.
    """
    g = torch.Generator().manual_seed(6)
    cases = [
        (torch.randn(5, generator=g, dtype=F64),),
        (torch.randn(3, 4, generator=g, dtype=F64) * 5,),
        (torch.tensor([[1000.0, 1000.0, 999.0], [-1000.0, -1000.0, -1000.0]], dtype=F64),),
        (torch.tensor([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]], dtype=F64),),  # ties
    ]
    judge(1, _compare(1, answer, lambda z: torch.logsumexp(z, dim=-1), cases, _LSE))


# Exercise 2 ------------------------------------------------------------------------------------

_BCE: dict[str, Hint] = {
    "shape": {
        "ru": "функция должна вернуть одно число — среднее по всем элементам",
        "en": "return one number: the mean over all elements",
    },
    "finite": {
        "ru": "на логитах ±1000 получилось inf или nan: не считайте сигмоиду, а потом её "
        "логарифм, используйте log(1 + exp(z)) в виде, который не переполняется",
        "en": "logits of ±1000 gave inf or nan: do not take the sigmoid and then its log, "
        "use log(1 + exp(z)) in a form that does not overflow",
    },
    "value": {
        "ru": "значение не совпадает с F.binary_cross_entropy_with_logits: проверьте знаки "
        "и усреднение по всем элементам",
        "en": "the value differs from F.binary_cross_entropy_with_logits: check the signs "
        "and that you average over all elements",
    },
    "grad": {
        "ru": "значение верное, а градиент нет (он должен быть (sigmoid(z) - y) / n, "
        "и при z = 0 тоже: (0,5 - y) / n; у clamp и where производная в нуле другая): "
        "не отрывайте вычисление от графа (.detach(), .item())",
        "en": "the value is right but the gradient (which must be (sigmoid(z) - y) / n, at "
        "z = 0 too: (0.5 - y) / n; clamp and where have another derivative at 0) is not: "
        "do not cut the computation off the graph (.detach(), .item())",
    },
}


def check_2(answer: Loss) -> None:
    """Exercise 2: mean binary cross-entropy on logits, values and gradients like torch's.

    Logits of exactly 0 are tried too: a zero-initialized last layer puts every logit there.

    Args:
        answer: The learner's ``f(input, target)``: logits and labels of the same shape.
    """
    g = torch.Generator().manual_seed(60)
    cases = []
    for scale in [1.0, 10.0]:
        z = torch.randn(8, generator=g, dtype=F64) * scale
        cases.append((z, torch.randint(0, 2, (8,), generator=g).to(F64)))
        cases.append((z, torch.rand(8, generator=g, dtype=F64)))
    extreme = torch.tensor([1000.0, -1000.0, 50.0, -50.0, 0.5, 0.0], dtype=F64)
    cases += [(extreme, torch.zeros_like(extreme)), (extreme, torch.ones_like(extreme))]
    cases.append(
        (torch.randn(4, 3, generator=g, dtype=F64), torch.rand(4, 3, generator=g, dtype=F64))
    )
    zeros = torch.zeros(6, dtype=F64)
    cases.append((zeros, torch.tensor([0.0, 1.0, 0.0, 1.0, 0.25, 1.0], dtype=F64)))
    judge(2, _compare(2, answer, F.binary_cross_entropy_with_logits, cases, _BCE))


# Exercise 3 ------------------------------------------------------------------------------------

_MAE: dict[str, Hint] = {
    "value": {
        "ru": "MAE — одно число: среднее модулей разностей |input - target| по всем элементам",
        "en": "MAE is one number: the mean of the absolute differences |input - target|",
    },
    "grad": {
        "ru": "значение верное, а градиент нет: он должен быть sign(input - target) / n, "
        "а там, где input == target, — ровно 0, как у .abs()",
        "en": "the value is right but the gradient is not: it must be sign(input - target) / n, "
        "and exactly 0 where input == target, as with .abs()",
    },
}
_MAE["shape"] = _MAE["value"]
_MAE["finite"] = _MAE["grad"]  # a square root of a square has no gradient at a tie


def check_3(answer: Loss) -> None:
    """Exercise 3: mean absolute error, values and gradients like ``F.l1_loss``, ties included.

    Args:
        answer: The learner's ``mae(input, target)``.
    """
    g = torch.Generator().manual_seed(600)
    cases = []
    for shape in [(5,), (3, 4)]:
        cases.append(
            (
                torch.randn(shape, generator=g, dtype=F64) * 3,
                torch.randn(shape, generator=g, dtype=F64),
            )
        )
    tie = torch.tensor([1.0, 2.0, -3.0, 0.0], dtype=F64)
    cases.append((tie, torch.tensor([1.0, 0.0, -3.0, 5.0], dtype=F64)))  # input == target twice
    judge(3, _compare(3, answer, F.l1_loss, cases, _MAE))
