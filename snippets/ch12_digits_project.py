# Chapter 12. Project: handwritten digits.
# Run from the repository root: python snippets/ch12_digits_project.py

# %%
# --8<-- [start:imports]
import copy
import statistics
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import confusion_matrix
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from nnzero.data import train_val_split

torch.set_num_threads(1)  # the network is tiny: one thread is faster than several
SEEDS = [0, 1, 2, 3, 4]
# --8<-- [end:imports]

# %%
# --8<-- [start:data]
digits = load_digits()
x_all = torch.tensor(digits.data, dtype=torch.float32)  # 1797 images of 8 * 8 pixels
y_all = torch.tensor(digits.target)  # the digit on each image, 0..9
x_rest, y_rest, x_test, y_test = train_val_split(x_all, y_all, val_fraction=0.2, seed=0)
x_train, y_train, x_val, y_val = train_val_split(x_rest, y_rest, val_fraction=0.25, seed=1)

mean = x_train.mean(dim=0)  # statistics of the training set only
std = x_train.std(dim=0)
std = torch.where(std > 0, std, 1.0)
x_train, x_val, x_test = (x_train - mean) / std, (x_val - mean) / std, (x_test - mean) / std
print("train:", len(x_train), " validation:", len(x_val), " test:", len(x_test))
# --8<-- [end:data]

# %%
# --8<-- [start:loader]
train_data = TensorDataset(x_train, y_train)
image, label = train_data[0]  # a dataset is indexed like a list of (input, label) pairs
print("one sample:", tuple(image.shape), "label", label.item())

loader = DataLoader(train_data, batch_size=32, shuffle=True)
x_batch, y_batch = next(iter(loader))
print("one batch:", tuple(x_batch.shape), tuple(y_batch.shape))
print("batches per epoch:", len(loader))
# --8<-- [end:loader]


# %%
# --8<-- [start:model]
def make_model(dropout=0.0):
    return nn.Sequential(
        nn.Linear(64, 128),
        nn.ReLU(),
        nn.Dropout(dropout),  # switched off (p = 0) unless asked for
        nn.Linear(128, 10),
    )


torch.manual_seed(0)
model = make_model()
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))
# --8<-- [end:model]

# %%
# --8<-- [start:train_functions]
loss_fn = nn.CrossEntropyLoss()


def train_epoch(model, loader, optimizer):
    model.train()  # dropout on
    total = 0.0
    for x_batch, y_batch in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x_batch), y_batch)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x_batch)
    return total / len(loader.dataset)


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()  # dropout off
    logits = model(x)
    accuracy = (logits.argmax(dim=1) == y).float().mean().item()
    return loss_fn(logits, y).item(), accuracy


