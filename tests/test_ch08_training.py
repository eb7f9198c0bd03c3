"""Chapter 8: the training loop's claims, the pieces it relies on, and the exercise checks."""

import itertools
import math
import re

import pytest
import torch
from claims_run import claim
from exercise_hints import wrong_answers_get_hints
from output import floats, line_with

from nnzero.data import MiniBatches
from nnzero.exercises.ch08 import check_1, check_2, check_3
from nnzero.layers import mlp
from nnzero.losses import cross_entropy
from nnzero.metrics import accuracy
from nnzero.optim import SGD
from nnzero.training import evaluate, train_epoch

F64 = torch.float64


# --- The pieces the page relies on, against torch --------------------------------------------


def test_one_epoch_of_train_epoch_matches_torch(copy_into_torch) -> None:
    """train_epoch with nnzero's SGD and cross_entropy = torch.nn + torch.optim.SGD."""
    generator = torch.Generator().manual_seed(8)
    x = torch.randn(23, 5, generator=generator, dtype=F64)
    y = torch.randint(0, 4, (23,), generator=generator)
    model = mlp([5, 7, 4], generator=generator, dtype=F64)
    reference = copy_into_torch(model)
    optimizer = SGD(model.parameters(), lr=0.3)
    torch_optimizer = torch.optim.SGD(reference.parameters(), lr=0.3)

    mean_loss = train_epoch(model, cross_entropy, optimizer, MiniBatches(x, y, 5, seed=3))
    torch_losses = []
    for xb, yb in MiniBatches(x, y, 5, seed=3):  # the same seed: the same batches
        torch_optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(reference(xb), yb)
        loss.backward()
        torch_optimizer.step()
        torch_losses.append(loss.item())

    assert len(torch_losses) == 5  # 23 samples in batches of 5: 4 full and one of 3
    assert mean_loss == pytest.approx(sum(torch_losses) / 5, abs=1e-12)
    ours = [p for p in model.parameters()]
    theirs = [p for p in reference.parameters()]
    for p, q in zip(ours, theirs, strict=True):
        torch.testing.assert_close(p.detach(), q.detach(), rtol=0, atol=1e-12)
    loss, acc = evaluate(model, cross_entropy, x, y)
    with torch.no_grad():
        logits = reference(x)
    assert loss == pytest.approx(torch.nn.functional.cross_entropy(logits, y).item(), abs=1e-12)
    assert acc == (logits.argmax(dim=1) == y).double().mean().item()


def test_initial_loss_of_a_fresh_network_is_near_ln_c() -> None:
    """The page's first sanity check holds for fresh networks in general, not by luck."""
    x = torch.randn(500, 64, generator=torch.Generator().manual_seed(1), dtype=F64)
    y = torch.randint(0, 10, (500,), generator=torch.Generator().manual_seed(2))
    for seed in range(5):
        model = mlp([64, 64, 10], generator=torch.Generator().manual_seed(seed), dtype=F64)
        with torch.no_grad():
            loss = cross_entropy(model(x), y).item()
        assert abs(loss - math.log(10)) < 0.15, (seed, loss)


# --- The exercises ------------------------------------------------------------------------------


def good_batches(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    order = torch.randperm(n, generator=generator)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def drops_last(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    order = torch.randperm(n, generator=generator)
    return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


def draws_with_replacement(
    n: int, batch_size: int, generator: torch.Generator
) -> list[torch.Tensor]:
    order = torch.randint(0, n, (n,), generator=generator)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def never_shuffles(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    return [torch.arange(n)[i : i + batch_size] for i in range(0, n, batch_size)]


def good_standardize(x_train, x_val, x_test):
    mean, std = x_train.mean(dim=0), x_train.std(dim=0)
    std = torch.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_val - mean) / std, (x_test - mean) / std


def population_std_standardize(x_train, x_val, x_test):
    mean, std = x_train.mean(dim=0), x_train.std(dim=0, correction=0)
    std = torch.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_val - mean) / std, (x_test - mean) / std


def leaky_standardize(x_train, x_val, x_test):
    everything = torch.cat([x_train, x_val, x_test])
    mean, std = everything.mean(dim=0), everything.std(dim=0)
    std = torch.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_val - mean) / std, (x_test - mean) / std


