"""Checks of the exercises of chapter 7 (backpropagation with matrices)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812

from nnzero.backprop import Gradients, backward, forward
from nnzero.exercises._common import F64, call, close, judge

# (N, D, H, C) with every size different, so that a transposed product cannot have the right shape
SHAPES = [(6, 4, 5, 3), (1, 3, 2, 4), (9, 2, 7, 5)]


def _linear_case(seed: int, n: int, d: int, o: int) -> tuple[torch.Tensor, ...]:
    """A random Linear layer, its input and the autograd gradients for an upstream dL/dY."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, dtype=F64, generator=g)
    w = torch.randn(o, d, dtype=F64, generator=g)
    b = torch.randn(o, dtype=F64, generator=g)
    grad_y = torch.randn(n, o, dtype=F64, generator=g)
    leaves = [t.clone().requires_grad_() for t in (x, w, b)]
    grads = torch.autograd.grad(F.linear(*leaves), leaves, grad_y)
    return (x, w, grad_y, *grads)


def check_1(
    linear_backward: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], Sequence[torch.Tensor]],
) -> None:
    """Checks ``linear_backward(x, weight, grad_output) -> (grad_x, grad_weight, grad_bias)``.

    Compares with autograd on Linear layers of several shapes.
    """
    names = ("grad_x", "grad_weight", "grad_bias")
    wrong: list[str] = []
    for seed, (n, d, o) in enumerate([(5, 3, 4), (1, 2, 6), (7, 6, 2)]):
        x, w, grad_y, *expected = _linear_case(seed, n, d, o)
        answer = list(call(1, linear_backward, x, w, grad_y))
        if len(answer) != 3:
            wrong = list(names)
            break
        wrong += [
            name
            for name, ours, ref in zip(names, answer, expected, strict=True)
            if not close(ours, ref) and name not in wrong
        ]
    judge(
        1,
        None
        if not wrong
        else {
            "ru": (
                f"не сходится {', '.join(wrong)}. Форма градиента равна форме того, по чему "
                "берётся производная: dX — (N, D), dW — (out, in), db — (out,). "
                "dW = grad_output.T @ x, db — сумма grad_output по батчу (dim=0), "
                "dX = grad_output @ weight."
            ),
            "en": (
                f"{', '.join(wrong)} is off. A gradient has the shape of what it is taken with "
                "respect to: dX (N, D), dW (out, in), db (out,). "
                "dW = grad_output.T @ x, db is grad_output summed over the batch (dim=0), "
                "dX = grad_output @ weight."
            ),
        },
    )


def check_2(tanh_backward: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """Checks ``tanh_backward(output, grad_output) -> grad_input`` against autograd."""
    g = torch.Generator().manual_seed(7)
    ok = True
    for shape in [(4, 3), (1, 5), (6,)]:
        z = (2 * torch.randn(shape, dtype=F64, generator=g)).requires_grad_()
        grad_a = torch.randn(shape, dtype=F64, generator=g)
        a = torch.tanh(z)
        (expected,) = torch.autograd.grad(a, z, grad_a)
        ok = ok and close(call(2, tanh_backward, a.detach(), grad_a), expected)
    judge(
        2,
        None
        if ok
        else {
            "ru": (
                "производная tanh(z) равна 1 - tanh(z)**2, то есть 1 - output**2; "
                "умножьте её поэлементно на grad_output (правило дифференцирования сложной "
                "функции)."
            ),
            "en": (
                "the derivative of tanh(z) is 1 - tanh(z)**2, that is 1 - output**2; "
                "multiply it elementwise by grad_output (the chain rule)."
            ),
        },
    )


def check_3(backward_fixed: Callable[[Any], Gradients]) -> None:
    """Checks a backward of the chapter's network against :func:`nnzero.backprop.backward`."""
    wrong: list[str] = []
    for seed, (n, d, h, c) in enumerate(SHAPES):
        g = torch.Generator().manual_seed(100 + seed)
        x = torch.randn(n, d, dtype=F64, generator=g)
        w1 = torch.randn(h, d, dtype=F64, generator=g)
        b1 = torch.randn(h, dtype=F64, generator=g)
        w2 = torch.randn(c, h, dtype=F64, generator=g)
        b2 = torch.randn(c, dtype=F64, generator=g)
        targets = torch.randint(0, c, (n,), generator=g)
        x[0], b1[0] = 0.0, 0.0  # a hidden unit exactly at ReLU's kink, where torch's slope is 0
        _, cache = forward(x, w1, b1, w2, b2, targets)
        answer = call(3, backward_fixed, cache)
        expected = backward(cache)
        wrong += [
            f"d{name} {tuple(ours.shape) if isinstance(ours, torch.Tensor) else ours!r}"
            for name, ours, ref in zip(Gradients._fields, answer, expected, strict=True)
            if not close(ours, ref) and not any(w.startswith(f"d{name} ") for w in wrong)
        ]
    judge(
        3,
        None
        if not wrong
        else {
            "ru": (
                f"не сходится: {', '.join(wrong)}. Сравните форму каждого градиента с формой "
                "параметра: градиент смещения суммируют только по батчу, sum(dim=0); "
                "производная ReLU в нуле равна 0, как в torch: (z1 > 0), а не (z1 >= 0)."
            ),
            "en": (
                f"not right yet: {', '.join(wrong)}. Compare each gradient's shape with its "
                "parameter's: a bias gradient is summed over the batch only, sum(dim=0); "
                "ReLU's slope at 0 is 0, as in torch: (z1 > 0), not (z1 >= 0)."
            ),
        },
    )
