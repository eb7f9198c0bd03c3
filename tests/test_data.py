"""Mini-batches cover every sample once per epoch, in a reproducible random order."""

import pytest
import torch

from nnzero.data import MiniBatches, train_val_split


def make_data(n: int):
    x = torch.arange(n, dtype=torch.float64).unsqueeze(1).repeat(1, 3)
    y = torch.arange(n)
    return x, y


@pytest.mark.parametrize(("n", "batch_size"), [(10, 3), (32, 32), (100, 7), (5, 10), (1, 1)])
def test_each_epoch_is_a_permutation_cut_into_batches(n, batch_size):
    x, y = make_data(n)
    loader = MiniBatches(x, y, batch_size, seed=0)
    for _ in range(3):
        batches = list(loader)
        assert len(batches) == len(loader) == -(-n // batch_size)
        sizes = [len(yb) for _, yb in batches]
        assert all(s == batch_size for s in sizes[:-1]) and 0 < sizes[-1] <= batch_size
        seen = torch.cat([yb for _, yb in batches])
        assert sorted(seen.tolist()) == list(range(n))
        for xb, yb in batches:
            torch.testing.assert_close(xb[:, 0], yb.double())  # pairs stay together


def test_order_is_torch_randperm_of_the_seeded_generator():
    x, y = make_data(50)
    loader = MiniBatches(x, y, 8, seed=42)
    g = torch.Generator().manual_seed(42)
    for _ in range(3):
        expected = torch.randperm(50, generator=g)
        got = torch.cat([yb for _, yb in loader])
        assert torch.equal(got, expected)


def test_reproducible_and_reshuffled():
    x, y = make_data(40)
    a = [torch.cat([yb for _, yb in MiniBatches(x, y, 4, seed=1)]) for _ in range(2)]
    b = [torch.cat([yb for _, yb in MiniBatches(x, y, 4, seed=1)]) for _ in range(2)]
    assert torch.equal(a[0], b[0])
    loader = MiniBatches(x, y, 4, seed=1)
    first, second = torch.cat([yb for _, yb in loader]), torch.cat([yb for _, yb in loader])
    assert not torch.equal(first, second)  # a new order every epoch
    other = torch.cat([yb for _, yb in MiniBatches(x, y, 4, seed=2)])
    assert not torch.equal(first, other)


def test_no_shuffle_keeps_order():
    x, y = make_data(11)
    got = torch.cat([yb for _, yb in MiniBatches(x, y, 4, shuffle=False)])
    assert torch.equal(got, y)


def test_bad_arguments():
    x, y = make_data(5)
    with pytest.raises(ValueError, match="samples"):
        MiniBatches(x, y[:4], 2)
    with pytest.raises(ValueError, match="batch_size"):
        MiniBatches(x, y, 0)
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split(x, y, val_fraction=1.0)
    with pytest.raises(ValueError, match="samples"):
        train_val_split(x, y[:3])


@pytest.mark.parametrize(("n", "fraction"), [(100, 0.2), (37, 0.1), (10, 0.5)])
def test_train_val_split(n, fraction):
    x, y = make_data(n)
    x_tr, y_tr, x_va, y_va = train_val_split(x, y, fraction, seed=3)
    assert len(y_va) == round(fraction * n) and len(y_tr) == n - len(y_va)
    assert sorted(torch.cat([y_tr, y_va]).tolist()) == list(range(n))
    torch.testing.assert_close(x_tr[:, 0], y_tr.double())
    torch.testing.assert_close(x_va[:, 0], y_va.double())
    again = train_val_split(x, y, fraction, seed=3)
    assert torch.equal(again[3], y_va)
    assert not torch.equal(train_val_split(x, y, fraction, seed=4)[1], y_tr)
