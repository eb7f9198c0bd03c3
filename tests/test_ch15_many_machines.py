"""Chapter 15: DDP on two CPU processes against one process, the page's claims, the exercises."""

import copy
import os
import socket
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from claims_run import claim
from exercise_hints import wrong_answers_get_hints
from output import floats, line_with

from nnzero.distributed import data_parallel_train, example, free_port, main, worker
from nnzero.exercises.ch15 import check_1, check_2, check_3

F64 = torch.float64


def single_process(seed: int, batch_size: int, lr: float, epochs: int) -> torch.Tensor:
    """The page's network trained in this process on whole batches, as one vector."""
    model, x, y = example(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            optimizer.zero_grad()
            out = model(x[start : start + batch_size])
            torch.nn.functional.mse_loss(out, y[start : start + batch_size]).backward()
            optimizer.step()
    return torch.nn.utils.parameters_to_vector(model.parameters()).detach()


def run_ddp(world_size: int, seed: int, batch_size: int, lr: float, epochs: int) -> torch.Tensor:
    """Every rank's trained parameters, one row per rank, from real DDP processes."""
    model, x, y = example(seed)
    n = sum(p.numel() for p in model.parameters())
    results = torch.full((world_size, n), float("nan"), dtype=F64).share_memory_()
    mp.start_processes(
        worker,
        args=(world_size, free_port(), model, x, y, batch_size, lr, epochs, results),
        nprocs=world_size,
        start_method="fork",
    )
    return results


# --- DDP against one process ------------------------------------------------------------------


@pytest.mark.parametrize(("world_size", "seed"), [(2, 3), (4, 4)])
def test_ddp_equals_one_process(world_size: int, seed: int) -> None:
    """Every rank ends with the weights that one process gets on the whole batches."""
    results = run_ddp(world_size, seed, batch_size=16, lr=0.2, epochs=3)
    expected = single_process(seed, batch_size=16, lr=0.2, epochs=3)
    start, _, _ = example(seed)
    initial = torch.nn.utils.parameters_to_vector(start.parameters()).detach()
    assert (expected - initial).abs().max() > 0.05  # training moved the weights
    for rank in range(world_size):
        torch.testing.assert_close(results[rank], results[0], rtol=0, atol=0)
        torch.testing.assert_close(results[rank], expected, rtol=0, atol=1e-12)


def test_one_rank_alone_is_not_the_same() -> None:
    """The check above is not vacuous: a rank that skipped the all-reduce would differ."""
    model, x, y = example(0)
    lone = copy.deepcopy(model)
    optimizer = torch.optim.SGD(lone.parameters(), lr=0.1)
    for _ in range(5):
        for start in range(0, 64, 16):
            optimizer.zero_grad()
            out = lone(x[start : start + 8])  # rank 0's half only
            torch.nn.functional.mse_loss(out, y[start : start + 8]).backward()
            optimizer.step()
    lone_weights = torch.nn.utils.parameters_to_vector(lone.parameters()).detach()
    assert (lone_weights - single_process(0, 16, 0.1, 5)).abs().max() > 1e-3


def test_data_parallel_train_in_a_group_of_one(monkeypatch) -> None:
    """With world size 1, data_parallel_train is plain SGD on whole batches."""
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(free_port()))
    dist.init_process_group("gloo", rank=0, world_size=1)
    try:
        model, x, y = example(5)
        trained = data_parallel_train(model, x, y, batch_size=16, lr=0.1, epochs=2)
    finally:
        dist.destroy_process_group()
    got = torch.nn.utils.parameters_to_vector(trained.parameters()).detach()
    torch.testing.assert_close(got, single_process(5, 16, 0.1, 2), rtol=0, atol=1e-12)


def test_free_port_can_be_bound() -> None:
    port = free_port()
    assert 0 < port < 65536
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def _as_torchrun_would(rank: int, world_size: int, port: int, out_dir: str) -> None:
    """Sets the variables torchrun gives each process, then runs the library's entry point."""
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world_size),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    with open(Path(out_dir, f"rank{rank}.txt"), "w") as out, redirect_stdout(out):
        main()


def torchrun_losses() -> list[float]:
    """The losses that `torchrun --nproc-per-node=2 -m nnzero.distributed` prints."""
    with tempfile.TemporaryDirectory() as out_dir:
        mp.start_processes(
            _as_torchrun_would, args=(2, free_port(), out_dir), nprocs=2, start_method="fork"
        )
        lines = [Path(out_dir, f"rank{r}.txt").read_text().strip() for r in range(2)]
    assert [line.split(":")[0] for line in lines] == ["rank 0 of 2", "rank 1 of 2"]
    return [floats(line.split(":")[1])[0] for line in lines]


# --- The exercises ----------------------------------------------------------------------------


def good_mean(per_rank):
    return [sum(grads) / len(per_rank) for grads in zip(*per_rank, strict=True)]


def summed(per_rank):
    return [sum(grads) for grads in zip(*per_rank, strict=True)]


def rank_zero_only(per_rank):
    return [g.clone() for g in per_rank[0]]


def per_rank_means(per_rank):  # the mean over parameters instead of over ranks
    return [torch.stack([g.mean() for g in grads]).mean() for grads in per_rank]


def good_uneven(per_rank, sizes):
    total = sum(sizes)
    return [
        sum(s * g for s, g in zip(sizes, grads, strict=True)) / total
        for grads in zip(*per_rank, strict=True)
    ]


