"""Digits benchmark: nnzero against scikit-learn's MLPClassifier and idiomatic PyTorch.

On scikit-learn's bundled 8x8 digits (1797 images, 10 classes), for 5 seeds:
a stratified 80/20 split, pixels scaled to [0, 1] by dividing by 16, then the
same network -- 64 inputs, 64 ReLU hidden units, 10 outputs -- is trained

* with nnzero (nnzero.layers + nnzero.optim + nnzero.training + nnzero.losses),
* with PyTorch the usual way (nn.Module, torch.optim, DataLoader, F.cross_entropy),
* with scikit-learn's MLPClassifier (its default Adam solver and stopping rule),

and the test accuracy and training time of each are printed side by side
(times are wall-clock seconds of training alone, after one untimed warm-up run each).
nnzero and PyTorch use SGD with momentum 0.9, batches of 32 and 30 epochs.

Run:  python benchmarks/digits.py
"""

import statistics
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from torch.utils.data import DataLoader, TensorDataset

from nnzero.layers import mlp
from nnzero.losses import cross_entropy
from nnzero.optim import SGD
from nnzero.training import evaluate, fit

SEEDS = [0, 1, 2, 3, 4]
HIDDEN = 64
EPOCHS = 30
BATCH_SIZE = 32
LR = 0.1
MOMENTUM = 0.9


def run_nnzero(x_tr, y_tr, x_te, y_te, seed):
    start = time.perf_counter()
    model = mlp([64, HIDDEN, 10], generator=torch.Generator().manual_seed(seed))
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    fit(
        model,
        cross_entropy,
        optimizer,
        (x_tr, y_tr),
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        seed=seed,
    )
    seconds = time.perf_counter() - start
    _, acc = evaluate(model, cross_entropy, x_te, y_te)
    return acc, seconds


class TorchMLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(64, HIDDEN)
        self.out = torch.nn.Linear(HIDDEN, 10)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


def run_torch(x_tr, y_tr, x_te, y_te, seed):
    start = time.perf_counter()
    torch.manual_seed(seed)
    model = TorchMLP()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loader = DataLoader(
        TensorDataset(x_tr, y_tr),
        batch_size=BATCH_SIZE,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    model.train()
    for _ in range(EPOCHS):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        acc = (model(x_te).argmax(dim=1) == y_te).float().mean().item()
    return acc, seconds


def run_sklearn(x_tr, y_tr, x_te, y_te, seed):
    start = time.perf_counter()
    clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x_tr, y_tr)
    seconds = time.perf_counter() - start
    return clf.score(x_te, y_te), seconds


def main():
    torch.set_num_threads(1)  # the matrices are tiny: threads only add overhead
    digits = load_digits()
    x_all = (digits.data / 16.0).astype(np.float32)
    y_all = digits.target.astype(np.int64)

    runners = {"nnzero": run_nnzero, "PyTorch": run_torch, "MLPClassifier": run_sklearn}
    results = {name: [] for name in runners}
    print(f"digits: {len(y_all)} samples, 64 features, 10 classes; stratified 80/20 splits")
    # Warm up (first calls pay for lazy initialisation); these runs are not reported.
    x_tr, x_te, y_tr, y_te = train_test_split(
        x_all, y_all, test_size=0.2, stratify=y_all, random_state=SEEDS[0]
    )
    run_nnzero(*map(torch.from_numpy, (x_tr, y_tr, x_te, y_te)), SEEDS[0])
    run_torch(*map(torch.from_numpy, (x_tr, y_tr, x_te, y_te)), SEEDS[0])
    run_sklearn(x_tr, y_tr, x_te, y_te, SEEDS[0])

    print(f"{'seed':>4}  " + "  ".join(f"{name + ' acc':>17} {'time s':>7}" for name in runners))
    for seed in SEEDS:
        x_tr, x_te, y_tr, y_te = train_test_split(
            x_all, y_all, test_size=0.2, stratify=y_all, random_state=seed
        )
        row = []
        for name, run in runners.items():
            if name == "MLPClassifier":
                acc, seconds = run(x_tr, y_tr, x_te, y_te, seed)
            else:
                acc, seconds = run(*map(torch.from_numpy, (x_tr, y_tr, x_te, y_te)), seed)
            results[name].append((acc, seconds))
            row.append(f"{acc:>17.4f} {seconds:>7.3f}")
        print(f"{seed:>4}  " + "  ".join(row))
    medians = {
        name: (
            statistics.median(a for a, _ in results[name]),
            statistics.median(s for _, s in results[name]),
        )
        for name in runners
    }
    print("median" + "  ".join(f"{medians[n][0]:>17.4f} {medians[n][1]:>7.3f}" for n in runners))
    print(f"nnzero median test accuracy: {medians['nnzero'][0]:.4f}")


if __name__ == "__main__":
    main()
