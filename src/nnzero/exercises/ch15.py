"""Checks for the exercises of chapter 15 (beyond one machine).

1. An all-reduce by hand: the mean of every rank's gradients equals the whole batch's gradient.
2. Ranks with shards of different sizes: the mean must weigh each rank by its samples.
3. Which samples each rank takes, padded so that every rank gets as many as the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from nnzero.exercises._common import F64, call, close, fail, passed

Gradients = list[torch.Tensor]
AllReduceMean = Callable[[list[Gradients]], Sequence[torch.Tensor]]
CombineUneven = Callable[[list[Gradients], list[int]], Sequence[torch.Tensor]]
ShardIndices = Callable[[int, int, int], Sequence[int]]


def _problem(seed: int) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """A small float64 network 3 -> 5 -> 2 and 12 samples."""
    generator = torch.Generator().manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)
    ).double()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.uniform_(-1.0, 1.0, generator=generator)
    x = torch.randn(12, 3, generator=generator, dtype=F64)
    y = torch.randn(12, 2, generator=generator, dtype=F64)
    return model, x, y


def _gradients(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> Gradients:
    """The gradients of the mean squared error on (x, y), one tensor per parameter."""
    model.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()  # type: ignore[no-untyped-call]
    return [p.grad.clone() for p in model.parameters() if p.grad is not None]


def _matches(answer: Sequence[torch.Tensor], expected: Gradients) -> bool:
    """Whether ``answer`` is one tensor per parameter, each equal to the expected one."""
    got = list(answer)
    return len(got) == len(expected) and all(
        close(g, e) for g, e in zip(got, expected, strict=True)
    )


def check_1(all_reduce_mean: AllReduceMean) -> None:
    """Checks ``all_reduce_mean(per_rank)``: the gradients every rank holds after DDP's all-reduce.

    ``per_rank[r]`` is rank ``r``'s list of gradients, one tensor per parameter, each computed
    on that rank's equal share of the batch. The answer is one list: for each parameter, the
    mean over the ranks. It must equal the gradient of the whole batch.
    """
    model, x, y = _problem(15)
    for world_size in (2, 3, 4):
        full = _gradients(model, x, y)
        per_rank = [
            _gradients(model, xs, ys)
            for xs, ys in zip(x.chunk(world_size), y.chunk(world_size), strict=True)
        ]
        copies = [[g.clone() for g in grads] for grads in per_rank]
        got = list(call(1, all_reduce_mean, copies, may_change=True))  # DDP works in place too
        if len(got) != len(full):
            fail(
                1,
                {
                    "ru": f"Ответ — один список на все ранги: по тензору на каждый из {len(full)} "
                    f"параметров, а в нём {len(got)} элементов",
                    "en": f"The answer is one list for all ranks: a tensor for each of the "
                    f"{len(full)} parameters; it has {len(got)} items",
                },
            )
        summed = [sum(grads) for grads in zip(*per_rank, strict=True)]
        if _matches(got, [torch.as_tensor(s) for s in summed]):
            fail(
                1,
                {
                    "ru": "Это сумма градиентов, а не среднее: разделите её на число рангов",
                    "en": "That is the sum of the gradients, not the mean: divide it by the "
                    "number of ranks",
                },
            )
        if not _matches(got, full):
            fail(
                1,
                {
                    "ru": f"При {world_size} рангах среднее их градиентов по каждому параметру "
                    "должно совпасть с градиентом по всему батчу",
                    "en": f"With {world_size} ranks the mean of their gradients, parameter by "
                    "parameter, must equal the gradient on the whole batch",
                },
            )
    passed(1)


def check_2(combine_uneven: CombineUneven) -> None:
    """Checks ``combine_uneven(per_rank, sizes)`` for shards of different sizes.

    Rank ``r`` computed the mean-loss gradients ``per_rank[r]`` on ``sizes[r]`` samples. The
    answer, one tensor per parameter, must equal the gradient of the mean loss over all the
    samples together.
    """
    model, x, y = _problem(16)
    for sizes in ([5, 4, 3], [7, 5], [3, 3, 3, 3], [1, 6, 5]):
        full = _gradients(model, x, y)
        starts = [sum(sizes[:rank]) for rank in range(len(sizes))]
        per_rank = [
            _gradients(model, x[s : s + k], y[s : s + k])
            for s, k in zip(starts, sizes, strict=True)
        ]
        copies = [[g.clone() for g in grads] for grads in per_rank]
        answer = call(2, combine_uneven, copies, list(sizes), may_change=True)
        if not _matches(answer, full):
            plain = [sum(grads) / len(sizes) for grads in zip(*per_rank, strict=True)]
            if _matches(answer, [torch.as_tensor(p) for p in plain]) and len(set(sizes)) > 1:
                hint = {
                    "ru": f"При размерах {sizes} простое среднее неверно: у ранга с большей "
                    "частью батча больше примеров, и его градиент должен весить больше — "
                    "умножьте градиент каждого ранга на его размер и разделите на сумму размеров",
                    "en": f"With sizes {sizes} the plain mean is wrong: a rank with more "
                    "samples must weigh more; multiply each rank's gradient by its size and "
                    "divide by the total",
                }
            else:
                hint = {
                    "ru": f"При размерах {sizes} ответ должен совпасть с градиентом средней "
                    "функции потерь по всем примерам сразу",
                    "en": f"With sizes {sizes} the answer must equal the gradient of the mean "
                    "loss over all the samples together",
                }
            fail(2, hint)
    passed(2)


def _reference_shard(n: int, rank: int, world_size: int) -> list[int]:
    """What torch's DistributedSampler(shuffle=False) gives rank ``rank``."""
    per_rank = -(-n // world_size)
    return [i % n for i in range(per_rank * world_size)][rank::world_size]


def check_3(shard_indices: ShardIndices) -> None:
    """Checks ``shard_indices(n, rank, world_size)``: the samples one rank takes.

    Every rank must get the same number of samples (``n / world_size`` rounded up); together
    they cover ``0 … n-1``, the few extra places filled by repeating from the start; rank
    ``r`` takes every ``world_size``-th index from ``r`` on, as ``DistributedSampler`` does.
    """
    for n, world_size in [(8, 2), (10, 4), (7, 3), (5, 1), (3, 4), (13, 5)]:
        answers = [
            [int(i) for i in call(3, shard_indices, n, r, world_size)] for r in range(world_size)
        ]
        expected = [_reference_shard(n, r, world_size) for r in range(world_size)]
        if answers == expected:
            continue
        sizes = [len(a) for a in answers]
        if len(set(sizes)) > 1:
            hint = {
                "ru": f"При n = {n} и {world_size} рангах они получили {sizes} примеров; "
                "каждому нужно поровну, иначе один ранг сделает лишний шаг и будет вечно ждать "
                "остальных: дополните список повторами с начала",
                "en": f"With n = {n} and {world_size} ranks they got {sizes} samples; each needs "
                "the same number, or one rank takes an extra step and waits for the others "
                "forever: pad the list by repeating from the start",
            }
        elif sorted({i for a in answers for i in a}) != list(range(n)):
            hint = {
                "ru": f"При n = {n} и {world_size} рангах вместе ранги должны покрыть все "
                "номера от 0 до n - 1",
                "en": f"With n = {n} and {world_size} ranks the ranks together must cover every "
                "index from 0 to n - 1",
            }
        else:
            hint = {
                "ru": f"При n = {n} и {world_size} рангах ожидалось {expected}, а получилось "
                f"{answers}: ранг r берёт номера r, r + world_size, r + 2·world_size, …",
                "en": f"With n = {n} and {world_size} ranks the answer should be {expected}, "
                f"not {answers}: rank r takes r, r + world_size, r + 2·world_size, …",
            }
        fail(3, hint)
    passed(3)