def train(seed, epochs=30, weight_decay=0.0, dropout=0.0, patience=None, log=None):
    torch.manual_seed(seed)  # the initial weights and the dropout masks
    model = make_model(dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(seed)  # the order of the batches
    loader = DataLoader(train_data, batch_size=32, shuffle=True, generator=generator)
    best_loss, best_state, best_epoch = float("inf"), None, 0
    for epoch in range(1, epochs + 1):
        train_loss = train_epoch(model, loader, optimizer)
        val_loss, val_accuracy = evaluate(model, x_val, y_val)
        if log is not None:
            log(epoch, train_loss, val_loss, val_accuracy)
        if val_loss < best_loss:
            best_loss, best_epoch = val_loss, epoch
            best_state = copy.deepcopy(model.state_dict())  # a copy of all the weights
        elif patience is not None and epoch - best_epoch >= patience:
            break
    if patience is not None:
        model.load_state_dict(best_state)  # back to the best epoch
    model.epochs = epoch  # how many epochs it trained, for the tables
    return model


# --8<-- [end:train_functions]


# %%
# --8<-- [start:train_one]
def print_progress(epoch, train_loss, val_loss, val_accuracy):
    if epoch in (1, 2, 5, 10, 20, 30):
        print(
            f"epoch {epoch:2}: train loss {train_loss:.4f}, "
            f"val loss {val_loss:.4f}, val accuracy {val_accuracy:.4f}"
        )


model = train(seed=0, log=print_progress)
# --8<-- [end:train_one]

# %%
# --8<-- [start:seeds]
start = time.perf_counter()
models = [train(seed) for seed in SEEDS]
our_seconds = (time.perf_counter() - start) / len(SEEDS)  # per model
test_accuracies = [evaluate(m, x_test, y_test)[1] for m in models]
for seed, accuracy in zip(SEEDS, test_accuracies, strict=True):
    print(f"seed {seed}: test accuracy {accuracy:.4f}")
median_accuracy = statistics.median(test_accuracies)
print(f"median over {len(SEEDS)} seeds: {median_accuracy:.4f}")
print(f"misclassified at the median: {round((1 - median_accuracy) * len(y_test))} of {len(y_test)}")
# --8<-- [end:seeds]

# %%
# --8<-- [start:confusion]
typical = models[test_accuracies.index(median_accuracy)]  # the model with the median accuracy
with torch.no_grad():
    typical.eval()
    predictions = typical(x_test).argmax(dim=1)
matrix = confusion_matrix(y_test.numpy(), predictions.numpy())
print("rows: true digit, columns: predicted digit")
print(matrix)

fig, ax = plt.subplots(figsize=(5.5, 4.8))
ax.imshow(matrix, cmap="Blues")
for true in range(10):
    for predicted in range(10):
        count = matrix[true, predicted]
        if count:
            color = "white" if count > matrix.max() / 2 else "black"
            ax.text(predicted, true, str(count), ha="center", va="center", color=color)
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
ax.set_title("Confusion matrix on the test set")
plt.show()
# --8<-- [end:confusion]

# %%
# --8<-- [start:mistakes]
with torch.no_grad():
    probabilities = torch.softmax(typical(x_test), dim=1)
wrong = torch.nonzero(predictions != y_test).flatten()
for index in wrong.tolist():
    true, predicted = y_test[index].item(), predictions[index].item()
    print(
        f"test image {index:3}: true {true}, predicted {predicted} "
        f"with probability {probabilities[index, predicted]:.2f}"
    )
confidence = probabilities.max(dim=1).values  # the probability of the predicted digit
right = predictions == y_test
print(
    f"median confidence: right answers {confidence[right].median():.3f},"
    f" mistakes {confidence[~right].median():.2f}"
)

images = x_test * std + mean  # undo the standardization to see the pixels again
fig, axes = plt.subplots(1, len(wrong), figsize=(1.2 * len(wrong), 1.6))
for ax, index in zip(axes, wrong.tolist(), strict=True):
    ax.imshow(images[index].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{y_test[index].item()} → {predictions[index].item()}")
    ax.axis("off")
fig.suptitle("Mistakes: true digit → predicted digit", y=1.1)
plt.show()
# --8<-- [end:mistakes]


# %%
# --8<-- [start:regularization]
def summarize(name, trained):
    val = [evaluate(m, x_val, y_val) for m in trained]
    test = [evaluate(m, x_test, y_test)[1] for m in trained]
    print(
        f"{name:<22}"
        f"{statistics.median(loss for loss, _ in val):>9.4f}"
        f"{statistics.median(accuracy for _, accuracy in val):>9.4f}"
        f"{statistics.median(test):>9.4f}"
        f"{min(test):>9.4f}{max(test):>7.4f}"
        f"{statistics.median(m.epochs for m in trained):>7}"
    )


print("medians over 5 seeds     val loss  val acc test acc test min    max epochs")
summarize("plain", models)
summarize("weight decay 0.1", [train(seed, weight_decay=0.1) for seed in SEEDS])
summarize("dropout 0.2", [train(seed, dropout=0.2) for seed in SEEDS])
summarize("early stopping", [train(seed, epochs=100, patience=5) for seed in SEEDS])
# --8<-- [end:regularization]

# %%
# --8<-- [start:save_load]
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "digits_mlp.pt"
    torch.save(typical.state_dict(), path)
    print("saved:", path.name, f"{path.stat().st_size / 1024:.0f} KiB")

    restored = make_model()  # fresh random weights ...
    restored.load_state_dict(torch.load(path, weights_only=True))  # ... replaced by the saved
restored.eval()

for name, tensor in restored.state_dict().items():
    print(f"{name:9} {tuple(tensor.shape)}")
with torch.no_grad():
    same = torch.equal(restored(x_test), typical(x_test))
print("identical outputs on the test set:", same)
# --8<-- [end:save_load]

# %%
# --8<-- [start:sklearn]
start = time.perf_counter()
with threadpool_limits(limits=1):  # one thread, as for our network
    classifiers = [
        MLPClassifier(hidden_layer_sizes=(128,), random_state=seed).fit(
            x_train.numpy(), y_train.numpy()
        )
        for seed in SEEDS
    ]
sklearn_seconds = (time.perf_counter() - start) / len(SEEDS)  # per model
sklearn_accuracies = [c.score(x_test.numpy(), y_test.numpy()) for c in classifiers]
print("scikit-learn epochs:", [c.n_iter_ for c in classifiers])
print("scikit-learn test accuracy:", [round(a, 4) for a in sklearn_accuracies])
sklearn_median = statistics.median(sklearn_accuracies)
print(f"median: scikit-learn {sklearn_median:.4f}, ours {median_accuracy:.4f}")
# --8<-- [end:sklearn]

# %%
# --8<-- [start:times_timed]
print(f"training time per network: ours {our_seconds:.2f} s, scikit-learn {sklearn_seconds:.2f} s")
# --8<-- [end:times_timed]


# %%
# --8<-- [start:exercise_1]
def confusion(predictions, targets, num_classes):
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for true, predicted in zip(targets.tolist(), predictions.tolist(), strict=True):
        matrix[true, predicted] += 1
    return matrix


print(confusion(torch.tensor([0, 2, 1, 1]), torch.tensor([0, 1, 1, 2]), 3))

from nnzero.exercises.ch12 import check_1

check_1(confusion)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def per_class_accuracy(matrix):
    matrix = torch.as_tensor(matrix, dtype=torch.float64)
    return matrix.diagonal() / matrix.sum(dim=1)  # right answers / images of that digit


hardest = per_class_accuracy(matrix).argmin().item()
print("the hardest digit for the typical model:", hardest)

from nnzero.exercises.ch12 import check_2

check_2(per_class_accuracy)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3]
def save_checkpoint(path, model, optimizer, epoch):
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),  # Adam's averages live here
        "epoch": epoch,
    }
    torch.save(checkpoint, path)


def load_checkpoint(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]


from nnzero.exercises.ch12 import check_3

check_3(save_checkpoint, load_checkpoint)
# --8<-- [end:exercise_3]

# %%
# --8<-- [start:final]
print(f"test accuracy: {median_accuracy:.4f}")
# --8<-- [end:final]
