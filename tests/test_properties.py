"""Property-based tests: the library against torch in float64 on generated inputs.

Shapes include size-1 and size-0 dimensions; values include exact zeros, ties, ±inf, nan and
very large and very small magnitudes; hyperparameters are drawn too. Every example must give
torch's answer within the tolerance the course states (1e-9, or exact where the library only
copies or compares numbers), or a clear error that torch also raises or that the library
documents. The examples are derandomized and few, so `make test` stays deterministic and fast.
"""

import math
import warnings
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nnzero import init, losses, neuron, optim, tensor_ops
from nnzero.conv import Conv2d, conv2d, max_pool2d, unfold
from nnzero.dropout import Dropout
from nnzero.engine import Value
from nnzero.layers import Linear
from nnzero.metrics import accuracy
from nnzero.normalization import BatchNorm1d

F64 = torch.float64
TOL = 1e-9
INF, NAN = math.inf, math.nan
FAST = settings(max_examples=25, derandomize=True, deadline=None, database=None)
FEW = settings(max_examples=10, derandomize=True, deadline=None, database=None)

# Values a learner's data can hold: ties (small integers), exact zeros of both signs, and extremes.
EDGES = [0.0, -0.0, 1.0, -1.0, 1e300, -1e300, 1e-300, -1e-300, 5e-324, 1e3, -1e3]
finite = st.one_of(
    st.sampled_from(EDGES),
    st.integers(-3, 3).map(float),
    st.floats(-10, 10, allow_nan=False, allow_infinity=False),
)
moderate = st.one_of(
    st.integers(-2, 2).map(float), st.floats(-5, 5, allow_nan=False, allow_infinity=False)
)
anything = st.one_of(finite, st.sampled_from([INF, -INF, NAN]))
size = st.integers(0, 3)
positive_size = st.integers(1, 3)


@st.composite
def tensors(draw, shape: tuple[int, ...], elements=anything) -> torch.Tensor:
    """A float64 tensor of ``shape`` with values drawn from ``elements``."""
    values = draw(st.lists(elements, min_size=math.prod(shape), max_size=math.prod(shape)))
    return torch.tensor(values, dtype=F64).reshape(shape)


def shapes(min_dims: int = 1, max_dims: int = 3, sizes=size) -> st.SearchStrategy:
    return st.lists(sizes, min_size=min_dims, max_size=max_dims).map(tuple)


def agree(ours: Callable[[], object], ref: Callable[[], object], tol: float = TOL) -> None:
    """Ours equals torch's result within ``tol`` (nan where torch has nan), or both raise."""
    try:
        expected = ref()
    except Exception:
        with pytest.raises(Exception) as error:  # any clear error will do
            ours()
        assert str(error.value), "the library raised an exception without a message"
        return
    got = ours()
    torch.testing.assert_close(got, expected, rtol=tol, atol=tol, equal_nan=True)


def refused(call: Callable[[], object], *words: str) -> None:
    """The library refuses with a ValueError whose message names what it supports."""
    with pytest.raises(ValueError, match="nnzero") as error:
        call()
    for word in words:
        assert word in str(error.value)


# --- chapter 1: matmul and broadcasting -------------------------------------------------------


@FAST
@given(st.tuples(size, size, size), st.data())
def test_matmul(sizes, data):
    n, k, m = sizes
    a = data.draw(tensors((n, k), finite))
    b = data.draw(tensors((k, m), finite))
    agree(lambda: tensor_ops.matmul(a, b), lambda: a @ b)


@FAST
@given(shapes(0, 4, st.integers(0, 3)), shapes(0, 4, st.integers(0, 3)))
def test_broadcast_shape(shape_a, shape_b):
    try:
        expected = tuple(torch.broadcast_shapes(shape_a, shape_b))
    except RuntimeError:
        with pytest.raises(ValueError, match="do not broadcast"):
            tensor_ops.broadcast_shape(shape_a, shape_b)
    else:
        assert tensor_ops.broadcast_shape(shape_a, shape_b) == expected


# --- chapter 2: activations -------------------------------------------------------------------

ACTIVATIONS = [
    (neuron.sigmoid, torch.sigmoid),
    (neuron.tanh, torch.tanh),
    (neuron.relu, torch.relu),
    (neuron.step, lambda z: torch.heaviside(z, torch.ones((), dtype=F64))),
]


