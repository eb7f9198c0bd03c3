"""The training loop does what a hand-written torch loop does, and learns."""

import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from nnzero.data import MiniBatches, train_val_split
from nnzero.layers import mlp
from nnzero.losses import cross_entropy
from nnzero.metrics import accuracy
from nnzero.optim import SGD, Adam
from nnzero.training import evaluate, fit, train_epoch

TOL = 1e-9


def blobs(n_per_class: int, seed: int):
    """Three well separated Gaussian blobs in 2-D."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]], dtype=torch.float64)
    x = torch.cat(
        [c + torch.randn(n_per_class, 2, generator=g, dtype=torch.float64) for c in centres]
    )
    y = torch.arange(3).repeat_interleave(n_per_class)
    return x, y


def test_accuracy_of_labels_and_of_logits():
    logits = torch.tensor([[0.1, 0.9], [2.0, -1.0], [0.3, 0.2], [-5.0, 5.0]])
    targets = torch.tensor([1, 0, 1, 0])
    expected = sum(
        int(max(range(2), key=lambda k, row=row: row[k]) == t)
        for row, t in zip(logits.tolist(), targets.tolist(), strict=True)
    ) / len(targets)
    assert accuracy(logits.argmax(dim=-1), targets) == expected == 0.5
    assert accuracy(targets, targets) == 1.0
    assert accuracy(1 - targets, targets) == 0.0


def test_accuracy_rejects_logits_in_place_of_labels():
    logits = torch.zeros(4, 3)
    with pytest.raises(ValueError, match="differ"):
        accuracy(logits, torch.tensor([0, 1, 2, 0]))


@pytest.mark.parametrize("seed", range(3))
def test_fit_equals_a_hand_written_torch_loop(seed, copy_into_torch):
    x, y = blobs(30, seed)
    x_tr, y_tr, x_va, y_va = train_val_split(x, y, 0.25, seed=seed)
    model = mlp([2, 8, 3], generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    ref = copy_into_torch(model)

    history = fit(
        model,
        cross_entropy,
        SGD(model.parameters(), lr=0.1, momentum=0.9),
        (x_tr, y_tr),
        (x_va, y_va),
        epochs=4,
        batch_size=16,
        seed=seed,
    )

    # The reference: torch.nn + torch.optim + F.cross_entropy, written out.
    opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    g = torch.Generator().manual_seed(seed)
    ref_train, ref_val_loss, ref_val_acc = [], [], []
    for _ in range(4):
        order = torch.randperm(len(x_tr), generator=g)
        losses = []
        for start in range(0, len(x_tr), 16):
            idx = order[start : start + 16]
            opt.zero_grad()
            loss = F.cross_entropy(ref(x_tr[idx]), y_tr[idx])
            loss.backward()
            opt.step()
            losses.append(loss.item())
        ref_train.append(sum(losses) / len(losses))
        with torch.no_grad():
            logits = ref(x_va)
            ref_val_loss.append(F.cross_entropy(logits, y_va).item())
            ref_val_acc.append((logits.argmax(1) == y_va).double().mean().item())

    for p, q in zip(model.parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=TOL, atol=TOL)
    assert history.train_loss == pytest.approx(ref_train, rel=TOL, abs=TOL)
    assert history.val_loss == pytest.approx(ref_val_loss, rel=TOL, abs=TOL)
    assert history.val_accuracy == pytest.approx(ref_val_acc, abs=1e-6)


def test_fit_learns_separable_blobs():
    x, y = blobs(100, 0)
    x = x.float()
    x_tr, y_tr, x_va, y_va = train_val_split(x, y, 0.2, seed=0)
    model = mlp([2, 16, 3], generator=torch.Generator().manual_seed(0))
    history = fit(
        model,
        cross_entropy,
        Adam(model.parameters(), lr=0.01),
        (x_tr, y_tr),
        (x_va, y_va),
        epochs=20,
        batch_size=32,
    )
    assert len(history.train_loss) == len(history.val_loss) == len(history.val_accuracy) == 20
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.val_accuracy[-1] >= 0.95


def test_fit_without_validation():
    x, y = blobs(10, 1)
    model = mlp([2, 4, 3], dtype=torch.float64)
    history = fit(
        model, cross_entropy, SGD(model.parameters(), lr=0.1), (x, y), epochs=2, batch_size=8
    )
    assert len(history.train_loss) == 2 and history.val_loss == history.val_accuracy == []


def test_evaluate_does_not_train():
    x, y = blobs(10, 2)
    model = mlp([2, 4, 3], dtype=torch.float64)
    before = [p.clone() for p in model.parameters()]
    loss, acc = evaluate(model, cross_entropy, x, y)
    assert loss == pytest.approx(F.cross_entropy(model(x), y).item(), rel=TOL)
    assert 0.0 <= acc <= 1.0
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before, strict=True))


def test_train_epoch_returns_mean_batch_loss():
    x, y = blobs(8, 3)
    model = mlp([2, 4, 3], dtype=torch.float64)
    opt = SGD(model.parameters(), lr=0.0)  # lr 0: the losses are those of the fixed model
    batches = MiniBatches(x, y, 6, shuffle=False)
    mean_loss = train_epoch(model, cross_entropy, opt, batches)
    with torch.no_grad():
        expected = [F.cross_entropy(model(xb), yb).item() for xb, yb in batches]
    assert mean_loss == pytest.approx(sum(expected) / len(expected), rel=TOL)
