"""Checks of the exercises of chapter 5 (autograd in PyTorch)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from nnzero.exercises import Hint
from nnzero.exercises._common import F64, call, close, fail, judge

TensorFunction = Callable[[torch.Tensor], torch.Tensor]


def _backward(loss: torch.Tensor) -> None:
    """``loss.backward()``, typed (torch leaves ``Tensor.backward`` unannotated)."""
    torch.autograd.backward(loss)


# --- Exercise 1: predict .grad after three backward() calls ------------------------------------

_W1 = (1.0, -2.0)
_ADDS_UP: Hint = {
    "ru": "backward() не заменяет .grad, а прибавляет к нему: сложите вклады всех трёх вызовов.",
    "en": "backward() does not replace .grad, it adds to it: sum what all three calls contribute.",
}
_EXERCISE_1_MISTAKES: list[tuple[Callable[[torch.Tensor], torch.Tensor], Hint]] = [
    (
        lambda w: 2 * w,
        {
            "ru": "Это вклад одного вызова backward(), а их было три, и .grad не обнуляли.",
            "en": "That is one backward() call's share; there were three, and .grad was "
            "never zeroed.",
        },
    ),
    (
        lambda w: torch.full_like(w, 3.0),
        {
            "ru": "Это вклад только последнего вызова; предыдущие два никто не обнулял.",
            "en": "That is only the last call's share; nobody zeroed the first two.",
        },
    ),
    (
        lambda w: 2 * (2 * w),
        {
            "ru": "Два вызова для суммы квадратов учтены; не забудьте вклад 3 · sum(w).",
            "en": "The two calls on the sum of squares are there; add the share of 3 * sum(w).",
        },
    ),
    (
        lambda w: 2 * w + 3,
        {
            "ru": "Сумма квадратов прошла через backward() дважды: её градиент 2w входит дважды.",
            "en": "The sum of squares went through backward() twice: its gradient 2w counts twice.",
        },
    ),
]


def _exercise_1_reference() -> torch.Tensor:
    """Runs the scenario of exercise 1 and returns what ends up in ``w.grad``."""
    w = torch.tensor(_W1, dtype=F64, requires_grad=True)
    for _ in range(2):
        _backward((w**2).sum())
    _backward(3 * w.sum())
    assert w.grad is not None
    return w.grad


def check_1(answer: Sequence[float] | torch.Tensor) -> None:
    """Checks the predicted ``w.grad`` after the three ``backward()`` calls of exercise 1.

    Args:
        answer: The two numbers that ``w.grad`` holds, as a tensor or a list.
    """
    predicted = torch.as_tensor(answer, dtype=F64).reshape(-1)
    expected = _exercise_1_reference()
    if predicted.shape != expected.shape:
        fail(
            1,
            {
                "ru": "w.grad имеет ту же форму, что и w: ответ — два числа.",
                "en": "w.grad has the shape of w: the answer is two numbers.",
            },
        )
    w = torch.tensor(_W1, dtype=F64)
    hints = [hint for mistake, hint in _EXERCISE_1_MISTAKES if close(predicted, mistake(w))]
    judge(1, None if close(predicted, expected) else (hints or [_ADDS_UP])[-1])


# --- Exercise 2: a gradient that touches no .grad -------------------------------------------

_UNTOUCHED: Hint = {
    "ru": (
        "backward() записывает градиенты в .grad всех листьев графа, в том числе чужих "
        "параметров. Вызовите torch.autograd.grad на отсоединённой копии x: "
        "x.detach().requires_grad_(True)."
    ),
    "en": (
        "backward() writes into the .grad of every leaf of the graph, other parameters "
        "included. Call torch.autograd.grad on a detached copy of x: "
        "x.detach().requires_grad_(True)."
    ),
}
_WRONG_GRADIENT: Hint = {
    "ru": "Градиент не совпадает с точным: верните градиент f(x) по x той же формы, что и x.",
    "en": "The gradient is not the exact one: return the gradient of f(x) with respect to x, "
    "shaped like x.",
}


def _exercise_2_cases() -> tuple[
    torch.Tensor, list[tuple[TensorFunction, torch.Tensor, torch.Tensor]]
]:
    """A hidden parameter, and functions using it with points and their exact gradients."""
    generator = torch.Generator().manual_seed(5)
    weights = torch.randn(3, dtype=F64, generator=generator, requires_grad=True)
    point = torch.randn(3, dtype=F64, generator=generator)
    rows = torch.randn(2, 3, dtype=F64, generator=generator)
    w = weights.detach()
    cases: list[tuple[TensorFunction, torch.Tensor, torch.Tensor]] = [
        (lambda x: (x**3).sum(), point, 3 * point**2),
        (lambda x: torch.sin(x @ weights), point, torch.cos(point @ w) * w),
        (
            lambda x: torch.tanh(x @ weights).sum(),
            rows,
            (1 - torch.tanh(rows @ w) ** 2)[:, None] * w,
        ),
    ]
    return weights, cases


def _exercise_2_verdict(
    answer: Callable[[TensorFunction, torch.Tensor], torch.Tensor],
) -> Hint | None:
    """None when ``answer`` is right, else the hint that fits its first mistake."""
    weights, cases = _exercise_2_cases()
    for f, point, expected in cases:
        for requires_grad in (False, True):
            x = point.clone().requires_grad_(requires_grad)
            leftover = torch.full_like(x, 7.0) if requires_grad else None
            x.grad = None if leftover is None else leftover.clone()
            try:
                result = call(2, answer, f, x, allow=(RuntimeError,))
            except RuntimeError:
                return _UNTOUCHED
            if leftover is None:
                grad_kept = x.grad is None
            else:
                grad_kept = x.grad is not None and torch.equal(x.grad, leftover)
            if not grad_kept or x.requires_grad != requires_grad or weights.grad is not None:
                return _UNTOUCHED
            if not close(result, expected):
                return _WRONG_GRADIENT
    return None


def check_2(answer: Callable[[TensorFunction, torch.Tensor], torch.Tensor]) -> None:
    """Checks a function ``gradient(f, x)`` that must leave every ``.grad`` alone.

    Args:
        answer: The learner's ``gradient(f, x)``.
    """
    judge(2, _exercise_2_verdict(answer))


# --- Exercise 3: the update step under no_grad ----------------------------------------------

_NO_GRAD: Hint = {
    "ru": (
        "Изменять на месте лист, которому нужен градиент, autograd запрещает: такой шаг "
        "попал бы в граф. Оберните обновление в блок with torch.no_grad()."
    ),
    "en": (
        "Autograd forbids changing a leaf that requires grad in place: the step would end "
        "up in the graph. Wrap the update in a with torch.no_grad() block."
    ),
}
_IN_PLACE: Hint = {
    "ru": (
        "Веса не изменились: p = p - lr * p.grad создаёт новый тензор и лишь перепривязывает "
        "имя p. Меняйте тензор на месте: p -= lr * p.grad."
    ),
    "en": (
        "The weights did not change: p = p - lr * p.grad makes a new tensor and only "
        "rebinds the name p. Change the tensor in place: p -= lr * p.grad."
    ),
}
_STILL_LEAF: Hint = {
    "ru": (
        "После шага параметр должен остаться листом с requires_grad=True и без grad_fn, "
        "иначе следующий backward() не заполнит его .grad."
    ),
    "en": (
        "After the step a parameter must still be a leaf with requires_grad=True and no "
        "grad_fn, or the next backward() will not fill its .grad."
    ),
}
_WRONG_STEP: Hint = {
    "ru": "Шаг градиентного спуска — p -= lr * p.grad: против градиента, умноженного на lr.",
    "en": "A gradient descent step is p -= lr * p.grad: against the gradient, times lr.",
}
_CLEARED: Hint = {
    "ru": "Обновление верное, но градиенты остались: обнулите их (p.grad = None).",
    "en": "The update is right, but the gradients are still there: clear them (p.grad = None).",
}


def _exercise_3_verdict(answer: Callable[[list[torch.Tensor], float], None]) -> Hint | None:
    """None when ``answer`` is right, else the hint that fits its first mistake."""
    generator = torch.Generator().manual_seed(3)
    w = torch.randn(3, dtype=F64, generator=generator, requires_grad=True)
    b = torch.randn((), dtype=F64, generator=generator, requires_grad=True)
    params = [w, b]
    inputs = torch.randn(6, 3, dtype=F64, generator=generator)
    targets = torch.randn(6, dtype=F64, generator=generator)
    for lr in (0.1, 0.03):  # the second step shows whether the first one left the params usable
        _backward(((inputs @ w + b - targets) ** 2).mean())
        before = [p.detach().clone() for p in params]
        expected = [(p - lr * p.grad).detach() for p in params if p.grad is not None]
        try:
            call(3, answer, params, lr, may_change=True, allow=(RuntimeError,))
        except RuntimeError as error:
            return _NO_GRAD if "in-place" in str(error) else _STILL_LEAF
        if not all(p.is_leaf and p.requires_grad and p.grad_fn is None for p in params):
            return _STILL_LEAF
        after = [p.detach() for p in params]
        if not all(close(a, e) for a, e in zip(after, expected, strict=True)):
            unchanged = all(torch.equal(a, old) for a, old in zip(after, before, strict=True))
            return _IN_PLACE if unchanged else _WRONG_STEP
        if any(p.grad is not None and bool(p.grad.abs().max() > 0) for p in params):
            return _CLEARED
    return None


def check_3(answer: Callable[[list[torch.Tensor], float], None]) -> None:
    """Checks ``sgd_step(params, lr)``: an in-place update that keeps the parameters leaves.

    Args:
        answer: The learner's ``sgd_step``.
    """
    judge(3, _exercise_3_verdict(answer))
