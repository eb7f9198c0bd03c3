"""Chapter 9: the page's claims and the exercises; the optimizers against torch: test_optim.py."""

import re

import pytest
import torch
from claims_run import claim
from exercise_hints import wrong_answers_get_hints

from nnzero.exercises.ch09 import check_1, check_2, check_3

# --- the page's claims ------------------------------------------------------------------


def difference_and_change(run, section: str) -> tuple[float, float]:
    steps, difference, change = run.numbers(section)
    assert steps == 100
    return difference, change


def check_equals_torch(run, name: str) -> None:
    difference, change = difference_and_change(run, f"{name}_difference")
    assert difference < 1e-13
    assert change > 0.3


@claim("ch09_optimizers", "sgd-equals-torch")
def test_sgd_equals_torch(run) -> None:
    check_equals_torch(run, "sgd")
    assert difference_and_change(run, "sgd_difference")[0] == 0  # the page says: zero


@claim("ch09_optimizers", "momentum-equals-torch")
def test_momentum_equals_torch(run) -> None:
    check_equals_torch(run, "momentum")
    assert difference_and_change(run, "momentum_difference")[0] == 0  # "zero again"
    assert (
        difference_and_change(run, "momentum_difference")[1]
        > difference_and_change(run, "sgd_difference")[1]
    )


@claim("ch09_optimizers", "nesterov-equals-torch")
def test_nesterov_equals_torch(run) -> None:
    check_equals_torch(run, "nesterov")


@claim("ch09_optimizers", "rmsprop-equals-torch")
def test_rmsprop_equals_torch(run) -> None:
    check_equals_torch(run, "rmsprop")


@claim("ch09_optimizers", "adam-equals-torch")
def test_adam_equals_torch(run) -> None:
    check_equals_torch(run, "adam")


@claim("ch09_optimizers", "adamw-equals-torch")
def test_adamw_equals_torch(run) -> None:
    check_equals_torch(run, "adamw")


@claim("ch09_optimizers", "momentum-amplifies-steady")
def test_momentum_amplifies_steady(run) -> None:
    lines = run.output("momentum_buffer").splitlines()
    steady = float(lines[0].rsplit(":", 1)[1])
    flipping = float(lines[1].rsplit(":", 1)[1])
    assert 9.5 < steady < 10  # towards 1 / (1 - 0.9)
    assert 0.45 < abs(flipping) < 0.6  # towards 1 / (1 + 0.9), about half a step


@claim("ch09_optimizers", "rmsprop-scale-free")
def test_rmsprop_scale_free(run) -> None:
    rows = [line.split() for line in run.output("rmsprop_scale").splitlines()[1:]]
    assert len(rows) == 3
    assert rows[0][1:] == rows[1][1:] == rows[2][1:]
    assert float(rows[0][1]) == pytest.approx(0.1, abs=1e-4)  # ten times lr on step 1


@claim("ch09_optimizers", "bias-correction-exact")
def test_bias_correction_exact(run) -> None:
    rows = [line.split() for line in run.output("bias_correction").splitlines()[1:]]
    assert [row[0] for row in rows] == ["1", "2", "3", "10"]
    for _, m, m_hat, v, v_hat in rows:
        assert float(m_hat) == 2.0 and float(v_hat) == 4.0
        assert float(m) < 2.0 and float(v) < 4.0


@claim("ch09_optimizers", "l2-ignores-coefficient")
def test_l2_ignores_coefficient(run) -> None:
    rows = [line.split() for line in run.output("l2_vs_decoupled").splitlines()[1:]]
    decays = [float(row[0]) for row in rows]
    adam = [float(row[1]) for row in rows]
    adamw = [float(row[2]) for row in rows]
    assert decays == [0.0001, 0.01, 1.0]
    assert max(adam) - min(adam) < 1e-3 and max(adam) < 0.5  # the same, far from 1
    for decay, weight in zip(decays, adamw, strict=True):
        assert weight == pytest.approx((1 - 0.01 * decay) ** 100, abs=1e-4)


def paths_table(run) -> dict[str, tuple[float, int, float]]:
    table = {}
    for line in run.output("paths").splitlines()[1:]:
        name, distance, crossings, lowest = line.split()
        table[name] = (float(distance), int(crossings), float(lowest))
    assert set(table) == {"SGD", "momentum", "Nesterov", "RMSprop", "Adam"}
    return table


@claim("ch09_optimizers", "momentum-beats-sgd")
def test_momentum_beats_sgd(run) -> None:
    table = paths_table(run)
    assert table["momentum"][0] < table["SGD"][0] / 10
    assert table["momentum"][1] > 0 and table["SGD"][1] == 0  # it swings across the floor


@claim("ch09_optimizers", "nesterov-calmer")
def test_nesterov_calmer(run) -> None:
    table = paths_table(run)
    assert table["Nesterov"][0] < table["momentum"][0]
    assert table["Nesterov"][2] > table["momentum"][2] / 1.8  # swings about half as low


@claim("ch09_optimizers", "rmsprop-no-zigzag")
def test_rmsprop_no_zigzag(run) -> None:
    distance, crossings, _ = paths_table(run)["RMSprop"]
    assert crossings == 0 and distance < 0.01


@claim("ch09_optimizers", "adam-overshoots")
def test_adam_overshoots(run) -> None:
    _, crossings, lowest = paths_table(run)["Adam"]
    assert crossings > 0 and lowest < -0.1


