# Chapter 15. Beyond one machine.
# Run from the repository root: python snippets/ch15_many_machines.py

# %%
# --8<-- [start:imports]
import copy
import time

import torch
import torch.multiprocessing as mp

from nnzero.distributed import example, free_port, worker

torch.manual_seed(0)
F64 = torch.float64
# --8<-- [end:imports]

# %%
# --8<-- [start:device]
print("CUDA available:", torch.cuda.is_available())
if torch.cuda.is_available():
    device = torch.device("cuda")  # an NVIDIA GPU
elif torch.backends.mps.is_available():
    device = torch.device("mps")  # the GPU of a Mac with Apple silicon
else:
    device = torch.device("cpu")
print("device:", device)
if device.type == "cuda":
    print("GPU:", torch.cuda.get_device_name(device))
elif device.type == "cpu":
    print("no GPU on this machine: everything below runs on the CPU")
# --8<-- [end:device]

# %%
# --8<-- [start:to_device]
x = torch.randn(3, 4)
print("x is on", x.device)
x_on_device = x.to(device)  # a copy on the GPU; on the CPU, x itself
print("x.to(device) is on", x_on_device.device, "| the same tensor as x:", x_on_device is x)

layer = torch.nn.Linear(4, 2).to(device)  # moves the layer's own parameters
print("the layer's weight is on", layer.weight.device)
out = layer(x_on_device)  # the inputs and the weights are on one device
print("the output is on", out.device, "| out.cpu() is on", out.cpu().device)
print("x.to(device, torch.float64):", x.to(device, F64).dtype)
# --8<-- [end:to_device]


# %%
# --8<-- [start:gpu_timing]
def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)  # wait until the GPU has done all it was given
    elif device.type == "mps":
        torch.mps.synchronize()  # the same on a Mac's GPU


def median_time(fn, device, repeats=5):
    fn()  # a warm-up call: the first one also pays for setting things up
    times = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


n = 1024
a = torch.randn(n, n, device=device)
b = torch.randn(n, n, device=device)
seconds = median_time(lambda: a @ b, device)
print(f"a {n} x {n} matrix product: {2 * n**3 / 1e9:.2f} billion arithmetic operations")
print(f"median of 5 products on {device.type} under a second:", seconds < 1.0)
# --8<-- [end:gpu_timing]


# %%
# --8<-- [start:data_parallel]
model, x, y = example(seed=0)
print(model)
print("x:", tuple(x.shape), " y:", tuple(y.shape))


def gradients(model, x, y):
    model.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()  # the mean over the samples
    return [p.grad.clone() for p in model.parameters()]


def max_difference(tensors_a, tensors_b):
    return max((a - b).abs().max().item() for a, b in zip(tensors_a, tensors_b, strict=True))


x_batch, y_batch = x[:16], y[:16]
full = gradients(model, x_batch, y_batch)
grads_0 = gradients(model, x_batch[:8], y_batch[:8])  # what rank 0 computes
grads_1 = gradients(model, x_batch[8:], y_batch[8:])  # what rank 1 computes
averaged = [(g0 + g1) / 2 for g0, g1 in zip(grads_0, grads_1, strict=True)]
print(f"rank 0's half alone vs the whole batch: max difference {max_difference(grads_0, full):.3f}")
print(f"average of the two halves vs the whole batch: {max_difference(averaged, full):.1e}")
# --8<-- [end:data_parallel]

# %%
# --8<-- [start:ddp]
BATCH_SIZE, LR, EPOCHS = 16, 0.1, 5  # 64 samples: 4 batches of 16, 8 per rank
world_size = 2
model, x, y = example(seed=0)
n_parameters = sum(p.numel() for p in model.parameters())
results = torch.zeros(world_size, n_parameters, dtype=F64).share_memory_()
port = free_port()  # where rank 0 waits for the others
mp.start_processes(
    worker,
    args=(world_size, port, model, x, y, BATCH_SIZE, LR, EPOCHS, results),
    nprocs=world_size,
    start_method="fork",
)
print(f"{world_size} processes trained {EPOCHS} epochs; every rank wrote {n_parameters} numbers")
rank_gap = (results[0] - results[1]).abs().max().item()
print("rank 0 vs rank 1: max difference", rank_gap)
# --8<-- [end:ddp]

