"""Checks for the exercises of chapter 8 (the training loop).

1. A mini-batch iterator that covers every sample exactly once per epoch.
2. Standardization whose statistics come from the training set only.
3. Early stopping on the validation loss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from nnzero.exercises import Hint
from nnzero.exercises._common import F64, call, close, fail, judge, passed

BatchIndices = Callable[[int, int, torch.Generator], list[torch.Tensor]]
Standardize = Callable[
    [torch.Tensor, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor, torch.Tensor]
]
EarlyStopping = Callable[[Sequence[float], int], tuple[int, int]]


def _epoch(batch_indices: BatchIndices, n: int, batch_size: int, seed: int) -> list[torch.Tensor]:
    """One epoch of the answer's batches, shuffled by a generator seeded with ``seed``."""
    batches = call(1, batch_indices, n, batch_size, torch.Generator().manual_seed(seed))
    return [torch.as_tensor(b).reshape(-1) for b in batches]


def _batch_problem(batch_indices: BatchIndices) -> Hint | None:
    """The hint for the first way the batches go wrong, or None if they are right."""
    for n, batch_size in [(10, 4), (12, 4), (7, 10), (1, 1), (33, 8)]:
        batches = _epoch(batch_indices, n, batch_size, seed=n)
        sizes = [len(b) for b in batches]
        if len(batches) != (n + batch_size - 1) // batch_size:
            return {
                "ru": f"При n = {n} и batch_size = {batch_size} батчей должно быть "
                f"{(n + batch_size - 1) // batch_size}, а их {len(batches)}; не потерялся ли "
                "последний, неполный батч?",
                "en": f"With n = {n} and batch_size = {batch_size} there should be "
                f"{(n + batch_size - 1) // batch_size} batches, not {len(batches)}; "
                "is the last, smaller batch lost?",
            }
        if any(size > batch_size for size in sizes) or any(s != batch_size for s in sizes[:-1]):
            return {
                "ru": f"Размеры батчей {sizes}: все батчи, кроме последнего, должны быть "
                f"ровно по {batch_size}",
                "en": f"Batch sizes {sizes}: every batch but the last must hold exactly "
                f"{batch_size}",
            }
        seen = torch.cat(batches).sort().values
        if not torch.equal(seen, torch.arange(n)):
            return {
                "ru": "За эпоху каждый номер от 0 до n - 1 должен встретиться ровно один раз; "
                "возьмите перестановку torch.randperm(n, generator=generator)",
                "en": "In one epoch every index from 0 to n - 1 must appear exactly once; "
                "take a permutation, torch.randperm(n, generator=generator)",
            }
    generator = torch.Generator().manual_seed(0)
    epochs = [torch.cat(list(call(1, batch_indices, 50, 8, generator))) for _ in range(3)]
    if torch.equal(epochs[0], torch.arange(50)) or all(torch.equal(e, epochs[0]) for e in epochs):
        return {
            "ru": "Порядок должен быть случайным и новым в каждой эпохе: перемешивайте "
            "генератором generator при каждом вызове",
            "en": "The order must be random and new every epoch: shuffle with generator on "
            "every call",
        }
    same_seed = [torch.cat(_epoch(batch_indices, 50, 8, seed=3)) for _ in range(2)]
    if not torch.equal(*same_seed):
        return {
            "ru": "Два вызова с генераторами от одного и того же seed дали разный порядок: "
            "перемешивайте именно переданным генератором, "
            "torch.randperm(n, generator=generator), а не глобальным",
            "en": "Two calls with generators from the same seed gave different orders: shuffle "
            "with the generator you are given, torch.randperm(n, generator=generator), not "
            "the global one",
        }
    return None


def check_1(batch_indices: BatchIndices) -> None:
    """Checks ``batch_indices(n, batch_size, generator)``: one epoch of index batches.

    It must return a list of index tensors, each of ``batch_size`` indices but the last,
    which together hold every index ``0 … n-1`` exactly once, in a random order that changes
    from call to call.
    """
    judge(1, _batch_problem(batch_indices))