def race_table(run) -> dict[str, tuple[list[int | None], int]]:
    lines = run.output("race").splitlines()
    assert re.findall(r"lr=([\d.]+)", lines[1]) == ["0.001", "0.01", "0.1", "1"]
    table = {}
    for line in lines[2:]:
        name, *cells, best = line.split()
        table[name] = ([None if c == "-" else int(c) for c in cells], int(best))
    assert set(table) == {"SGD", "momentum", "Nesterov", "RMSprop", "Adam", "AdamW"}
    for cells, best in table.values():
        assert best == min(c for c in cells if c is not None)
    return table


@claim("ch09_optimizers", "race-winner")
def test_race_winner(run) -> None:
    table = race_table(run)
    best = {name: steps for name, (_, steps) in table.items()}
    assert min(best, key=best.__getitem__) == "RMSprop"
    assert sorted(best.values())[0] < sorted(best.values())[1]  # no tie


@claim("ch09_optimizers", "race-close")
def test_race_close(run) -> None:
    table = race_table(run)
    best = {name: steps for name, (_, steps) in table.items()}
    assert max(best.values()) < 3 * 34  # under three epochs of 34 mini-batches
    assert max(best, key=best.__getitem__) == "SGD"


@claim("ch09_optimizers", "best-rates")
def test_best_rates(run) -> None:
    table = race_table(run)
    rates = [0.001, 0.01, 0.1, 1.0]

    def best_rate(name: str) -> float:
        cells, best = table[name]
        return rates[cells.index(best)]

    assert best_rate("SGD") == 1.0 and table["SGD"][0][2] is None
    assert best_rate("momentum") == 0.1
    for name in ["RMSprop", "Adam", "AdamW"]:
        assert best_rate(name) == 0.01
        assert table[name][0][3] is None


@claim("ch09_optimizers", "adamw-like-adam")
def test_adamw_like_adam(run) -> None:
    table = race_table(run)
    assert table["AdamW"] == table["Adam"]


# --- the exercises: right answers pass, wrong ones get the hint in both languages --------


def momentum_right(grad, start, lr, momentum, steps):
    p, buf, path = start.clone(), None, [start.clone()]
    for _ in range(steps):
        g = grad(p)
        buf = g.clone() if buf is None else momentum * buf + g
        p = p - lr * buf
        path.append(p.clone())
    return torch.stack(path)


def momentum_averaged(grad, start, lr, momentum, steps):
    p, buf, path = start.clone(), torch.zeros_like(start), [start.clone()]
    for _ in range(steps):
        buf = momentum * buf + (1 - momentum) * grad(p)
        p = p - lr * buf
        path.append(p.clone())
    return torch.stack(path)


def momentum_forgotten(grad, start, lr, momentum, steps):
    p, path = start.clone(), [start.clone()]
    for _ in range(steps):
        p = p - lr * grad(p)
        path.append(p.clone())
    return torch.stack(path)


def adam_path(grad, start, lr, steps, betas=(0.9, 0.999), eps=1e-8, correct=True):
    p = start.clone()
    m, v = torch.zeros_like(p), torch.zeros_like(p)
    path = [p.clone()]
    for t in range(1, steps + 1):
        g = grad(p)
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g**2
        m_hat = m / (1 - betas[0] ** t) if correct else m
        v_hat = v / (1 - betas[1] ** t) if correct else v
        p = p - lr * m_hat / (v_hat.sqrt() + eps)
        path.append(p.clone())
    return torch.stack(path)


def adam_uncorrected(grad, start, lr, steps, betas=(0.9, 0.999), eps=1e-8):
    return adam_path(grad, start, lr, steps, betas, eps, correct=False)


def adam_step_stuck(grad, start, lr, steps, betas=(0.9, 0.999), eps=1e-8):
    """The correction always uses t = 1: the first step is right, later ones are not."""
    p = start.clone()
    m, v = torch.zeros_like(p), torch.zeros_like(p)
    path = [p.clone()]
    for _ in range(steps):
        g = grad(p)
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g**2
        p = p - lr * (m / (1 - betas[0])) / ((v / (1 - betas[1])).sqrt() + eps)
        path.append(p.clone())
    return torch.stack(path)


def penalty_right(params, weight_decay):
    return weight_decay / 2 * sum((p**2).sum() for p in params)


def test_exercise_checks_accept_right_answers(capsys) -> None:
    check_1(momentum_right)
    check_2(adam_path)
    check_3(penalty_right)
    assert capsys.readouterr().out.count("correct") == 3


WRONG = [
    (check_1, momentum_averaged, "buf = μ·buf + g", "buf = μ·buf + g"),
    (check_1, momentum_forgotten, "обычный градиентный спуск", "plain gradient descent"),
    (check_1, lambda *args: torch.zeros(3, dtype=torch.float64), "steps + 1", "steps + 1"),
    (check_2, adam_uncorrected, "Поправки на смещение нет", "bias correction is missing"),
    (check_2, adam_step_stuck, "Первый шаг верный", "first step is right"),
    (check_3, lambda ps, wd: wd * sum((p**2).sum() for p in ps), "вдвое больше", "twice"),
    (check_3, lambda ps, wd: wd / 2 * sum((p**2).mean() for p in ps), "не среднее", "not a mean"),
    (check_3, lambda ps, wd: wd / 2 * sum((p**2).sum().item() for p in ps), ".item()", ".item()"),
]


test_exercise_checks_reject_wrong_answers = wrong_answers_get_hints(WRONG)
