"""Each optimizer matches torch.optim to 1e-12 after 100 steps on a small MLP (float64)."""

import copy

import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from nnzero import optim

TOL = 1e-12
STEPS = 100

SETTINGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 1e-3}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.02, "momentum": 0.95, "nesterov": True, "weight_decay": 0.1}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.003, "alpha": 0.9}),
    ("RMSprop", {"lr": 0.003, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.003, "momentum": 0.9, "centered": True}),
    ("RMSprop", {"lr": 0.003, "centered": True, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.5, "eps": 1e-3, "momentum": 0.5, "centered": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.5, 0.9)}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.005, "betas": (0.0, 0.99), "eps": 1e-4}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.0}),
    ("AdamW", {"lr": 0.003, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("AdamW", {"lr": 0.003, "betas": (0.95, 0.9999), "eps": 1e-6, "weight_decay": 0.5}),
]


def small_mlp(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)
    ).double()


def batches(seed: int):
    g = torch.Generator().manual_seed(seed)
    for _ in range(STEPS):
        x = torch.randn(16, 4, generator=g, dtype=torch.float64)
        y = torch.randint(0, 3, (16,), generator=g)
        yield x, y


def train(model, opt) -> list[float]:
    losses = []
    for x, y in batches(123):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize(("name", "kwargs"), SETTINGS)
def test_matches_torch_after_100_steps(name, kwargs):
    ours_model = small_mlp(0)
    ref_model = copy.deepcopy(ours_model)
    ours = getattr(optim, name)(ours_model.parameters(), **kwargs)
    ref = getattr(torch.optim, name)(ref_model.parameters(), **kwargs, foreach=False)
    ours_losses = train(ours_model, ours)
    ref_losses = train(ref_model, ref)
    start = list(small_mlp(0).parameters())
    for p, q, p0 in zip(ours_model.parameters(), ref_model.parameters(), start, strict=True):
        assert not torch.equal(p, p0)  # the parameters did move
        torch.testing.assert_close(p, q, rtol=0, atol=TOL)
    torch.testing.assert_close(torch.tensor(ours_losses), torch.tensor(ref_losses))


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "AdamW"])
def test_defaults_match_torch(name):
    import inspect

    ours = inspect.signature(getattr(optim, name)).parameters
    ref = inspect.signature(getattr(torch.optim, name)).parameters
    for arg, param in ours.items():
        if param.default is not inspect.Parameter.empty:
            assert param.default == ref[arg].default, arg


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "AdamW"])
def test_zero_grad_sets_none_and_params_without_grad_are_skipped(name):
    a = torch.ones(3, dtype=torch.float64, requires_grad=True)
    b = torch.ones(2, dtype=torch.float64, requires_grad=True)
    opt = getattr(optim, name)([a, b], lr=0.1)
    (a * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    assert b.grad is None
    opt.step()
    assert not torch.equal(a, torch.ones(3, dtype=torch.float64))
    assert torch.equal(b, torch.ones(2, dtype=torch.float64))
    opt.zero_grad()
    assert a.grad is None and b.grad is None


BAD_ARGUMENTS = [
    ("SGD", {"lr": -0.1}, "lr"),
    ("SGD", {"lr": 0.1, "momentum": -0.5}, "momentum"),
    ("SGD", {"lr": 0.1, "momentum": 1.0}, "momentum"),
    ("SGD", {"lr": 0.1, "weight_decay": -1e-4}, "weight_decay"),
    ("SGD", {"lr": 0.1, "nesterov": True}, "nesterov"),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}, "nesterov"),
    ("RMSprop", {"lr": -1.0}, "lr"),
    ("RMSprop", {"alpha": -0.1}, "alpha"),
    ("RMSprop", {"alpha": 1.5}, "alpha"),
    ("RMSprop", {"eps": -1e-8}, "eps"),
    ("RMSprop", {"momentum": -0.1}, "momentum"),
    ("RMSprop", {"momentum": 1.0}, "momentum"),
    ("RMSprop", {"weight_decay": -0.1}, "weight_decay"),
    ("Adam", {"lr": -1e-3}, "lr"),
    ("Adam", {"betas": (1.0, 0.999)}, r"betas\[0\]"),
    ("Adam", {"betas": (-0.1, 0.999)}, r"betas\[0\]"),
    ("Adam", {"betas": (0.9, 1.0)}, r"betas\[1\]"),
    ("Adam", {"eps": -1.0}, "eps"),
    ("Adam", {"weight_decay": -0.01}, "weight_decay"),
    ("AdamW", {"lr": -1e-3}, "lr"),
    ("AdamW", {"betas": (0.9, 1.5)}, r"betas\[1\]"),
    ("AdamW", {"eps": -1e-8}, "eps"),
    ("AdamW", {"weight_decay": -1.0}, "weight_decay"),
]


@pytest.mark.parametrize(("name", "kwargs", "argument"), BAD_ARGUMENTS)
def test_bad_arguments_raise(name, kwargs, argument):
    p = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=rf"Invalid {argument}:"):
        getattr(optim, name)([p], **kwargs)


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "AdamW"])
def test_empty_parameter_list_raises(name):
    with pytest.raises(ValueError, match="params"):
        getattr(optim, name)([])


def test_optimizers_do_not_use_torch_optim(monkeypatch):
    for name in ["SGD", "RMSprop", "Adam", "AdamW"]:
        monkeypatch.delattr(torch.optim, name)
    model = small_mlp(1)
    for opt in [
        optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        optim.RMSprop(model.parameters()),
        optim.Adam(model.parameters()),
        optim.AdamW(model.parameters()),
    ]:
        train(model, opt)
