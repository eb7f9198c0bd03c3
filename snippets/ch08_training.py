# Chapter 8. The training loop.
# Run from the repository root: python snippets/ch08_training.py

# %%
# --8<-- [start:imports]
import math

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits

from nnzero.data import MiniBatches, train_val_split
from nnzero.layers import mlp
from nnzero.losses import cross_entropy
from nnzero.optim import SGD
from nnzero.training import evaluate, fit, train_epoch

torch.manual_seed(0)
F64 = torch.float64
# --8<-- [end:imports]

# %%
# --8<-- [start:load_digits]
digits = load_digits()
x_all = torch.tensor(digits.data, dtype=F64)  # 1797 images, 8 * 8 = 64 pixels each
y_all = torch.tensor(digits.target)  # the digit on each image, 0..9
print("inputs:", tuple(x_all.shape), " labels:", tuple(y_all.shape))
print("pixel values from", x_all.min().item(), "to", x_all.max().item())
print("images per class:", torch.bincount(y_all).tolist())
# --8<-- [end:load_digits]

# %%
# --8<-- [start:show_digits]
fig, axes = plt.subplots(2, 8, figsize=(8, 2.4))
for ax, image, label in zip(axes.flat, x_all, y_all, strict=False):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title(str(label.item()))
    ax.axis("off")
plt.tight_layout()
plt.show()
# --8<-- [end:show_digits]

# %%
# --8<-- [start:splits]
x_rest, y_rest, x_test, y_test = train_val_split(x_all, y_all, val_fraction=0.2, seed=0)
x_train, y_train, x_val, y_val = train_val_split(x_rest, y_rest, val_fraction=0.25, seed=1)
print("train:", len(x_train), " validation:", len(x_val), " test:", len(x_test))
# --8<-- [end:splits]

# %%
# --8<-- [start:standardization]
mean = x_train.mean(dim=0)  # one mean and one spread per pixel,
std = x_train.std(dim=0)  # measured on the training set only
std = torch.where(std > 0, std, 1.0)  # a pixel that is always 0 stays 0


def standardize(x):
    return (x - mean) / std


x_train_std = standardize(x_train)
x_val_std = standardize(x_val)
x_test_std = standardize(x_test)
print(f"train means: largest |mean| = {x_train_std.mean(dim=0).abs().max():.0e}")
print(
    f"train spreads: from {x_train_std.std(dim=0).min():.2f} to {x_train_std.std(dim=0).max():.2f}"
)
print(f"validation means: average |mean| = {x_val_std.mean(dim=0).abs().mean():.3f}")
# --8<-- [end:standardization]


# %%
# --8<-- [start:model]
def make_model(sizes, seed=0):
    return mlp(sizes, generator=torch.Generator().manual_seed(seed), dtype=F64)


model = make_model([64, 64, 10])
for layer in model.layers:
    shapes = [tuple(p.shape) for p in layer.parameters()]
    print(f"{type(layer).__name__:<6} parameter shapes: {shapes}")
print("numbers in all parameters:", sum(p.numel() for p in model.parameters()))
print("logits for 5 images:", tuple(model(x_train_std[:5]).shape))
# --8<-- [end:model]


# %%
# --8<-- [start:epoch_demo]
ids = torch.arange(10)
batches = MiniBatches(ids, ids, batch_size=4, seed=0)
print("iterations per epoch:", len(batches))
for epoch in range(1, 3):
    print(f"epoch {epoch}:", [x_batch.tolist() for x_batch, _ in batches])
# --8<-- [end:epoch_demo]


# %%
# --8<-- [start:one_epoch]
optimizer = SGD(model.parameters(), lr=0.1)
train_batches = MiniBatches(x_train_std, y_train, batch_size=32, seed=0)
print("iterations per epoch:", len(train_batches))
val_loss, val_acc = evaluate(model, cross_entropy, x_val_std, y_val)
print(f"before: validation loss {val_loss:.3f}, accuracy {val_acc:.3f}")
train_loss = train_epoch(model, cross_entropy, optimizer, train_batches)
val_loss, val_acc = evaluate(model, cross_entropy, x_val_std, y_val)
print(f"after one epoch: mean training loss {train_loss:.3f}")
print(f"after one epoch: validation loss {val_loss:.3f}, accuracy {val_acc:.3f}")
# --8<-- [end:one_epoch]

