"""Checks of the exercises of chapter 3 (derivatives and gradients)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from nnzero.calculus import numerical_gradient
from nnzero.exercises._common import F64, NUMERICAL_TOL, call, close, fail, passed

VectorFunction = Callable[[torch.Tensor], torch.Tensor]
JacobianFunction = Callable[[VectorFunction, torch.Tensor], torch.Tensor]
GradientError = Callable[[VectorFunction, VectorFunction, torch.Tensor], float]


def _spiral(v: torch.Tensor) -> torch.Tensor:
    """From R^2 to R^3: a point on a spiral."""
    return torch.stack([v[0] * torch.cos(v[1]), v[0] * torch.sin(v[1]), v[0] * v[1]])


def _mixer(v: torch.Tensor) -> torch.Tensor:
    """From R^3 to R^2: two smooth mixes of the coordinates."""
    return torch.stack([torch.exp(v[0] / 2) * v[1] ** 2, torch.tanh(v[1] * v[2]) + v[0]])


def _autograd_jacobian(f: VectorFunction, x: torch.Tensor) -> torch.Tensor:
    """The exact Jacobian by autograd, one output (one row) at a time."""
    leaf = x.detach().clone().requires_grad_(True)
    outputs = f(leaf)
    rows = [torch.autograd.grad(out, leaf, retain_graph=True)[0] for out in outputs]
    return torch.stack(rows)


_JACOBIAN_CASES: list[tuple[VectorFunction, torch.Tensor]] = [
    (_spiral, torch.tensor([1.5, 0.7], dtype=F64)),
    (_mixer, torch.tensor([0.3, -1.2, 0.8], dtype=F64)),
]


def check_1(numerical_jacobian: JacobianFunction) -> None:
    """Checks a numerical Jacobian ``numerical_jacobian(f, x)`` against torch.autograd.

    Args:
        numerical_jacobian: Takes a function from vectors to vectors and a point ``x``;
            returns the matrix whose row ``i`` holds the derivatives of output ``i``.
    """
    for f, x in _JACOBIAN_CASES:
        expected = _autograd_jacobian(f, x)
        answer = call(1, numerical_jacobian, f, x.clone(), may_change=True)
        if not isinstance(answer, torch.Tensor) or answer.shape != expected.shape:
            shape = tuple(expected.shape)
            got = tuple(answer.shape) if isinstance(answer, torch.Tensor) else type(answer)
            fail(
                1,
                {
                    "ru": f"Для функции из R^{shape[1]} в R^{shape[0]} ожидалась матрица формы "
                    f"{shape}, а получено {got}. Строка i — производные i-го выхода по всем "
                    "входам, столбец j — сдвиг j-го входа.",
                    "en": f"For a function from R^{shape[1]} to R^{shape[0]} the answer should "
                    f"have shape {shape}, got {got}. Row i holds the derivatives of output i "
                    "with respect to every input; column j comes from nudging input j.",
                },
            )
        if not close(answer, expected, tol=NUMERICAL_TOL):
            fail(
                1,
                {
                    "ru": "Числа не совпадают с ответом torch.autograd. Сдвигайте "
                    "один вход на +h и на −h, вычитайте векторы выходов и делите на 2h; "
                    "результат — столбец матрицы, а не строка.",
                    "en": "The numbers differ from torch.autograd's. Nudge "
                    "one input by +h and by −h, subtract the two output vectors and divide "
                    "by 2h; that difference is a column of the matrix, not a row.",
                },
            )
    passed(1)


THRESHOLD_2 = 0.25
"""f(x) = 4(x + 1)**2 has f'' = 8: descent converges exactly when 0 < lr < 2 / 8."""


def check_2(threshold: float) -> None:
    """Checks the largest learning rate for which descent on 4(x + 1)**2 converges.

    Args:
        threshold: The learner's answer.
    """
    right = close(threshold, torch.tensor(THRESHOLD_2), tol=1e-3)  # a search finds it to 1e-3
    halfway = close(threshold, torch.tensor(THRESHOLD_2 / 2), tol=1e-3)
    hint = {
        "ru": "Каждый шаг умножает расстояние до минимума на 1 − 8η. Спуск сходится, пока "
        "модуль этого множителя меньше единицы.",
        "en": "Each step multiplies the distance to the minimum by 1 − 8η. Descent converges "
        "while that factor is less than one in absolute value.",
    }
    if halfway:
        hint = {
            "ru": "При этой скорости обучения точка начинает перепрыгивать через минимум, но "
            "ещё сходится. Ищите ту, при которой прыжки перестают уменьшаться.",
            "en": "At this learning rate the point starts to jump over the minimum, yet it "
            "still converges. Look for the one where the jumps stop shrinking.",
        }
    if not right:
        fail(2, hint)
    passed(2)


def _h(w: torch.Tensor) -> torch.Tensor:
    return torch.log1p(torch.exp(w[0] * w[1])) + w[2] ** 3


def _h_grad(w: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(w[0] * w[1])
    return torch.stack([s * w[1], s * w[0], 3 * w[2] ** 2])


def _h_grad_wrong(w: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(w[0] * w[1])
    return torch.stack([s * w[1], s * w[1], 2 * w[2] ** 2])  # two coordinates are wrong


def check_3(gradient_error: GradientError) -> None:
    """Checks ``gradient_error(f, grad, x)``: the largest gap between grad(x) and the truth.

    Args:
        gradient_error: The learner's function; it should return the largest absolute
            difference between ``grad(x)`` and the numerical gradient of ``f`` at ``x``.
    """
    point = torch.tensor([0.4, -1.3, 0.9], dtype=F64)
    right = float(call(3, gradient_error, _h, _h_grad, point.clone()))
    wrong = float(call(3, gradient_error, _h, _h_grad_wrong, point.clone()))
    expected_wrong = (_h_grad_wrong(point) - numerical_gradient(_h, point)).abs().max().item()
    if not right < 1e-7:
        fail(
            3,
            {
                "ru": f"Для верного градиента получено {right:.1e}, а ждали число порядка "
                "1e-10. Сравнивайте grad(x) с numerical_gradient(f, x) в той же точке.",
                "en": f"A correct gradient gave {right:.1e}, where about 1e-10 was expected. "
                "Compare grad(x) with numerical_gradient(f, x) at the same point.",
            },
        )
    if not close(wrong, torch.tensor(expected_wrong), tol=NUMERICAL_TOL):
        fail(
            3,
            {
                "ru": f"Для градиента с ошибкой получено {wrong:.3g}, "
                f"а ждали {expected_wrong:.3g}. Верните наибольшую по модулю разность "
                "координат, а не сумму или среднее.",
                "en": f"A wrong gradient gave {wrong:.3g}, "
                f"where {expected_wrong:.3g} was expected. Return the largest absolute "
                "difference over the coordinates, not a sum or a mean.",
            },
        )
    passed(3)