@pytest.mark.parametrize(("ours", "ref"), ACTIVATIONS)
@FAST
@given(shape=shapes(), data=st.data())
def test_activations_values_and_gradients(ours, ref, shape, data):
    z = data.draw(tensors(shape))
    agree(lambda: ours(z), lambda: ref(z))
    z = data.draw(tensors(shape, finite))
    if ours is neuron.step:
        return  # no gradient: its derivative is 0 or undefined
    z1, z2 = z.clone().requires_grad_(), z.clone().requires_grad_()
    ours(z1).sum().backward()
    ref(z2).sum().backward()
    torch.testing.assert_close(z1.grad, z2.grad, rtol=TOL, atol=TOL)


# --- chapter 4: the scalar engine -------------------------------------------------------------

OPS = [
    lambda a, b: a + b,
    lambda a, b: a * b,
    lambda a, b: a - b,
    lambda a, b: a / b,
    lambda a, b: (a * b).tanh(),
    lambda a, b: (a + b).relu(),
    lambda a, b: (a - b).sigmoid(),
    lambda a, b: (a * 0.1).exp() * b,
    lambda a, b: (a * a + 1).log() + b**2,
]


@pytest.mark.parametrize("op", OPS)
@FEW
@given(moderate, moderate)
def test_value_operations_and_gradients(op, a, b):
    """Each Value operation and its gradient equals torch's on the same scalars."""
    assume(op is not OPS[3] or abs(b) > 1e-100)  # see test_value_tiny_divisor
    va, vb = Value(a), Value(b)
    out = op(va, vb)
    out.backward()
    ta, tb = (
        torch.tensor(a, dtype=F64, requires_grad=True),
        torch.tensor(b, dtype=F64, requires_grad=True),
    )
    ref = op(ta, tb)
    ref.backward()
    assert out.data == pytest.approx(ref.item(), rel=TOL, abs=TOL)
    assert va.grad == pytest.approx(ta.grad.item(), rel=TOL, abs=TOL)
    assert vb.grad == pytest.approx(tb.grad.item(), rel=TOL, abs=TOL)


def test_value_tiny_divisor():
    """Value works in Python floats (documented in nnzero.engine): the gradient of a / b needs
    b ** -2, which overflows for |b| below about 1e-154, and Python raises OverflowError instead
    of returning a number; b == 0 raises ZeroDivisionError where torch returns inf."""
    a, b = Value(1.0), Value(1e-200)
    out = a / b
    with pytest.raises(OverflowError):
        out.backward()
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / Value(0.0)


# --- chapter 6: losses ------------------------------------------------------------------------


@FAST
@given(shape=shapes(), data=st.data())
def test_mse(shape, data):
    x, y = data.draw(tensors(shape)), data.draw(tensors(shape))
    agree(lambda: losses.mse(x, y), lambda: F.mse_loss(x, y))


@FAST
@given(shape=shapes(), data=st.data())
def test_binary_cross_entropy_with_logits(shape, data):
    z = data.draw(tensors(shape))
    y = data.draw(tensors(shape, st.sampled_from([0.0, 1.0, 0.5, 0.25])))
    if z.isinf().any():  # documented: finite logits only
        refused(lambda: losses.binary_cross_entropy_with_logits(z, y), "finite logits")
        return
    agree(
        lambda: losses.binary_cross_entropy_with_logits(z, y),
        lambda: F.binary_cross_entropy_with_logits(z, y),
    )


@FAST
@given(shape=shapes(1, 3, positive_size), dim=st.integers(-1, 0), data=st.data())
def test_logsumexp(shape, dim, data):
    x = data.draw(tensors(shape))
    agree(lambda: losses.logsumexp(x, dim), lambda: torch.logsumexp(x, dim))


@pytest.mark.parametrize(
    ("ours", "ref"), [(losses.log_softmax, torch.log_softmax), (losses.softmax, torch.softmax)]
)
@FAST
@given(shape=shapes(1, 3, positive_size), dim=st.integers(-1, 0), data=st.data())
def test_softmax_family(ours, ref, shape, dim, data):
    x = data.draw(tensors(shape, st.one_of(finite, st.just(-INF), st.just(NAN))))
    agree(lambda: ours(x, dim), lambda: ref(x, dim))
    # With +inf in a row torch gives nan on the whole row; ours only where the +inf is
    # (documented in nnzero.losses): the others get their limit.
    x[..., 0] = INF
    got, expected = ours(x, dim), ref(x, dim)
    assert (got.isnan() | expected.isnan()).any() and got[expected.isnan() & ~got.isnan()].le(
        1
    ).all()