def zero_std_standardize(x_train, x_val, x_test):
    mean, std = x_train.mean(dim=0), x_train.std(dim=0)
    return (x_train - mean) / std, (x_val - mean) / std, (x_test - mean) / std


def each_part_on_its_own(x_train, x_val, x_test):
    return tuple(good_standardize(x, x, x)[0] for x in (x_train, x_val, x_test))


def good_early_stopping(val_losses, patience):
    best_epoch, best_loss = 0, float("inf")
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best_loss:
            best_epoch, best_loss = epoch, loss
        elif epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def counts_from_zero(val_losses, patience):
    stop, best = good_early_stopping(val_losses, patience)
    return stop - 1, best - 1


def ties_improve(val_losses, patience):
    best_epoch, best_loss = 0, float("inf")
    for epoch, loss in enumerate(val_losses, start=1):
        if loss <= best_loss:
            best_epoch, best_loss = epoch, loss
        elif epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def returns_last_epoch_as_best(val_losses, patience):
    stop, _ = good_early_stopping(val_losses, patience)
    return stop, stop


def test_checks_accept_right_answers(capsys) -> None:
    check_1(good_batches)
    check_2(good_standardize)
    check_2(population_std_standardize)
    check_3(good_early_stopping)
    out = capsys.readouterr().out
    for n in (1, 2, 3):
        assert f"✓ exercise {n}: correct" in out


WRONG = [
    (check_1, drops_last, "последний", "last, smaller batch"),
    (check_1, draws_with_replacement, "ровно один раз", "exactly once"),
    (check_1, never_shuffles, "случайным", "random"),
    (check_2, leaky_standardize, "только по x_train", "from x_train alone"),
    (check_2, each_part_on_its_own, "только по x_train", "from x_train alone"),
    (check_2, zero_std_standardize, "замените такой 0 на 1", "replace that 0 with 1"),
    (check_3, counts_from_zero, "считаются с 1", "count from 1"),
    (check_3, ties_improve, "не улучшение", "not an improvement"),
    (check_3, returns_last_epoch_as_best, "ожидалось", "should be"),
]


test_checks_reject_wrong_answers_with_hints = wrong_answers_get_hints(WRONG)


# --- The page's claims --------------------------------------------------------------------------


@claim("ch08_training", "every-sample-once")
def test_every_sample_once(run) -> None:
    epochs = [line for line in run.output("epoch_demo").splitlines() if line.startswith("epoch")]
    assert len(epochs) == 2
    orders = [[int(v) for v in re.findall(r"\d+", line.split(":", 1)[1])] for line in epochs]
    for order in orders:
        assert sorted(order) == list(range(10))
    assert orders[0] != orders[1]


@claim("ch08_training", "shuffle-wins")
def test_shuffle_wins(run) -> None:
    """In every epoch the best of 5 seeds without shuffling is below the worst with it."""
    output = run.output("shuffling")
    assert "of 5 seeds" in output
    rows = [floats(line) for line in output.splitlines() if re.match(r"\s*\d+\s", line)]
    assert [row[0] for row in rows] == [1, 2, 3, 4, 5]
    for _, low_unshuffled, high_unshuffled, low_shuffled, high_shuffled in rows:
        assert low_unshuffled <= high_unshuffled < low_shuffled <= high_shuffled
    assert rows[0][3] - rows[0][2] > 0.1  # epoch 1: a wide gap


