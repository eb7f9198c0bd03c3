# Chapter 11. Initialization, normalization and regularization.
# Run from the repository root: python snippets/ch11_init_norm_reg.py

# %%
# --8<-- [start:imports]
import math
from statistics import median

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits

import nnzero.init
from nnzero.data import MiniBatches, train_val_split
from nnzero.dropout import Dropout
from nnzero.layers import Linear, ReLU, Sequential, mlp
from nnzero.losses import cross_entropy, mse
from nnzero.neuron import relu, tanh
from nnzero.normalization import BatchNorm1d
from nnzero.optim import SGD
from nnzero.training import evaluate, train_epoch

torch.manual_seed(0)
F64 = torch.float64
# --8<-- [end:imports]


# %%
# --8<-- [start:one_layer_spread]
x = torch.randn(1000, 512, dtype=F64)  # 1000 inputs of 512 numbers, spread (std) 1
print("weight std     output std")
for weight_std in [1.0, 0.1, 1 / math.sqrt(512)]:
    w = torch.randn(256, 512, dtype=F64) * weight_std
    out = x @ w.T  # each output adds up 512 products
    print(f"{weight_std:<14.4f} {out.std():.3f}")
# --8<-- [end:one_layer_spread]


# %%
# --8<-- [start:xavier_scratch]
ours = nnzero.init.xavier_uniform_(
    torch.empty(256, 512, dtype=F64), generator=torch.Generator().manual_seed(1)
)
# --8<-- [end:xavier_scratch]

# %%
# --8<-- [start:xavier_torch]
theirs = torch.nn.init.xavier_uniform_(
    torch.empty(256, 512, dtype=F64), generator=torch.Generator().manual_seed(1)
)
# --8<-- [end:xavier_torch]


# %%
# --8<-- [start:xavier_difference]
def report_init(ours, theirs, expected_std):
    print("identical tensors:", torch.equal(ours, theirs))
    print(f"std: ours {ours.std():.5f}, torch {theirs.std():.5f}, formula {expected_std:.5f}")


report_init(ours, theirs, math.sqrt(2 / (512 + 256)))
# --8<-- [end:xavier_difference]


# %%
# --8<-- [start:kaiming_scratch]
ours = nnzero.init.kaiming_normal_(
    torch.empty(256, 512, dtype=F64),
    nonlinearity="relu",
    generator=torch.Generator().manual_seed(2),
)
# --8<-- [end:kaiming_scratch]

# %%
# --8<-- [start:kaiming_torch]
theirs = torch.nn.init.kaiming_normal_(
    torch.empty(256, 512, dtype=F64),
    nonlinearity="relu",
    generator=torch.Generator().manual_seed(2),
)
# --8<-- [end:kaiming_torch]

# %%
# --8<-- [start:kaiming_difference]
report_init(ours, theirs, math.sqrt(2) / math.sqrt(512))
# --8<-- [end:kaiming_difference]


# %%
# --8<-- [start:relu_depth]
def relu_spreads(fill, depth=20, width=256):
    """The std of the activations after each of `depth` Linear + ReLU layers."""
    generator = torch.Generator().manual_seed(3)
    h = torch.randn(500, width, dtype=F64, generator=generator)
    spreads = []
    for _ in range(depth):
        w = fill(torch.empty(width, width, dtype=F64), generator)
        h = relu(h @ w.T)
        spreads.append(h.std().item())
    return spreads


fills = {
    "Linear default": lambda w, g: nnzero.init.kaiming_uniform_(w, a=math.sqrt(5), generator=g),
    "Xavier": lambda w, g: nnzero.init.xavier_normal_(w, generator=g),
    "Kaiming": lambda w, g: nnzero.init.kaiming_normal_(w, nonlinearity="relu", generator=g),
}
print(f"{'activation std after layer':28}" + "".join(f"{i:>10}" for i in [1, 5, 10, 20]))
for name, fill in fills.items():
    spreads = relu_spreads(fill)
    print(f"{name:<28}" + "".join(f"{spreads[i - 1]:10.2e}" for i in [1, 5, 10, 20]))
# --8<-- [end:relu_depth]


# %%
# --8<-- [start:deep_tanh]
DEPTH, WIDTH = 20, 64
x_deep = torch.randn(256, WIDTH, dtype=F64)
y_deep = 0.5 * torch.randn(256, WIDTH, dtype=F64)  # random targets for an MSE loss


