"""Checks for the exercises of chapter 12 (project: handwritten digits).

1. A confusion matrix counted by hand.
2. The accuracy on each class, read off a confusion matrix.
3. A checkpoint that holds the optimizer's state as well, so that training can resume.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnzero.exercises._common import F64, call, close, fail, passed

Confusion = Callable[[torch.Tensor, torch.Tensor, int], Any]
PerClassAccuracy = Callable[[Any], Any]
SaveCheckpoint = Callable[[Path, nn.Module, torch.optim.Optimizer, int], None]
LoadCheckpoint = Callable[[Path, nn.Module, torch.optim.Optimizer], int]


def _reference_confusion(
    predictions: torch.Tensor, targets: torch.Tensor, num_classes: int
) -> torch.Tensor:
    """Rows: true class; columns: predicted class; entries: how many samples."""
    flat = targets * num_classes + predictions
    return torch.bincount(flat, minlength=num_classes * num_classes).reshape(
        num_classes, num_classes
    )


def check_1(confusion: Confusion) -> None:
    """Checks ``confusion(predictions, targets, num_classes)``: a confusion matrix.

    Entry ``[i, j]`` must count the samples of true class ``i`` predicted as ``j``; the matrix
    is ``num_classes`` by ``num_classes`` even when some class never occurs.
    """
    generator = torch.Generator().manual_seed(12)
    cases = [
        (torch.tensor([0, 2, 1, 1]), torch.tensor([0, 1, 1, 2]), 3),
        (torch.tensor([1, 1, 1]), torch.tensor([1, 1, 1]), 4),  # classes 0, 2, 3 never occur
        (
            torch.randint(0, 5, (200,), generator=generator),
            torch.randint(0, 5, (200,), generator=generator),
            5,
        ),
    ]
    for predictions, targets, num_classes in cases:
        expected = _reference_confusion(predictions, targets, num_classes)
        got = torch.as_tensor(call(1, confusion, predictions.clone(), targets.clone(), num_classes))
        if got.shape != expected.shape:
            fail(
                1,
                {
                    "ru": f"Матрица для {num_classes} классов должна иметь форму "
                    f"({num_classes}, {num_classes}), а получилось {tuple(got.shape)}; "
                    "место нужно и классам, которых в данных нет",
                    "en": f"The matrix for {num_classes} classes must have shape "
                    f"({num_classes}, {num_classes}), not {tuple(got.shape)}; classes that do "
                    "not occur in the data need their place too",
                },
            )
        if torch.equal(got.to(torch.int64), expected.T) and not torch.equal(expected, expected.T):
            fail(
                1,
                {
                    "ru": "Матрица транспонирована: строки — верные метки, столбцы — предсказанные",
                    "en": "The matrix is transposed: rows are the true labels, columns the "
                    "predicted ones",
                },
            )
        if not torch.equal(got.to(torch.int64), expected):
            fail(
                1,
                {
                    "ru": f"Для предсказаний {predictions.tolist()[:8]}… и меток "
                    f"{targets.tolist()[:8]}… ожидалось\n{expected}\nа получилось\n{got}",
                    "en": f"For predictions {predictions.tolist()[:8]}… and labels "
                    f"{targets.tolist()[:8]}… the answer should be\n{expected}\nnot\n{got}",
                },
            )
    passed(1)


def check_2(per_class_accuracy: PerClassAccuracy) -> None:
    """Checks ``per_class_accuracy(matrix)``: for each true class, the share predicted right.

    ``matrix`` is a confusion matrix (rows: true class, columns: predicted class); the answer is
    the diagonal divided by the sums of the rows.
    """
    generator = torch.Generator().manual_seed(120)
    for matrix in [
        torch.tensor([[8, 1, 1], [0, 5, 0], [3, 2, 20]]),
        torch.randint(1, 30, (5, 5), generator=generator),
    ]:
        got = call(2, per_class_accuracy, matrix.clone())
        expected = matrix.diagonal() / matrix.sum(dim=1).to(F64)
        if close(got, matrix.diagonal() / matrix.sum(dim=0).to(F64)):
            fail(
                2,
                {
                    "ru": "Вы поделили на суммы столбцов — это доля верных среди предсказаний "
                    "класса. Делить нужно на суммы строк: сколько всего картинок с этой цифрой",
                    "en": "You divided by the column sums: that is the share of right answers "
                    "among the predictions of a class. Divide by the row sums: how many images "
                    "show that digit",
                },
            )
        if not close(got, expected):
            fail(
                2,
                {
                    "ru": f"Для матрицы\n{matrix}\nожидалось {expected.tolist()}, а получилось "
                    f"{got!r}; нужна диагональ, делённая на суммы строк, в float64",
                    "en": f"For the matrix\n{matrix}\nthe answer should be {expected.tolist()}, "
                    f"not {got!r}; take the diagonal divided by the row sums, in float64",
                },
            )
    passed(2)


def _setup(seed: int) -> tuple[nn.Module, torch.optim.Optimizer]:
    with torch.random.fork_rng(devices=[]):  # leaves the learner's random state alone
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3)).double()
    return model, torch.optim.Adam(model.parameters(), lr=0.05)


def _steps(model: nn.Module, optimizer: torch.optim.Optimizer, count: int) -> None:
    generator = torch.Generator().manual_seed(7)
    x = torch.randn(16, 4, generator=generator, dtype=F64)
    y = torch.randint(0, 3, (16,), generator=generator)
    for _ in range(count):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()


def check_3(save_checkpoint: SaveCheckpoint, load_checkpoint: LoadCheckpoint) -> None:
    """Checks ``save_checkpoint(path, model, optimizer, epoch)`` and ``load_checkpoint``.

    ``load_checkpoint(path, model, optimizer)`` fills the model and the optimizer and returns
    the epoch saved. Training 3 steps, saving, loading into a fresh model and optimizer and
    training 2 more steps must give exactly the weights of 5 steps in a row.
    """
    straight, straight_optimizer = _setup(0)
    _steps(straight, straight_optimizer, 5)

    first, first_optimizer = _setup(0)
    _steps(first, first_optimizer, 3)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.pt"
        call(3, save_checkpoint, path, first, first_optimizer, 3)
        resumed, resumed_optimizer = _setup(1)  # other weights, an empty optimizer
        epoch = call(3, load_checkpoint, path, resumed, resumed_optimizer)
    if epoch != 3:
        fail(
            3,
            {
                "ru": f"load_checkpoint вернула {epoch!r}, а сохранена была эпоха 3",
                "en": f"load_checkpoint returned {epoch!r}, but epoch 3 was saved",
            },
        )
    loaded_same = all(
        torch.equal(a, b) for a, b in zip(first.parameters(), resumed.parameters(), strict=True)
    )
    if not loaded_same:
        fail(
            3,
            {
                "ru": "После загрузки веса модели не совпадают с сохранёнными: сохраните "
                "model.state_dict() и загрузите его через model.load_state_dict",
                "en": "After loading, the model's weights differ from the saved ones: save "
                "model.state_dict() and load it with model.load_state_dict",
            },
        )
    _steps(resumed, resumed_optimizer, 2)
    if not all(
        close(a, b) for a, b in zip(straight.parameters(), resumed.parameters(), strict=True)
    ):
        fail(
            3,
            {
                "ru": "Веса совпали после загрузки, но продолженное обучение ушло в сторону: "
                "у Adam есть своё состояние (средние градиентов и номер шага). Сохраните и "
                "загрузите optimizer.state_dict()",
                "en": "The weights were loaded, but the resumed training drifted away: Adam has a "
                "state of its own (the gradient averages and the step count). Save and load "
                "optimizer.state_dict() too",
            },
        )
    passed(3)
