"""Checks of the exercises of chapter 4, «Autograd from scratch».

Each ``check_<n>`` takes the learner's answer, compares it with torch (values and
gradients in float64) or with a reference, and prints ``✓ exercise <n>: correct`` or
raises [`ExerciseError`][nnzero.exercises.ExerciseError] with a hint.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from nnzero.engine import Value
from nnzero.exercises._common import F64, call, close, judge

POINTS = (-3.0, -0.7, 0.0, 0.4, 2.5)


def _value_and_grad(number: int, f: Callable[[Value], Value], x: float) -> torch.Tensor:
    """Runs ``f`` on a fresh Value, calls backward, returns the output and d/dx."""
    v = Value(x)
    out = call(number, f, v)
    call(number, out.backward)
    return torch.tensor([out.data, v.grad], dtype=F64)


def _torch_value_and_grad(f: Callable[[torch.Tensor], torch.Tensor], x: float) -> torch.Tensor:
    """The same with torch autograd in float64."""
    t = torch.tensor(x, dtype=F64, requires_grad=True)
    out = f(t)
    (grad,) = torch.autograd.grad(out, t)
    return torch.stack([out, grad]).detach()


def check_1(my_sigmoid: Callable[[Value], Value]) -> None:
    """Checks a sigmoid built from ``Value`` operations against ``torch.sigmoid``.

    Args:
        my_sigmoid: A function from a ``Value`` to a ``Value``: ``1 / (1 + e^(-x))``.

    Raises:
        ExerciseError: Its value or its gradient differ from torch's somewhere.
    """
    ours = torch.stack([_value_and_grad(1, my_sigmoid, x) for x in POINTS])
    theirs = torch.stack([_torch_value_and_grad(torch.sigmoid, x) for x in POINTS])
    if not close(ours[:, 0], theirs[:, 0]):
        hint = {
            "ru": "значение не совпадает с torch.sigmoid: нужна формула 1 / (1 + exp(-x)), "
            "проверьте знак в показателе экспоненты",
            "en": "the value differs from torch.sigmoid: the formula is 1 / (1 + exp(-x)); "
            "check the sign inside the exponential",
        }
    else:
        hint = {
            "ru": "значение верное, а градиент нет: соберите функцию только из операций Value "
            "(exp, +, /), не переходя к обычным числам через .data",
            "en": "the value is right but the gradient is not: build the function from Value "
            "operations only (exp, +, /), without dropping to plain numbers through .data",
        }
    judge(1, None if close(ours, theirs) else hint)


def _graphs() -> list[tuple[Value, int]]:
    """Small expressions and the number of distinct values in each graph."""
    a, b = Value(2.0), Value(-1.0)
    square = a * a  # a, a*a
    ab = a * b
    shared = (ab + a) * ab  # a, b, ab, ab + a, the product
    c = Value(0.5)
    d = c + 1  # c, the constant 1, c + 1
    chain = (d * d).tanh() + d  # d's three, d*d, tanh, sum
    pair = Value(1.0) + Value(2.0)  # two leaves and their sum
    unary = Value(0.3).tanh().exp()  # one leaf, two operations on it
    return [(square, 2), (shared, 5), (chain, 6), (Value(1.0), 1), (pair, 3), (unary, 3)]


def check_2(count_nodes: Callable[[Value], int]) -> None:
    """Checks a function that counts the distinct values in a graph.

    Args:
        count_nodes: Returns how many different ``Value`` objects the root was
            computed from, the root included, each counted once.

    Raises:
        ExerciseError: A count differs from the reference on one of the graphs.
    """
    results = [(call(2, count_nodes, root), expected) for root, expected in _graphs()]
    too_many = any(got > expected for got, expected in results)
    ok = all(got == expected for got, expected in results)
    hint = {
        "ru": "узел, которым пользуются дважды (как a в a * a), считается один раз: "
        "запоминайте уже посещённые узлы в множестве"
        if too_many
        else "посчитаны не все узлы: не забудьте сам корень, листья и константы, "
        "которые Value создаёт из обычных чисел",
        "en": "a node used twice (like a in a * a) counts once: keep the nodes you have "
        "visited in a set"
        if too_many
        else "some nodes are missing: count the root itself, the leaves and the constants "
        "that Value makes from plain numbers",
    }
    judge(2, None if ok else hint)


def check_3(square: Callable[[Value], Value]) -> None:
    """Checks a hand-written squaring operation in graphs where its input is reused.

    Args:
        square: A function that returns a new ``Value`` equal to ``x ** 2``, with its
            own ``_backward``.

    Raises:
        ExerciseError: A gradient differs from torch's.
    """
    cases: list[tuple[Callable[[Value], Value], Callable[[torch.Tensor], torch.Tensor]]] = [
        (lambda x: square(x), lambda t: t**2),
        (lambda x: square(x) + x, lambda t: t**2 + t),
        (lambda x: square(x) * x, lambda t: t**2 * t),
        (lambda x: x * 3 + square(x), lambda t: t * 3 + t**2),
    ]
    ok = all(
        close(_value_and_grad(3, ours, x), _torch_value_and_grad(theirs, x))
        for ours, theirs in cases
        for x in POINTS
    )
    hint = {
        "ru": "когда x участвует ещё где-то, его градиент собирается из нескольких вкладов: "
        "в _backward нужно прибавлять (+=), а не присваивать",
        "en": "when x is used elsewhere too, its gradient is a sum of contributions: "
        "_backward must add (+=), not assign",
    }
    judge(3, None if ok else hint)