def tanh_spreads(gain, batch_norm=False):
    """Std of each layer's activations and of the loss gradient with respect to them."""
    generator = torch.Generator().manual_seed(4)
    h, activations = x_deep, []
    for _ in range(DEPTH):
        w = nnzero.init.xavier_normal_(torch.empty(WIDTH, WIDTH, dtype=F64), gain, generator)
        z = h @ w.requires_grad_().T
        if batch_norm:
            z = BatchNorm1d(WIDTH, dtype=F64)(z)
        h = tanh(z)
        h.retain_grad()  # keep the gradient of this intermediate tensor
        activations.append(h)
    mse(h, y_deep).backward()
    return [a.std().item() for a in activations], [a.grad.std().item() for a in activations]


inits = {"too small (0.5 x Xavier)": 0.5, "Xavier": 1.0, "too large (5 x Xavier)": 5.0}
spreads = {name: tanh_spreads(gain) for name, gain in inits.items()}
print(f"{'':26}{'activation std':^22}{'gradient std':^22}")
print(f"{'layer':26}{'1':>11}{'20':>11}{'1':>11}{'20':>11}")
for name, (act, grad) in spreads.items():
    print(f"{name:26}{act[0]:11.1e}{act[-1]:11.1e}{grad[0]:11.1e}{grad[-1]:11.1e}")
# --8<-- [end:deep_tanh]

# %%
# --8<-- [start:deep_tanh_plot]
fig, (ax_act, ax_grad) = plt.subplots(1, 2, figsize=(9, 3.6))
layers = range(1, DEPTH + 1)
for name, (act, grad) in spreads.items():
    ax_act.semilogy(layers, act, "o-", ms=3, label=name)
    ax_grad.semilogy(layers, grad, "o-", ms=3, label=name)
ax_act.set_title("Activations (forward pass)")
ax_grad.set_title("Gradients (backward pass)")
for ax in (ax_act, ax_grad):
    ax.set_xlabel("layer")
    ax.set_ylabel("standard deviation")
ax_grad.legend(fontsize=8)
plt.tight_layout()
plt.show()
# --8<-- [end:deep_tanh_plot]


# %%
# --8<-- [start:batchnorm_setup]
def exercise_batchnorm(layer):
    """Three training steps, then one batch in evaluation mode; returns everything to compare."""
    generator = torch.Generator().manual_seed(5)
    with torch.no_grad():  # start from a scale and shift other than 1 and 0
        layer.weight.copy_(torch.rand(4, dtype=F64, generator=generator) + 0.5)
        layer.bias.copy_(torch.randn(4, dtype=F64, generator=generator))
    results = []
    layer.train()
    for _ in range(3):
        x = (3 * torch.randn(8, 4, dtype=F64, generator=generator) + 2).requires_grad_()
        out = layer(x)
        (out * torch.randn(8, 4, dtype=F64, generator=generator)).sum().backward()
        results += [out, x.grad, layer.weight.grad, layer.bias.grad]
        layer.weight.grad, layer.bias.grad = None, None
    results += [layer.running_mean.clone(), layer.running_var.clone()]
    layer.eval()
    results.append(layer(torch.randn(8, 4, dtype=F64, generator=generator)))
    return [r.detach() for r in results]


# --8<-- [end:batchnorm_setup]

# %%
# --8<-- [start:batchnorm_scratch]
ours = exercise_batchnorm(BatchNorm1d(4, dtype=F64))
# --8<-- [end:batchnorm_scratch]

# %%
# --8<-- [start:batchnorm_torch]
theirs = exercise_batchnorm(torch.nn.BatchNorm1d(4, dtype=F64))
# --8<-- [end:batchnorm_torch]

# %%
# --8<-- [start:batchnorm_difference]
names = ["outputs", "input gradients", "weight gradients", "bias gradients"]
for i, name in enumerate(names):
    difference = max((ours[4 * k + i] - theirs[4 * k + i]).abs().max().item() for k in range(3))
    print(f"training, {name + ':':18} max difference {difference:.1e}")
for i, name in [(12, "running mean"), (13, "running variance"), (14, "evaluation outputs")]:
    print(f"{name + ':':28} max difference {(ours[i] - theirs[i]).abs().max().item():.1e}")
print("running variance:", ours[13].numpy().round(3))
# --8<-- [end:batchnorm_difference]

# %%
# --8<-- [start:batchnorm_deep]
print("too small init (0.5 x Xavier)     activation std, layer 20   gradient std, layer 1")
for batch_norm in [False, True]:
    act, grad = tanh_spreads(0.5, batch_norm=batch_norm)
    name = "with batch normalization" if batch_norm else "without batch normalization"
    print(f"{name:32}{act[-1]:26.1e}{grad[0]:24.1e}")
# --8<-- [end:batchnorm_deep]


# %%
# --8<-- [start:dropout_scratch]
x = torch.randn(1000, 100, dtype=F64)
torch.manual_seed(6)
ours = Dropout(p=0.3)(x)
# --8<-- [end:dropout_scratch]

