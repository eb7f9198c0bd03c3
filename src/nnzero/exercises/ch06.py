"""Checks of chapter 6's exercises (loss functions), against torch in float64."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F  # noqa: N812

from nnzero.exercises import Hint, verdict

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

TOL = 1e-12
F64 = torch.float64


def _value_and_grad(
    fn: Callable[..., torch.Tensor], input: torch.Tensor, *rest: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The value of ``fn`` and the gradient of its sum with respect to input (a fresh copy)."""
    leaf = input.detach().clone().requires_grad_()
    out = torch.as_tensor(fn(leaf, *rest))
    if not out.requires_grad:  # cut off the graph: no gradient reaches the input
        return out.detach(), torch.zeros_like(leaf)
    (grad,) = torch.autograd.grad(out.sum(), leaf, allow_unused=True)
    return out.detach(), torch.zeros_like(leaf) if grad is None else grad


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return (
        a.shape == b.shape
        and bool(torch.isfinite(a).all())
        and torch.allclose(a, b, rtol=TOL, atol=TOL)
    )


def _finite(*tensors: torch.Tensor) -> bool:
    return all(bool(torch.isfinite(t).all()) for t in tensors)


# Exercise 1 ------------------------------------------------------------------------------------

_LSE_SHAPE: Hint = {
    "ru": "сворачивать нужно последнюю ось: для входа формы (N, C) ответ — N чисел",
    "en": "reduce over the last dimension: an input of shape (N, C) gives N numbers",
}
_LSE_OVERFLOW: Hint = {
    "ru": "экспонента переполнилась: вычтите максимум строки до exp и прибавьте его после log",
    "en": "exp overflowed: subtract each row's maximum before exp and add it back after log",
}
_LSE_VALUE: Hint = {
    "ru": "значение не совпадает с torch.logsumexp(z, dim=-1): не забыли прибавить максимум?",
    "en": "the value differs from torch.logsumexp(z, dim=-1): did you add the maximum back?",
}
_LSE_GRAD: Hint = {
    "ru": "значение верное, а градиент нет (он должен равняться софтмаксу): "
    "считайте всё операциями torch, без .item() и .tolist()",
    "en": "the value is right but the gradient (which must equal the softmax) is not: "
    "keep every step a torch operation, no .item() or .tolist()",
}


def _logsumexp_problem(answer: Callable[[torch.Tensor], torch.Tensor]) -> Hint | None:
    g = torch.Generator().manual_seed(6)
    cases = [
        torch.randn(5, generator=g, dtype=F64),
        torch.randn(3, 4, generator=g, dtype=F64) * 5,
        torch.tensor([[1000.0, 1000.0, 999.0], [-1000.0, -1000.0, -1000.0]], dtype=F64),
        torch.tensor([[1000.0, 0.0, -1000.0]], dtype=F64),
    ]
    for z in cases:
        value, grad = _value_and_grad(answer, z)
        want_value, want_grad = _value_and_grad(lambda t: torch.logsumexp(t, dim=-1), z)
        if value.shape != want_value.shape:
            return _LSE_SHAPE
        if not _finite(value):
            return _LSE_OVERFLOW
        if not _close(value, want_value):
            return _LSE_VALUE
        if not _close(grad, want_grad):
            return _LSE_GRAD
    return None


