# Chapter 14. Low level against high level.
# Run from the repository root: python snippets/ch14_low_vs_high.py

# %%
# --8<-- [start:imports]
import inspect
import itertools
import math
import os
import pathlib
import tempfile
import time
import warnings

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported: Keras 3 runs on PyTorch
import autokeras as ak
import keras
import keras_tuner
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import nnzero.data
import nnzero.layers
import nnzero.losses
import nnzero.metrics
import nnzero.optim
from nnzero.data import MiniBatches, train_val_split
from nnzero.layers import mlp
from nnzero.losses import cross_entropy
from nnzero.metrics import accuracy
from nnzero.optim import SGD
from nnzero.training import evaluate, train_epoch

warnings.filterwarnings("ignore", module="keras")  # Keras's notes about its internals
torch.set_num_threads(1)  # the tensors here are small: one thread is faster, and repeatable
torch.manual_seed(0)
F64 = torch.float64
# --8<-- [end:imports]

# %%
# --8<-- [start:task]
digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.data, digits.target, test_size=0.2, stratify=digits.target, random_state=0
)
x_train, x_test = torch.tensor(x_train, dtype=F64), torch.tensor(x_test, dtype=F64)
y_train, y_test = torch.tensor(y_train), torch.tensor(y_test)

mean = x_train.mean(dim=0)  # statistics of the training images only
std = x_train.std(dim=0)
std = torch.where(std > 0, std, 1.0)
x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
print("train:", tuple(x_train.shape), " test:", tuple(x_test.shape))
print("test images per digit:", torch.bincount(y_test).tolist())
# --8<-- [end:task]


# %%
# --8<-- [start:measure]
def count_lines(source):
    """Lines of code in ``source``, not counting blank lines and comments."""
    lines = [line.strip() for line in source.splitlines()]
    return sum(1 for line in lines if line and not line.startswith("#"))


results = {}


def measure(name, train_and_predict):
    start = time.perf_counter()
    model, predicted = train_and_predict(x_train, y_train, x_test)
    seconds = time.perf_counter() - start
    test_accuracy = accuracy(torch.as_tensor(predicted), y_test)
    lines = count_lines(inspect.getsource(train_and_predict))
    results[name] = (lines, test_accuracy, seconds)
    print(f"{name}: {lines} lines, test accuracy {test_accuracy:.4f}")
    return model


# --8<-- [end:measure]


# %%
# --8<-- [start:scratch]
def train_scratch(x_train, y_train, x_test):
    model = mlp([64, 64, 10], generator=torch.Generator().manual_seed(0), dtype=F64)
    optimizer = SGD(model.parameters(), lr=0.1)
    batches = MiniBatches(x_train, y_train, batch_size=32, seed=0)
    for _ in range(30):  # epochs
        for x_batch, y_batch in batches:
            optimizer.zero_grad()
            loss = cross_entropy(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        predicted = model(x_test).argmax(dim=1)
    return model, predicted


scratch_model = measure("from scratch", train_scratch)
# --8<-- [end:scratch]


# %%
# --8<-- [start:pytorch]
def train_torch(x_train, y_train, x_test):
    torch.manual_seed(0)  # the initial weights and the shuffling
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    for _ in range(30):  # epochs
        for x_batch, y_batch in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        predicted = model(x_test).argmax(dim=1)
    return model, predicted


torch_model = measure("PyTorch", train_torch)
# --8<-- [end:pytorch]


# %%
# --8<-- [start:autokeras]
def train_autokeras(x_train, y_train, x_test):
    keras.utils.set_random_seed(0)  # NumPy's generator (the tuner's choices) and torch's
    with tempfile.TemporaryDirectory() as trials_dir:  # AutoKeras saves every model it tries
        search = ak.StructuredDataClassifier(max_trials=2, seed=0, directory=trials_dir)
        search.fit(x_train.numpy(), y_train.numpy(), epochs=20, verbose=0)
        predicted = search.predict(x_test.numpy(), verbose=0)  # the digits, as text
    return search, predicted.ravel().astype(int)


search = measure("AutoKeras", train_autokeras)
# --8<-- [end:autokeras]

# %%
# --8<-- [start:comparison_timed]
print(f"{'approach':<14}{'lines':>6}{'test accuracy':>15}{'time, s':>9}")
for name, (lines, test_accuracy, seconds) in results.items():
    print(f"{name:<14}{lines:>6}{test_accuracy:>15.4f}{seconds:>9.1f}")
# --8<-- [end:comparison_timed]

# %%
# --8<-- [start:search_trials]
trials = list(search.tuner.oracle.trials.values())
names = dict.fromkeys(name for trial in trials for name in trial.hyperparameters.values)
print(f"{'hyperparameter':<36}" + "".join(f"{'trial ' + t.trial_id:>10}" for t in trials))
for name in names:
    values = [str(trial.hyperparameters.values.get(name, "-")) for trial in trials]
    short_name = name.removeprefix("structured_data_block_1/")
    print(f"{short_name:<36}" + "".join(f"{value:>10}" for value in values))
print(f"{'validation accuracy':<36}" + "".join(f"{t.score:>10.4f}" for t in trials))
# --8<-- [end:search_trials]


# %%
# --8<-- [start:underneath]
def package_lines(*modules):
    folders = [pathlib.Path(module.__file__).parent for module in modules]
    files = [path for folder in folders for path in folder.rglob("*.py")]
    return sum(count_lines(path.read_text(encoding="utf-8")) for path in files)


ours = [nnzero.layers, nnzero.losses, nnzero.optim, nnzero.data, nnzero.metrics]
ours_lines = sum(count_lines(inspect.getsource(module)) for module in ours)
print(f"{'nnzero (the modules we used)':<32}{ours_lines:>9}")
print(f"{'torch (its Python part)':<32}{package_lines(torch):>9}")
print(f"{'keras, keras_tuner, autokeras':<32}{package_lines(keras, keras_tuner, ak):>9}")
# --8<-- [end:underneath]


# %%
# --8<-- [start:exercise_1]
def make_torch_mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        if i > 0:
            layers.append(nn.ReLU())  # between two Linear layers, not after the last one
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
    return nn.Sequential(*layers)


print(make_torch_mlp([64, 32, 32, 10]))

from nnzero.exercises.ch14 import check_1

check_1(make_torch_mlp)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def grid_search(score, grid):
    best_params, best_score = None, -math.inf
    for values in itertools.product(*grid.values()):  # every combination, once
        params = dict(zip(grid, values, strict=True))
        params_score = score(**params)
        if params_score > best_score:
            best_params, best_score = params, params_score
    return best_params, best_score


x_fit, y_fit, x_val, y_val = train_val_split(x_train, y_train, val_fraction=0.25, seed=0)


def validation_accuracy(lr, hidden):
    model = mlp([64, hidden, 10], generator=torch.Generator().manual_seed(0), dtype=F64)
    optimizer = SGD(model.parameters(), lr=lr)
    batches = MiniBatches(x_fit, y_fit, batch_size=32, seed=0)
    for _ in range(10):
        train_epoch(model, cross_entropy, optimizer, batches)
    return evaluate(model, cross_entropy, x_val, y_val)[1]


best_params, best_score = grid_search(validation_accuracy, {"lr": [0.01, 0.1], "hidden": [8, 64]})
print("best:", best_params, f"validation accuracy {best_score:.4f}")

from nnzero.exercises.ch14 import check_2

check_2(grid_search)
# --8<-- [end:exercise_2]
