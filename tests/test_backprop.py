"""Hand-written backpropagation equals autograd; the autograd.Function passes gradcheck."""

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from torch.autograd.gradcheck import GradcheckError

from nnzero.backprop import Gradients, MLPCrossEntropy, backward, forward, mlp_cross_entropy

TOL = 1e-12


def make_inputs(seed, n, d, h, c, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64) * scale
    w1 = torch.randn(h, d, generator=g, dtype=torch.float64) / d**0.5
    b1 = torch.randn(h, generator=g, dtype=torch.float64) * 0.1
    w2 = torch.randn(c, h, generator=g, dtype=torch.float64) / h**0.5
    b2 = torch.randn(c, generator=g, dtype=torch.float64) * 0.1
    targets = torch.randint(0, c, (n,), generator=g)
    return x, w1, b1, w2, b2, targets


def autograd_reference(x, w1, b1, w2, b2, targets):
    """The same network in plain torch (nn.functional), differentiated by autograd."""
    leaves = [t.detach().clone().requires_grad_() for t in (x, w1, b1, w2, b2)]
    x_, w1_, b1_, w2_, b2_ = leaves
    logits = F.linear(F.relu(F.linear(x_, w1_, b1_)), w2_, b2_)
    loss = F.cross_entropy(logits, targets)
    loss.backward()
    return loss.detach(), [t.grad for t in leaves]


# (n, d, h, c): batch, inputs, hidden units, classes; the second row has a 1 in each place.
SHAPES = [(1, 3, 4, 2), (5, 4, 6, 3), (16, 8, 10, 5), (32, 20, 16, 10), (7, 3, 5, 1)]
SHAPES += [(1, 2, 2, 5), (5, 1, 3, 4), (8, 8, 1, 9), (6, 2, 6, 8), (3, 3, 8, 9), (4, 7, 5, 7)]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("scale", [1.0, 100.0])
def test_hand_written_backward_equals_autograd(seed, shape, scale):
    inputs = make_inputs(seed, *shape, scale=scale)
    loss, cache = forward(*inputs)
    grads = backward(cache)
    ref_loss, ref_grads = autograd_reference(*inputs)
    torch.testing.assert_close(loss, ref_loss, rtol=TOL, atol=TOL)
    for name, ours, ref in zip(Gradients._fields, grads, ref_grads, strict=True):
        assert ours.dtype == torch.float64, name
        assert ours.shape == ref.shape, name
        torch.testing.assert_close(ours, ref, rtol=TOL, atol=TOL, msg=name)


@pytest.mark.parametrize("seed", range(4))
def test_autograd_function_uses_hand_written_gradients(seed):
    inputs = make_inputs(seed, 6, 4, 5, 3)
    leaves = [t.clone().requires_grad_() for t in inputs[:5]]
    loss = mlp_cross_entropy(*leaves, inputs[5])
    (2.5 * loss).backward()  # an upstream gradient other than 1
    ref_loss, ref_grads = autograd_reference(*inputs)
    torch.testing.assert_close(loss.detach(), ref_loss, rtol=TOL, atol=TOL)
    for leaf, ref in zip(leaves, ref_grads, strict=True):
        torch.testing.assert_close(leaf.grad, 2.5 * ref, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("function", [MLPCrossEntropy.apply, mlp_cross_entropy])
def test_gradcheck(seed, function):
    inputs = make_inputs(seed, 4, 3, 5, 3)
    leaves = tuple(t.clone().requires_grad_() for t in inputs[:5])
    targets = inputs[5]
    assert torch.autograd.gradcheck(lambda *p: function(*p, targets), leaves, eps=1e-6, atol=1e-7)


def test_gradcheck_catches_a_wrong_gradient(monkeypatch):
    """gradcheck really checks: a backward off by 1 % is rejected."""
    import nnzero.backprop as bp

    original = bp.backward

    def off_by_one_percent(cache):
        g = original(cache)
        return g._replace(w1=g.w1 * 1.01)

    monkeypatch.setattr(bp, "backward", off_by_one_percent)
    inputs = make_inputs(0, 4, 3, 5, 3)
    leaves = tuple(t.clone().requires_grad_() for t in inputs[:5])
    with pytest.raises(GradcheckError):
        torch.autograd.gradcheck(
            lambda *p: MLPCrossEntropy.apply(*p, inputs[5]), leaves, eps=1e-6, atol=1e-7
        )


def test_gradcheck_catches_a_dropped_relu_mask():
    """gradcheck really checks: a backward that lets gradients through switched-off units fails."""

    class DroppedMask(MLPCrossEntropy):
        @staticmethod
        def backward(ctx, grad_loss):
            ctx.cache = ctx.cache._replace(z1=torch.ones_like(ctx.cache.z1))
            return MLPCrossEntropy.backward(ctx, grad_loss)

    inputs = make_inputs(0, 5, 4, 6, 3)
    leaves = tuple(t.clone().requires_grad_() for t in inputs[:5])
    assert (leaves[0] @ leaves[1].T + leaves[2] <= 0).any()  # some units are off: a real bug
    assert not torch.autograd.gradcheck(
        DroppedMask.apply, (*leaves, inputs[5]), raise_exception=False
    )
