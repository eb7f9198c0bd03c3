"""Checks of the exercises of chapter 5 (autograd in PyTorch)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from nnzero.exercises import Hint, verdict

TensorFunction = Callable[[torch.Tensor], torch.Tensor]

_ACCUMULATE: Hint = {
    "ru": "backward() не заменяет .grad, а прибавляет к нему: сложите вклады всех трёх вызовов.",
    "en": "backward() does not replace .grad, it adds to it: sum what all three calls contribute.",
}


def _exercise_1_reference() -> torch.Tensor:
    """Runs the scenario of exercise 1 and returns what ends up in ``w.grad``."""
    w = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    for _ in range(2):
        (w**2).sum().backward()
    (3 * w.sum()).backward()
    assert w.grad is not None
    return w.grad


def check_1(answer: Sequence[float] | torch.Tensor) -> None:
    """Checks the predicted ``w.grad`` after the three ``backward()`` calls of exercise 1.

    Args:
        answer: The two numbers that ``w.grad`` holds, as a tensor or a list.
    """
    predicted = torch.as_tensor(answer, dtype=torch.float64).reshape(-1)
    expected = _exercise_1_reference()
    if predicted.shape == expected.shape and torch.allclose(predicted, expected, atol=1e-9):
        verdict(1, True, _ACCUMULATE)
        return
    w = torch.tensor([1.0, -2.0], dtype=torch.float64)
    only_last = torch.full_like(w, 3.0)
    only_squares = 2 * (2 * w)
    single_calls = 2 * w + 3
    hint = _ACCUMULATE
    if predicted.shape != expected.shape:
        hint = {
            "ru": "w.grad имеет ту же форму, что и w: ответ — два числа.",
            "en": "w.grad has the shape of w: the answer is two numbers.",
        }
    elif torch.allclose(predicted, only_last):
        hint = {
            "ru": "Это вклад только последнего вызова; предыдущие два никто не обнулял.",
            "en": "That is only the last call's share; nobody zeroed the first two.",
        }
    elif torch.allclose(predicted, only_squares):
        hint = {
            "ru": "Два вызова для суммы квадратов учтены; не забудьте вклад 3 · sum(w).",
            "en": "The two calls on the sum of squares are there; add the share of 3 * sum(w).",
        }
    elif torch.allclose(predicted, single_calls):
        hint = {
            "ru": "Сумму квадратов продифференцировали дважды, значит, её градиент 2w входит дважды.",
            "en": "The sum of squares went through backward() twice, so its gradient 2w counts twice.",
        }
    verdict(1, False, hint)


def _exercise_2_cases() -> list[tuple[TensorFunction, torch.Tensor, torch.Tensor]]:
    """Functions, points and their exact gradients for exercise 2."""
    generator = torch.Generator().manual_seed(5)
    weights = torch.randn(3, dtype=torch.float64, generator=generator, requires_grad=True)
    point = torch.randn(3, dtype=torch.float64, generator=generator)
    matrix_point = torch.randn(2, 3, dtype=torch.float64, generator=generator)

    def cubic(x: torch.Tensor) -> torch.Tensor:
        return (x**3).sum()

    def weighted(x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x @ weights)

    def rows(x: torch.Tensor) -> torch.Tensor:
        return (x @ weights).tanh().sum()

    with torch.no_grad():
        w = weights.detach()
        return [
            (cubic, point, 3 * point**2),
            (weighted, point, torch.cos(point @ w) * w),
            (rows, matrix_point, (1 - torch.tanh(matrix_point @ w) ** 2)[:, None] * w),
        ]


def check_2(answer: Callable[[TensorFunction, torch.Tensor], torch.Tensor]) -> None:
    """Checks a function ``gradient(f, x)`` that must leave every ``.grad`` alone.

    Args:
        answer: The learner's ``gradient(f, x)``.
    """
    untouched: Hint = {
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
    wrong_values: Hint = {
        "ru": "Градиент не совпадает с точным: верните градиент f(x) по x той же формы, что и x.",
        "en": "The gradient is not the exact one: return the gradient of f(x) with respect "
        "to x, shaped like x.",
    }
    for f, point, expected in _exercise_2_cases():
        parameters = [t for t in _closure_tensors(f) if t.requires_grad]
        for requires_grad in (False, True):
            x = point.clone().requires_grad_(requires_grad)
            if requires_grad:
                x.grad = torch.full_like(x, 7.0)  # a gradient left over from earlier
            try:
                result = answer(f, x)
            except RuntimeError:
                verdict(2, False, untouched)
                return
            leftover_ok = (x.grad is None) if not requires_grad else torch.equal(
                x.grad, torch.full_like(x, 7.0)
            )
            if (
                not leftover_ok
                or x.requires_grad != requires_grad
                or any(p.grad is not None for p in parameters)
            ):
                verdict(2, False, untouched)
                return
            result = torch.as_tensor(result)
            if result.shape != expected.shape or not torch.allclose(
                result.detach(), expected, rtol=1e-12, atol=1e-12
            ):
                verdict(2, False, wrong_values)
                return
    verdict(2, True, untouched)


def _closure_tensors(f: Callable[..., object]) -> list[torch.Tensor]:
    """The tensors a function closes over (the hidden parameters of exercise 2's cases)."""
    cells = getattr(f, "__closure__", None) or ()
    return [c.cell_contents for c in cells if isinstance(c.cell_contents, torch.Tensor)]


def check_3(answer: Callable[[list[torch.Tensor], float], None]) -> None:
    """Checks ``sgd_step(params, lr)``: an in-place update that keeps the parameters leaves.

    Args:
        answer: The learner's ``sgd_step``.
    """
    no_grad: Hint = {
        "ru": (
            "Изменять на месте лист, которому нужен градиент, autograd запрещает: такой шаг "
            "попал бы в граф. Оберните обновление в with torch.no_grad():."
        ),
        "en": (
            "Autograd forbids changing a leaf that requires grad in place: the step would end "
            "up in the graph. Wrap the update in with torch.no_grad():."
        ),
    }
    in_place: Hint = {
        "ru": (
            "Веса не изменились: p = p - lr * p.grad создаёт новый тензор и лишь перепривязывает "
            "имя p. Меняйте тензор на месте: p -= lr * p.grad."
        ),
        "en": (
            "The weights did not change: p = p - lr * p.grad makes a new tensor and only "
            "rebinds the name p. Change the tensor in place: p -= lr * p.grad."
        ),
    }
    still_leaf: Hint = {
        "ru": (
            "После шага параметр должен остаться листом с requires_grad=True и без grad_fn, "
            "иначе следующий backward() не заполнит его .grad."
        ),
        "en": (
            "After the step a parameter must still be a leaf with requires_grad=True and no "
            "grad_fn, or the next backward() will not fill its .grad."
        ),
    }
    cleared: Hint = {
        "ru": "Обновление верное, но градиенты остались: обнулите их (p.grad = None).",
        "en": "The update is right, but the gradients are still there: clear them (p.grad = None).",
    }
    wrong_step: Hint = {
        "ru": "Шаг градиентного спуска — p -= lr * p.grad: против градиента, умноженного на lr.",
        "en": "A gradient descent step is p -= lr * p.grad: against the gradient, times lr.",
    }
    generator = torch.Generator().manual_seed(3)
    w = torch.randn(3, dtype=torch.float64, generator=generator, requires_grad=True)
    b = torch.randn((), dtype=torch.float64, generator=generator, requires_grad=True)
    inputs = torch.randn(6, 3, dtype=torch.float64, generator=generator)
    targets = torch.randn(6, dtype=torch.float64, generator=generator)
    lr = 0.1
    for step in range(2):
        ((inputs @ w + b - targets) ** 2).mean().backward()
        assert w.grad is not None and b.grad is not None
        previous = [w.detach().clone(), b.detach().clone()]
        expected = [(w - lr * w.grad).detach(), (b - lr * b.grad).detach()]
        try:
            answer([w, b], lr)
        except RuntimeError as error:
            verdict(3, False, no_grad if "in-place" in str(error) else still_leaf)
            return
        if any(not (p.is_leaf and p.requires_grad and p.grad_fn is None) for p in (w, b)):
            verdict(3, False, still_leaf)
            return
        values_ok = all(
            torch.allclose(p.detach(), e, rtol=0, atol=1e-12)
            for p, e in zip((w, b), expected, strict=True)
        )
        if not values_ok:
            unchanged = all(
                torch.equal(p.detach(), before)
                for p, before in zip((w, b), previous, strict=True)
            )
            verdict(3, False, in_place if unchanged else wrong_step)
            return
        if any(p.grad is not None and bool(p.grad.abs().max() > 0) for p in (w, b)):
            verdict(3, False, cleared)
            return
    verdict(3, True, no_grad)
