"""What every chapter's checks share: float64, one tolerance, one way to call an answer.

A check computes the right result with torch (or by a reference written out in full) in
``float64`` and compares the learner's with :func:`close`. Anything the learner's code does wrong,
raising an exception included, ends in :func:`fail` with a hint, never in a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import torch

from nnzero.exercises import ExerciseError, Hint, language

F64 = torch.float64
"""Every check computes in float64, so that rounding cannot hide a wrong formula."""

TOL = 1e-10
"""The one tolerance, relative and absolute: two float64 computations of the same formula in a
different order agree to about 1e-15; a float32 step, a wrong constant or a wrong kink is far
off."""

NUMERICAL_TOL = 1e-6
"""The tolerance for an answer that is itself a numerical approximation (central differences
with a step of about 1e-5 are off by about 1e-10 times the third derivative, plus rounding)."""


def passed(number: int) -> None:
    """Prints that exercise ``number`` is solved."""
    print(f"✓ exercise {number}: correct")


def fail(number: int, hint: Hint) -> NoReturn:
    """Refuses the answer to exercise ``number`` with ``hint`` in the learner's language."""
    raise ExerciseError(f"✗ exercise {number}: {hint[language()]}")


def judge(number: int, problem: Hint | None) -> None:
    """Passes exercise ``number`` when no problem was found, else refuses it with the hint."""
    if problem is not None:
        fail(number, problem)
    passed(number)


def close(got: Any, want: torch.Tensor, tol: float = TOL) -> bool:
    """Whether ``got`` is a tensor (or numbers) of ``want``'s shape and, in float64, its values."""
    try:
        got = torch.as_tensor(got.detach() if isinstance(got, torch.Tensor) else got)
    except (TypeError, ValueError, RuntimeError):
        return False
    return got.shape == want.shape and bool(
        torch.allclose(got.to(F64), want.to(F64), rtol=tol, atol=tol)
    )


def _tensors(value: Any) -> list[torch.Tensor]:
    """The tensors in ``value``, in lists and tuples too."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, list | tuple):
        return [t for item in value for t in _tensors(item)]
    return []


_DTYPE: Hint = {
    "ru": "ответ в {dtype}, а проверка ждёт float64: создавайте новые тензоры с dtype=x.dtype "
    "(torch.zeros(..., dtype=x.dtype)) и не переводите числа в .float()",
    "en": "the answer is {dtype}, but the check expects float64: create new tensors with "
    "dtype=x.dtype (torch.zeros(..., dtype=x.dtype)) and do not convert with .float()",
}
_RAISED: Hint = {
    "ru": "проверка вызвала {name}({args}), и ваш код упал: {error}",
    "en": "the check called {name}({args}) and your code raised {error}",
}
_CHANGED: Hint = {
    "ru": "{name} изменила один из своих аргументов на месте: работайте с копией "
    "или создавайте новые тензоры, не пишите в аргументы через -=, [...] = или .add_()",
    "en": "{name} changed one of its arguments in place: work on a copy or make new "
    "tensors; do not write into arguments with -=, [...] = or .add_()",
}


def _describe(value: Any) -> str:
    """A short description of an argument, for a hint."""
    if isinstance(value, torch.Tensor):
        return f"tensor{tuple(value.shape)}"
    if isinstance(value, list | tuple):
        return f"{type(value).__name__} of {len(value)}"
    if callable(value):
        return getattr(value, "__name__", "function")
    return repr(value)


def call(
    number: int,
    answer: Callable[..., Any],
    *args: Any,
    may_change: bool = False,
    allow: tuple[type[Exception], ...] = (),
) -> Any:
    """``answer(*args)``, or a refusal with a hint.

    The answer is refused if it raises (an exception of a type in ``allow`` is passed on to
    the check, which has a better hint for it), returns a floating tensor that is not float64, or
    (unless ``may_change``) changes a tensor among its arguments.
    """
    before = [t.detach().clone() for t in _tensors(args)] if not may_change else []
    name = getattr(answer, "__name__", "answer")
    try:
        result = answer(*args)
    except allow:
        raise
    except Exception as error:  # the learner's code: any error becomes a hint
        described = ", ".join(_describe(a) for a in args)
        message = f"{type(error).__name__}: {error}"
        hint = {k: v.format(name=name, args=described, error=message) for k, v in _RAISED.items()}
        raise ExerciseError(f"✗ exercise {number}: {hint[language()]}") from None
    for old, new in zip(before, _tensors(args), strict=False):
        if old.shape != new.shape or not torch.equal(old, new.detach()):
            fail(number, {k: v.format(name=name) for k, v in _CHANGED.items()})
    for tensor in _tensors(result):
        if tensor.is_floating_point() and tensor.dtype != F64:
            fail(number, {k: v.format(dtype=tensor.dtype) for k, v in _DTYPE.items()})
    return result


def value_and_grad(
    number: int, answer: Callable[..., Any], input: torch.Tensor, *rest: Any
) -> tuple[torch.Tensor, torch.Tensor]:
    """The answer's value at ``input`` and the gradient of its sum with respect to ``input``.

    The gradient is zero where none reaches ``input``; ``input`` itself is left alone.
    """
    leaf = input.detach().clone().requires_grad_()
    out = call(number, answer, leaf, *rest)
    if not isinstance(out, torch.Tensor):
        out = torch.as_tensor(out, dtype=F64)
    if not out.requires_grad:  # cut off the graph: no gradient reaches the input
        return out.detach(), torch.zeros_like(leaf)
    (grad,) = torch.autograd.grad(out.sum(), leaf, allow_unused=True)
    return out.detach(), torch.zeros_like(leaf) if grad is None else grad
