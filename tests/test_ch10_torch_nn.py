"""Chapter 10: torch.nn pieces the page relies on, the page's claims, the exercise checks."""

import re

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from claims_run import claim
from exercise_hints import wrong_answers_get_hints
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from nnzero.exercises.ch10 import check_1, check_2, check_3
from nnzero.layers import Linear

F64 = torch.float64
VERSIONS = ["start", "module", "linear", "optim", "dataloader", "sequential"]


# --- What the page says about torch, checked directly --------------------------------------------


def test_random_sampler_draws_one_permutation_more_per_epoch() -> None:
    """RandomSampler with a generator ends every epoch with an unused randperm of n."""
    n = 13
    sampler_generator = torch.Generator().manual_seed(4)
    loader = DataLoader(
        TensorDataset(torch.arange(n)),
        batch_size=5,
        sampler=RandomSampler(range(n), generator=sampler_generator),
    )
    mirror = torch.Generator().manual_seed(4)
    for _ in range(3):
        order = torch.cat([batch for (batch,) in loader])
        assert torch.equal(order, torch.randperm(n, generator=mirror))
        torch.randperm(n, generator=mirror)  # the permutation the sampler draws and drops
        assert torch.equal(sampler_generator.get_state(), mirror.get_state())


def test_shuffle_with_generator_takes_a_number_first() -> None:
    """DataLoader(shuffle=True, generator=g) draws a seed from g before its permutation."""
    n = 11
    loader = DataLoader(
        TensorDataset(torch.arange(n)),
        batch_size=4,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    order = torch.cat([batch for (batch,) in loader])
    mirror = torch.Generator().manual_seed(0)
    assert not torch.equal(order, torch.randperm(n, generator=mirror))
    mirror = torch.Generator().manual_seed(0)
    torch.empty((), dtype=torch.int64).random_(generator=mirror)
    assert torch.equal(order, torch.randperm(n, generator=mirror))


@pytest.mark.parametrize(("fan_in", "fan_out", "seed"), [(64, 10, 5), (3, 7, 0), (64, 64, 1)])
def test_nn_linear_initialises_like_nnzero_linear(fan_in: int, fan_out: int, seed: int) -> None:
    torch.manual_seed(seed)
    theirs = nn.Linear(fan_in, fan_out, dtype=F64)
    ours = Linear(fan_in, fan_out, generator=torch.Generator().manual_seed(seed), dtype=F64)
    assert torch.equal(theirs.weight, ours.weight)
    assert torch.equal(theirs.bias, ours.bias)


def test_sgd_step_is_p_minus_lr_g_up_to_the_last_bit() -> None:
    generator = torch.Generator().manual_seed(3)
    p = torch.randn(1000, dtype=F64, generator=generator).requires_grad_()
    g = torch.randn(1000, dtype=F64, generator=generator)
    by_hand = (p - 0.1 * g).detach()
    p.grad = g.clone()
    torch.optim.SGD([p], lr=0.1).step()
    assert (p.detach() - by_hand).abs().max().item() <= 4.5e-16


# --- The page's claims ---------------------------------------------------------------------------

REPORT = re.compile(
    r"^(?P<name>\w+)\s+(?P<iterations>\d+) iterations, loss (?P<first>[\d.]+) -> (?P<last>[\d.]+)"
    r"(?:, max difference (?P<difference>[\d.e+-]+))?, validation accuracy (?P<accuracy>[\d.]+)$"
)


def report(run, section: str) -> dict[str, str]:
    lines = [m for line in run.output(section).splitlines() if (m := REPORT.match(line))]
    assert len(lines) == 1, run.output(section)
    assert lines[0]["name"] == section
    assert int(lines[0]["iterations"]) == 340  # 10 epochs of 34 mini-batches
    return lines[0].groupdict()


def difference(run, section: str) -> float:
    return float(report(run, section)["difference"])


@claim("ch10_torch_nn", "start-learns")
def test_start_learns(run) -> None:
    line = report(run, "start")
    assert line["difference"] is None
    assert float(line["first"]) > 2.0 and float(line["last"]) < 0.1
    assert float(line["accuracy"]) > 0.95


@claim("ch10_torch_nn", "plain-tensor-not-registered")
def test_plain_tensor_not_registered(run) -> None:
    assert run.output("registration").strip() == "['weight']"


@claim("ch10_torch_nn", "module-exact")
def test_module_exact(run) -> None:
    assert difference(run, "module") == 0.0


@claim("ch10_torch_nn", "linear-init-as-ours")
def test_linear_init_as_ours(run) -> None:
    lines = run.output("linear_init").splitlines()
    assert len(lines) == 2 and all(line.endswith("True") for line in lines)


@claim("ch10_torch_nn", "linear-last-bit")
def test_linear_last_bit(run) -> None:
    assert 0.0 < difference(run, "linear") < 1e-15
    linear, module = report(run, "linear"), report(run, "module")
    assert (linear["last"], linear["accuracy"]) == (module["last"], module["accuracy"])


@claim("ch10_torch_nn", "optim-last-bit")
def test_optim_last_bit(run) -> None:
    assert difference(run, "optim") < 1e-15


@claim("ch10_torch_nn", "seeded-once-drifts")
def test_seeded_once_drifts(run) -> None:
    line = [s for s in run.output("batch_order").splitlines() if s.startswith("seeded once")]
    assert len(line) == 1 and line[0].endswith("[True, False, False]")


@claim("ch10_torch_nn", "seeded-every-epoch-same")
def test_seeded_every_epoch_same(run) -> None:
    line = [s for s in run.output("batch_order").splitlines() if s.startswith("seeded every")]
    assert len(line) == 1 and line[0].endswith("[True, True, True]")


@claim("ch10_torch_nn", "dataloader-exact")
def test_dataloader_exact(run) -> None:
    assert difference(run, "dataloader") == 0.0


@claim("ch10_torch_nn", "sequential-exact")
def test_sequential_exact(run) -> None:
    assert difference(run, "sequential") == 0.0


@claim("ch10_torch_nn", "all-versions-agree")
def test_all_versions_agree(run) -> None:
    lines = run.output("all_versions").splitlines()
    assert [line.split()[0] for line in lines] == VERSIONS
    assert all(float(line.split()[-1]) < 1e-15 for line in lines)
    accuracies = {report(run, name)["accuracy"] for name in VERSIONS}
    lasts = {report(run, name)["last"] for name in VERSIONS}
    assert len(accuracies) == 1 and len(lasts) == 1


# --- The exercise checks -------------------------------------------------------------------------


class TwoHiddenMLP(nn.Module):
    def __init__(self, n_in, n_hidden1, n_hidden2, n_out):
        super().__init__()
        self.hidden1 = nn.Linear(n_in, n_hidden1)
        self.hidden2 = nn.Linear(n_hidden1, n_hidden2)
        self.output = nn.Linear(n_hidden2, n_out)

    def forward(self, x):
        return self.output(F.relu(self.hidden2(F.relu(self.hidden1(x)))))


class NoReLU(TwoHiddenMLP):
    def forward(self, x):
        return self.output(self.hidden2(self.hidden1(x)))


class ReLUAtTheEnd(TwoHiddenMLP):
    def forward(self, x):
        return F.relu(super().forward(x))


class PlainTensors(nn.Module):
    def __init__(self, n_in, n_hidden1, n_hidden2, n_out):
        super().__init__()
        self.hidden1 = nn.Linear(n_in, n_hidden1)
        self.w2 = torch.randn(n_hidden2, n_hidden1, requires_grad=True)
        self.b2 = torch.zeros(n_hidden2, requires_grad=True)
        self.output = nn.Linear(n_hidden2, n_out)

    def forward(self, x):
        return self.output(F.relu(F.relu(self.hidden1(x)) @ self.w2.T + self.b2))


class OutputFirst(TwoHiddenMLP):
    def __init__(self, n_in, n_hidden1, n_hidden2, n_out):
        nn.Module.__init__(self)
        self.output = nn.Linear(n_hidden2, n_out)
        self.hidden1 = nn.Linear(n_in, n_hidden1)
        self.hidden2 = nn.Linear(n_hidden1, n_hidden2)


def train_with_momentum(model, loader, epochs, lr, momentum):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    losses = []
    for _ in range(epochs):
        for x_batch, y_batch in loader:
            loss = F.cross_entropy(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
    return losses


def without_momentum(model, loader, epochs, lr, momentum):
    return train_with_momentum(model, loader, epochs, lr, 0.0)


def without_zero_grad(model, loader, epochs, lr, momentum):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    losses = []
    for _ in range(epochs):
        for x_batch, y_batch in loader:
            loss = F.cross_entropy(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


def one_epoch_only(model, loader, epochs, lr, momentum):
    return train_with_momentum(model, loader, 1, lr, momentum)


def twice_the_rate(model, loader, epochs, lr, momentum):
    return train_with_momentum(model, loader, epochs, 2 * lr, momentum)


def epoch_batch_sizes(n, batch_size, drop_last):
    full, rest = divmod(n, batch_size)
    return [batch_size] * full + ([rest] if rest and not drop_last else [])


def ignores_drop_last(n, batch_size, drop_last):
    return epoch_batch_sizes(n, batch_size, False)


def always_drops(n, batch_size, drop_last):
    return epoch_batch_sizes(n, batch_size, True)


def rounds_up(n, batch_size, drop_last):
    return [batch_size] * -(-n // batch_size)


def test_checks_accept_right_answers(capsys) -> None:
    check_1(TwoHiddenMLP)
    check_2(train_with_momentum)
    check_3(epoch_batch_sizes)
    assert capsys.readouterr().out.count("correct") == 3


WRONG = [
    (check_1, NoReLU, "нет ReLU", "no ReLU between"),
    (check_1, ReLUAtTheEnd, "выходного слоя ReLU не нужна", "No ReLU after the output"),
    (check_1, PlainTensors, "только 4 параметров", "only 4 of its 6"),
    (check_1, OutputFirst, "Формы параметров не те", "parameter shapes are wrong"),
    (check_1, lambda *sizes: None, "наследник nn.Module", "subclass of nn.Module"),
    (check_2, without_momentum, "без метода моментов", "without momentum"),
    (check_2, without_zero_grad, "Градиенты копятся", "gradients pile up"),
    (check_2, one_epoch_only, "15 чисел", "15 numbers"),
    (check_2, twice_the_rate, "расходятся с nnzero.optim.SGD", "differ from chapter 9"),
    (check_3, ignores_drop_last, "отбрасывается", "is dropped"),
    (check_3, always_drops, "остаётся", "stays"),
    (check_3, rounds_up, "DataLoader выдаёт", "DataLoader yields"),
]


test_checks_reject_wrong_answers_with_hints = wrong_answers_get_hints(WRONG)