def check_1(answer: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Exercise 1: a log-sum-exp over the last dimension that survives logits of ±1000.

    Args:
        answer: The learner's function of a tensor ``z``, reducing its last dimension.
    """
    problem = _logsumexp_problem(answer)
    verdict(1, problem is None, problem or _LSE_VALUE)


# Exercise 2 ------------------------------------------------------------------------------------

_BCE_SHAPE: Hint = {
    "ru": "функция должна вернуть одно число — среднее по всем элементам",
    "en": "return one number: the mean over all elements",
}
_BCE_OVERFLOW: Hint = {
    "ru": "на логитах ±1000 получилось inf или nan: не считайте сигмоиду, а потом её логарифм, "
    "используйте max(z, 0) - z·y + log(1 + exp(-|z|))",
    "en": "logits of ±1000 gave inf or nan: do not take the sigmoid and then its log, "
    "use max(z, 0) - z·y + log(1 + exp(-|z|))",
}
_BCE_VALUE: Hint = {
    "ru": "значение не совпадает с F.binary_cross_entropy_with_logits: проверьте знаки "
    "и усреднение по всем элементам",
    "en": "the value differs from F.binary_cross_entropy_with_logits: check the signs "
    "and that you average over all elements",
}
_BCE_GRAD: Hint = {
    "ru": "значение верное, а градиент нет (он должен быть (sigmoid(z) - y) / n): "
    "не отрывайте вычисление от графа (.detach(), .item())",
    "en": "the value is right but the gradient (which must be (sigmoid(z) - y) / n) is not: "
    "do not cut the computation off the graph (.detach(), .item())",
}


def _bce_problem(answer: Loss) -> Hint | None:
    g = torch.Generator().manual_seed(60)
    cases = []
    for scale in [1.0, 10.0]:
        z = torch.randn(8, generator=g, dtype=F64) * scale
        cases.append((z, torch.randint(0, 2, (8,), generator=g).to(F64)))
        cases.append((z, torch.rand(8, generator=g, dtype=F64)))
    extreme = torch.tensor([1000.0, -1000.0, 50.0, -50.0, 0.5], dtype=F64)
    cases += [(extreme, torch.zeros_like(extreme)), (extreme, torch.ones_like(extreme))]
    cases.append((torch.randn(4, 3, generator=g, dtype=F64), torch.rand(4, 3, generator=g)))
    for z, y in cases:
        y = y.to(F64)
        value, grad = _value_and_grad(answer, z, y)
        want_value, want_grad = _value_and_grad(F.binary_cross_entropy_with_logits, z, y)
        if value.shape != ():
            return _BCE_SHAPE
        if not _finite(value, grad):
            return _BCE_OVERFLOW
        if not _close(value, want_value):
            return _BCE_VALUE
        if not _close(grad, want_grad):
            return _BCE_GRAD
    return None


def check_2(answer: Loss) -> None:
    """Exercise 2: mean binary cross-entropy on logits, values and gradients like torch's.

    Args:
        answer: The learner's ``f(input, target)``: logits and labels of the same shape.
    """
    problem = _bce_problem(answer)
    verdict(2, problem is None, problem or _BCE_VALUE)


# Exercise 3 ------------------------------------------------------------------------------------

_MAE_VALUE: Hint = {
    "ru": "MAE — одно число: среднее модулей разностей |input - target| по всем элементам",
    "en": "MAE is one number: the mean of the absolute differences |input - target|",
}
_MAE_GRAD: Hint = {
    "ru": "значение верное, а градиент нет: он должен быть sign(input - target) / n",
    "en": "the value is right but the gradient is not: it must be sign(input - target) / n",
}


def _mae_problem(answer: Loss) -> Hint | None:
    g = torch.Generator().manual_seed(600)
    for shape in [(5,), (3, 4)]:
        x = torch.randn(shape, generator=g, dtype=F64) * 3
        y = torch.randn(shape, generator=g, dtype=F64)
        value, grad = _value_and_grad(answer, x, y)
        want_value, want_grad = _value_and_grad(F.l1_loss, x, y)
        if value.shape != () or not _close(value, want_value):
            return _MAE_VALUE
        if not _close(grad, want_grad):
            return _MAE_GRAD
    return None


def check_3(answer: Loss) -> None:
    """Exercise 3: mean absolute error, values and gradients like ``F.l1_loss``.

    Args:
        answer: The learner's ``mae(input, target)``.
    """
    problem = _mae_problem(answer)
    verdict(3, problem is None, problem or _MAE_VALUE)