def test_log_softmax_of_huge_ties():
    """Shifted by the largest score before the logarithm is subtracted, log 2 is not rounded
    away next to 1e300 (issue 16): z - (m + log 2) would give 0."""
    x = torch.tensor([1e300, 1e300], dtype=F64)
    torch.testing.assert_close(losses.log_softmax(x, 0), torch.log_softmax(x, 0))


@FAST
@given(n=size, c=positive_size, data=st.data())
def test_cross_entropy_values_and_gradients(n, c, data):
    scores = data.draw(tensors((n, c), finite))
    target = torch.tensor(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    agree(lambda: losses.cross_entropy(scores, target), lambda: F.cross_entropy(scores, target))
    if n == 0:
        return
    s1, s2 = scores.clone().requires_grad_(), scores.clone().requires_grad_()
    losses.cross_entropy(s1, target).backward()
    F.cross_entropy(s2, target).backward()
    torch.testing.assert_close(s1.grad, s2.grad, rtol=TOL, atol=TOL, equal_nan=True)


@FEW
@given(shape=shapes(1, 3, positive_size), data=st.data())
def test_cross_entropy_other_shapes_are_refused_not_misread(shape, data):
    scores = data.draw(tensors(shape, finite))
    target = torch.zeros(shape[:1] + shape[2:], dtype=torch.long)
    if len(shape) == 2:
        agree(lambda: losses.cross_entropy(scores, target), lambda: F.cross_entropy(scores, target))
    else:  # torch reads (C,) and (N, C, d) too; the course says it does not
        refused(lambda: losses.cross_entropy(scores, target), "(N, C)", "torch")


# --- chapter 8: layers and metrics ------------------------------------------------------------


@FAST
@given(
    n=size,
    fan_in=size,
    fan_out=size,
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_linear(n, fan_in, fan_out, bias, seed, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-element weights: torch warns as well
        ours = Linear(
            fan_in, fan_out, bias, generator=torch.Generator().manual_seed(seed), dtype=F64
        )
        torch.manual_seed(seed)
        ref = torch.nn.Linear(fan_in, fan_out, bias, dtype=F64)
    torch.testing.assert_close(ours.weight, ref.weight, rtol=0, atol=0)
    x = data.draw(tensors((n, fan_in), finite))
    agree(lambda: ours(x), lambda: ref(x).detach())


@FAST
@given(shape=shapes(), data=st.data())
def test_accuracy(shape, data):
    labels = st.lists(st.integers(0, 2), min_size=math.prod(shape), max_size=math.prod(shape))
    a = torch.tensor(data.draw(labels), dtype=torch.long).reshape(shape)
    b = torch.tensor(data.draw(labels), dtype=torch.long).reshape(shape)
    got = accuracy(a, b)
    expected = (a == b).double().mean().item()
    assert got == expected or (math.isnan(got) and math.isnan(expected))


# --- chapter 9: optimizers --------------------------------------------------------------------

OPTIMIZERS = {
    "SGD": st.fixed_dictionaries(
        {
            "lr": st.sampled_from([0.0, 1e-3, 0.1, 1.0]),
            "momentum": st.sampled_from([0.0, 0.5, 0.9]),
            "dampening": st.sampled_from([0.0, 0.1]),
            "weight_decay": st.sampled_from([0.0, 0.01]),
        }
    ),
    "RMSprop": st.fixed_dictionaries(
        {
            "lr": st.sampled_from([1e-3, 0.01, 0.5]),
            "alpha": st.sampled_from([0.0, 0.5, 0.99, 1.0]),
            "eps": st.sampled_from([1e-8, 1e-3]),
            "weight_decay": st.sampled_from([0.0, 0.1]),
            "momentum": st.sampled_from([0.0, 0.9]),
            "centered": st.booleans(),
        }
    ),
    "Adam": st.fixed_dictionaries(
        {
            "lr": st.sampled_from([1e-3, 0.1]),
            "betas": st.sampled_from([(0.9, 0.999), (0.0, 0.0), (0.5, 0.9)]),
            "eps": st.sampled_from([1e-8, 1.0]),
            "weight_decay": st.sampled_from([0.0, 0.1]),
        }
    ),
    "AdamW": st.fixed_dictionaries(
        {
            "lr": st.sampled_from([1e-3, 0.1]),
            "betas": st.sampled_from([(0.9, 0.999), (0.0, 0.5)]),
            "eps": st.sampled_from([1e-8, 1.0]),
            "weight_decay": st.sampled_from([0.0, 0.01, 1.0]),
        }
    ),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
@FEW
@given(shape=shapes(1, 2), steps=st.integers(1, 4), data=st.data())
def test_optimizer_steps(name, shape, steps, data):
    kwargs = data.draw(OPTIMIZERS[name])
    # Centered RMSprop with alpha = 0 divides by sqrt(g*g - g*g) + eps: the result is rounding
    # noise times 1/eps, and torch's fused multiply-add rounds differently. Ill-posed: skipped
    # here, checked exactly in test_rmsprop_centered_alpha_zero_is_exact.
    assume(not (kwargs.get("centered") and kwargs.get("alpha") == 0.0))
    if name == "SGD" and data.draw(st.booleans()) and kwargs["momentum"] > 0:
        kwargs.update(nesterov=True, dampening=0.0)
    # Moderate values: at 1e300 the squares overflow, and whether inf or nan comes out depends
    # on torch's fused kernels, not on the update rule being compared.
    start = data.draw(tensors(shape, moderate))
    grads = [data.draw(tensors(shape, moderate)) for _ in range(steps)]
    ours_p, ref_p = start.clone().requires_grad_(), start.clone().requires_grad_()
    ours, ref = (
        getattr(optim, name)([ours_p], **kwargs),
        getattr(torch.optim, name)([ref_p], **kwargs),
    )
    for g in grads:
        ours_p.grad, ref_p.grad = g.clone(), g.clone()
        ours.step()
        ref.step()
    torch.testing.assert_close(ours_p, ref_p, rtol=TOL, atol=TOL, equal_nan=True)


def test_rmsprop_centered_alpha_zero_is_exact():
    """The case test_optimizer_steps skips: the variance g*g - g*g is exactly 0, so the step is
    -lr * g / eps; torch's fused kernels give rounding noise there (even nan where it is < 0)."""
    p = torch.zeros(3, dtype=F64, requires_grad=True)
    opt = optim.RMSprop([p], lr=0.01, alpha=0.0, centered=True, eps=1e-8)
    p.grad = torch.tensor([0.1, 3.3, -4.7], dtype=F64)
    opt.step()
    torch.testing.assert_close(p.detach(), -0.01 * p.grad / 1e-8, rtol=TOL, atol=0)


# --- chapter 11: init, batch norm, dropout ----------------------------------------------------

FILLS = [
    (init.xavier_uniform_, torch.nn.init.xavier_uniform_, {}),
    (init.xavier_normal_, torch.nn.init.xavier_normal_, {}),
    (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_, {}),
    (init.kaiming_normal_, torch.nn.init.kaiming_normal_, {}),
]


@pytest.mark.parametrize(("ours", "ref", "_"), FILLS)
@FAST
@given(
    shape=shapes(2, 4),
    seed=st.integers(0, 2**16),
    a=st.sampled_from([0.0, 0.01, math.sqrt(5)]),
    mode=st.sampled_from(["fan_in", "fan_out"]),
    nonlinearity=st.sampled_from(["relu", "leaky_relu", "tanh", "linear", "selu"]),
    gain=st.sampled_from([1.0, 0.5, math.sqrt(2)]),
)
def test_init_fills(ours, ref, _, shape, seed, a, mode, nonlinearity, gain):
    kwargs = (
        {"gain": gain}
        if "xavier" in ours.__name__
        else {"a": a, "mode": mode, "nonlinearity": nonlinearity}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-element tensors: both warn
        agree(
            lambda: ours(
                torch.empty(shape, dtype=F64),
                generator=torch.Generator().manual_seed(seed),
                **kwargs,
            ),
            lambda: ref(
                torch.empty(shape, dtype=F64),
                generator=torch.Generator().manual_seed(seed),
                **kwargs,
            ),
            tol=0,
        )


@FAST
@given(
    st.sampled_from(["linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu", "swish"]),
    st.sampled_from([None, 0.0, 0.2, 1.0]),
)
def test_calculate_gain(nonlinearity, param):
    agree(  # as floats: torch returns the int 1 for some nonlinearities, the library 1.0
        lambda: float(init.calculate_gain(nonlinearity, param)),
        lambda: float(torch.nn.init.calculate_gain(nonlinearity, param)),
    )


@FAST
@given(
    n=st.integers(1, 5),
    features=positive_size,  # with 0 features torch itself fails with an IndexError in eval
    eps=st.sampled_from([1e-5, 0.0, 1.0]),
    momentum=st.sampled_from([0.1, 0.0, 1.0]),
    data=st.data(),
)
def test_batchnorm(n, features, eps, momentum, data):
    ours = BatchNorm1d(features, eps, momentum, dtype=F64)
    ref = torch.nn.BatchNorm1d(features, eps, momentum, dtype=F64)
    for _ in range(2):
        x = data.draw(tensors((n, features), finite))
        agree(lambda x=x: ours(x), lambda x=x: ref(x).detach())
        torch.testing.assert_close(
            ours.running_mean, ref.running_mean, rtol=TOL, atol=TOL, equal_nan=True
        )
        torch.testing.assert_close(
            ours.running_var, ref.running_var, rtol=TOL, atol=TOL, equal_nan=True
        )
    ours.eval(), ref.eval()
    x = data.draw(tensors((n, features)))
    agree(lambda: ours(x), lambda: ref(x).detach())


@FAST
@given(
    shape=shapes(),
    p=st.sampled_from([0.0, 0.1, 0.5, 0.9]),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_dropout(shape, p, seed, data):
    x = data.draw(tensors(shape, finite))
    ours = Dropout(p, generator=torch.Generator().manual_seed(seed))
    torch.manual_seed(seed)
    agree(lambda: ours(x), lambda: F.dropout(x, p), tol=0)
    assert torch.equal(ours.eval()(x), F.dropout(x, p, training=False))


# --- chapter 13: convolution ------------------------------------------------------------------


@FAST
@given(
    n=size,
    c=size,
    h=size,
    w=size,
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    data=st.data(),
)
def test_unfold(n, c, h, w, k, stride, padding, data):
    x = data.draw(tensors((n, c, h, w)))
    agree(
        lambda: unfold(x, k, stride=stride, padding=padding),
        lambda: F.unfold(x, k, padding=padding, stride=stride),
        tol=0,
    )


@FAST
@given(
    n=size,
    c_in=size,
    c_out=size,
    h=size,
    w=size,
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    bias=st.booleans(),
    data=st.data(),
)
def test_conv2d(n, c_in, c_out, h, w, k, stride, padding, bias, data):
    x = data.draw(tensors((n, c_in, h, w), finite))
    weight = data.draw(tensors((c_out, c_in, k, k), moderate))
    b = data.draw(tensors((c_out,), moderate)) if bias else None
    if c_in == 0:  # torch returns bias-only maps; the course refuses images without channels
        refused(lambda: conv2d(x, weight, b, stride, padding), "no channels")
        return
    if 0 in (h, w):  # torch returns an empty result for an empty batch; the course refuses
        refused(lambda: conv2d(x, weight, b, stride, padding), "no pixels")
        return
    agree(
        lambda: conv2d(x, weight, b, stride, padding),
        lambda: F.conv2d(x, weight, b, stride, padding),
    )


@FEW
@given(c_in=positive_size, c_out=positive_size, k=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_conv2d_layer_initial_weights(c_in, c_out, k, seed):
    ours = Conv2d(c_in, c_out, k, generator=torch.Generator().manual_seed(seed), dtype=F64)
    torch.manual_seed(seed)
    ref = torch.nn.Conv2d(c_in, c_out, k, dtype=F64)
    torch.testing.assert_close(ours.weight, ref.weight, rtol=0, atol=0)
    torch.testing.assert_close(ours.bias, ref.bias.detach(), rtol=0, atol=0)


@FAST
@given(n=size, c=size, h=size, w=size, k=st.integers(1, 3), data=st.data())
def test_max_pool2d(n, c, h, w, k, data):
    x = data.draw(tensors((n, c, h, w)))
    agree(lambda: max_pool2d(x, k), lambda: F.max_pool2d(x, k), tol=0)