# %%
# --8<-- [start:same_result]
single, x, y = example(seed=0)  # the same start, in this one process
before = torch.nn.functional.mse_loss(single(x), y).item()
optimizer = torch.optim.SGD(single.parameters(), lr=LR)
for _ in range(EPOCHS):
    for start in range(0, len(x), BATCH_SIZE):
        x_batch, y_batch = x[start : start + BATCH_SIZE], y[start : start + BATCH_SIZE]
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(single(x_batch), y_batch)
        loss.backward()
        optimizer.step()
single_weights = torch.nn.utils.parameters_to_vector(single.parameters()).detach()
print(f"DDP vs one process: max difference {(results[0] - single_weights).abs().max().item():.1e}")

ddp_model = copy.deepcopy(single)
torch.nn.utils.vector_to_parameters(results[0], ddp_model.parameters())
with torch.no_grad():
    print(f"loss on all 64 samples: before {before:.4f}")
    print(f"after, one process: {torch.nn.functional.mse_loss(single(x), y).item():.4f}")
    print(f"after, DDP:         {torch.nn.functional.mse_loss(ddp_model(x), y).item():.4f}")
# --8<-- [end:same_result]


# %%
# --8<-- [start:uneven_batches]
UNEVEN = 7  # 64 samples: 9 batches of 7, split 4 + 3, and a last one of 1, split 1 + 0
model, x, y = example(seed=0)
args = (world_size, free_port(), model, x, y, UNEVEN, LR, 1, results)  # 1 epoch
mp.start_processes(worker, args=args, nprocs=world_size, start_method="fork")

single, x, y = example(seed=0)
optimizer = torch.optim.SGD(single.parameters(), lr=LR)
for start in range(0, len(x), UNEVEN):
    x_batch, y_batch = x[start : start + UNEVEN], y[start : start + UNEVEN]
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(single(x_batch), y_batch).backward()
    optimizer.step()
single_weights = torch.nn.utils.parameters_to_vector(single.parameters()).detach()
gap = (results[0] - single_weights).abs().max().item()
print(f"batches of {UNEVEN} on 2 ranks vs one process: max difference {gap:.1e}")
# --8<-- [end:uneven_batches]


# %%
# --8<-- [start:sampler_epochs]
from torch.utils.data import DistributedSampler

samples = range(8)  # a data set of 8 samples; DistributedSampler needs only its length
sampler = DistributedSampler(samples, num_replicas=2, rank=0, shuffle=True, seed=0)
for epoch in range(3):
    print(f"epoch {epoch}, no set_epoch: rank 0 takes {list(sampler)}")
for epoch in range(3):
    sampler.set_epoch(epoch)  # at the start of every epoch, in every process
    print(f"epoch {epoch}, set_epoch({epoch}): rank 0 takes {list(sampler)}")
# --8<-- [end:sampler_epochs]


# %%
# --8<-- [start:exercise_1]
def all_reduce_mean(per_rank):
    world_size = len(per_rank)
    return [sum(grads) / world_size for grads in zip(*per_rank, strict=True)]


from nnzero.exercises.ch15 import check_1

check_1(all_reduce_mean)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def combine_uneven(per_rank, sizes):
    total = sum(sizes)
    return [
        sum(size * g for size, g in zip(sizes, grads, strict=True)) / total
        for grads in zip(*per_rank, strict=True)
    ]


from nnzero.exercises.ch15 import check_2

check_2(combine_uneven)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3]
def shard_indices(n, rank, world_size):
    per_rank = -(-n // world_size)  # n / world_size, rounded up
    padded = [i % n for i in range(per_rank * world_size)]  # 0 ... n-1, then 0, 1, ... again
    return padded[rank::world_size]


print([shard_indices(10, rank, 4) for rank in range(4)])

from nnzero.exercises.ch15 import check_3

check_3(shard_indices)
# --8<-- [end:exercise_3]
