"""The hand-written losses equal torch.nn.functional's, values and gradients, in float64."""

import math

import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from nnzero.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    log_softmax,
    logsumexp,
    mse,
    softmax,
)

F64 = torch.float64
TOL = 1e-12
SCALES = [1.0, 10.0, 1000.0]
# Rows of logits whose naive exp overflows or underflows.
EXTREME_ROWS = [
    [1000.0, 0.0, -1000.0],
    [1000.0, 1000.0, 999.0],
    [-1000.0, -1000.0, -1000.0],
    [-1000.0, 1000.0, 0.0],
    [745.0, -745.0, 36.0],
]
SOFTMAX_FAMILY = [
    (logsumexp, torch.logsumexp),
    (log_softmax, torch.log_softmax),
    (softmax, torch.softmax),
]


def leaf(t: torch.Tensor) -> torch.Tensor:
    return t.detach().clone().double().requires_grad_()


def compare(ours_fn, torch_fn, *inputs):
    """Runs both losses on separate copies of the inputs; compares values and gradients."""
    ours_in = [leaf(t) for t in inputs]
    ref_in = [leaf(t) for t in inputs]
    ours, ref = ours_fn(*ours_in), torch_fn(*ref_in)
    ours.backward()
    ref.backward()
    assert ours.shape == ref.shape == ()
    torch.testing.assert_close(ours, ref, rtol=TOL, atol=TOL)
    for a, b in zip(ours_in, ref_in, strict=True):
        assert torch.isfinite(a.grad).all()
        torch.testing.assert_close(a.grad, b.grad, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("shape", [(1,), (7,), (4, 3), (2, 3, 5)])
def test_mse(seed, shape):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=torch.float64) * 3
    y = torch.randn(shape, generator=g, dtype=torch.float64)
    compare(mse, F.mse_loss, x, y)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("shape", [(1,), (1, 1), (16,), (8, 3)])
@pytest.mark.parametrize("soft", [False, True])
def test_bce_with_logits(seed, scale, shape, soft):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(shape, generator=g, dtype=torch.float64) * scale
    if soft:
        y = torch.rand(shape, generator=g, dtype=torch.float64)
    else:
        y = torch.randint(0, 2, shape, generator=g).double()
    compare(binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, z, y)


@pytest.mark.parametrize(
    "z",
    [
        [1000.0, -1000.0, 0.0, 1e-12, -1e-12],
        [-1000.0],
        [1000.0],
        [0.0],
        [700.0, -745.0, 36.0, -36.0],
        [800.0, -800.0, 40.0, -40.0],
    ],
)
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_with_logits_extremes(z, y):
    zt = torch.tensor(z, dtype=torch.float64)
    compare(
        binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        zt,
        torch.full_like(zt, y),
    )


@pytest.mark.parametrize("z", [math.inf, -math.inf])
def test_bce_with_logits_refuses_infinite_logits_as_documented(z):
    """Its public docstring says finite logits only, and an infinite one is refused."""
    assert "finite logits only" in (binary_cross_entropy_with_logits.__doc__ or "")
    with pytest.raises(ValueError, match="finite logits only"):
        binary_cross_entropy_with_logits(
            torch.tensor([z, 0.0], dtype=torch.float64), torch.ones(2, dtype=torch.float64)
        )


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize(("n", "c"), [(1, 1), (1, 5), (6, 1), (8, 3), (32, 10)])
def test_cross_entropy(seed, scale, n, c):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, c, generator=g, dtype=torch.float64) * scale
    targets = torch.randint(0, c, (n,), generator=g)
    compare(lambda z: cross_entropy(z, targets), lambda z: F.cross_entropy(z, targets), logits)


@pytest.mark.parametrize(
    "logits",
    [
        [[1000.0, -1000.0, 0.0]],
        [[-1000.0, -1000.0, -1000.0]],
        [[1000.0, 1000.0, 999.0], [-1000.0, 1000.0, 0.0]],
        [[0.0, 0.0], [5.0, 5.0]],
        [[1000.0], [-1000.0]],
        [[745.0, -745.0, 36.0]],
    ],
)
def test_cross_entropy_extremes(logits):
    z = torch.tensor(logits, dtype=torch.float64)
    n, c = z.shape
    for t in range(c):
        targets = torch.full((n,), t)
        compare(
            lambda x, targets=targets: cross_entropy(x, targets),
            lambda x, targets=targets: F.cross_entropy(x, targets),
            z,
        )


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("shape", [(1,), (5,), (4, 3), (2, 3, 6)])
@pytest.mark.parametrize("dim", [-1, 0])
@pytest.mark.parametrize(("ours", "ref"), SOFTMAX_FAMILY)
def test_softmax_family(seed, scale, shape, dim, ours, ref):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(shape, generator=g, dtype=torch.float64) * scale
    weights = torch.randn(ref(z, dim).shape, generator=g, dtype=torch.float64)
    # A weighted sum checks the whole Jacobian, not just the gradient of the plain sum.
    compare(lambda x: (ours(x, dim) * weights).sum(), lambda x: (ref(x, dim) * weights).sum(), z)
    assert ours(z, dim).shape == ref(z, dim).shape
    torch.testing.assert_close(ours(z, dim), ref(z, dim), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("ours", "ref"), SOFTMAX_FAMILY)
def test_softmax_family_extremes(ours, ref):
    z = torch.tensor(EXTREME_ROWS, dtype=F64)
    out = ours(z, -1)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, ref(z, -1), rtol=1e-12, atol=1e-12)
    weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(6), dtype=F64)
    compare(lambda x: (ours(x, -1) * weights).sum(), lambda x: (ref(x, -1) * weights).sum(), z)


def test_softmax_rows_sum_to_one_at_extremes():
    z = torch.tensor(EXTREME_ROWS, dtype=F64)
    torch.testing.assert_close(softmax(z).sum(dim=-1), torch.ones(len(z), dtype=F64))


@pytest.mark.parametrize("seed", range(3))
def test_cross_entropy_gradient_is_p_minus_y(seed):
    """The gradient with respect to the logits is (softmax - one_hot) / n, extreme rows too."""
    g = torch.Generator().manual_seed(seed)
    z = torch.cat(
        [torch.randn(4, 3, generator=g, dtype=F64) * 5, torch.tensor(EXTREME_ROWS, dtype=F64)]
    )
    targets = torch.randint(0, 3, (len(z),), generator=g)
    x = leaf(z)
    cross_entropy(x, targets).backward()
    p_minus_y = torch.softmax(z, dim=-1) - F.one_hot(targets, 3).to(F64)
    torch.testing.assert_close(x.grad, p_minus_y / len(z), rtol=0, atol=TOL)


def test_losses_do_not_call_torch_losses(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a torch loss or softmax was called")

    for name in [
        "cross_entropy",
        "binary_cross_entropy_with_logits",
        "mse_loss",
        "log_softmax",
        "softmax",
    ]:
        monkeypatch.setattr(F, name, forbidden)
    for name in ["log_softmax", "softmax", "logsumexp"]:
        monkeypatch.setattr(torch, name, forbidden)
        monkeypatch.setattr(torch.Tensor, name, forbidden)
    z = torch.randn(4, 3, dtype=torch.float64)
    cross_entropy(z, torch.tensor([0, 1, 2, 0]))
    logsumexp(z)
    log_softmax(z)
    softmax(z)
    binary_cross_entropy_with_logits(z, torch.rand(4, 3, dtype=torch.float64))
    mse(z, z + 1)
