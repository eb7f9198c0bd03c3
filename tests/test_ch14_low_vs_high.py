"""Chapter 14: the page's claims about the three approaches, and the exercise checks."""

import itertools
import math
import re
from pathlib import Path

import pytest
import torch
from claims_run import claim, page_run
from exercise_hints import wrong_answers_get_hints
from torch import nn

from nnzero.exercises.ch14 import check_1, check_2

PROGRAM = Path(__file__).resolve().parents[1] / "snippets" / "ch14_low_vs_high.py"
APPROACHES = ("from scratch", "PyTorch", "AutoKeras")


def table(run) -> dict[str, tuple[int, float, float]]:
    """The comparison table: lines, test accuracy and seconds of each approach."""
    rows = {}
    for line in run.output("comparison_timed").splitlines()[1:]:
        name, lines, test_accuracy, seconds = re.fullmatch(
            r"(.+?)\s+(\d+)\s+([\d.]+)\s+([\d.]+)", line
        ).groups()
        rows[name] = (int(lines), float(test_accuracy), float(seconds))
    assert tuple(rows) == APPROACHES
    return rows


def section_source(name: str) -> str:
    """The text of one named section of the chapter's program."""
    text = PROGRAM.read_text(encoding="utf-8")
    start = text.index(f"# --8<-- [start:{name}]\n") + len(f"# --8<-- [start:{name}]\n")
    return text[start : text.index(f"# --8<-- [end:{name}]")]


# --- The line counts, recounted here by another method --------------------------------------


@pytest.mark.parametrize(
    ("section", "name"),
    [("scratch", "from scratch"), ("pytorch", "PyTorch"), ("autokeras", "AutoKeras")],
)
def test_line_counts_are_the_functions_own(section: str, name: str) -> None:
    run = page_run("ch14_low_vs_high")
    source = section_source(section)
    function = source[: source.index("\n\n\n")]  # the def, up to the call of measure
    assert function.startswith("def train_")
    code = [ln for ln in function.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert table(run)[name][0] == len(code)
    assert f"{name}: {len(code)} lines" in run.output(section)


# --- The page's claims ------------------------------------------------------------------------


@claim("ch14_low_vs_high", "stratified")
def test_stratified(run) -> None:
    line = next(ln for ln in run.output("task").splitlines() if ln.startswith("test images"))
    counts = [int(v) for v in re.findall(r"\d+", line.split(":", 1)[1])]
    assert len(counts) == 10
    assert sum(counts) == 360
    assert max(counts) - min(counts) <= 2


@claim("ch14_low_vs_high", "all-above-093")
def test_all_above_093(run) -> None:
    for name, (_, test_accuracy, _) in table(run).items():
        assert test_accuracy > 0.93, name


@claim("ch14_low_vs_high", "autokeras-fewest-lines")
def test_autokeras_fewest_lines(run) -> None:
    rows = table(run)
    assert rows["AutoKeras"][0] < min(rows["from scratch"][0], rows["PyTorch"][0])


@claim("ch14_low_vs_high", "scratch-as-long-as-torch")
def test_scratch_as_long_as_torch(run) -> None:
    rows = table(run)
    assert rows["PyTorch"][0] - rows["from scratch"][0] == 3  # "three more than ours"


@claim("ch14_low_vs_high", "autokeras-slowest")
def test_autokeras_slowest(run) -> None:
    rows = table(run)
    assert rows["AutoKeras"][2] > 3 * max(rows["from scratch"][2], rows["PyTorch"][2])


@claim("ch14_low_vs_high", "first-trial-default")
def test_first_trial_default(run) -> None:
    lines = run.output("search_trials").splitlines()
    assert lines[0].split()[1:] == ["trial", "0", "trial", "1"]
    first = {ln.split()[0]: ln.split()[1] for ln in lines[1:]}
    assert first["dense_block_1/num_layers"] == "2"
    assert first["dense_block_1/units_0"] == first["dense_block_1/units_1"] == "32"
    assert first["optimizer"] == "adam"
    assert float(first["learning_rate"]) == 0.001


@claim("ch14_low_vs_high", "trials-differ")
def test_trials_differ(run) -> None:
    rows = [ln.split() for ln in run.output("search_trials").splitlines()[1:-1]]
    assert any(row[-1] != row[-2] for row in rows)


@claim("ch14_low_vs_high", "underneath-thousand-times")
def test_underneath_thousand_times(run) -> None:
    counts = [int(ln.split()[-1]) for ln in run.output("underneath").splitlines()]
    ours, torch_lines, keras_lines = counts
    assert 100 < ours < 1000  # "a few hundred lines"
    assert torch_lines > 1000 * ours
    assert keras_lines > 100 * ours


# --- The exercises ------------------------------------------------------------------------------


def good_mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        if i > 0:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
    return nn.Sequential(*layers)


def relu_after_last(sizes):
    return nn.Sequential(*good_mlp(sizes), nn.ReLU())


def no_relu(sizes):
    return nn.Sequential(*[m for m in good_mlp(sizes) if isinstance(m, nn.Linear)])


def swapped_sizes(sizes):
    return good_mlp(list(reversed(sizes)))


def no_bias(sizes):
    net = good_mlp(sizes)
    for i, m in enumerate(net):
        if isinstance(m, nn.Linear):
            net[i] = nn.Linear(m.in_features, m.out_features, bias=False)
    return net


def tanh_between(sizes):
    return nn.Sequential(*[nn.Tanh() if isinstance(m, nn.ReLU) else m for m in good_mlp(sizes)])


class Mlp(nn.Module):
    """The same network as a subclass of nn.Module, in float32: must pass too."""

    def __init__(self, sizes):
        super().__init__()
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(sizes))

    def forward(self, x):
        for i, layer in enumerate(self.hidden):
            x = layer(torch.relu(x) if i > 0 else x)
        return x


