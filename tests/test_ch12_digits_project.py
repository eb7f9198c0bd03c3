"""Chapter 12: the digits project's claims, and the exercise checks."""

import re
import statistics
import tempfile
from pathlib import Path

import pytest
import torch
from claims_run import claim
from exercise_hints import wrong_answers_get_hints
from output import floats, line_with
from torch import nn

from nnzero.exercises.ch12 import check_1, check_2, check_3

# --- The exercises ------------------------------------------------------------------------------


def good_confusion(predictions, targets, num_classes):
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for true, predicted in zip(targets.tolist(), predictions.tolist(), strict=True):
        matrix[true, predicted] += 1
    return matrix


def bincount_confusion(predictions, targets, num_classes):
    flat = targets * num_classes + predictions
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def transposed_confusion(predictions, targets, num_classes):
    return good_confusion(predictions, targets, num_classes).T


def sized_by_data(predictions, targets, num_classes):
    size = int(max(predictions.max(), targets.max())) + 1
    return good_confusion(predictions, targets, size)


def counts_diagonal_twice(predictions, targets, num_classes):
    matrix = good_confusion(predictions, targets, num_classes)
    return matrix + torch.diag(matrix.diagonal())


def good_per_class(matrix):
    matrix = torch.as_tensor(matrix, dtype=torch.float64)
    return matrix.diagonal() / matrix.sum(dim=1)


def by_columns(matrix):
    matrix = torch.as_tensor(matrix, dtype=torch.float64)
    return matrix.diagonal() / matrix.sum(dim=0)


def overall_accuracy(matrix):
    matrix = torch.as_tensor(matrix, dtype=torch.float64)
    return matrix.diagonal().sum() / matrix.sum() * torch.ones(len(matrix), dtype=matrix.dtype)


def good_save(path, model, optimizer, epoch):
    torch.save(
        {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path
    )


def good_load(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]


def save_model_only(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "epoch": epoch}, path)


