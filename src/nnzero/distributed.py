"""Data-parallel training on several processes with ``torch.distributed``.

Every process (a *rank*) holds a full copy of the model and gets its own part of each batch.
``DistributedDataParallel`` averages the gradients over the ranks during ``backward()``
(an all-reduce), so every rank takes the same optimizer step and the copies stay equal. On
the CPU the processes talk through the ``gloo`` backend.

The functions live in the library, not on a page, so that new processes can import them:
[`worker`][nnzero.distributed.worker] is what ``torch.multiprocessing.start_processes`` runs
in each process, and ``python -m nnzero.distributed`` is the same training started by
``torchrun``, the launcher used on real clusters.

Taught in [chapter 15](../ch15_many_machines.md).
"""

# --8<-- [start:imports]
import os
import socket

import torch
import torch._dynamo  # DDP loads it on first use (seconds): load it once, before forking
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

# --8<-- [end:imports]


# --8<-- [start:example]
def example(seed: int = 0) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """A small regression problem: a network 4 -> 16 -> 1 and 64 noisy samples, in float64.

    Every process that calls it with the same seed gets the same numbers.

    Args:
        seed: The seed of the generator behind the data and the initial weights.

    Returns:
        The model, the inputs ``x`` of shape ``(64, 4)`` and the targets ``y`` of shape
        ``(64, 1)``.
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 4, generator=generator, dtype=torch.float64)
    true_weights = torch.tensor([[1.5], [-2.0], [0.5], [1.0]], dtype=torch.float64)
    y = torch.tanh(x @ true_weights) + 0.1 * torch.randn(64, 1, generator=generator, dtype=x.dtype)
    layers = [torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)]
    model = torch.nn.Sequential(*layers).to(torch.float64)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.uniform_(-0.5, 0.5, generator=generator)
    return model, x, y


# --8<-- [end:example]


# --8<-- [start:train]
def data_parallel_train(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    batch_size: int,
    lr: float,
    epochs: int,
) -> torch.nn.Module:
    """Trains ``model`` with SGD on this process's share of every batch.

    The process group must already be set up. Batches are taken in order, without shuffling;
    each rank keeps its own slice of every batch: with 2 ranks, rank 0 the first half and
    rank 1 the second. A batch that does not split evenly (7 samples on 2 ranks) gives the
    same step as one process: each rank's loss is weighted by its share of the samples.

    Args:
        model: The network; every rank starts from a copy (DDP copies rank 0's weights).
        x: All the inputs.
        y: All the targets.
        batch_size: The size of a whole batch, summed over all ranks.
        lr: The learning rate of SGD.
        epochs: How many passes over the data.

    Returns:
        The trained model (the network inside the DDP wrapper).
    """
    rank, world_size = dist.get_rank(), dist.get_world_size()
    ddp_model = DistributedDataParallel(model)  # copies rank 0's weights to every rank
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=lr)
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            y_batch = y[start : start + batch_size]
            x_mine = x[start : start + batch_size].tensor_split(world_size)[rank]
            y_mine = y_batch.tensor_split(world_size)[rank]
            optimizer.zero_grad()
            out = ddp_model(x_mine)
            squared_errors = torch.nn.functional.mse_loss(out, y_mine, reduction="sum")
            # DDP averages the gradients over the ranks during backward(), so each rank's sum,
            # times world_size / batch size, averages to the mean over the whole batch:
            loss = squared_errors * world_size / y_batch.numel()
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()  # the same gradients, so the same step on every rank
    trained: torch.nn.Module = ddp_model.module
    return trained


# --8<-- [end:train]


# --8<-- [start:free_port]
def free_port() -> int:
    """Returns a TCP port that nobody uses on this machine right now.

    Binding to port 0 lets the operating system choose a free one.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --8<-- [end:free_port]


# --8<-- [start:worker]
def worker(
    rank: int,
    world_size: int,
    port: int,
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    lr: float,
    epochs: int,
    results: torch.Tensor,
) -> None:
    """What one process runs: join the group, train, write its weights into ``results[rank]``.

    ``torch.multiprocessing.start_processes`` calls it with the rank first, then ``args``.

    Args:
        rank: This process's number, from 0 to ``world_size - 1``.
        world_size: How many processes train together.
        port: A free port on 127.0.0.1 where rank 0 waits for the others.
        model: The network to train (this process's own copy).
        x: All the inputs.
        y: All the targets.
        batch_size: The size of a whole batch, summed over all ranks.
        lr: The learning rate of SGD.
        epochs: How many passes over the data.
        results: A tensor in shared memory with one row per rank, as long as all the
            parameters together; each process writes its trained parameters into its row.
    """
    torch.set_num_threads(1)  # two processes share the cores
    os.environ["MASTER_ADDR"] = "127.0.0.1"  # where rank 0 is: this machine
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        trained = data_parallel_train(model, x, y, batch_size=batch_size, lr=lr, epochs=epochs)
        results[rank] = torch.nn.utils.parameters_to_vector(trained.parameters()).detach()
    finally:
        dist.destroy_process_group()


# --8<-- [end:worker]


# --8<-- [start:torchrun]
def main() -> None:
    """The same training, started by ``torchrun --nproc-per-node=2 -m nnzero.distributed``.

    ``torchrun`` starts the processes itself and gives each one its ``RANK``, ``WORLD_SIZE``,
    ``MASTER_ADDR`` and ``MASTER_PORT`` in the environment, where ``init_process_group``
    reads them.
    """
    local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))  # set by torchrun
    own_gpu = torch.cuda.is_available() and torch.cuda.device_count() >= local_processes
    backend = "nccl" if own_gpu else "gloo"  # nccl only when every process has its own GPU
    dist.init_process_group(backend)
    try:
        if backend == "nccl":  # one GPU per process on this machine
            torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
        model, x, y = example(seed=0)
        device = torch.device("cuda") if backend == "nccl" else torch.device("cpu")
        model, x, y = model.to(device), x.to(device), y.to(device)
        trained = data_parallel_train(model, x, y, batch_size=16, lr=0.1, epochs=5)
        with torch.no_grad():
            loss = torch.nn.functional.mse_loss(trained(x), y).item()
        print(f"rank {dist.get_rank()} of {dist.get_world_size()}: loss {loss:.6f}")
    finally:
        dist.destroy_process_group()
    # --8<-- [end:torchrun]


if __name__ == "__main__":
    main()