def good_grid_search(score, grid):
    best_params, best_score = None, -math.inf
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values, strict=True))
        s = score(**params)
        if s > best_score:
            best_params, best_score = params, s
    return best_params, best_score


def zips_instead_of_product(score, grid):
    best_params, best_score = None, -math.inf
    for values in zip(*grid.values(), strict=False):
        params = dict(zip(grid, values, strict=True))
        s = score(**params)
        if s > best_score:
            best_params, best_score = params, s
    return best_params, best_score


def keeps_the_lowest(score, grid):
    best_params, best_score = None, math.inf
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values, strict=True))
        s = score(**params)
        if s < best_score:
            best_params, best_score = params, s
    return best_params, best_score


def scores_twice(score, grid):
    combos = [dict(zip(grid, v, strict=True)) for v in itertools.product(*grid.values())]
    best = max(combos, key=lambda params: score(**params))
    return best, score(**best)


def returns_last_score(score, grid):
    best_params, best_score, s = None, -math.inf, 0.0
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values, strict=True))
        s = score(**params)
        if s > best_score:
            best_params, best_score = params, s
    return best_params, s


def test_checks_accept_right_answers(capsys) -> None:
    check_1(good_mlp)
    check_1(Mlp)
    check_2(good_grid_search)
    out = capsys.readouterr().out
    assert out.count("✓ exercise 1: correct") == 2
    assert "✓ exercise 2: correct" in out


WRONG = [
    (check_1, relu_after_last, "не после последнего", "not after the last one"),
    (check_1, no_relu, "не после последнего", "not after the last one"),
    (check_1, tanh_between, "ReLU должна", "a ReLU goes"),
    (check_1, swapped_sizes, "sizes[i + 1] выходов", "sizes[i + 1] outputs"),
    (check_1, no_bias, "и смещениями", "and biases"),
    (check_2, zips_instead_of_product, "itertools.product", "itertools.product"),
    (check_2, scores_twice, "ровно по одному разу", "exactly once"),
    (check_2, keeps_the_lowest, "лучшая — наибольшая", "best means highest"),
    (check_2, returns_last_score, "но их оценка", "but their score"),
]


test_checks_reject_wrong_answers_with_hints = wrong_answers_get_hints(WRONG)