# %%
# --8<-- [start:dropout_torch]
torch.manual_seed(6)
theirs = torch.nn.Dropout(p=0.3)(x)
# --8<-- [end:dropout_torch]

# %%
# --8<-- [start:dropout_difference]
kept = ours != 0
print("identical outputs:", torch.equal(ours, theirs))
print(f"share of zeros: {1 - kept.double().mean():.4f}")
scale = ours[kept] / x[kept]
print(f"kept values / inputs: from {scale.min():.4f} to {scale.max():.4f}")
ones = torch.ones(1000, 100, dtype=F64)
print(f"mean of dropout(ones): {Dropout(p=0.3)(ones).mean():.4f}")
print("evaluation mode returns the input:", torch.equal(Dropout(p=0.3).eval()(x), x))
# --8<-- [end:dropout_difference]


# %%
# --8<-- [start:digits_data]
digits = load_digits()
x_all = torch.tensor(digits.data, dtype=F64)
y_all = torch.tensor(digits.target)
x_rest, y_rest, _, _ = train_val_split(x_all, y_all, val_fraction=0.2, seed=0)
x_train, y_train, x_val, y_val = train_val_split(x_rest, y_rest, val_fraction=0.25, seed=1)
mean, std = x_train.mean(dim=0), x_train.std(dim=0)
std = torch.where(std > 0, std, 1.0)
x_train, x_val = (x_train - mean) / std, (x_val - mean) / std  # as in chapter 8
print("training images:", len(x_train), " validation images:", len(x_val))
# --8<-- [end:digits_data]


# %%
# --8<-- [start:regularization]
def regularized_net(p, seed):
    """64 -> 256 -> 256 -> 10 with ReLU, and dropout after each ReLU when p > 0."""
    generator = torch.Generator().manual_seed(seed)  # the same seed, the same initial weights
    layers = []
    for n_in, n_out in [(64, 256), (256, 256)]:
        layers += [Linear(n_in, n_out, generator=generator, dtype=F64), ReLU()]
        if p > 0:
            layers.append(Dropout(p, generator=generator))
    return Sequential(*layers, Linear(256, 10, generator=generator, dtype=F64))


x_few, y_few = x_train[:200], y_train[:200]  # a small training set overfits easily
SEEDS = range(5)
results = {}  # name -> one row (train loss, val loss, val accuracy, weight norm) per seed
for name, p, weight_decay in [
    ("no regularization", 0, 0),
    ("dropout 0.5", 0.5, 0),
    ("weight decay 0.01", 0, 0.01),
]:
    results[name] = []
    for seed in SEEDS:
        model = regularized_net(p, seed)
        optimizer = SGD(model.parameters(), lr=0.1, weight_decay=weight_decay)
        batches = MiniBatches(x_few, y_few, batch_size=20, seed=seed)
        model.train()  # dropout on
        for _ in range(60):
            train_epoch(model, cross_entropy, optimizer, batches)
        model.eval()  # measure without dropping anything
        train_loss, _ = evaluate(model, cross_entropy, x_few, y_few)
        val_loss, val_accuracy = evaluate(model, cross_entropy, x_val, y_val)
        norm = math.sqrt(sum((w**2).sum().item() for w in model.parameters()))
        results[name].append([train_loss, val_loss, val_accuracy, norm])

print("val accuracy, 200 images, 60 epochs" + "".join(f"  seed {s}" for s in SEEDS) + "   median")
for name, rows in results.items():
    accuracies = [row[2] for row in rows]
    print(f"{name:36}" + "".join(f"{a:8.3f}" for a in accuracies) + f"{median(accuracies):9.3f}")
print(f"\nmedians over the seeds{'train loss':>24}{'val loss':>10}{'weight norm':>13}")
for name, rows in results.items():
    train_loss, val_loss, _, norm = (median(column) for column in zip(*rows, strict=True))
    print(f"{name:36}{train_loss:10.4f}{val_loss:10.3f}{norm:13.1f}")
# --8<-- [end:regularization]


