# Chapter 9. Optimizers.
# Run from the repository root: python snippets/ch09_optimizers.py

# %%
# --8<-- [start:imports]
import math

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits

import nnzero.optim
from nnzero.data import MiniBatches, train_val_split
from nnzero.layers import mlp
from nnzero.losses import cross_entropy

torch.manual_seed(0)
F64 = torch.float64
# --8<-- [end:imports]


# %%
# --8<-- [start:optimizer_loop]
def valley(p):
    return p[0] ** 2 / 2 + 5 * p[1] ** 2


p = torch.tensor([-4.0, 1.5], dtype=F64, requires_grad=True)
optimizer = nnzero.optim.SGD([p], lr=0.05)
for step in range(1, 4):
    optimizer.zero_grad()  # forget the previous gradient
    loss = valley(p)
    loss.backward()  # p.grad = the gradient of the loss
    optimizer.step()  # p = p - lr * p.grad
    print(f"step {step}: p = {p.detach().numpy().round(4)}, loss before the step {loss.item():.4f}")
# --8<-- [end:optimizer_loop]


# %%
# --8<-- [start:compare_setup]
STEPS = 100
x_demo = torch.randn(32, 5, dtype=F64)
y_demo = torch.randint(0, 3, (32,))


def train_steps(optimizer_class, steps=STEPS, **settings):
    """Trains a fresh copy of the same small network; returns its weights in one row."""
    model = mlp([5, 8, 3], generator=torch.Generator().manual_seed(0), dtype=F64)
    optimizer = optimizer_class(model.parameters(), **settings)
    for _ in range(steps):
        optimizer.zero_grad()
        cross_entropy(model(x_demo), y_demo).backward()
        optimizer.step()
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


start = train_steps(nnzero.optim.SGD, steps=0)


def report(ours, theirs):
    difference = (ours - theirs).abs().max().item()
    moved = (theirs - start).abs().max().item()
    print(f"after {STEPS} steps: max difference {difference:.1e}, largest change {moved:.2f}")


# --8<-- [end:compare_setup]


# %%
# --8<-- [start:sgd_scratch]
ours = train_steps(nnzero.optim.SGD, lr=0.1)
# --8<-- [end:sgd_scratch]

# %%
# --8<-- [start:sgd_torch]
theirs = train_steps(torch.optim.SGD, lr=0.1)
# --8<-- [end:sgd_torch]

# %%
# --8<-- [start:sgd_difference]
report(ours, theirs)
# --8<-- [end:sgd_difference]


# %%
# --8<-- [start:momentum_buffer]
def buffers(gradients, momentum=0.9):
    """The momentum buffer after each gradient, as torch.optim.SGD keeps it."""
    buf, history = None, []
    for g in gradients:
        buf = g if buf is None else momentum * buf + g
        history.append(buf)
    return history


steady = buffers([1.0] * 40)  # the slope always points the same way
flipping = buffers([1.0, -1.0] * 20)  # the slope changes sign every step
print("steady:  ", [round(b, 2) for b in steady[:5]], "... step 40:", round(steady[-1], 2))
print("flipping:", [round(b, 2) for b in flipping[:5]], "... step 40:", round(flipping[-1], 2))
# --8<-- [end:momentum_buffer]


# %%
# --8<-- [start:momentum_scratch]
ours = train_steps(nnzero.optim.SGD, lr=0.05, momentum=0.9)
# --8<-- [end:momentum_scratch]

# %%
# --8<-- [start:momentum_torch]
theirs = train_steps(torch.optim.SGD, lr=0.05, momentum=0.9)
# --8<-- [end:momentum_torch]

# %%
# --8<-- [start:momentum_difference]
report(ours, theirs)
# --8<-- [end:momentum_difference]


# %%
# --8<-- [start:nesterov_scratch]
ours = train_steps(nnzero.optim.SGD, lr=0.05, momentum=0.9, nesterov=True)
# --8<-- [end:nesterov_scratch]

# %%
# --8<-- [start:nesterov_torch]
theirs = train_steps(torch.optim.SGD, lr=0.05, momentum=0.9, nesterov=True)
# --8<-- [end:nesterov_torch]

