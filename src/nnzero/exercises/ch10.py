"""Checks of the exercises of chapter 10 (from scratch to torch.nn).

1. An ``nn.Module`` with two hidden layers whose output matches a reference computation.
2. Training with ``torch.optim.SGD`` and momentum, iteration for iteration equal to
   chapter 9's ``nnzero.optim.SGD``.
3. The batch sizes of one epoch of a ``DataLoader``, with and without ``drop_last``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

import nnzero.optim
from nnzero.exercises import Hint
from nnzero.exercises._common import F64, call, close, fail, passed

TrainWithMomentum = Callable[[nn.Module, DataLoader[Any], int, float, float], Iterable[Any]]
EpochBatchSizes = Callable[[int, int, bool], Iterable[int]]

_SIZES = (5, 7, 6, 3)  # n_in, n_hidden1, n_hidden2, n_out
_SHAPES = [(7, 5), (7,), (6, 7), (6,), (3, 6), (3,)]


def check_1(model_class: Callable[[int, int, int, int], Any]) -> None:
    """Checks ``model_class(n_in, n_hidden1, n_hidden2, n_out)`` against a reference.

    The module must compute Linear → ReLU → Linear → ReLU → Linear, with its parameters in
    that order.

    Args:
        model_class: The learner's ``nn.Module`` subclass.
    """
    model = call(1, model_class, *_SIZES)
    if not isinstance(model, nn.Module):
        fail(
            1,
            {
                "ru": "Нужен класс — наследник nn.Module, который создаётся вызовом "
                "TwoHiddenMLP(n_in, n_hidden1, n_hidden2, n_out).",
                "en": "Write a subclass of nn.Module that is created by calling "
                "TwoHiddenMLP(n_in, n_hidden1, n_hidden2, n_out).",
            },
        )
    model = model.to(F64)
    params = list(model.parameters())
    if len(params) < len(_SHAPES):
        fail(
            1,
            {
                "ru": f"Модуль нашёл у себя только {len(params)} параметров из 6. Веса должны "
                "быть атрибутами типа nn.Linear или nn.Parameter, а не простыми тензорами, "
                "и первой строкой __init__ должен идти super().__init__().",
                "en": f"The module finds only {len(params)} of its 6 parameters. The weights "
                "must be attributes of type nn.Linear or nn.Parameter, not plain tensors, and "
                "the first line of __init__ must be super().__init__().",
            },
        )
    if [tuple(p.shape) for p in params] != _SHAPES:
        fail(
            1,
            {
                "ru": "Формы параметров не те: для TwoHiddenMLP(5, 7, 6, 3) ожидаются веса "
                "(7, 5), (6, 7), (3, 6) с их смещениями, слои создаются в порядке от входа "
                "к выходу.",
                "en": "The parameter shapes are wrong: TwoHiddenMLP(5, 7, 6, 3) should have "
                "weights (7, 5), (6, 7), (3, 6) with their biases, layers created from the "
                "input to the output.",
            },
        )
    generator = torch.Generator().manual_seed(10)
    values = [torch.randn(shape, dtype=F64, generator=generator) for shape in _SHAPES]
    with torch.no_grad():
        for p, value in zip(params, values, strict=True):
            p.copy_(value)
    x = torch.randn(20, _SIZES[0], dtype=F64, generator=generator)
    with torch.no_grad():
        answer = call(1, model, x)
    if not isinstance(answer, torch.Tensor):
        fail(
            1,
            {"ru": "forward должен возвращать тензор.", "en": "forward must return a tensor."},
        )
    w1, b1, w2, b2, w3, b3 = values
    expected = F.linear(F.relu(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2)), w3, b3)
    linear_only = F.linear(F.linear(F.linear(x, w1, b1), w2, b2), w3, b3)
    if close(answer, expected):
        passed(1)
    elif close(answer, linear_only):
        fail(
            1,
            {
                "ru": "Между слоями нет ReLU: три линейных слоя подряд сворачиваются в один.",
                "en": "There is no ReLU between the layers: three linear layers in a row "
                "collapse into one.",
            },
        )
    elif close(answer, F.relu(expected)):
        fail(
            1,
            {
                "ru": "После выходного слоя ReLU не нужна: сеть отдаёт логиты, и они могут "
                "быть отрицательными.",
                "en": "No ReLU after the output layer: the network returns logits, and they "
                "may be negative.",
            },
        )
    else:
        fail(
            1,
            {
                "ru": "Выход не совпадает с Linear → ReLU → Linear → ReLU → Linear. Проверьте, "
                "что forward применяет слои по порядку.",
                "en": "The output differs from Linear → ReLU → Linear → ReLU → Linear. Check "
                "that forward applies the layers in order.",
            },
        )


def _small_model() -> nn.Sequential:
    """A small network with fixed starting weights, the same on every call."""
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)).to(F64)
    generator = torch.Generator().manual_seed(20)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, dtype=F64, generator=generator) * 0.5)
    return model


_DATA = torch.Generator().manual_seed(21)
_X = torch.randn(45, 6, dtype=F64, generator=_DATA)
_Y = torch.randint(0, 3, (45,), generator=_DATA)


def _small_loader() -> DataLoader[Any]:
    """45 samples in batches of 10, shuffled from the same seed on every call."""
    data = TensorDataset(_X, _Y)
    sampler = RandomSampler(data, generator=torch.Generator().manual_seed(22))
    return DataLoader(data, batch_size=10, sampler=sampler)


def _nnzero_losses(epochs: int, lr: float, momentum: float, clear: bool = True) -> list[float]:
    """The loss of every iteration of chapter 9's SGD on the small model and loader."""
    model = _small_model()
    optimizer = nnzero.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loader = _small_loader()
    losses = []
    for _ in range(epochs):
        for x_batch, y_batch in loader:
            if clear:
                optimizer.zero_grad()
            loss = F.cross_entropy(model(x_batch), y_batch)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            losses.append(loss.item())
    return losses