@claim("ch08_training", "initial-loss-near-ln10")
def test_initial_loss_near_ln10(run) -> None:
    output = run.output("initial_loss")
    initial = floats(line_with(output, "loss at initialization"))[-1]
    ln10 = floats(line_with(output, "ln 10"))[-1]
    assert ln10 == pytest.approx(math.log(10), abs=1e-3)
    assert abs(initial - ln10) < 0.1


@claim("ch08_training", "one-batch-to-zero")
def test_one_batch_to_zero(run) -> None:
    losses = [floats(line)[-1] for line in run.output("overfit_one_batch").splitlines()]
    assert losses[0] > 2
    assert all(b < a for a, b in itertools.pairwise(losses))
    assert losses[-1] < 0.02


def lr_losses(run, lr: str) -> list[float]:
    """The five first epochs' losses and the last one printed for learning rate ``lr``."""
    line = line_with(run.output("learning_rates"), f"lr = {lr} ")
    numbers = floats(line.split("epochs 1-5:", 1)[1].replace("epoch 15:", ""))
    assert len(numbers) == 6, line
    return numbers


@claim("ch08_training", "lr-small-crawls")
def test_lr_small_crawls(run) -> None:
    losses = lr_losses(run, "0.001")
    assert losses[-1] > 2.0  # ln 10 is 2.303: barely below where it started
    assert losses[-1] > 20 * lr_losses(run, "0.1")[-1]


@claim("ch08_training", "lr-one-faster-this-run")
def test_lr_one_faster_this_run(run) -> None:
    assert lr_losses(run, "1.0")[-1] < lr_losses(run, "0.1")[-1]


@claim("ch08_training", "lr-large-diverges")
def test_lr_large_diverges(run) -> None:
    losses = lr_losses(run, "2.0")
    assert losses[0] > 100
    assert all(b > a for a, b in itertools.pairwise(losses[:5]))  # up every epoch
    assert losses[-1] > 1e20 or math.isnan(losses[-1])
    # ... while the rates 0.1 and 1 converge, 1 faster.
    assert lr_losses(run, "1.0")[-1] < lr_losses(run, "0.1")[-1] < 0.1


@claim("ch08_training", "curves-close")
def test_curves_close(run) -> None:
    line = line_with(run.output("record_curves"), "epoch 30")
    loss_train, loss_val, acc_train, acc_val = floats(line.split(":", 1)[1])
    assert acc_train == 1.0
    assert acc_train - acc_val < 0.03
    assert loss_val - loss_train < 0.1


@claim("ch08_training", "val-loss-turns-up")
def test_val_loss_turns_up(run) -> None:
    output = run.output("overfitting")
    lowest, best_epoch = floats(line_with(output, "lowest validation loss"))
    _, loss_train, loss_val, acc_train, acc_val = floats(line_with(output, "after epoch 200"))
    assert best_epoch <= 30
    assert loss_val > 1.2 * lowest
    assert loss_train < 1e-3
    assert acc_train == 1.0
    assert acc_val < 0.9
    assert run.figures("overfitting") == 1


@claim("ch08_training", "test-close-to-val")
def test_test_close_to_val(run) -> None:
    output = run.output("digits")
    val_accuracy = floats(line_with(output, "validation accuracy"))[-1]
    test_accuracy = floats(line_with(output, "test accuracy"))[-1]
    assert test_accuracy > 0.95
    assert abs(test_accuracy - val_accuracy) < 0.02
    assert output.count("test accuracy") == 1  # the test set is looked at once


def test_accuracy_on_the_page_agrees_with_scikit_learn() -> None:
    from sklearn.metrics import accuracy_score

    logits = torch.randn(50, 10, generator=torch.Generator().manual_seed(0), dtype=F64)
    target = torch.randint(0, 10, (50,), generator=torch.Generator().manual_seed(1))
    predictions = logits.argmax(dim=-1)
    expected = accuracy_score(target.numpy(), predictions.numpy())
    assert 0 < expected < 1
    assert accuracy(predictions, target) == pytest.approx(expected, abs=1e-15)
