"""Checks of the exercises of chapter 9 (optimizers).

1. Gradient descent with momentum, step for step equal to ``torch.optim.SGD``.
2. Adam with bias correction, step for step equal to ``torch.optim.Adam``.
3. The L2 penalty whose gradient is the weight decay of ``torch.optim.Adam``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from nnzero.exercises import Hint
from nnzero.exercises._common import F64, call, close, fail, passed

Gradient = Callable[[torch.Tensor], torch.Tensor]
MomentumPath = Callable[[Gradient, torch.Tensor, float, float, int], torch.Tensor]
AdamPath = Callable[..., torch.Tensor]
Penalty = Callable[[Iterable[torch.Tensor], float], Any]


def _quadratic(seed: int, n: int = 3) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A convex quadratic x·Ax/2 - b·x (A symmetric positive definite) and a start point."""
    generator = torch.Generator().manual_seed(seed)
    m = torch.randn(n, n, dtype=F64, generator=generator)
    a = m @ m.T / n + 0.5 * torch.eye(n, dtype=F64)
    b = torch.randn(n, dtype=F64, generator=generator)
    start = torch.randn(n, dtype=F64, generator=generator)
    return a, b, start


def _torch_path(
    optimizer_class: type[torch.optim.Optimizer],
    settings: dict[str, Any],
    a: torch.Tensor,
    b: torch.Tensor,
    start: torch.Tensor,
    steps: int,
) -> torch.Tensor:
    """The points torch's optimizer visits on x·Ax/2 - b·x (gradient Ax - b)."""
    x = start.clone().requires_grad_(True)
    optimizer = optimizer_class([x], **settings)
    points = [x.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        x.grad = (a @ x - b).detach()
        optimizer.step()
        points.append(x.detach().clone())
    return torch.stack(points)


def _as_path(answer: object, steps: int, n: int) -> torch.Tensor | None:
    """The answer as a float64 tensor of shape (steps + 1, n), or None if it is not one."""
    if not isinstance(answer, torch.Tensor) or tuple(answer.shape) != (steps + 1, n):
        return None
    return answer.detach().to(F64)


_SHAPE_HINT: Hint = {
    "ru": "Верните тензор формы (steps + 1, n): начальную точку и точку после каждого шага, "
    "как gradient_descent из главы 3.",
    "en": "Return a tensor of shape (steps + 1, n): the start point and the point after each "
    "step, like gradient_descent from chapter 3.",
}


def _running_average_path(
    a: torch.Tensor,
    b: torch.Tensor,
    start: torch.Tensor,
    lr: float,
    momentum: float,
    steps: int,
    from_zero: bool,
) -> torch.Tensor:
    """Momentum as a running average, buf = μ·buf + (1 − μ)·g: a mistake check_1 recognizes."""
    x = start.clone()
    buf = torch.zeros_like(x) if from_zero else None
    points = [x.clone()]
    for _ in range(steps):
        g = a @ x - b
        buf = g.clone() if buf is None else momentum * buf + (1 - momentum) * g
        x = x - lr * buf
        points.append(x.clone())
    return torch.stack(points)


def check_1(sgd_momentum: MomentumPath) -> None:
    """Checks ``sgd_momentum(grad, start, lr, momentum, steps)`` against torch.optim.SGD.

    Args:
        sgd_momentum: The learner's function; it returns the start point and the point
            after each of ``steps`` steps, stacked into one tensor.
    """
    for seed, lr, momentum, steps in [(0, 0.1, 0.9, 5), (1, 0.05, 0.5, 30), (2, 0.2, 0.7, 12)]:
        a, b, start = _quadratic(seed)

        def grad(x: torch.Tensor, a: torch.Tensor = a, b: torch.Tensor = b) -> torch.Tensor:
            return a @ x - b

        answer = _as_path(call(1, sgd_momentum, grad, start.clone(), lr, momentum, steps), steps, 3)
        if answer is None:
            fail(1, _SHAPE_HINT)
        expected = _torch_path(
            torch.optim.SGD, {"lr": lr, "momentum": momentum}, a, b, start, steps
        )
        if close(answer, expected):
            continue
        averaged = [
            _running_average_path(a, b, start, lr, momentum, steps, from_zero)
            for from_zero in (True, False)
        ]
        plain = _torch_path(torch.optim.SGD, {"lr": lr}, a, b, start, steps)
        if any(close(answer, path) for path in averaged):
            hint = {
                "ru": "Это скользящее среднее buf = μ·buf + (1 − μ)·g. PyTorch прибавляет "
                "градиент целиком: buf = μ·buf + g.",
                "en": "That is the running average buf = μ·buf + (1 − μ)·g. PyTorch adds the "
                "whole gradient: buf = μ·buf + g.",
            }
        elif close(answer, plain):
            hint = {
                "ru": "Это обычный градиентный спуск: шаг должен идти по буферу, "
                "p = p − lr·buf, а буфер — помнить прошлые шаги.",
                "en": "That is plain gradient descent: the step should follow the buffer, "
                "p = p − lr·buf, and the buffer should remember past steps.",
            }
        else:
            hint = {
                "ru": "Путь расходится с torch.optim.SGD. На первом шаге buf = g, потом "
                "buf = μ·buf + g и p = p − lr·buf; градиент берите в новой точке.",
                "en": "The path differs from torch.optim.SGD's. On the first step buf = g, "
                "then buf = μ·buf + g and p = p − lr·buf; take the gradient at the new point.",
            }
        fail(1, hint)
    passed(1)


def _adam_without_correction(
    a: torch.Tensor,
    b: torch.Tensor,
    start: torch.Tensor,
    lr: float,
    steps: int,
    betas: tuple[float, float],
    eps: float,
) -> torch.Tensor:
    """Adam with the bias correction left out: the mistake check_2 recognizes."""
    x, m, v = start.clone(), torch.zeros_like(start), torch.zeros_like(start)
    points = [x.clone()]
    for _ in range(steps):
        g = a @ x - b
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        x = x - lr * m / (v.sqrt() + eps)
        points.append(x.clone())
    return torch.stack(points)


def check_2(adam: AdamPath) -> None:
    """Checks ``adam(grad, start, lr, steps, betas, eps)`` against torch.optim.Adam.

    Args:
        adam: The learner's function; it returns the start point and the point after each
            of ``steps`` steps, stacked into one tensor.
    """
    default = ((0.9, 0.999), 1e-8)
    for seed, lr, steps, (betas, eps) in [
        (3, 0.1, 5, default),
        (4, 0.03, 40, default),
        (5, 0.3, 15, default),
        (6, 0.1, 12, ((0.8, 0.99), 1e-3)),  # the betas and eps passed in must be used
    ]:
        a, b, start = _quadratic(seed)

        def grad(x: torch.Tensor, a: torch.Tensor = a, b: torch.Tensor = b) -> torch.Tensor:
            return a @ x - b

        answer = _as_path(call(2, adam, grad, start.clone(), lr, steps, betas, eps), steps, 3)
        if answer is None:
            fail(2, _SHAPE_HINT)
        settings = {"lr": lr, "betas": betas, "eps": eps}
        expected = _torch_path(torch.optim.Adam, settings, a, b, start, steps)
        if close(answer, expected):
            continue
        if (betas, eps) != default and close(
            answer, _torch_path(torch.optim.Adam, {"lr": lr}, a, b, start, steps)
        ):
            hint = {
                "ru": f"При betas={betas}, eps={eps} путь такой, будто стоят значения по "
                "умолчанию: берите beta1, beta2 и eps из аргументов, а не из констант.",
                "en": f"With betas={betas}, eps={eps} the path is that of the defaults: take "
                "beta1, beta2 and eps from the arguments, not from constants.",
            }
        elif close(answer, _adam_without_correction(a, b, start, lr, steps, betas, eps)):
            hint = {
                "ru": "Поправки на смещение нет: m и v стартуют с нуля, и их нужно делить на "
                "1 − β₁ᵗ и 1 − β₂ᵗ, где t — номер шага, начиная с 1.",
                "en": "The bias correction is missing: m and v start at zero, so divide them by "
                "1 − β₁ᵗ and 1 − β₂ᵗ, where t is the step number, counting from 1.",
            }
        elif not close(answer[1], expected[1]):
            hint = {
                "ru": "Уже первый шаг не совпадает с torch.optim.Adam. При постоянном знаке "
                "градиента первый шаг Adam с поправкой на смещение сдвигает каждую "
                "координату почти ровно на lr.",
                "en": "The very first step differs from torch.optim.Adam's. With the bias "
                "correction Adam's first step moves every coordinate by almost exactly lr.",
            }
        else:
            hint = {
                "ru": "Первый шаг верный, дальше путь расходится с torch.optim.Adam. Проверьте, "
                "что m и v копятся от шага к шагу, а t в поправке растёт: 1, 2, 3, …",
                "en": "The first step is right, later ones differ from torch.optim.Adam's. "
                "Check that m and v carry over from step to step and that t in the "
                "correction grows: 1, 2, 3, …",
            }
        fail(2, hint)
    passed(2)


def _penalty_problem(l2_penalty: Penalty, weight_decay: float, seed: int) -> Hint | None:
    """The hint for what is wrong with the penalty's gradient at ``weight_decay``, or None."""
    generator = torch.Generator().manual_seed(seed)
    params = [
        torch.randn(4, 3, dtype=F64, generator=generator).requires_grad_(True),
        torch.randn(4, dtype=F64, generator=generator).requires_grad_(True),
    ]
    # an iterator, as model.parameters() is: it can be walked through only once
    penalty = call(3, l2_penalty, iter(params), weight_decay)
    if not isinstance(penalty, torch.Tensor) or penalty.numel() != 1 or not penalty.requires_grad:
        return {
            "ru": "Верните тензор из одного числа, вычисленный из самих параметров, чтобы "
            "autograd мог его продифференцировать; не вызывайте .item() и не "
            "отцепляйте веса через .detach().",
            "en": "Return a one-number tensor computed from the parameters themselves, so "
            "autograd can differentiate it; do not call .item() or .detach() the weights.",
        }
    grads = torch.autograd.grad(penalty.reshape(()), params, allow_unused=True)
    if any(g is None for g in grads):
        return {
            "ru": "Штраф не зависит от части параметров: сложите квадраты всех тензоров, "
            "смещения тоже, и пройдите params один раз (это может быть итератор, "
            "как model.parameters()).",
            "en": "The penalty does not depend on some of the parameters: add up the squares of "
            "every tensor, biases included, and walk through params once (it may be an "
            "iterator, like model.parameters()).",
        }
    wanted = [weight_decay * p.detach() for p in params]
    if all(close(g, w) for g, w in zip(grads, wanted, strict=True)):
        return None
    if all(close(g, 2 * w) for g, w in zip(grads, wanted, strict=True)):
        return {
            "ru": "Градиент вдвое больше weight_decay·p: производная p² равна 2p, поэтому "
            "перед суммой нужен множитель weight_decay / 2.",
            "en": "The gradient is twice weight_decay·p: the derivative of p² is 2p, so "
            "the sum needs the factor weight_decay / 2.",
        }
    return {
        "ru": f"При weight_decay = {weight_decay} градиент штрафа должен быть ровно "
        "weight_decay·p для каждого веса. Сложите квадраты всех весов всех тензоров (сумма, "
        "не среднее) и умножьте на weight_decay / 2.",
        "en": f"With weight_decay = {weight_decay} the penalty's gradient must be exactly "
        "weight_decay·p for every weight. Add up the squares of all the weights of all the "
        "tensors (a sum, not a mean) and multiply by weight_decay / 2.",
    }


def check_3(l2_penalty: Penalty) -> None:
    """Checks ``l2_penalty(params, weight_decay)``: its gradient must be weight_decay * p.

    Args:
        l2_penalty: The learner's function; it returns a scalar tensor that autograd can
            differentiate.
    """
    for seed, weight_decay in [(9, 0.3), (10, 0.01)]:
        problem = _penalty_problem(l2_penalty, weight_decay, seed)
        if problem is not None:
            fail(3, problem)
    passed(3)