def _as_floats(answer: object) -> list[float] | None:
    """The answer as a list of floats, or None if it is not a sequence of numbers."""
    try:
        return [float(v) for v in answer]  # type: ignore[attr-defined]
    except (TypeError, ValueError, RuntimeError):
        return None


def _momentum_problem(
    train_with_momentum: TrainWithMomentum, lr: float, momentum: float
) -> Hint | None:
    """The hint for how the answer's losses differ from chapter 9's SGD, or None."""
    epochs = 3
    losses = call(2, train_with_momentum, _small_model(), _small_loader(), epochs, lr, momentum)
    answer = _as_floats(losses)
    expected = _nnzero_losses(epochs, lr, momentum)
    if answer is None or len(answer) != len(expected):
        return {
            "ru": f"Верните список потерь всех итераций: здесь {len(expected)} чисел "
            "(3 эпохи по 5 мини-батчей), по одному loss.item() на шаг.",
            "en": f"Return the list of the losses of all iterations: {len(expected)} "
            "numbers here (3 epochs of 5 mini-batches), one loss.item() per step.",
        }
    result = torch.tensor(answer, dtype=F64)
    if close(result, torch.tensor(expected, dtype=F64)):
        return None
    if close(result, torch.tensor(_nnzero_losses(epochs, lr, 0.0), dtype=F64)):
        return {
            "ru": "Это обычный SGD без метода моментов: передайте momentum=momentum "
            "в torch.optim.SGD.",
            "en": "That is plain SGD without momentum: pass momentum=momentum to torch.optim.SGD.",
        }
    if close(result, torch.tensor(_nnzero_losses(epochs, lr, momentum, False), dtype=F64)):
        return {
            "ru": "Градиенты копятся от шага к шагу: после optimizer.step() вызовите "
            "optimizer.zero_grad().",
            "en": "The gradients pile up from step to step: call optimizer.zero_grad() "
            "after optimizer.step().",
        }
    return {
        "ru": f"При lr = {lr}, momentum = {momentum} потери расходятся с nnzero.optim.SGD "
        "из главы 9. Обучайте переданную модель на батчах переданного loader, "
        "с F.cross_entropy, lr и momentum из аргументов, одним оптимизатором на всё обучение.",
        "en": f"With lr = {lr}, momentum = {momentum} the losses differ from chapter 9's "
        "nnzero.optim.SGD. Train the given model on the batches of the given loader, with "
        "F.cross_entropy and the lr and momentum from the arguments, one optimizer for the "
        "whole training.",
    }


def check_2(train_with_momentum: TrainWithMomentum) -> None:
    """Checks ``train_with_momentum(model, loader, epochs, lr, momentum)`` against chapter 9.

    The learner's function trains ``model`` with ``torch.optim.SGD`` and cross-entropy and
    returns the loss of every iteration; the check trains the same model on the same batches
    with ``nnzero.optim.SGD`` and compares the losses, for two settings of lr and momentum.

    Args:
        train_with_momentum: The learner's function.
    """
    for lr, momentum in [(0.05, 0.9), (0.1, 0.5)]:
        problem = _momentum_problem(train_with_momentum, lr, momentum)
        if problem is not None:
            fail(2, problem)
    passed(2)


def check_3(epoch_batch_sizes: EpochBatchSizes) -> None:
    """Checks ``epoch_batch_sizes(n, batch_size, drop_last)`` against ``DataLoader``.

    Args:
        epoch_batch_sizes: The learner's function; it returns the size of every batch of
            one epoch, in order.
    """
    for n, batch_size in [(10, 4), (10, 5), (3, 4), (1078, 32), (1078, 100), (7, 1)]:
        for drop_last in (False, True):
            loader = DataLoader(
                TensorDataset(torch.arange(n)), batch_size=batch_size, drop_last=drop_last
            )
            expected = [len(batch) for (batch,) in loader]
            answer = _as_floats(call(3, epoch_batch_sizes, n, batch_size, drop_last))
            if answer == expected:
                continue
            short = n % batch_size
            if drop_last and answer == [*expected, short]:
                hint = {
                    "ru": "С drop_last=True последний неполный батч отбрасывается: "
                    f"при n={n}, batch_size={batch_size} батча из {short} нет.",
                    "en": "With drop_last=True the last incomplete batch is dropped: with "
                    f"n={n}, batch_size={batch_size} there is no batch of {short}.",
                }
            elif not drop_last and answer == expected[:-1]:
                hint = {
                    "ru": "С drop_last=False последний неполный батч остаётся: "
                    f"при n={n}, batch_size={batch_size} в конце идёт батч из {short}.",
                    "en": "With drop_last=False the last incomplete batch stays: with "
                    f"n={n}, batch_size={batch_size} the epoch ends with a batch of {short}.",
                }
            else:
                hint = {
                    "ru": f"При n={n}, batch_size={batch_size}, drop_last={drop_last} "
                    f"DataLoader выдаёт батчи размеров {expected}.",
                    "en": f"With n={n}, batch_size={batch_size}, drop_last={drop_last} "
                    f"DataLoader yields batches of sizes {expected}.",
                }
            fail(3, hint)
    passed(3)