# %%
# --8<-- [start:range_test]
def lr_range_test(lr_start=1e-4, lr_end=10.0, steps=100):
    """Raises the learning rate geometrically at every step; returns the rates and losses."""
    model = mlp([64, 64, 10], generator=torch.Generator().manual_seed(0), dtype=F64)
    optimizer = SGD(model.parameters(), lr=lr_start)
    factor = (lr_end / lr_start) ** (1 / (steps - 1))  # the same ratio between neighbors
    batches = MiniBatches(x_train, y_train, batch_size=32, seed=0)
    rates, losses = [], []
    while True:
        for x_batch, y_batch in batches:
            optimizer.lr = lr_start * factor ** len(rates)
            optimizer.zero_grad()
            loss = cross_entropy(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
            rates.append(optimizer.lr)
            losses.append(loss.item())
            if len(rates) == steps or loss.item() > 4 * min(losses):  # done, or blew up
                return rates, losses


def smooth(values, beta=0.9):
    """An exponential moving average with bias correction, as in Adam."""
    average, smoothed = 0.0, []
    for t, value in enumerate(values, start=1):
        average = beta * average + (1 - beta) * value
        smoothed.append(average / (1 - beta**t))
    return smoothed


rates, losses = lr_range_test()
smoothed = smooth(losses)
best = min(range(len(smoothed)), key=smoothed.__getitem__)
print(f"steps taken: {len(rates)} (stopped at lr {rates[-1]:.2f}, batch loss {losses[-1]:.2f})")
print("lr        smoothed loss")
for target in [1e-4, 1e-3, 1e-2, 0.1, 0.3, 1.0]:
    i = min(range(len(rates)), key=lambda i: abs(math.log(rates[i] / target)))
    print(f"{rates[i]:<9.4f} {smoothed[i]:.3f}")
print(f"lowest smoothed loss {smoothed[best]:.3f} at lr {rates[best]:.2f}")
# --8<-- [end:range_test]

# %%
# --8<-- [start:range_test_plot]
plt.figure(figsize=(6.5, 4))
plt.semilogx(rates, losses, color="lightgray", label="batch loss")
plt.semilogx(rates, smoothed, label="smoothed")
plt.axvline(rates[best], color="gray", linestyle="--", linewidth=1)
plt.xlabel("learning rate")
plt.ylabel("training loss")
plt.title("Learning rate range test")
plt.legend()
plt.show()
# --8<-- [end:range_test_plot]

# %%
# --8<-- [start:range_test_check]
for lr in [rates[best] / 10, rates[best]]:
    model = mlp([64, 64, 10], generator=torch.Generator().manual_seed(0), dtype=F64)
    optimizer = SGD(model.parameters(), lr=lr)
    batches = MiniBatches(x_train, y_train, batch_size=32, seed=0)
    epoch_losses = [train_epoch(model, cross_entropy, optimizer, batches) for _ in range(5)]
    print(
        f"lr = {lr:.2f}: mean training loss, epochs 1-5:",
        ", ".join(f"{v:.3g}" for v in epoch_losses),
    )
# --8<-- [end:range_test_check]


# %%
# --8<-- [start:exercise_1]
def batch_norm(x, weight, bias, eps=1e-5):
    """Batch normalization in training mode, for x of shape (N, features)."""
    mean = x.mean(dim=0)
    var = x.var(dim=0, unbiased=False)  # divide by N, not N - 1
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


x = torch.randn(16, 3, dtype=F64)
weight, bias = torch.tensor([1.0, 2.0, 0.5], dtype=F64), torch.zeros(3, dtype=F64)
expected = torch.nn.functional.batch_norm(x, None, None, weight, bias, training=True)
print(f"max difference from torch: {(batch_norm(x, weight, bias) - expected).abs().max():.1e}")

from nnzero.exercises.ch11 import check_1

check_1(batch_norm)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def dropout(x, p, training=True):
    """Zeroes each element with probability p and scales the rest by 1 / (1 - p)."""
    if not training:
        return x
    keep = torch.rand(x.shape, dtype=x.dtype) >= p  # True with probability 1 - p
    return x * keep / (1 - p)


out = dropout(torch.ones(10000, dtype=F64), p=0.2)
print(f"share of zeros {(out == 0).double().mean():.3f}, mean {out.mean():.3f}")

from nnzero.exercises.ch11 import check_2

check_2(dropout)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3]
def update_running(running_mean, running_var, x, momentum=0.1):
    """The running statistics after one training batch, as torch.nn.BatchNorm1d keeps them."""
    n = x.shape[0]
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(dim=0)
    unbiased_var = x.var(dim=0, unbiased=False) * n / (n - 1)
    new_var = (1 - momentum) * running_var + momentum * unbiased_var
    return new_mean, new_var


layer = torch.nn.BatchNorm1d(3, dtype=F64)
x = torch.randn(10, 3, dtype=F64)
layer(x)  # training mode: updates the running statistics
mean_3, var_3 = update_running(torch.zeros(3, dtype=F64), torch.ones(3, dtype=F64), x)
print(f"max difference from torch: {(var_3 - layer.running_var).abs().max():.1e}")

from nnzero.exercises.ch11 import check_3

check_3(update_running)
# --8<-- [end:exercise_3]