def load_model_only(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    return checkpoint["epoch"]


def load_nothing(path, model, optimizer):
    return torch.load(path, weights_only=True)["epoch"]


def load_without_epoch(path, model, optimizer):
    good_load(path, model, optimizer)


def test_checks_accept_right_answers(capsys) -> None:
    check_1(good_confusion)
    check_1(bincount_confusion)
    check_2(good_per_class)
    check_3(good_save, good_load)
    out = capsys.readouterr().out
    for n in (1, 2, 3):
        assert f"✓ exercise {n}: correct" in out


def test_check_3_leaves_the_global_random_state_alone() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    check_3(good_save, good_load)
    assert torch.equal(torch.rand(3), expected)


WRONG = [
    (check_1, (transposed_confusion,), "транспонирована", "transposed"),
    (check_1, (sized_by_data,), "форму", "shape"),
    (check_1, (counts_diagonal_twice,), "ожидалось", "should be"),
    (check_2, (by_columns,), "суммы столбцов", "column sums"),
    (check_2, (overall_accuracy,), "суммы строк", "row sums"),
    (check_3, (save_model_only, load_model_only), "optimizer.state_dict()", "optimizer.state_dict"),
    (check_3, (good_save, load_nothing), "model.load_state_dict", "model.load_state_dict"),
    (check_3, (good_save, load_without_epoch), "эпоха 3", "epoch 3"),
]


test_checks_reject_wrong_answers_with_hints = wrong_answers_get_hints(WRONG)


def test_state_dict_round_trip_gives_identical_outputs() -> None:
    """What the save-load section relies on, in general: a state_dict saved and loaded."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    torch.manual_seed(1)
    other = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    x = torch.randn(20, 64)
    model.eval()
    other.eval()
    assert not torch.equal(model(x), other(x))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.pt"
        torch.save(model.state_dict(), path)
        other.load_state_dict(torch.load(path, weights_only=True))
    assert torch.equal(model(x), other(x))


def test_exercise_1_agrees_with_scikit_learn() -> None:
    from sklearn.metrics import confusion_matrix

    generator = torch.Generator().manual_seed(3)
    predictions = torch.randint(0, 10, (300,), generator=generator)
    targets = torch.randint(0, 10, (300,), generator=generator)
    expected = confusion_matrix(targets.numpy(), predictions.numpy(), labels=list(range(10)))
    assert torch.equal(good_confusion(predictions, targets, 10), torch.from_numpy(expected))


# --- The page's claims --------------------------------------------------------------------------


def seed_accuracies(run) -> list[float]:
    lines = [ln for ln in run.output("seeds").splitlines() if ln.startswith("seed ")]
    assert len(lines) == 5
    return [floats(ln)[-1] for ln in lines]


@claim("ch12_digits_project", "median-above-097")
def test_median_above_097(run) -> None:
    accuracies = seed_accuracies(run)
    median = floats(line_with(run.output("seeds"), "median over 5 seeds"))[-1]
    assert median == pytest.approx(statistics.median(accuracies), abs=1e-4)
    assert median >= 0.97
    assert min(accuracies) >= 0.96  # no seed is far behind


@claim("ch12_digits_project", "final-line")
def test_final_line(run) -> None:
    final = run.output("final").strip().splitlines()
    assert len(final) == 1
    assert re.fullmatch(r"test accuracy: 0\.\d{4}", final[0])
    median = floats(line_with(run.output("seeds"), "median over 5 seeds"))[-1]
    assert floats(final[0])[-1] == median


@claim("ch12_digits_project", "val-plateau")
def test_val_plateau(run) -> None:
    output = run.output("train_one")
    epoch_1 = floats(line_with(output, "epoch  1"))
    epoch_20 = floats(line_with(output, "epoch 20"))
    epoch_30 = floats(line_with(output, "epoch 30"))
    # train loss, val loss, val accuracy
    assert epoch_30[1] < epoch_1[1] / 10  # the training loss fell a hundredfold or so
    assert epoch_30[1] < epoch_30[2]  # below the validation loss
    assert abs(epoch_30[3] - epoch_20[3]) <= 0.006  # accuracy moved by two images at most


def confusion_rows(run) -> list[list[int]]:
    rows = [
        [int(v) for v in re.findall(r"\d+", line)]
        for line in run.output("confusion").splitlines()
        if line.lstrip().startswith("[")
    ]
    assert len(rows) == 10 and all(len(r) == 10 for r in rows)
    return rows


@claim("ch12_digits_project", "few-confusions")
def test_few_confusions(run) -> None:
    rows = confusion_rows(run)
    off = [rows[i][j] for i in range(10) for j in range(10) if i != j]
    total = sum(sum(r) for r in rows)
    assert total == 359
    assert max(off) <= 2
    assert rows[9][5] == 2  # twice a nine taken for a five
    correct = sum(rows[i][i] for i in range(10))
    median = floats(line_with(run.output("seeds"), "median over 5 seeds"))[-1]
    assert correct / total == pytest.approx(median, abs=1e-4)
    assert run.figures("confusion") == 1


@claim("ch12_digits_project", "mistakes-unsure")
def test_mistakes_unsure(run) -> None:
    output = run.output("mistakes")
    mistakes = [ln for ln in output.splitlines() if ln.startswith("test image")]
    wrong = sum(sum(r) for r in confusion_rows(run)) - sum(
        confusion_rows(run)[i][i] for i in range(10)
    )
    assert len(mistakes) == wrong
    right_median, wrong_median = floats(line_with(output, "median confidence"))
    assert right_median > 0.99
    assert wrong_median < 0.8
    assert run.figures("mistakes") == 1


def regularization_rows(run) -> dict[str, list[float]]:
    output = run.output("regularization")
    rows = {}
    for name in ("plain", "weight decay", "dropout", "early stopping"):
        line = line_with(output, name)
        numbers = floats(line[22:])  # past the name column, 22 characters wide
        assert len(numbers) == 6, line
        rows[name] = numbers  # val loss, val acc, test acc, test min, test max, epochs
    return rows


@claim("ch12_digits_project", "regularization-within-noise")
def test_regularization_within_noise(run) -> None:
    rows = regularization_rows(run)
    medians = [row[2] for row in rows.values()]
    plain = rows["plain"]
    assert max(medians) - min(medians) <= plain[4] - plain[3] + 1e-9
    assert max(medians) - min(medians) <= 0.006  # two test images of 359
    assert rows["weight decay"][1] == plain[1]  # weight decay: the same validation accuracy
    assert abs(rows["weight decay"][0] - plain[0]) < 0.005


@claim("ch12_digits_project", "early-stopping-longer")
def test_early_stopping_longer(run) -> None:
    rows = regularization_rows(run)
    assert rows["early stopping"][5] > 30  # it trained longer than the fixed 30 epochs
    assert rows["early stopping"][5] < 100  # and stopped before the limit
    assert rows["early stopping"][0] == min(row[0] for row in rows.values())


@claim("ch12_digits_project", "save-load-identical")
def test_save_load_identical(run) -> None:
    output = run.output("save_load")
    assert line_with(output, "identical outputs") == "identical outputs on the test set: True"
    assert "0.weight  (128, 64)" in output and "3.bias    (10,)" in output


@claim("ch12_digits_project", "sklearn-same-level")
def test_sklearn_same_level(run) -> None:
    output = run.output("sklearn")
    sklearn_median, ours = floats(line_with(output, "median"))
    assert abs(sklearn_median - ours) <= 0.01
    assert sklearn_median >= 0.96


@claim("ch12_digits_project", "times-seconds")
def test_times_seconds(run) -> None:
    ours, theirs = floats(line_with(run.output("times_timed"), "training time per network"))
    assert 0 < ours < 10
    assert 0 < theirs < 10