def plain_mean_uneven(per_rank, sizes):
    return good_mean(per_rank)


def sum_uneven(per_rank, sizes):
    weighted = [[s * g for g in grads] for s, grads in zip(sizes, per_rank, strict=True)]
    return [sum(grads) for grads in zip(*weighted, strict=True)]


def good_shard(n, rank, world_size):
    per_rank = -(-n // world_size)
    return [i % n for i in range(per_rank * world_size)][rank::world_size]


def no_padding(n, rank, world_size):
    return list(range(rank, n, world_size))


def contiguous(n, rank, world_size):
    per_rank = -(-n // world_size)
    padded = [i % n for i in range(per_rank * world_size)]
    return padded[rank * per_rank : (rank + 1) * per_rank]


def pads_with_last(n, rank, world_size):
    per_rank = -(-n // world_size)
    padded = [min(i, n - 1) for i in range(per_rank * world_size)]
    return padded[rank::world_size]


def test_checks_accept_right_answers(capsys) -> None:
    check_1(good_mean)
    check_2(good_uneven)
    check_3(good_shard)
    out = capsys.readouterr().out
    for n in (1, 2, 3):
        assert f"✓ exercise {n}: correct" in out


def test_shard_reference_is_torch_distributed_sampler() -> None:
    """check_3's reference is what torch's DistributedSampler gives without shuffling."""
    from torch.utils.data import DistributedSampler

    for n, world_size in [(8, 2), (10, 4), (7, 3), (3, 4), (13, 5)]:
        for rank in range(world_size):
            sampler = DistributedSampler(range(n), world_size, rank, shuffle=False)
            assert list(sampler) == good_shard(n, rank, world_size)


WRONG = [
    (check_1, summed, "разделите её на число рангов", "divide it by the number of ranks"),
    (check_1, rank_zero_only, "среднее их градиентов", "the mean of their gradients"),
    (check_1, per_rank_means, "один список на все ранги", "one list for all ranks"),
    (check_2, plain_mean_uneven, "простое среднее неверно", "plain mean is wrong"),
    (check_2, sum_uneven, "средней функции потерь", "mean loss over all the samples"),
    (check_3, no_padding, "дополните список повторами", "pad the list by repeating"),
    (check_3, contiguous, "ранг r берёт номера", "rank r takes"),
    (check_3, pads_with_last, "ранг r берёт номера", "rank r takes"),
]


test_checks_reject_wrong_answers_with_hints = wrong_answers_get_hints(WRONG)


# --- The page's claims ------------------------------------------------------------------------


@claim("ch15_many_machines", "built-without-gpu")
def test_built_without_gpu(run) -> None:
    output = run.output("device")
    assert "CUDA available: False" in output
    assert "device: cpu" in output
    assert "no GPU on this machine" in output


@claim("ch15_many_machines", "to-same-device-no-copy")
def test_to_same_device_no_copy(run) -> None:
    assert "the same tensor as x: True" in run.output("to_device")
    x = torch.randn(2, 2)
    assert x.to("cpu") is x
    assert x.to("cpu", F64) is not x


@claim("ch15_many_machines", "halves-average-to-full")
def test_halves_average_to_full(run) -> None:
    output = run.output("data_parallel")
    alone = floats(line_with(output, "rank 0's half alone"))[-1]
    averaged = floats(line_with(output, "average of the two halves"))[-1]
    assert alone > 0.1
    assert averaged < 1e-14


@claim("ch15_many_machines", "ranks-identical")
def test_ranks_identical(run) -> None:
    output = run.output("ddp")
    assert floats(line_with(output, "rank 0 vs rank 1"))[-1] == 0.0
    assert "2 processes trained 5 epochs" in output


@claim("ch15_many_machines", "ddp-equals-single")
def test_ddp_equals_single(run) -> None:
    output = run.output("same_result")
    assert floats(line_with(output, "DDP vs one process"))[-1] < 1e-12
    before = floats(line_with(output, "loss on all 64 samples"))[-1]
    single = floats(line_with(output, "after, one process"))[-1]
    ddp = floats(line_with(output, "after, DDP"))[-1]
    assert single == ddp
    assert single < before / 5


@claim("ch15_many_machines", "torchrun-entry-same-loss")
def test_torchrun_entry_same_loss(run) -> None:
    page_loss = floats(line_with(run.output("same_result"), "after, DDP"))[-1]
    losses = torchrun_losses()
    assert losses[0] == losses[1]
    assert losses[0] == pytest.approx(page_loss, abs=5e-5)  # the page prints 4 decimals


@claim("ch15_many_machines", "uneven-batches-equal-single")
def test_uneven_batches_equal_single(run) -> None:
    output = run.output("uneven_batches")
    assert floats(line_with(output, "batches of 7 on 2 ranks"))[-1] < 1e-12


@claim("ch15_many_machines", "set-epoch-reshuffles")
def test_set_epoch_reshuffles(run) -> None:
    lines = run.output("sampler_epochs").splitlines()
    without = [line.split("takes")[1] for line in lines if "no set_epoch" in line]
    with_set_epoch = [line.split("takes")[1] for line in lines if "set_epoch(" in line]
    assert len(without) == len(with_set_epoch) == 3
    assert len(set(without)) == 1  # the same order in every epoch
    assert len(set(with_set_epoch)) == 3  # a new order in every epoch
