"""Tensor layers agree with torch.nn: same initial weights, outputs and gradients."""

import pytest
import torch

from nnzero.layers import Linear, ReLU, mlp

TOL = 1e-9


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("fan_in", "fan_out"), [(1, 1), (5, 3), (64, 10)])
def test_linear_initialisation_matches_torch(seed, fan_in, fan_out):
    ours = Linear(fan_in, fan_out, generator=torch.Generator().manual_seed(seed))
    torch.manual_seed(seed)
    ref = torch.nn.Linear(fan_in, fan_out)
    assert ours.bias is not None
    torch.testing.assert_close(ours.weight.detach(), ref.weight.detach(), rtol=0, atol=0)
    torch.testing.assert_close(ours.bias.detach(), ref.bias.detach(), rtol=0, atol=0)
    assert ours.weight.requires_grad and ours.bias.requires_grad
    assert ours.weight.dtype == torch.float32


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("sizes", [[3, 2], [4, 8, 3], [6, 16, 16, 5], [2, 1, 1]])
def test_mlp_forward_and_gradients_match_torch(seed, sizes, copy_into_torch):
    g = torch.Generator().manual_seed(seed)
    ours = mlp(sizes, generator=g, dtype=torch.float64)
    ref = copy_into_torch(ours)
    x = torch.randn(10, sizes[0], generator=g, dtype=torch.float64)
    x_ours, x_ref = x.clone().requires_grad_(), x.clone().requires_grad_()
    target = torch.randn(10, sizes[-1], generator=g, dtype=torch.float64)
    out_ours, out_ref = ours(x_ours), ref(x_ref)
    torch.testing.assert_close(out_ours, out_ref, rtol=TOL, atol=TOL)
    ((out_ours - target) ** 2).sum().backward()
    ((out_ref - target) ** 2).sum().backward()
    torch.testing.assert_close(x_ours.grad, x_ref.grad, rtol=TOL, atol=TOL)
    for p, q in zip(ours.parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, rtol=TOL, atol=TOL)


def test_relu_matches_torch_including_zero():
    x = torch.tensor([-2.0, -0.0, 0.0, 1e-300, 3.0], dtype=torch.float64)
    a, b = x.clone().requires_grad_(), x.clone().requires_grad_()
    out = ReLU()(a)
    ref = torch.relu(b)
    torch.testing.assert_close(out, ref, rtol=0, atol=0)
    out.sum().backward()
    ref.sum().backward()
    torch.testing.assert_close(a.grad, b.grad, rtol=0, atol=0)


def test_parameters_order_and_zero_grad():
    model = mlp([4, 5, 3], generator=torch.Generator().manual_seed(0))
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert shapes == [(5, 4), (5,), (3, 5), (3,)]
    assert [type(layer).__name__ for layer in model.layers] == ["Linear", "ReLU", "Linear"]
    model(torch.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_linear_without_bias():
    layer = Linear(3, 2, bias=False, dtype=torch.float64)
    assert layer.parameters() == [layer.weight]
    x = torch.randn(4, 3, dtype=torch.float64)
    torch.testing.assert_close(layer(x), x @ layer.weight.T)


def test_mlp_needs_two_sizes():
    with pytest.raises(ValueError, match="sizes"):
        mlp([3])


def test_sigmoid_gradient_at_zero_and_far_out_matches_torch():
    from nnzero.neuron import sigmoid

    z = torch.tensor([-1000.0, -1.0, 0.0, 1.0, 1000.0], dtype=torch.float64, requires_grad=True)
    reference = z.detach().clone().requires_grad_(True)
    sigmoid(z).sum().backward()
    torch.sigmoid(reference).sum().backward()
    torch.testing.assert_close(z.grad, reference.grad, atol=1e-15, rtol=0)
    assert z.grad[2].item() == 0.25