# %%
# --8<-- [start:nesterov_difference]
report(ours, theirs)
# --8<-- [end:nesterov_difference]


# %%
# --8<-- [start:rmsprop_scale]
print("gradient   move at step 1     2     10    100   (lr = 0.01)")
for g in [0.001, 1.0, 1000.0]:
    p = torch.tensor([0.0], dtype=F64, requires_grad=True)
    optimizer = nnzero.optim.RMSprop([p], lr=0.01)
    moves = []
    for _ in range(100):
        before = p.item()
        p.grad = torch.tensor([g], dtype=F64)  # the same gradient at every step
        optimizer.step()
        moves.append(before - p.item())
    print(f"{g:<10} {moves[0]:13.4f} {moves[1]:.4f} {moves[9]:.4f} {moves[99]:.4f}")
# --8<-- [end:rmsprop_scale]


# %%
# --8<-- [start:rmsprop_scratch]
ours = train_steps(nnzero.optim.RMSprop, lr=0.01)
# --8<-- [end:rmsprop_scratch]

# %%
# --8<-- [start:rmsprop_torch]
theirs = train_steps(torch.optim.RMSprop, lr=0.01)
# --8<-- [end:rmsprop_torch]

# %%
# --8<-- [start:rmsprop_difference]
report(ours, theirs)
# --8<-- [end:rmsprop_difference]


# %%
# --8<-- [start:bias_correction]
beta1, beta2, g = 0.9, 0.999, 2.0  # the same gradient 2.0 at every step
m = v = 0.0
print("step  m        m_hat    v         v_hat")
for t in range(1, 11):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    if t in (1, 2, 3, 10):
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        print(f"{t:<5} {m:.4f}   {m_hat:.4f}   {v:.6f}  {v_hat:.4f}")
# --8<-- [end:bias_correction]


# %%
# --8<-- [start:adam_scratch]
ours = train_steps(nnzero.optim.Adam, lr=0.01)
# --8<-- [end:adam_scratch]

# %%
# --8<-- [start:adam_torch]
theirs = train_steps(torch.optim.Adam, lr=0.01)
# --8<-- [end:adam_torch]

# %%
# --8<-- [start:adam_difference]
report(ours, theirs)
# --8<-- [end:adam_difference]


# %%
# --8<-- [start:l2_vs_decoupled]
def idle_weight(optimizer_class, weight_decay, steps=100):
    """A weight that the loss ignores: only weight decay moves it."""
    p = torch.tensor([1.0], dtype=F64, requires_grad=True)
    optimizer = optimizer_class([p], lr=0.01, weight_decay=weight_decay)
    for _ in range(steps):
        p.grad = torch.zeros_like(p)  # the loss does not depend on p
        optimizer.step()
    return p.item()


print("weight decay   Adam (L2)   AdamW     (the weight starts at 1, 100 steps, lr = 0.01)")
for weight_decay in [0.0001, 0.01, 1.0]:
    adam = idle_weight(nnzero.optim.Adam, weight_decay)
    adamw = idle_weight(nnzero.optim.AdamW, weight_decay)
    print(f"{weight_decay:<14} {adam:.4f}      {adamw:.4f}")
# --8<-- [end:l2_vs_decoupled]


# %%
# --8<-- [start:adamw_scratch]
ours = train_steps(nnzero.optim.AdamW, lr=0.01, weight_decay=0.1)
# --8<-- [end:adamw_scratch]

# %%
# --8<-- [start:adamw_torch]
theirs = train_steps(torch.optim.AdamW, lr=0.01, weight_decay=0.1)
# --8<-- [end:adamw_torch]

# %%
# --8<-- [start:adamw_difference]
report(ours, theirs)
# --8<-- [end:adamw_difference]