# %%
# --8<-- [start:shuffling]
order = torch.argsort(y_train, stable=True)  # all 0s first, then all 1s, ..., all 9s
x_sorted, y_sorted = x_train_std[order], y_train[order]


def val_accuracies(shuffle, seed, epochs=5):
    model = make_model([64, 64, 10], seed=seed)
    optimizer = SGD(model.parameters(), lr=0.1)
    batches = MiniBatches(x_sorted, y_sorted, batch_size=32, shuffle=shuffle, seed=seed)
    accuracies = []
    for _ in range(epochs):
        train_epoch(model, cross_entropy, optimizer, batches)
        accuracies.append(evaluate(model, cross_entropy, x_val_std, y_val)[1])
    return accuracies


seeds = range(5)
runs = {shuffle: [val_accuracies(shuffle, seed) for seed in seeds] for shuffle in [False, True]}
print(f"validation accuracy after each epoch, lowest to highest of {len(seeds)} seeds:")
print("epoch   shuffle=False     shuffle=True")
for epoch in range(5):
    ranges = []
    for shuffle in [False, True]:
        values = [accuracies[epoch] for accuracies in runs[shuffle]]
        ranges.append(f"{min(values):.3f} to {max(values):.3f}")
    print(f"{epoch + 1:5}   {ranges[0]}    {ranges[1]}")
# --8<-- [end:shuffling]

# %%
# --8<-- [start:initial_loss]
model = make_model([64, 64, 10])
with torch.no_grad():
    initial_loss = cross_entropy(model(x_train_std), y_train).item()
print(f"loss at initialization: {initial_loss:.3f}")
print(f"ln 10:                  {math.log(10):.3f}")
# --8<-- [end:initial_loss]

# %%
# --8<-- [start:overfit_one_batch]
x_batch, y_batch = x_train_std[:32], y_train[:32]
model = make_model([64, 64, 10])
optimizer = SGD(model.parameters(), lr=0.1)
for step in range(1, 201):
    optimizer.zero_grad()
    loss = cross_entropy(model(x_batch), y_batch)
    loss.backward()
    optimizer.step()
    if step in (1, 10, 50, 100, 200):
        print(f"step {step:3}: loss {loss.item():.4f}")
# --8<-- [end:overfit_one_batch]


# %%
# --8<-- [start:learning_rates]
def train_losses(lr, epochs=15):
    model = make_model([64, 64, 10])
    optimizer = SGD(model.parameters(), lr=lr)
    batches = MiniBatches(x_train_std, y_train, batch_size=32, seed=0)
    return [train_epoch(model, cross_entropy, optimizer, batches) for _ in range(epochs)]


losses_by_lr = {lr: train_losses(lr) for lr in [0.001, 0.1, 1.0, 2.0]}
for lr, losses in losses_by_lr.items():
    shown = ", ".join(f"{loss:.3g}" for loss in losses[:5])
    print(f"lr = {lr:<5}  epochs 1-5: {shown}  ...  epoch 15: {losses[-1]:.3g}")
# --8<-- [end:learning_rates]

# %%
# --8<-- [start:learning_rates_plot]
plt.figure(figsize=(6, 4))
for lr, losses in losses_by_lr.items():
    plt.semilogy(range(1, len(losses) + 1), losses, "o-", ms=3, label=f"lr = {lr}")
plt.xlabel("epoch")
plt.ylabel("training loss")
plt.title("The same network with four learning rates")
plt.legend()
plt.show()
# --8<-- [end:learning_rates_plot]


# %%
# --8<-- [start:record_curves]
def train_with_curves(model, lr, x, y, epochs, batch_size=32):
    optimizer = SGD(model.parameters(), lr=lr)
    batches = MiniBatches(x, y, batch_size=batch_size, seed=0)
    curves = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    for _ in range(epochs):
        train_epoch(model, cross_entropy, optimizer, batches)
        train_loss, train_acc = evaluate(model, cross_entropy, x, y)
        val_loss, val_acc = evaluate(model, cross_entropy, x_val_std, y_val)
        curves["train_loss"].append(train_loss)
        curves["val_loss"].append(val_loss)
        curves["train_acc"].append(train_acc)
        curves["val_acc"].append(val_acc)
    return curves


