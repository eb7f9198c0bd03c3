"""Checks for the exercises of chapter 14 (low level against high level).

1. The course's multilayer perceptron, written with ``torch.nn``.
2. A grid search over hyperparameters, the simplest hyperparameter search.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import torch

from nnzero.exercises import Hint
from nnzero.exercises._common import F64, call, close, fail, judge, passed
from nnzero.layers import Linear, mlp

MakeMlp = Callable[[Sequence[int]], torch.nn.Module]
Score = Callable[..., float]
GridSearch = Callable[[Score, dict[str, list[Any]]], tuple[dict[str, Any] | None, float]]


def _mlp_problem(make_torch_mlp: MakeMlp) -> Hint | None:
    """The hint for the first way the network differs from ``nnzero.layers.mlp``, or None."""
    for sizes in ([3, 5, 2], [4, 2], [6, 8, 7, 3]):
        net = call(1, make_torch_mlp, list(sizes))
        if not isinstance(net, torch.nn.Module):
            return {
                "ru": "Функция должна вернуть модуль torch.nn, например nn.Sequential",
                "en": "The function must return a torch.nn module, such as nn.Sequential",
            }
        net = copy.deepcopy(net).to(F64)
        theirs = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
        reference = mlp(sizes, generator=torch.Generator().manual_seed(len(sizes)), dtype=F64)
        ours = [layer for layer in reference.layers if isinstance(layer, Linear)]
        shapes = [tuple(m.weight.shape) for m in theirs]
        expected = [tuple(layer.weight.shape) for layer in ours]
        if shapes != expected or any(m.bias is None for m in theirs):
            return {
                "ru": f"Для sizes = {sizes} ожидались слои nn.Linear с весами форм {expected} "
                f"и смещениями, а получились {shapes}; слой i переводит sizes[i] входов "
                "в sizes[i + 1] выходов",
                "en": f"For sizes = {sizes} the nn.Linear layers should have weights of shapes "
                f"{expected}, and biases, not {shapes}; layer i maps sizes[i] inputs to "
                "sizes[i + 1] outputs",
            }
        with torch.no_grad():
            for mine, layer in zip(theirs, ours, strict=True):
                mine.weight.copy_(layer.weight)
                if mine.bias is not None and layer.bias is not None:
                    mine.bias.copy_(layer.bias)
            x = torch.randn(9, sizes[0], generator=torch.Generator().manual_seed(1), dtype=F64)
            if not close(call(1, net, x), reference(x)):
                return {
                    "ru": f"С теми же весами, что у mlp({sizes}), ответы другие: ReLU должна "
                    "стоять между каждыми двумя слоями Linear, но не после последнего",
                    "en": f"With the same weights as mlp({sizes}) the outputs differ: a ReLU "
                    "goes between every two Linear layers, but not after the last one",
                }
    return None


def check_1(make_torch_mlp: MakeMlp) -> None:
    """Checks ``make_torch_mlp(sizes)``: ``nnzero.layers.mlp`` written with ``torch.nn``.

    The network must have one ``nn.Linear`` (with bias) per pair of neighboring sizes and a
    ReLU between each two of them; with the same weights it must give the same outputs as
    ``nnzero.layers.mlp(sizes)``.
    """
    judge(1, _mlp_problem(make_torch_mlp))


GRIDS: list[dict[str, list[Any]]] = [
    {"lr": [0.01, 0.1, 1.0], "hidden": [8, 32, 64]},
    {"lr": [0.3], "hidden": [16, 4], "depth": [1, 2, 3]},
    {"x": [-2, -1, 0, 1, 2]},
    {"depth": [5, 6, 8]},  # every score is below 0
    {"x": [3, 0, 2, -1]},  # 0 and 2 tie for the best score: the first one tried is kept
]


def _score(**params: Any) -> float:
    """A made-up validation score, highest at lr = 0.1, hidden = 32, depth = 2 or x = 1."""
    penalty = (params.get("lr", 0.1) - 0.1) ** 2 + ((params.get("hidden", 32) - 32) / 10) ** 2
    penalty += (params.get("depth", 2) - 2) ** 2 + (params.get("x", 1) - 1) ** 2
    return float(1.0 - penalty)


def _recording(calls: list[dict[str, Any]]) -> Score:
    """The made-up score, which also appends the parameters of every call to ``calls``."""

    def score(**params: Any) -> float:
        calls.append(params)
        return _score(**params)

    return score


def check_2(grid_search: GridSearch) -> None:
    """Checks ``grid_search(score, grid) -> (best_params, best_score)``.

    ``grid`` maps each hyperparameter's name to the values to try. Every combination must be
    scored exactly once, as ``score(**params)``, and the combination with the highest score
    returned as a dict, with that score.
    """
    for grid in GRIDS:
        calls: list[dict[str, Any]] = []
        score = _recording(calls)
        answer = call(2, grid_search, score, {name: list(values) for name, values in grid.items()})
        combinations = [dict(zip(grid, v, strict=True)) for v in itertools.product(*grid.values())]
        tried = sorted(map(repr, calls))
        if tried != sorted(map(repr, combinations)):
            fail(
                2,
                {
                    "ru": f"Для сетки {grid} нужно оценить все {len(combinations)} сочетаний "
                    f"ровно по одному разу, а оценок было {len(calls)}; все сочетания даёт "
                    "itertools.product(*grid.values())",
                    "en": f"For the grid {grid} all {len(combinations)} combinations must be "
                    f"scored exactly once, but score was called {len(calls)} times; "
                    "itertools.product(*grid.values()) gives every combination",
                },
            )
        best = max(combinations, key=lambda params: _score(**params))  # the first of a tie
        tied = [p for p in combinations if p != best and _score(**p) == _score(**best)]
        if isinstance(answer, tuple) and len(answer) == 2 and answer[0] in tied:
            fail(
                2,
                {
                    "ru": f"Для сетки {grid} у {best} и {answer[0]} одинаковая оценка; "
                    "из равных оставляйте первое испробованное сочетание: сравнивайте "
                    "через >, а не >=",
                    "en": f"For the grid {grid}, {best} and {answer[0]} have the same score; "
                    "of equal ones keep the combination tried first: compare with >, not >=",
                },
            )
        if not isinstance(answer, tuple) or len(answer) != 2 or answer[0] != best:
            fail(
                2,
                {
                    "ru": f"Для сетки {grid} ожидался ответ ({best}, {_score(**best)}), "
                    f"а получился {answer!r}; верните пару (лучшие параметры как dict, "
                    "их оценка), лучшая — наибольшая",
                    "en": f"For the grid {grid} the answer should be ({best}, "
                    f"{_score(**best)}), not {answer!r}; return the pair (best parameters "
                    "as a dict, their score), and best means highest",
                },
            )
        if not close(answer[1], torch.tensor(_score(**best))):
            fail(
                2,
                {
                    "ru": f"Параметры {best} верные, но их оценка {_score(**best)}, "
                    f"а не {answer[1]}",
                    "en": f"The parameters {best} are right, but their score is "
                    f"{_score(**best)}, not {answer[1]}",
                },
            )
    passed(2)
