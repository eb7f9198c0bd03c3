"""Every exercise check against wrong answers a learner could really write, and every solution
shown on a page against torch or scikit-learn on edge inputs (kinks, ties, ±1000, no positives).

The shown solutions are not copied here: :func:`shown` reads the ``exercise_<n>`` section of
the chapter's program and runs it, after the program's imports and its ``imports`` section,
statement by statement; a statement that needs the rest of the chapter (a NameError) is
skipped, and the call of the check itself is left out.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import itertools
import math
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from nnzero.engine import Value
from nnzero.exercises import ExerciseError, hints_in
from nnzero.neuron import Neuron, step

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
F64 = torch.float64

# --- the shown solutions, read from the programs ------------------------------------------------


def section(chapter: str, name: str, extra: tuple[str, ...] = ()) -> str:
    """The source of section ``name`` of ``snippets/<chapter>_*.py``."""
    (program,) = (ROOT / "snippets").glob(f"{chapter}_*.py")
    text = program.read_text(encoding="utf-8")
    match = re.search(rf"# --8<-- \[start:{name}\]\n(.*?)# --8<-- \[end:{name}\]", text, re.S)
    assert match, f"{program.name} has no section {name}"
    return match.group(1)


@contextlib.contextmanager
def _quiet_and_isolated() -> Iterator[None]:
    """No printing, and the default dtype and random state as they were."""
    dtype = torch.get_default_dtype()
    with torch.random.fork_rng(devices=[]), contextlib.redirect_stdout(io.StringIO()):
        try:
            yield
        finally:
            torch.set_default_dtype(dtype)


def _run_statements(source: str, namespace: dict[str, Any]) -> None:
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nnzero.exercises"):
            continue
        call = node.value if isinstance(node, ast.Expr) else None
        if isinstance(call, ast.Call) and getattr(call.func, "id", "").startswith("check_"):
            continue
        try:
            exec(compile(ast.Module([node], []), "<shown>", "exec"), namespace)
        except NameError:
            continue  # it uses the rest of the chapter, not the solution


HELPERS = {"ch13": ("confusion",)}
LIGHT = ("torch", "nnzero", "math", "itertools", "copy", "random", "sklearn", "matplotlib")


def _light(node: ast.Import | ast.ImportFrom) -> bool:
    """Whether an import is of something the solutions use (not keras and the like)."""
    names = (
        [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
    )
    return all(
        name.split(".")[0] in LIGHT for name in names
    )  # sections the shown solutions build on


@cache
def shown(chapter: str, number: int) -> dict[str, Any]:
    """The names that the shown solution of an exercise defines."""
    (program,) = (ROOT / "snippets").glob(f"{chapter}_*.py")
    imports = [
        ast.unparse(node)
        for node in ast.parse(program.read_text(encoding="utf-8")).body
        if isinstance(node, ast.Import | ast.ImportFrom) and _light(node)
    ]
    namespace: dict[str, Any] = {}
    with _quiet_and_isolated():
        _run_statements("\n".join(imports), namespace)  # wherever the program imports them
        for name in ("imports", *HELPERS.get(chapter, ()), f"exercise_{number}"):
            _run_statements(section(chapter, name), namespace)
    return namespace


def check(chapter: str, number: int) -> Callable[..., None]:
    return getattr(importlib.import_module(f"nnzero.exercises.{chapter}"), f"check_{number}")


SOLUTIONS: dict[tuple[str, int], tuple[str, ...]] = {
    ("ch01", 1): ("batched_matmul",),
    ("ch01", 2): ("outer",),
    ("ch02", 1): ("and_neuron",),
    ("ch02", 2): ("xor_net",),
    ("ch03", 1): ("numerical_jacobian",),
    ("ch03", 2): ("low",),
    ("ch03", 3): ("gradient_error",),
    ("ch04", 1): ("my_sigmoid",),
    ("ch04", 2): ("count_nodes",),
    ("ch04", 3): ("square",),
    ("ch05", 1): ("predicted_grad",),
    ("ch05", 2): ("gradient",),
    ("ch05", 3): ("sgd_step",),
    ("ch06", 1): ("my_logsumexp",),
    ("ch06", 2): ("my_bce_with_logits",),
    ("ch06", 3): ("mae",),
    ("ch07", 1): ("linear_backward",),
    ("ch07", 2): ("tanh_backward",),
    ("ch07", 3): ("backward_fixed",),
    ("ch08", 1): ("batch_indices",),
    ("ch08", 2): ("standardize_splits",),
    ("ch08", 3): ("early_stopping",),
    ("ch09", 1): ("sgd_momentum",),
    ("ch09", 2): ("adam",),
    ("ch09", 3): ("l2_penalty",),
    ("ch10", 1): ("TwoHiddenMLP",),
    ("ch10", 2): ("train_with_momentum",),
    ("ch10", 3): ("epoch_batch_sizes",),
    ("ch11", 1): ("batch_norm",),
    ("ch11", 2): ("dropout",),
    ("ch11", 3): ("update_running",),
    ("ch12", 1): ("confusion",),
    ("ch12", 2): ("per_class_accuracy",),
    ("ch12", 3): ("save_checkpoint", "load_checkpoint"),
    ("ch13", 1): ("f1_score",),
    ("ch13", 2): ("conv2d_loops",),
    ("ch13", 3): ("shift_right",),
    ("ch14", 1): ("make_torch_mlp",),
    ("ch14", 2): ("grid_search",),
    ("ch15", 1): ("all_reduce_mean",),
    ("ch15", 2): ("combine_uneven",),
    ("ch15", 3): ("shard_indices",),
}


def solution(chapter: str, number: int) -> tuple[Any, ...]:
    namespace = shown(chapter, number)
    return tuple(namespace[name] for name in SOLUTIONS[chapter, number])


def test_every_exercise_of_every_program_is_listed():
    listed = {f"{c}:{n}" for c, n in SOLUTIONS}
    found = set()
    for program in (ROOT / "snippets").glob("ch*_*.py"):
        chapter = program.name[:4]
        numbers = re.findall(r"\[start:exercise_(\d+)\]", program.read_text(encoding="utf-8"))
        found |= {f"{chapter}:{n}" for n in numbers}
    assert listed == found


@pytest.mark.parametrize(("chapter", "number"), list(SOLUTIONS), ids=lambda v: str(v))
def test_shown_solution_passes(chapter, number, capsys):
    check(chapter, number)(*solution(chapter, number))
    assert f"✓ exercise {number}: correct" in capsys.readouterr().out


# --- plausible wrong answers, each refused with its hint in both languages -------------------

WRONG: list[Any] = []


def wrong(chapter: str, number: int, ru: str, en: str) -> Callable[[Any], Any]:
    """Adds the decorated answer (or the tuple of answers it returns) to the table."""

    def add(answer: Any) -> Any:
        args = answer() if getattr(answer, "__name__", "").startswith("args_") else (answer,)
        name = getattr(answer, "__name__", "answer").removeprefix("args_")
        WRONG.append(pytest.param(chapter, number, args, ru, en, id=f"{chapter}-{number}-{name}"))
        return answer

    return add


# chapter 1


@wrong("ch01", 1, "числа нет", "numbers are not")
def mean_instead_of_sum(a, b):
    return (a[:, :, :, None] * b[:, None, :, :]).mean(dim=2)


@wrong("ch01", 1, "нужен ответ формы", "the answer must have shape")
def summed_over_n(a, b):
    return (a[:, :, :, None] * b[:, None, :, :]).sum(dim=1)


@wrong("ch01", 1, "float32", "float32")
def in_float32(a, b):
    return (a.float()[:, :, :, None] * b.float()[:, None, :, :]).sum(dim=2)


@wrong("ch01", 2, "столбец формы (n, 1)", "column of shape (n, 1)")
def transposed_outer(u, v):
    return v[:, None] * u[None, :]


@wrong("ch01", 2, "столбец формы (n, 1)", "column of shape (n, 1)")
def added_not_multiplied(u, v):
    return u[:, None] + v[None, :]


# chapter 2


@wrong("ch02", 1, "подберите смещение", "choose a bias")
def args_or_neuron():
    return (Neuron(torch.tensor([1.0, 1.0]), -0.5, step),)


@wrong("ch02", 1, "подберите смещение", "choose a bias")
def args_threshold_at_one():  # with step(z) = [z >= 0] a bias of -1 lets (0, 1) through
    return (Neuron(torch.tensor([1.0, 1.0]), -1.0, step),)


def _xor_parts() -> tuple[Neuron, Neuron, Neuron]:
    return (
        Neuron(torch.tensor([1.0, 1.0]), -0.5, step),
        Neuron(torch.tensor([-1.0, -1.0]), 1.5, step),
        Neuron(torch.tensor([1.0, 1.0]), -1.5, step),
    )


@wrong("ch02", 2, "каждый из трёх нейронов", "each of the three neurons")
def hidden_stacked_along_the_batch(x):
    or_n, nand_n, and_n = _xor_parts()
    return and_n(torch.stack([or_n(x), nand_n(x)], dim=0))


@wrong("ch02", 2, "каждый из трёх нейронов", "each of the three neurons")
def or_at_the_output(x):
    or_n, nand_n, _ = _xor_parts()
    return or_n(torch.stack([or_n(x), nand_n(x)], dim=-1))


# chapter 3


@wrong("ch03", 1, "Числа не совпадают", "The numbers differ")
def forward_differences(f, x, h=1e-5):
    columns = []
    for j in range(x.numel()):
        nudge = torch.zeros_like(x)
        nudge[j] = h
        columns.append((f(x + nudge) - f(x)) / h)
    return torch.stack(columns, dim=1)


@wrong("ch03", 1, "ожидалась матрица формы", "should have shape")
def rows_for_inputs(f, x, h=1e-5):
    columns = []
    for j in range(x.numel()):
        nudge = torch.zeros_like(x)
        nudge[j] = h
        columns.append((f(x + nudge) - f(x - nudge)) / (2 * h))
    return torch.stack(columns, dim=0)


@wrong("ch03", 2, "ещё сходится", "still converges")
def args_first_overshoot():
    return (0.125,)


@wrong("ch03", 2, "1 − 8η", "1 − 8η")
def args_second_derivative_4():
    return (0.5,)


@wrong("ch03", 3, "не сумму или среднее", "not a sum or a mean")
def summed_error(f, grad, x):
    from nnzero.calculus import numerical_gradient

    return (grad(x) - numerical_gradient(f, x)).abs().sum().item()


@wrong("ch03", 3, "Для градиента с ошибкой", "A wrong gradient gave")
def signed_error(f, grad, x):
    from nnzero.calculus import numerical_gradient

    return (grad(x) - numerical_gradient(f, x)).max().item()


# chapter 4


@wrong("ch04", 1, "знак", "sign")
def sigmoid_sign(x):
    return 1 / (1 + x.exp())


@wrong("ch04", 1, "операций Value", "Value operations")
def sigmoid_of_data(x):
    return Value(1 / (1 + math.exp(-x.data)))


@wrong("ch04", 2, "посещённые узлы", "visited in a set")
def count_paths(root):
    return 1 + sum(count_paths(child) for child in root._prev)


@wrong("ch04", 2, "посчитаны не все", "some nodes are missing")
def count_leaves(root):
    return 1 if not root._prev else sum(count_leaves(child) for child in root._prev)


def _square(add: bool, times_out_grad: bool) -> Callable[[Value], Value]:
    def square(x: Value) -> Value:
        out = Value(x.data**2, (x,), "**2")

        def _backward() -> None:
            share = 2 * x.data * (out.grad if times_out_grad else 1.0)
            x.grad = x.grad + share if add else share

        out._backward = _backward
        return out

    return square


@wrong("ch04", 3, "+=", "+=")
def args_square_assigns():
    return (_square(add=False, times_out_grad=True),)


@wrong("ch04", 3, "+=", "+=")
def args_square_forgets_out_grad():
    return (_square(add=True, times_out_grad=False),)


# chapter 5


@wrong("ch05", 1, "вклад одного вызова", "one backward() call's share")
def args_one_call():
    return (2 * torch.tensor([1.0, -2.0]),)


@wrong("ch05", 1, "входит дважды", "counts twice")
def args_squares_once():
    return (2 * torch.tensor([1.0, -2.0]) + 3,)


@wrong("ch05", 2, "backward() записывает", "backward() writes")
def gradient_by_backward(f, x):
    x.requires_grad_(True)
    f(x).backward()
    return x.grad


@wrong("ch05", 2, "Градиент не совпадает", "not the exact one")
def gradient_of_the_wrong_thing(f, x):
    leaf = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(leaf) ** 2, leaf)
    return grad


@wrong("ch05", 3, "no_grad", "no_grad")
def step_without_no_grad(params, lr):
    for p in params:
        p -= lr * p.grad
        p.grad = None


@wrong("ch05", 3, "p -= lr * p.grad", "p -= lr * p.grad")
def step_with_lr_fixed(params, lr):
    with torch.no_grad():
        for p in params:
            p -= 0.1 * p.grad
    for p in params:
        p.grad = None


@wrong("ch05", 3, "обнулите их", "clear them")
def step_keeping_grads(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


# chapter 6


@wrong("ch06", 1, "переполнилась", "overflowed")
def logsumexp_global_max(z):
    m = z.max()
    return m + (z - m).exp().sum(dim=-1).log()


@wrong("ch06", 1, "последнюю ось", "last dimension")
def logsumexp_first_dim(z):
    m = z.max(dim=0, keepdim=True).values
    return (m + (z - m).exp().sum(dim=0, keepdim=True).log()).squeeze(0)


@wrong("ch06", 2, "при z = 0", "at z = 0 too")
def bce_clamp(input, target):  # the solution this page showed before
    z, y = input, target
    return (z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()


@wrong("ch06", 2, "при z = 0", "at z = 0 too")
def bce_where(input, target):
    z, y = input, target
    return (torch.where(z > 0, z, 0.0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()


@wrong("ch06", 2, "усреднение", "average over all elements")
def bce_summed(input, target):
    return torch.logaddexp(torch.zeros_like(input), input).sub(input * target).sum()


@wrong("ch06", 3, "ровно 0", "exactly 0")
def mae_by_square_root(input, target):
    return torch.sqrt((input - target) ** 2).mean()


@wrong("ch06", 3, "ровно 0", "exactly 0")
def mae_by_where(input, target):
    d = input - target
    return torch.where(d > 0, d, -d).mean()


@wrong("ch06", 3, "среднее модулей", "mean of the absolute")
def mae_summed(input, target):
    return (input - target).abs().sum()


# chapter 7


@wrong("ch07", 1, "grad_bias", "grad_bias")
def bias_averaged(x, weight, grad_output):
    return grad_output @ weight, grad_output.T @ x, grad_output.mean(dim=0)


@wrong("ch07", 1, "grad_weight", "grad_weight")
def weight_transposed(x, weight, grad_output):
    return grad_output @ weight, x.T @ grad_output, grad_output.sum(dim=0)


@wrong("ch07", 2, "1 - output**2", "1 - output**2")
def tanh_of_the_output(output, grad_output):
    return grad_output * (1 - torch.tanh(output) ** 2)


@wrong("ch07", 2, "на месте", "in place")
def tanh_in_place(output, grad_output):
    grad_output *= 1 - output**2
    return grad_output


def _backward(cache, relu_mask, bias_sum):
    from nnzero.backprop import Gradients

    x, w1, w2, z1, a1, probs, target = cache
    dz2 = (probs - F.one_hot(target, probs.shape[1])) / x.shape[0]
    dz1 = (dz2 @ w2) * relu_mask(z1)
    return Gradients(dz1 @ w1, dz1.T @ x, bias_sum(dz1), dz2.T @ a1, dz2.sum(dim=0))


@wrong("ch07", 3, "(z1 > 0)", "(z1 > 0)")
def relu_slope_one_at_zero(cache):
    return _backward(cache, lambda z: z >= 0, lambda d: d.sum(dim=0))


@wrong("ch07", 3, "sum(dim=0)", "sum(dim=0)")
def bias_summed_over_all(cache):
    return _backward(cache, lambda z: z > 0, lambda d: d.sum())


# chapter 8


@wrong("ch08", 1, "переданным генератором", "the generator you are given")
def global_random_order(n, batch_size, generator):
    order = torch.randperm(n)
    return [order[s : s + batch_size] for s in range(0, n, batch_size)]


@wrong("ch08", 1, "неполный батч", "smaller batch")
def last_batch_lost(n, batch_size, generator):
    order = torch.randperm(n, generator=generator)
    return [order[s : s + batch_size] for s in range(0, n - batch_size + 1, batch_size)]


@wrong("ch08", 2, "на месте", "in place")
def standardize_in_place(x_train, x_val, x_test):
    mean, std = x_train.mean(dim=0), x_train.std(dim=0)
    std = torch.where(std > 0, std, 1.0)
    for part in (x_train, x_val, x_test):
        part -= mean
        part /= std
    return x_train, x_val, x_test


@wrong("ch08", 2, "только по x_train", "from x_train alone")
def statistics_of_everything(x_train, x_val, x_test):
    every = torch.cat([x_train, x_val, x_test])
    mean, std = every.mean(dim=0), every.std(dim=0)
    return (x_train - mean) / std, (x_val - mean) / std, (x_test - mean) / std


@wrong("ch08", 2, "только по x_train", "from x_train alone")
def each_part_its_own(x_train, x_val, x_test):
    parts = [x_train, x_val, x_test]
    return tuple((p - p.mean(dim=0)) / torch.where(p.std(0) > 0, p.std(0), 1.0) for p in parts)


def _early_stopping(improves, stops):
    def early_stopping(val_losses, patience):
        best_epoch, best_loss = 0, float("inf")
        for epoch, loss in enumerate(val_losses, start=1):
            if improves(loss, best_loss):
                best_epoch, best_loss = epoch, loss
            elif stops(epoch - best_epoch, patience):
                return epoch, best_epoch
        return len(val_losses), best_epoch

    return early_stopping


@wrong("ch08", 3, "равное значение — не улучшение", "a tie is not an improvement")
def args_tie_improves():
    return (_early_stopping(lambda loss, best: loss <= best, lambda wait, p: wait >= p),)


@wrong("ch08", 3, "(stop_epoch, best_epoch)", "(stop_epoch, best_epoch)")
def args_one_epoch_late():
    return (_early_stopping(lambda loss, best: loss < best, lambda wait, p: wait > p),)


# chapter 9


def _momentum(average: bool, in_place: bool):
    def sgd_momentum(grad, start, lr, momentum, steps):
        p, buf = (start if in_place else start.clone()), None
        path = [p.clone()]
        for _ in range(steps):
            g = grad(p)
            if buf is None:
                buf = g.clone()
            else:
                buf = momentum * buf + (1 - momentum if average else 1) * g
            if in_place:
                p -= lr * buf
            else:
                p = p - lr * buf
            path.append(p.clone())
        return torch.stack(path)

    return sgd_momentum


@wrong("ch09", 1, "скользящее среднее", "running average")
def args_running_average():
    return (_momentum(average=True, in_place=False),)


@wrong("ch09", 1, "на месте", "in place")
def args_start_changed_in_place():
    return (_momentum(average=False, in_place=True),)


def _adam(correct: bool, fixed_betas: bool):
    def adam(grad, start, lr, steps, betas=(0.9, 0.999), eps=1e-8):
        beta1, beta2 = (0.9, 0.999) if fixed_betas else betas
        eps = 1e-8 if fixed_betas else eps
        p, m, v = start.clone(), torch.zeros_like(start), torch.zeros_like(start)
        path = [p.clone()]
        for t in range(1, steps + 1):
            g = grad(p)
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g**2
            m_hat = m / (1 - beta1**t) if correct else m
            v_hat = v / (1 - beta2**t) if correct else v
            p = p - lr * m_hat / (v_hat.sqrt() + eps)
            path.append(p.clone())
        return torch.stack(path)

    return adam


@wrong("ch09", 2, "Поправки на смещение нет", "bias correction is missing")
def args_adam_without_correction():
    return (_adam(correct=False, fixed_betas=False),)


@wrong("ch09", 2, "из аргументов", "from the arguments")
def args_adam_with_fixed_betas():
    return (_adam(correct=True, fixed_betas=True),)


@wrong("ch09", 3, "вдвое больше", "twice weight_decay")
def penalty_without_half(params, weight_decay):
    return weight_decay * sum((p**2).sum() for p in params)


@wrong("ch09", 3, "weight_decay = 0.01", "weight_decay = 0.01")
def penalty_with_fixed_decay(params, weight_decay):
    return 0.3 / 2 * sum((p**2).sum() for p in params)


@wrong("ch09", 3, "смещения тоже", "biases included")
def penalty_on_matrices_only(params, weight_decay):
    return weight_decay / 2 * sum((p**2).sum() for p in params if p.dim() > 1)


@wrong("ch09", 3, "сумма, не среднее", "a sum, not a mean")
def penalty_averaged(params, weight_decay):
    return weight_decay / 2 * sum((p**2).mean() for p in params)


# chapter 10


def _mlp_class(activation: Callable[[torch.Tensor], torch.Tensor], last: bool) -> type:
    class MLP(nn.Module):
        def __init__(self, n_in, n_hidden1, n_hidden2, n_out):
            super().__init__()
            self.hidden1 = nn.Linear(n_in, n_hidden1)
            self.hidden2 = nn.Linear(n_hidden1, n_hidden2)
            self.output = nn.Linear(n_hidden2, n_out)

        def forward(self, x):
            x = self.output(activation(self.hidden2(activation(self.hidden1(x)))))
            return F.relu(x) if last else x

    return MLP


@wrong("ch10", 1, "нет ReLU", "no ReLU between")
def args_no_activation():
    return (_mlp_class(lambda x: x, last=False),)


@wrong("ch10", 1, "После выходного слоя ReLU не нужна", "No ReLU after the output layer")
def args_relu_after_output():
    return (_mlp_class(F.relu, last=True),)


@wrong("ch10", 1, "Linear → ReLU → Linear", "Linear → ReLU → Linear")
def args_sigmoid():
    return (_mlp_class(torch.sigmoid, last=False),)


def _trainer(fixed: bool, zero_grad: bool, fresh_optimizer: bool):
    def train_with_momentum(model, loader, epochs, lr, momentum):
        settings = {"lr": 0.05, "momentum": 0.9} if fixed else {"lr": lr, "momentum": momentum}
        optimizer = torch.optim.SGD(model.parameters(), **settings)
        losses = []
        for _ in range(epochs):
            if fresh_optimizer:
                optimizer = torch.optim.SGD(model.parameters(), **settings)
            for x_batch, y_batch in loader:
                loss = F.cross_entropy(model(x_batch), y_batch)
                loss.backward()
                optimizer.step()
                if zero_grad:
                    optimizer.zero_grad()
                losses.append(loss.item())
        return losses

    return train_with_momentum


@wrong("ch10", 2, "lr = 0.1, momentum = 0.5", "lr = 0.1, momentum = 0.5")
def args_hyperparameters_fixed():
    return (_trainer(fixed=True, zero_grad=True, fresh_optimizer=False),)


@wrong("ch10", 2, "копятся", "pile up")
def args_no_zero_grad():
    return (_trainer(fixed=False, zero_grad=False, fresh_optimizer=False),)


@wrong("ch10", 2, "одним оптимизатором", "one optimizer for the whole training")
def args_optimizer_every_epoch():
    return (_trainer(fixed=False, zero_grad=True, fresh_optimizer=True),)


@wrong("ch10", 3, "DataLoader выдаёт батчи размеров", "DataLoader yields batches of sizes")
def empty_last_batch(n, batch_size, drop_last):
    sizes = [batch_size] * (n // batch_size)
    if not drop_last:
        sizes.append(n % batch_size)
    return sizes


@wrong("ch10", 3, "отбрасывается", "is dropped")
def drop_last_ignored(n, batch_size, drop_last):
    return [min(batch_size, n - s) for s in range(0, n, batch_size)]


# chapter 11


@wrong("ch11", 1, "N − 1", "N − 1")
def batch_norm_unbiased(x, weight, bias, eps=1e-5):
    return (x - x.mean(dim=0)) / torch.sqrt(x.var(dim=0) + eps) * weight + bias


@wrong("ch11", 1, "градиент по x нет", "gradient with respect to x is not")
def batch_norm_detached_statistics(x, weight, bias, eps=1e-5):
    mean, var = x.mean(dim=0).detach(), x.var(dim=0, unbiased=False).detach()
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


@wrong("ch11", 1, "берите eps из аргумента", "take eps from the argument")
def batch_norm_fixed_eps(x, weight, bias, eps=1e-5):
    var = x.var(dim=0, unbiased=False)
    return (x - x.mean(dim=0)) / torch.sqrt(var + 1e-5) * weight + bias


@wrong("ch11", 2, "маска одна на всех", "one mask is shared by all samples")
def dropout_one_mask(x, p, training=True):
    if not training:
        return x
    return x * (torch.rand(x.shape[-1], dtype=x.dtype) >= p) / (1 - p)


@wrong("ch11", 2, "новой при каждом вызове", "new on every call")
def dropout_seeded(x, p, training=True):
    if not training:
        return x
    generator = torch.Generator().manual_seed(0)
    return x * (torch.rand(x.shape, dtype=x.dtype, generator=generator) >= p) / (1 - p)


@wrong("ch11", 2, "на месте", "in place")
def dropout_in_place(x, p, training=True):
    if training:
        x[torch.rand(x.shape) < p] = 0
        x /= 1 - p
    return x


@wrong("ch11", 2, "умножены на 1 − p", "multiplied by 1 − p")
def dropout_times_keep(x, p, training=True):
    return x * (torch.rand(x.shape, dtype=x.dtype) >= p) * (1 - p) if training else x


@wrong("ch11", 3, "перепутаны", "swapped")
def running_swapped(running_mean, running_var, x, momentum=0.1):
    return (
        momentum * running_mean + (1 - momentum) * x.mean(dim=0),
        momentum * running_var + (1 - momentum) * x.var(dim=0),
    )


@wrong("ch11", 3, "несмещённая", "unbiased estimate")
def running_biased_variance(running_mean, running_var, x, momentum=0.1):
    return (
        (1 - momentum) * running_mean + momentum * x.mean(dim=0),
        (1 - momentum) * running_var + momentum * x.var(dim=0, unbiased=False),
    )


@wrong("ch11", 3, "(1 − momentum) · старое", "(1 − momentum) · old")
def running_fixed_momentum(running_mean, running_var, x, momentum=0.1):
    return 0.9 * running_mean + 0.1 * x.mean(dim=0), 0.9 * running_var + 0.1 * x.var(dim=0)


# chapter 12


@wrong("ch12", 1, "транспонирована", "transposed")
def confusion_transposed(predictions, targets, num_classes):
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for true, predicted in zip(targets.tolist(), predictions.tolist(), strict=True):
        matrix[predicted, true] += 1
    return matrix


@wrong("ch12", 1, "ожидалось", "the answer should be")
def confusion_fancy_index(predictions, targets, num_classes):
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    matrix[targets, predictions] += 1  # repeated pairs are counted once
    return matrix


@wrong("ch12", 1, "должна иметь форму", "must have shape")
def confusion_sized_by_data(predictions, targets, num_classes):
    k = int(max(predictions.max(), targets.max())) + 1
    matrix = torch.zeros(k, k, dtype=torch.int64)
    for true, predicted in zip(targets.tolist(), predictions.tolist(), strict=True):
        matrix[true, predicted] += 1
    return matrix


@wrong("ch12", 2, "суммы столбцов", "column sums")
def accuracy_by_columns(matrix):
    matrix = torch.as_tensor(matrix, dtype=torch.float64)
    return matrix.diagonal() / matrix.sum(dim=0)


@wrong("ch12", 2, "float32", "float32")
def accuracy_in_float32(matrix):
    return matrix.diagonal() / matrix.sum(dim=1)


def _checkpoints(keep_optimizer: bool, epoch_back: bool):
    def save_checkpoint(path, model, optimizer, epoch):
        state = {"model": model.state_dict(), "epoch": epoch}
        if keep_optimizer:
            state["optimizer"] = optimizer.state_dict()
        torch.save(state, path)

    def load_checkpoint(path, model, optimizer):
        state = torch.load(path, weights_only=True)
        model.load_state_dict(state["model"])
        if keep_optimizer:
            optimizer.load_state_dict(state["optimizer"])
        return state["epoch"] if epoch_back else state

    return save_checkpoint, load_checkpoint


@wrong("ch12", 3, "у Adam есть своё состояние", "Adam has a state of its own")
def args_model_only():
    return _checkpoints(keep_optimizer=False, epoch_back=True)


@wrong("ch12", 3, "сохранена была эпоха 3", "epoch 3 was saved")
def args_returns_the_dict():
    return _checkpoints(keep_optimizer=True, epoch_back=False)


# chapter 13


def _counts(predicted, target):
    tp = int(((predicted == 1) & (target == 1)).sum())
    fp = int(((predicted == 1) & (target == 0)).sum())
    fn = int(((predicted == 0) & (target == 1)).sum())
    return tp, fp, fn


@wrong("ch13", 1, "TP = 0", "TP = 0")
def f1_from_precision_and_recall(predicted, target):  # the solution this page showed before
    tp, fp, fn = _counts(predicted, target)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


@wrong("ch13", 1, "TP = 0", "TP = 0")
def f1_of_tensors(predicted, target):
    tp = ((predicted == 1) & (target == 1)).sum().to(predicted.dtype)
    precision = tp / (predicted == 1).sum()
    recall = tp / (target == 1).sum()
    return 2 * precision * recall / (precision + recall)


@wrong("ch13", 1, "F1 — это 2·P·R", "F1 is 2·P·R")
def f1_without_the_two(predicted, target):
    tp, fp, fn = _counts(predicted, target)
    return tp / (2 * tp + fp + fn)


def _conv(dtype_of_x: bool, flip: bool, last: int):
    def conv2d_loops(x, weight):
        n, _, height, width = x.shape
        c_out, _, k, _ = weight.shape
        kernel = weight.flip(-1, -2) if flip else weight
        size = (n, c_out, height - k + last, width - k + last)
        out = torch.zeros(size, dtype=x.dtype) if dtype_of_x else torch.zeros(size)
        for i in range(height - k + last):
            for j in range(width - k + last):
                patch = x[:, :, i : i + k, j : j + k]
                for o in range(c_out):
                    out[:, o, i, j] = (patch * kernel[o]).sum(dim=(1, 2, 3))
        return out

    return conv2d_loops


@wrong("ch13", 2, "float32", "float32")
def args_conv_in_float32():
    return (_conv(dtype_of_x=False, flip=False, last=1),)


@wrong("ch13", 2, "значения не совпадают", "values differ")
def args_conv_flipped():
    return (_conv(dtype_of_x=True, flip=True, last=1),)


@wrong("ch13", 2, "форма ответа", "must have shape")
def args_conv_one_short():
    return (_conv(dtype_of_x=True, flip=False, last=0),)


@wrong("ch13", 3, "torch.roll", "torch.roll")
def shift_by_roll(images, pixels):
    return torch.roll(images, pixels, dims=-1)


@wrong("ch13", 3, "изменила исходные", "changed the original")
def shift_in_place(images, pixels):
    shifted = torch.roll(images, pixels, dims=-1)
    if pixels >= 0:
        shifted[..., :pixels] = 0
    else:
        shifted[..., pixels:] = 0
    images[:] = shifted
    return images


@wrong("ch13", 3, "упал", "raised")
def shift_minus_zero(images, pixels):
    shifted = torch.zeros_like(images)
    if pixels >= 0:
        shifted[..., pixels:] = images[..., :-pixels]  # for 0 pixels, :-0 is empty
    else:
        shifted[..., :pixels] = images[..., -pixels:]
    return shifted


# chapter 14


def _torch_mlp(last_relu: bool, bias: bool):
    def make_torch_mlp(sizes):
        layers: list[nn.Module] = []
        for i in range(len(sizes) - 1):
            layers += [nn.Linear(sizes[i], sizes[i + 1], bias=bias), nn.ReLU()]
        return nn.Sequential(*(layers if last_relu else layers[:-1]))

    return make_torch_mlp


@wrong("ch14", 1, "не после последнего", "not after the last one")
def args_relu_after_last():
    return (_torch_mlp(last_relu=True, bias=True),)


@wrong("ch14", 1, "и смещениями", "and biases")
def args_no_bias():
    return (_torch_mlp(last_relu=False, bias=False),)


def _grid_search(better: Callable[[float, float], bool], start: float):
    def grid_search(score, grid):
        best_params, best_score = None, start
        for values in itertools.product(*grid.values()):
            params = dict(zip(grid, values, strict=True))
            params_score = score(**params)
            if better(params_score, best_score):
                best_params, best_score = params, params_score
        return best_params, best_score

    return grid_search


@wrong("ch14", 2, "а не >=", "not >=")
def args_last_of_a_tie():
    return (_grid_search(lambda new, best: new >= best, -math.inf),)


@wrong("ch14", 2, "лучшая — наибольшая", "best means highest")
def args_best_starts_at_zero():
    return (_grid_search(lambda new, best: new > best, 0.0),)


@wrong("ch14", 2, "лучшая — наибольшая", "best means highest")
def args_lowest():
    return (_grid_search(lambda new, best: new < best, math.inf),)


# chapter 15


@wrong("ch15", 1, "сумма градиентов", "sum of the gradients")
def all_reduce_sum(per_rank):
    return [sum(grads) for grads in zip(*per_rank, strict=True)]


@wrong("ch15", 1, "При 3 рангах", "With 3 ranks")
def all_reduce_two_ranks(per_rank):
    return [sum(grads) / 2 for grads in zip(*per_rank, strict=True)]


@wrong("ch15", 2, "простое среднее неверно", "plain mean is wrong")
def uneven_plain_mean(per_rank, sizes):
    return [sum(grads) / len(sizes) for grads in zip(*per_rank, strict=True)]


@wrong("ch15", 2, "средней функции потерь", "mean loss over all the samples")
def uneven_weighted_by_ranks(per_rank, sizes):
    weighted = zip(*per_rank, strict=True)
    return [
        sum(k * g for k, g in zip(sizes, grads, strict=True)) / len(sizes) for grads in weighted
    ]


@wrong("ch15", 3, "ранг r берёт номера", "rank r takes")
def shard_blocks(n, rank, world_size):
    per_rank = -(-n // world_size)
    padded = [i % n for i in range(per_rank * world_size)]
    return padded[rank * per_rank : (rank + 1) * per_rank]


@wrong("ch15", 3, "поровну", "the same number")
def shard_unpadded(n, rank, world_size):
    return list(range(rank, n, world_size))


@pytest.mark.parametrize(("chapter", "number", "answer", "ru", "en"), WRONG)
def test_wrong_answer_is_refused_with_its_hint(chapter, number, answer, ru, en):
    for lang, hint in (("ru", ru), ("en", en)):
        with hints_in(lang), pytest.raises(ExerciseError, match=re.escape(hint)):
            check(chapter, number)(*answer)


def test_every_check_refuses_at_least_two_wrong_answers():
    counts: dict[tuple[str, int], int] = {}
    for param in WRONG:
        key = (param.values[0], param.values[1])
        counts[key] = counts.get(key, 0) + 1
    assert {key for key, count in counts.items() if count >= 2} == set(SOLUTIONS)


# --- a wrong dtype or an extra parameter gives a hint, never a traceback ---------------------


def _float32(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.float()
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return type(value)(_float32(v) for v in value)
    return value


FUNCTIONS = [key for key in SOLUTIONS if key not in {("ch03", 2), ("ch05", 1)}]  # not numbers


@pytest.mark.parametrize(("chapter", "number"), FUNCTIONS, ids=lambda v: str(v))
def test_an_extra_parameter_gets_a_hint(chapter, number):
    def with_extra(answer: Callable[..., Any]) -> Callable[..., Any]:
        def answer_with_extra(*args: Any, unused: Any) -> Any:
            return answer(*args)

        return answer_with_extra

    answers = [with_extra(a) for a in solution(chapter, number)]
    with hints_in("en"), pytest.raises(ExerciseError, match=r"TypeError|must|Write"):
        check(chapter, number)(*answers)


@pytest.mark.parametrize(("chapter", "number"), FUNCTIONS, ids=lambda v: str(v))
def test_a_float32_answer_gets_a_hint(chapter, number, capsys):
    answers = solution(chapter, number)
    if isinstance(answers[0], type):
        pytest.skip("a class: its modules are turned to float64 by the check")

    def in_float32(answer: Callable[..., Any]) -> Callable[..., Any]:
        def answer_in_float32(*args: Any, **kwargs: Any) -> Any:
            return _float32(answer(*args, **kwargs))

        return answer_in_float32

    try:
        with hints_in("en"):
            check(chapter, number)(*(in_float32(a) for a in answers))
    except ExerciseError as error:
        assert "float32" in str(error) or "tensor" in str(error)
    else:  # the answer has no float tensor to turn to float32
        assert "✓" in capsys.readouterr().out


# --- the shown solutions against torch and scikit-learn on edge inputs -----------------------


def value_and_grad(f: Callable[..., torch.Tensor], x: torch.Tensor, *rest: Any):
    leaf = x.detach().clone().requires_grad_()
    out = f(leaf, *rest)
    (grad,) = torch.autograd.grad(out.sum(), leaf)
    return out.detach(), grad


def assert_same(ours: tuple[torch.Tensor, ...], theirs: tuple[torch.Tensor, ...]) -> None:
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


EDGE_LOGITS = torch.tensor([[0.0, 0.0, 0.0], [1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])


def test_shown_logsumexp_at_ties_and_1000():
    (my_logsumexp,) = solution("ch06", 1)
    z = EDGE_LOGITS.to(F64)
    ours = value_and_grad(my_logsumexp, z)
    assert_same(ours, value_and_grad(lambda t: torch.logsumexp(t, dim=-1), z))


@pytest.mark.parametrize("label", [0.0, 1.0, 0.5])
def test_shown_bce_at_zero_and_1000(label):
    (my_bce,) = solution("ch06", 2)
    z = torch.tensor([0.0, 0.0, 1000.0, -1000.0, 30.0, -30.0, 1e-300], dtype=F64)
    y = torch.full_like(z, label)
    ours = value_and_grad(my_bce, z, y)
    theirs = value_and_grad(F.binary_cross_entropy_with_logits, z, y)
    assert_same(ours, theirs)
    assert ours[1][0] == pytest.approx((0.5 - label) / len(z), abs=1e-15)  # the kink at 0


def test_shown_mae_at_ties():
    (mae,) = solution("ch06", 3)
    x = torch.tensor([1.0, 0.0, -2.0, 5.0], dtype=F64)
    y = torch.tensor([1.0, 0.0, 3.0, -5.0], dtype=F64)
    assert_same(value_and_grad(mae, x, y), value_and_grad(F.l1_loss, x, y))


def test_shown_backward_at_the_relu_kink():
    from nnzero.backprop import forward

    (backward_fixed,) = solution("ch07", 3)
    g = torch.Generator().manual_seed(0)
    x, w1 = torch.randn(4, 3, dtype=F64, generator=g), torch.randn(5, 3, dtype=F64, generator=g)
    b1, w2 = torch.randn(5, dtype=F64, generator=g), torch.randn(2, 5, dtype=F64, generator=g)
    b2, target = torch.zeros(2, dtype=F64), torch.tensor([0, 1, 1, 0])
    x[0], b1[:2] = 0.0, 0.0  # z1 is exactly 0 in two places
    _, cache = forward(x, w1, b1, w2, b2, target)
    assert (cache.z1 == 0).sum() == 2
    leaves = [t.clone().requires_grad_() for t in (x, w1, b1, w2, b2)]
    z1 = leaves[0] @ leaves[1].T + leaves[2]
    loss = F.cross_entropy(F.relu(z1) @ leaves[3].T + leaves[4], target)
    assert_same(tuple(backward_fixed(cache)), torch.autograd.grad(loss, leaves))


def test_shown_tanh_backward_at_0_and_far_out():
    (tanh_backward,) = solution("ch07", 2)
    z = torch.tensor([0.0, 1e-8, 20.0, -1000.0], dtype=F64, requires_grad=True)
    upstream = torch.tensor([1.0, -2.0, 3.0, 4.0], dtype=F64)
    (expected,) = torch.autograd.grad(torch.tanh(z), z, upstream)
    assert_same((tanh_backward(torch.tanh(z).detach(), upstream),), (expected,))


def test_shown_early_stopping_on_ties_and_short_runs():
    (early_stopping,) = solution("ch08", 3)
    assert early_stopping([0.5, 0.5, 0.5], 1) == (2, 1)  # a tie is no improvement
    assert early_stopping([], 3) == (0, 0)
    assert early_stopping([1.0], 1) == (1, 1)


def test_shown_standardization_like_scikit_learn_with_a_constant_column():
    from sklearn.preprocessing import StandardScaler

    (standardize_splits,) = solution("ch08", 2)
    g = torch.Generator().manual_seed(0)
    x_train, x_val = torch.randn(10, 3, dtype=F64, generator=g), torch.randn(4, 3, dtype=F64)
    x_train[:, 2] = 5.0
    ours_train, ours_val, _ = standardize_splits(x_train, x_val, x_val)
    scaler = StandardScaler().fit(x_train.numpy())
    # scikit-learn divides by n, torch's std by n - 1: the same up to sqrt(n / (n - 1))
    ratio = math.sqrt(10 / 9)
    theirs = torch.from_numpy(scaler.transform(x_val.numpy()))
    torch.testing.assert_close(ours_val[:, :2] * ratio, theirs[:, :2], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(ours_val[:, 2], theirs[:, 2], rtol=1e-12, atol=1e-12)
    assert torch.equal(ours_train[:, 2], torch.zeros(10, dtype=F64))


@pytest.mark.parametrize("steps", [0, 1, 7])
@pytest.mark.parametrize("which", ["sgd", "momentum", "adam"])
def test_shown_optimizers_like_torch(which, steps):
    (sgd_momentum,) = solution("ch09", 1)
    (adam,) = solution("ch09", 2)
    a = torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=F64)
    start = torch.tensor([1.0, 0.0], dtype=F64)

    def grad(p):
        return a @ p

    x = start.clone().requires_grad_()
    if which == "adam":  # the first gradient has a coordinate of exactly 0
        ours = adam(grad, start, 0.1, steps, (0.5, 0.9), 1e-6)
        optimizer = torch.optim.Adam([x], lr=0.1, betas=(0.5, 0.9), eps=1e-6)
    else:
        momentum = 0.9 if which == "momentum" else 0.0
        ours = sgd_momentum(grad, start, 0.1, momentum, steps)
        optimizer = torch.optim.SGD([x], lr=0.1, momentum=momentum)
    points = [x.detach().clone()]
    for _ in range(steps):
        x.grad = grad(x.detach())
        optimizer.step()
        points.append(x.detach().clone())
    torch.testing.assert_close(ours, torch.stack(points), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("n", "batch_size"), [(3, 4), (4, 4), (1, 1), (9, 2)])
def test_shown_batch_sizes_like_data_loader(n, batch_size):
    (epoch_batch_sizes,) = solution("ch10", 3)
    for drop_last in (False, True):
        loader = DataLoader(
            TensorDataset(torch.arange(n)), batch_size=batch_size, drop_last=drop_last
        )
        assert epoch_batch_sizes(n, batch_size, drop_last) == [len(b) for (b,) in loader]


def test_shown_batch_norm_like_torch_with_a_constant_column_and_two_rows():
    (batch_norm,) = solution("ch11", 1)
    (update_running,) = solution("ch11", 3)
    x = torch.tensor([[1.0, 3.0, -2.0], [1.0, -1.0, 0.0]], dtype=F64)
    weight, bias = torch.tensor([2.0, 1.0, 0.5], dtype=F64), torch.zeros(3, dtype=F64)
    ours = value_and_grad(
        lambda t: batch_norm(t, weight, bias) * torch.arange(6.0).reshape(2, 3), x
    )
    theirs = value_and_grad(
        lambda t: (
            F.batch_norm(t, None, None, weight, bias, training=True)
            * torch.arange(6.0).reshape(2, 3)
        ),
        x,
    )
    assert_same(ours, theirs)
    layer = nn.BatchNorm1d(3, momentum=0.3, dtype=F64)
    layer(x)
    new = update_running(torch.zeros(3, dtype=F64), torch.ones(3, dtype=F64), x, 0.3)
    assert_same(tuple(new), (layer.running_mean, layer.running_var))


def test_shown_confusion_and_per_class_accuracy_like_scikit_learn():
    from sklearn.metrics import confusion_matrix, recall_score

    (confusion,) = solution("ch12", 1)
    (per_class_accuracy,) = solution("ch12", 2)
    predictions, targets = torch.tensor([0, 0, 3, 3, 1]), torch.tensor([0, 3, 3, 3, 1])
    matrix = confusion(predictions, targets, 5)  # class 2 and 4 never occur
    expected = confusion_matrix(targets.numpy(), predictions.numpy(), labels=range(5))
    assert matrix.tolist() == expected.tolist()
    present = [0, 1, 3]
    recall = recall_score(targets.numpy(), predictions.numpy(), labels=present, average=None)
    assert per_class_accuracy(matrix)[present].tolist() == pytest.approx(recall.tolist(), abs=0)
    assert per_class_accuracy(matrix)[[2, 4]].isnan().all()  # no images of the class: 0 / 0


@pytest.mark.parametrize(
    ("predicted", "target"),
    [
        ([0, 0, 0, 0], [1, 0, 1, 0]),  # nothing predicted positive
        ([0, 1, 0, 1], [1, 0, 1, 0]),  # no true positives
        ([1, 1, 1, 1], [1, 0, 1, 0]),
        ([1, 0, 1, 0], [1, 0, 1, 0]),
        ([1, 0, 0, 0], [1, 1, 1, 1]),
    ],
)
def test_shown_f1_like_scikit_learn(predicted, target):
    from sklearn.metrics import f1_score as sklearn_f1

    (f1_score,) = solution("ch13", 1)
    p, t = torch.tensor(predicted, dtype=F64), torch.tensor(target, dtype=F64)
    assert f1_score(p, t) == pytest.approx(sklearn_f1(target, predicted), abs=1e-15)


def test_shown_convolution_and_shift_on_edges():
    (conv2d_loops,) = solution("ch13", 2)
    (shift_right,) = solution("ch13", 3)
    x = torch.randn(2, 3, 4, 5, dtype=F64, generator=torch.Generator().manual_seed(1))
    for k in (1, 4):  # a 1x1 filter, and one as tall as the picture
        weight = torch.randn(2, 3, k, k, dtype=F64)
        torch.testing.assert_close(
            conv2d_loops(x, weight), F.conv2d(x, weight), rtol=1e-12, atol=1e-12
        )
    assert torch.equal(shift_right(x, 0), x)
    assert torch.equal(shift_right(x, 4)[..., 4], x[..., 0])
    assert torch.equal(shift_right(x, -4)[..., 0], x[..., 4])
    assert shift_right(x, 4)[..., :4].abs().sum() == 0


def test_shown_grid_search_keeps_the_first_of_a_tie_like_max():
    (grid_search,) = solution("ch14", 2)
    grid = {"a": [1, 2, 3], "b": [-1, 1]}

    def score(a, b):
        return -abs(a - 2) * 1.0  # b does not matter: every best is a tie

    best, best_score = grid_search(score, grid)
    combinations = [dict(zip(grid, v, strict=True)) for v in itertools.product(*grid.values())]
    assert best == max(combinations, key=lambda p: score(**p)) == {"a": 2, "b": -1}
    assert best_score == 0.0


@pytest.mark.parametrize(("n", "world_size"), [(3, 4), (8, 3), (1, 2), (12, 4)])
def test_shown_shards_like_distributed_sampler(n, world_size):
    (shard_indices,) = solution("ch15", 3)
    data = TensorDataset(torch.arange(n))
    for rank in range(world_size):
        sampler = DistributedSampler(data, num_replicas=world_size, rank=rank, shuffle=False)
        assert shard_indices(n, rank, world_size) == list(sampler)
