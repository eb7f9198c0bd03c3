"""The scalar MLP computes the same outputs and gradients as the same network in torch."""

import math
import random

import pytest
import torch

from nnzero.engine import Value
from nnzero.scalar_nn import ScalarLayer, ScalarMLP, ScalarNeuron

TOL = 1e-9


def torch_copy(model: ScalarMLP) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The weights and biases of each layer as float64 leaf tensors."""
    params = []
    for layer in model.layers:
        w = torch.tensor([[wi.data for wi in n.w] for n in layer.neurons], dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        params.append((w.requires_grad_(), b.requires_grad_()))
    return params


def torch_forward(params, x: torch.Tensor) -> torch.Tensor:
    for k, (w, b) in enumerate(params):
        x = x @ w.T + b
        if k < len(params) - 1:
            x = torch.relu(x)
    return x


@pytest.mark.parametrize("seed", range(5))
def test_mlp_forward_and_gradients_match_torch(seed):
    rng = random.Random(seed)
    model = ScalarMLP(3, [5, 4, 2], rng=rng)
    xs = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(6)]
    ys = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(6)]

    loss = Value(0)
    outputs = []
    for x, y in zip(xs, ys, strict=True):
        out = model(x)
        outputs.append([o.data for o in out])
        for o, target in zip(out, y, strict=True):
            loss = loss + (o - target) ** 2
    loss = loss / 12
    loss.backward()

    params = torch_copy(model)
    t_out = torch_forward(params, torch.tensor(xs, dtype=torch.float64))
    t_loss = torch.nn.functional.mse_loss(t_out, torch.tensor(ys, dtype=torch.float64))
    t_loss.backward()

    torch.testing.assert_close(
        torch.tensor(outputs, dtype=torch.float64), t_out.detach(), rtol=TOL, atol=TOL
    )
    assert math.isclose(loss.data, t_loss.item(), rel_tol=TOL, abs_tol=TOL)
    for layer, (w, b) in zip(model.layers, params, strict=True):
        w_grad = torch.tensor([[wi.grad for wi in n.w] for n in layer.neurons], dtype=torch.float64)
        b_grad = torch.tensor([n.b.grad for n in layer.neurons], dtype=torch.float64)
        torch.testing.assert_close(w_grad, w.grad, rtol=TOL, atol=TOL)
        torch.testing.assert_close(b_grad, b.grad, rtol=TOL, atol=TOL)


def test_parameter_counts_and_zero_grad():
    model = ScalarMLP(3, [4, 4, 1], rng=random.Random(0))
    assert len(model.parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1
    assert len(ScalarLayer(2, 3).parameters()) == 9
    assert len(ScalarNeuron(5).parameters()) == 6
    out = model([1.0, -2.0, 0.5])[0]
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_last_layer_is_linear_and_hidden_layers_are_relu():
    model = ScalarMLP(2, [3, 3, 1], rng=random.Random(1))
    assert [n.nonlin for layer in model.layers for n in layer.neurons] == [True] * 6 + [False]


def test_same_seed_same_network():
    a = ScalarMLP(2, [3, 1], rng=random.Random(7))
    b = ScalarMLP(2, [3, 1], rng=random.Random(7))
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_gradient_descent_fits_xor_like_data():
    rng = random.Random(3)
    model = ScalarMLP(2, [8, 8, 1], rng=rng)
    xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    ys = [-1.0, 1.0, 1.0, -1.0]
    first = None
    for _ in range(150):
        loss = sum(((model(x)[0] - y) ** 2 for x, y in zip(xs, ys, strict=True)), Value(0))
        first = loss.data if first is None else first
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.02 * p.grad
    assert loss.data < 0.1 * first