# %%
# --8<-- [start:paths]
def descend(optimizer_class, steps=40, **settings):
    """The points an optimizer visits on the valley, starting from (-4, 1.5)."""
    p = torch.tensor([-4.0, 1.5], dtype=F64, requires_grad=True)
    optimizer = optimizer_class([p], **settings)
    points = [p.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        valley(p).backward()
        optimizer.step()
        points.append(p.detach().clone())
    return torch.stack(points)


paths = {
    "SGD": descend(nnzero.optim.SGD, lr=0.05),
    "momentum": descend(nnzero.optim.SGD, lr=0.05, momentum=0.8),
    "Nesterov": descend(nnzero.optim.SGD, lr=0.05, momentum=0.8, nesterov=True),
    "RMSprop": descend(nnzero.optim.RMSprop, lr=0.1),
    "Adam": descend(nnzero.optim.Adam, lr=0.3),
}
print("optimizer  distance to minimum after 40 steps   floor crossings   lowest y")
for name, path in paths.items():
    crossings = int((path[1:, 1] * path[:-1, 1] < 0).sum())
    print(f"{name:<10} {path[-1].norm():34.4f} {crossings:17d} {path[:, 1].min():10.2f}")
# --8<-- [end:paths]

# %%
# --8<-- [start:paths_plot]
xs = torch.linspace(-4.5, 4.5, 121, dtype=F64)
ys = torch.linspace(-2, 2, 81, dtype=F64)
X, Y = torch.meshgrid(xs, ys, indexing="xy")
panels = [["SGD"], ["momentum", "Nesterov"], ["RMSprop"], ["Adam"]]
fig, axes = plt.subplots(2, 2, figsize=(9, 4.8), sharex=True, sharey=True)
for ax, names in zip(axes.flat, panels, strict=True):
    ax.contour(X, Y, valley(torch.stack([X, Y])), levels=15, cmap="viridis", linewidths=0.6)
    for name in names:
        ax.plot(paths[name][:, 0], paths[name][:, 1], "o-", ms=2.5, lw=1, label=name)
    ax.plot(0, 0, "k*", markersize=10)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8)
fig.suptitle("40 steps on $x^2/2 + 5y^2$")
plt.tight_layout()
plt.show()
# --8<-- [end:paths_plot]


# %%
# --8<-- [start:race_data]
digits = load_digits()
x_all = torch.tensor(digits.data, dtype=F64)
y_all = torch.tensor(digits.target)
x_rest, y_rest, _, _ = train_val_split(x_all, y_all, val_fraction=0.2, seed=0)
x_train, y_train, _, _ = train_val_split(x_rest, y_rest, val_fraction=0.25, seed=1)
mean, std = x_train.mean(dim=0), x_train.std(dim=0)
x_train = (x_train - mean) / torch.where(std > 0, std, 1.0)  # as in chapter 8
print("training images:", len(x_train))
# --8<-- [end:race_data]


# %%
# --8<-- [start:race]
TARGET = 0.05  # the training loss to reach
MAX_STEPS = 6 * 34  # six epochs of 34 mini-batches


def race(optimizer_class, lr, **settings):
    """The training loss after every step, until it falls below TARGET or time runs out."""
    model = mlp([64, 64, 10], generator=torch.Generator().manual_seed(0), dtype=F64)
    optimizer = optimizer_class(model.parameters(), lr=lr, **settings)
    batches = MiniBatches(x_train, y_train, batch_size=32, seed=0)
    losses = []
    while True:
        for x_batch, y_batch in batches:
            optimizer.zero_grad()
            cross_entropy(model(x_batch), y_batch).backward()
            optimizer.step()
            with torch.no_grad():
                losses.append(cross_entropy(model(x_train), y_train).item())
            if losses[-1] < TARGET or len(losses) == MAX_STEPS or not math.isfinite(losses[-1]):
                return losses