curves = train_with_curves(make_model([64, 64, 10]), 0.1, x_train_std, y_train, epochs=30)
for epoch in [1, 5, 10, 30]:
    print(
        f"epoch {epoch:2}: loss train {curves['train_loss'][epoch - 1]:.3f}"
        f" val {curves['val_loss'][epoch - 1]:.3f},"
        f" accuracy train {curves['train_acc'][epoch - 1]:.3f}"
        f" val {curves['val_acc'][epoch - 1]:.3f}"
    )
# --8<-- [end:record_curves]


# %%
# --8<-- [start:plot_curves]
def plot_curves(curves, title):
    epochs = range(1, len(curves["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_loss.plot(epochs, curves["train_loss"], label="training")
    ax_loss.plot(epochs, curves["val_loss"], label="validation")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    ax_loss.legend()
    ax_acc.plot(epochs, curves["train_acc"], label="training")
    ax_acc.plot(epochs, curves["val_acc"], label="validation")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.legend()
    fig.suptitle(title)
    plt.tight_layout()
    plt.show()


plot_curves(curves, "64 hidden units, 1078 training images")
# --8<-- [end:plot_curves]

# %%
# --8<-- [start:overfitting]
big_model = make_model([64, 256, 256, 256, 10])
x_small, y_small = x_train_std[:60], y_train[:60]  # 60 of the 1078 training images
big_curves = train_with_curves(big_model, 0.2, x_small, y_small, epochs=200, batch_size=10)
best = min(range(len(big_curves["val_loss"])), key=big_curves["val_loss"].__getitem__)
print(f"lowest validation loss {big_curves['val_loss'][best]:.3f} after epoch {best + 1}")
print(
    f"after epoch 200: loss train {big_curves['train_loss'][-1]:.4f}"
    f" val {big_curves['val_loss'][-1]:.3f}, accuracy train {big_curves['train_acc'][-1]:.3f}"
    f" val {big_curves['val_acc'][-1]:.3f}"
)
plot_curves(big_curves, "3 hidden layers of 256, 60 training images")
# --8<-- [end:overfitting]

# %%
# --8<-- [start:digits]
model = make_model([64, 64, 10], seed=1)
optimizer = SGD(model.parameters(), lr=0.1)
history = fit(
    model,
    cross_entropy,
    optimizer,
    (x_train_std, y_train),
    (x_val_std, y_val),
    epochs=30,
    batch_size=32,
    seed=1,
)
print(f"validation accuracy after {len(history.val_loss)} epochs: {history.val_accuracy[-1]:.4f}")
test_loss, test_accuracy = evaluate(model, cross_entropy, x_test_std, y_test)  # the only time
print(f"test accuracy: {test_accuracy:.4f}")
# --8<-- [end:digits]


# %%
# --8<-- [start:exercise_1]
def batch_indices(n, batch_size, generator):
    order = torch.randperm(n, generator=generator)  # a new order every call
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


print([b.tolist() for b in batch_indices(7, 3, torch.Generator().manual_seed(0))])

from nnzero.exercises.ch08 import check_1

check_1(batch_indices)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def standardize_splits(x_train, x_val, x_test):
    mean = x_train.mean(dim=0)  # statistics of the training set only
    std = x_train.std(dim=0)
    std = torch.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_val - mean) / std, (x_test - mean) / std


from nnzero.exercises.ch08 import check_2

check_2(standardize_splits)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3]
def early_stopping(val_losses, patience):
    best_epoch, best_loss = 0, float("inf")
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best_loss:
            best_epoch, best_loss = epoch, loss
        elif epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


stop_epoch, best_epoch = early_stopping(big_curves["val_loss"], patience=10)
print(f"stop after epoch {stop_epoch}, keep the weights of epoch {best_epoch}")

from nnzero.exercises.ch08 import check_3

check_3(early_stopping)
# --8<-- [end:exercise_3]