def _reference_standardize(
    x_train: torch.Tensor, x_val: torch.Tensor, x_test: torch.Tensor, correction: int = 1
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Standardizes all three parts with the training set's mean and std (std 0 -> 1)."""
    mean = x_train.mean(dim=0)
    std = x_train.std(dim=0, correction=correction)
    std = torch.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_val - mean) / std, (x_test - mean) / std


def check_2(standardize_splits: Standardize) -> None:
    """Checks ``standardize_splits(x_train, x_val, x_test)`` against the reference.

    The mean and standard deviation of each column must come from ``x_train`` alone; a column
    that is constant in the training set must not turn into infinities or NaN.
    """
    generator = torch.Generator().manual_seed(8)
    x_train = torch.randn(40, 5, generator=generator, dtype=F64) * 3 + 2
    x_val = torch.randn(15, 5, generator=generator, dtype=F64) * 5 - 1
    x_test = torch.randn(12, 5, generator=generator, dtype=F64) + 7
    x_train[:, 4] = 0.0  # a pixel that is blank on every training image
    x_test[0, 4] = 3.0  # ... but not on one test image
    answer = call(2, standardize_splits, x_train.clone(), x_val.clone(), x_test.clone())
    # torch's std divides by n - 1, scikit-learn's StandardScaler by n: either is right.
    references = [_reference_standardize(x_train, x_val, x_test, c) for c in (1, 0)]
    hint = {
        "ru": "Среднее и стандартное отклонение каждого столбца считаются только по x_train "
        "(dim=0) и затем применяются ко всем трём частям",
        "en": "The mean and standard deviation of each column come from x_train alone "
        "(dim=0), and are then applied to all three parts",
    }
    if not isinstance(answer, tuple | list) or len(answer) != 3:
        fail(2, hint)
    if any(not torch.isfinite(torch.as_tensor(a)).all() for a in answer):
        hint = {
            "ru": "Появились inf или NaN: столбец, постоянный на обучающей выборке, имеет "
            "стандартное отклонение 0; замените такой 0 на 1",
            "en": "There are infs or NaNs: a column that is constant in the training set has "
            "standard deviation 0; replace that 0 with 1",
        }
    ok = any(
        all(close(a, e) for a, e in zip(answer, expected, strict=True)) for expected in references
    )
    judge(2, None if ok else hint)


def _reference_early_stopping(val_losses: Sequence[float], patience: int) -> tuple[int, int]:
    """Returns (stop epoch, best epoch), both counted from 1."""
    best_epoch, best_loss = 0, float("inf")
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best_loss:
            best_epoch, best_loss = epoch, loss
        elif epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


EARLY_STOPPING_CASES: list[tuple[list[float], int]] = [
    ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3),  # stops at 6, keeps 3
    ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 5),  # never stops: 7, keeps 3
    ([0.5, 0.5, 0.5, 0.5], 2),  # a tie is no improvement: stops at 3, keeps 1
    ([0.9, 0.8, 0.7, 0.6], 1),  # improves every epoch: 4, keeps 4
    ([2.0, 1.0, 1.5, 0.9, 1.1, 1.2], 2),  # the wait starts again after epoch 4: stops at 6
]


def check_3(early_stopping: EarlyStopping) -> None:
    """Checks ``early_stopping(val_losses, patience) -> (stop_epoch, best_epoch)``.

    Epochs count from 1. Training stops after the first epoch that ends ``patience`` epochs
    without a new lowest validation loss (a tie is not an improvement); if that never
    happens it runs to the end. ``best_epoch`` is the epoch with the lowest loss so far.
    """
    for losses, patience in EARLY_STOPPING_CASES:
        expected = _reference_early_stopping(losses, patience)
        got = tuple(call(3, early_stopping, list(losses), patience))
        if got != expected:
            fail(
                3,
                {
                    "ru": f"Для потерь {losses} и patience = {patience} ожидалось "
                    f"(stop_epoch, best_epoch) = {expected}, а получилось {got}; эпохи "
                    "считаются с 1, а равное значение — не улучшение",
                    "en": f"For losses {losses} and patience = {patience} the answer should be "
                    f"(stop_epoch, best_epoch) = {expected}, not {got}; epochs count from 1, "
                    "and a tie is not an improvement",
                },
            )
    passed(3)