contestants = {
    "SGD": (nnzero.optim.SGD, {}),
    "momentum": (nnzero.optim.SGD, {"momentum": 0.9}),
    "Nesterov": (nnzero.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "RMSprop": (nnzero.optim.RMSprop, {}),
    "Adam": (nnzero.optim.Adam, {}),
    "AdamW": (nnzero.optim.AdamW, {}),
}
learning_rates = [0.001, 0.01, 0.1, 1.0]
best_runs = {}
print(f"steps to a training loss below {TARGET} (- : not within {MAX_STEPS} steps)")
print("optimizer " + "".join(f"{f'lr={lr:g}':>10}" for lr in learning_rates) + "   best")
for name, (optimizer_class, settings) in contestants.items():
    cells = []
    for lr in learning_rates:
        losses = race(optimizer_class, lr, **settings)
        reached = losses[-1] < TARGET
        cells.append(f"{len(losses):>10}" if reached else f"{'-':>10}")
        if reached and (name not in best_runs or len(losses) < len(best_runs[name][1])):
            best_runs[name] = (lr, losses)
    print(f"{name:<10}" + "".join(cells) + f"   {len(best_runs[name][1])}")
# --8<-- [end:race]

# %%
# --8<-- [start:race_plot]
plt.figure(figsize=(6.5, 4))
for name, (_, losses) in best_runs.items():
    plt.semilogy(range(1, len(losses) + 1), losses, label=name)
plt.axhline(TARGET, color="gray", linestyle="--", linewidth=1)
plt.xlabel("step")
plt.ylabel("training loss")
plt.title("Each optimizer with its best learning rate")
plt.legend()
plt.show()
# --8<-- [end:race_plot]


# %%
# --8<-- [start:exercise_1]
def sgd_momentum(grad, start, lr, momentum, steps):
    """Gradient descent with momentum, the way torch.optim.SGD does it; returns every point."""
    p, buf = start.clone(), None
    path = [p.clone()]
    for _ in range(steps):
        g = grad(p)
        buf = g.clone() if buf is None else momentum * buf + g
        p = p - lr * buf
        path.append(p.clone())
    return torch.stack(path)


def valley_grad(p):
    return torch.stack([p[0], 10 * p[1]])


start_point = torch.tensor([-4.0, 1.5], dtype=F64)
ours = sgd_momentum(valley_grad, start_point, lr=0.05, momentum=0.8, steps=5)
theirs = descend(torch.optim.SGD, steps=5, lr=0.05, momentum=0.8)
print(f"max difference from torch.optim.SGD after 5 steps: {(ours - theirs).abs().max():.1e}")

from nnzero.exercises.ch09 import check_1

check_1(sgd_momentum)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def adam(grad, start, lr, steps, betas=(0.9, 0.999), eps=1e-8):
    """Adam with bias correction; returns every point it visits."""
    beta1, beta2 = betas
    p = start.clone()
    m, v = torch.zeros_like(p), torch.zeros_like(p)
    path = [p.clone()]
    for t in range(1, steps + 1):
        g = grad(p)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)  # undo the pull towards the zeros m started from
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (v_hat.sqrt() + eps)
        path.append(p.clone())
    return torch.stack(path)


ours = adam(valley_grad, start_point, lr=0.3, steps=40)
theirs = descend(torch.optim.Adam, steps=40, lr=0.3)
print(f"max difference from torch.optim.Adam after 40 steps: {(ours - theirs).abs().max():.1e}")

from nnzero.exercises.ch09 import check_2

check_2(adam)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3]
def l2_penalty(params, weight_decay):
    """(weight_decay / 2) * the sum of the squares of all the weights."""
    return weight_decay / 2 * sum((p**2).sum() for p in params)


def train_with_penalty(optimizer_class, weight_decay, **settings):
    """train_steps, with the L2 penalty added to the loss."""
    model = mlp([5, 8, 3], generator=torch.Generator().manual_seed(0), dtype=F64)
    optimizer = optimizer_class(model.parameters(), **settings)
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = cross_entropy(model(x_demo), y_demo)
        (loss + l2_penalty(model.parameters(), weight_decay)).backward()
        optimizer.step()
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


penalized = train_with_penalty(torch.optim.Adam, 0.1, lr=0.01)
adam_l2 = train_steps(torch.optim.Adam, lr=0.01, weight_decay=0.1)
adamw = train_steps(torch.optim.AdamW, lr=0.01, weight_decay=0.1)
print(f"L2 in the loss vs Adam(weight_decay): {(penalized - adam_l2).abs().max():.1e}")
print(f"L2 in the loss vs AdamW(weight_decay): {(penalized - adamw).abs().max():.1e}")

from nnzero.exercises.ch09 import check_3

check_3(l2_penalty)
# --8<-- [end:exercise_3]
