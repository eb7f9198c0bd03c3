"""Checks for the exercises of chapter 1: broadcasting and the matrix product."""

from __future__ import annotations

from collections.abc import Callable

import torch

from nnzero.exercises import Hint
from nnzero.exercises._common import F64, call, close, judge

Binary = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""A function of two tensors that returns a tensor."""


def _result(number: int, answer: Binary, a: torch.Tensor, b: torch.Tensor) -> object:
    """The answer's result, or None when PyTorch refuses the shapes (a RuntimeError)."""
    try:
        return call(number, answer, a, b, allow=(RuntimeError,))
    except RuntimeError:
        return None


def check_1(batched_matmul: Binary) -> None:
    """Checks a batched matrix product written with broadcasting against ``torch.matmul``.

    Args:
        batched_matmul: Takes ``a`` of shape ``(batch, n, k)`` and ``b`` of shape
            ``(batch, k, m)`` and returns their products, shape ``(batch, n, m)``.
    """
    generator = torch.Generator().manual_seed(1)
    problem: Hint | None = None
    for shape_a, shape_b in [
        ((2, 3, 4), (2, 4, 5)),
        ((3, 2, 2), (3, 2, 2)),
        ((1, 1, 3), (1, 3, 1)),
    ]:
        a = torch.randn(shape_a, dtype=F64, generator=generator)
        b = torch.randn(shape_b, dtype=F64, generator=generator)
        expected = torch.matmul(a, b)
        result = _result(1, batched_matmul, a, b)
        if not isinstance(result, torch.Tensor) or result.shape != expected.shape:
            problem = {
                "ru": f"для a формы {shape_a} и b формы {shape_b} нужен ответ формы "
                f"{tuple(expected.shape)}: добавьте оси через None так, чтобы у произведения "
                "была форма (batch, n, k, m), и сложите по оси k",
                "en": f"for a of shape {shape_a} and b of shape {shape_b} the answer must have "
                f"shape {tuple(expected.shape)}: add axes with None so that the product has "
                "shape (batch, n, k, m), then sum over the k axis",
            }
            break
        if not close(result, expected):
            problem = {
                "ru": "форма верна, а числа нет: элемент [s, i, j] — это сумма по p "
                "произведений a[s, i, p] * b[s, p, j]; проверьте, куда вы добавили оси "
                "и по какой оси складываете",
                "en": "the shape is right but the numbers are not: element [s, i, j] is the "
                "sum over p of a[s, i, p] * b[s, p, j]; check where you added axes and which "
                "axis you sum over",
            }
            break
    judge(1, problem)


def check_2(outer: Binary) -> None:
    """Checks an outer product written with broadcasting against ``torch.outer``.

    Args:
        outer: Takes vectors ``u`` of shape ``(n,)`` and ``v`` of shape ``(m,)`` and returns
            the table ``u[i] * v[j]``, shape ``(n, m)``.
    """
    generator = torch.Generator().manual_seed(2)
    ok = True
    for n, m in [(3, 2), (4, 4), (1, 5)]:
        u = torch.randn(n, dtype=F64, generator=generator)
        v = torch.randn(m, dtype=F64, generator=generator)
        ok = ok and close(_result(2, outer, u, v), torch.outer(u, v))
    hint = {
        "ru": "u * v умножает поэлементно (а для векторов разной длины выдаёт ошибку); "
        "сделайте из u столбец формы (n, 1), из v — строку формы (1, m), "
        "и бродкастинг даст таблицу формы (n, m)",
        "en": "u * v multiplies elementwise (and fails for vectors of different lengths); "
        "turn u into a column of shape (n, 1) and v into a row of shape (1, m), and "
        "broadcasting gives the table of shape (n, m)",
    }
    judge(2, None if ok else hint)
