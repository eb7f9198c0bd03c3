"""Chapter 2: the neuron and its activations, checked against PyTorch in float64."""

import warnings

import pytest
import torch

from nnzero.metrics import accuracy
from nnzero.neuron import (
    Neuron,
    perceptron_train,
    relu,
    sigmoid,
    step,
    tanh,
    weighted_sum,
)

F64 = torch.float64
SEEDS = [0, 1, 2, 3, 4]
TOL = {"rtol": 1e-12, "atol": 1e-12}


def random_z(seed: int) -> torch.Tensor:
    """Weighted sums of every size: small, moderate, huge (±1000), and exact zeros."""
    g = torch.Generator().manual_seed(seed)
    return torch.cat(
        [
            torch.randn(200, generator=g, dtype=F64),
            10 * torch.randn(200, generator=g, dtype=F64),
            torch.tensor([-1000.0, -750.0, -100.0, -40.0, 0.0, -0.0, 40.0, 100.0, 750.0, 1000.0]),
            (torch.rand(60, generator=g, dtype=F64) - 0.5) * 2000,  # uniform in [-1000, 1000]
        ]
    )


def no_warnings(f, z: torch.Tensor) -> torch.Tensor:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(z)


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_matches_torch(seed: int) -> None:
    z = random_z(seed)
    ours = no_warnings(sigmoid, z)
    assert ours.dtype == F64 and ours.shape == z.shape
    assert torch.isfinite(ours).all()
    torch.testing.assert_close(ours, torch.sigmoid(z), **TOL)


def test_sigmoid_saturates_without_nan() -> None:
    z = torch.tensor([-1000.0, -745.0, 745.0, 1000.0, 1e300, -1e300], dtype=F64)
    out = no_warnings(sigmoid, z)
    assert not torch.isnan(out).any()
    torch.testing.assert_close(out, torch.sigmoid(z), **TOL)
    assert out[[2, 3, 4]].eq(1.0).all()
    assert out[[0, 1, 5]].lt(1e-300).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_tanh_matches_torch(seed: int) -> None:
    z = random_z(seed)
    ours = no_warnings(tanh, z)
    assert torch.isfinite(ours).all()
    torch.testing.assert_close(ours, torch.tanh(z), **TOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_relu_matches_torch(seed: int) -> None:
    z = random_z(seed)
    torch.testing.assert_close(relu(z), torch.relu(z), rtol=0, atol=0)


@pytest.mark.parametrize("seed", SEEDS)
def test_step_matches_heaviside(seed: int) -> None:
    z = random_z(seed)
    # step(0) = 1: torch.heaviside takes the value at zero as its second argument
    expected = torch.heaviside(z, torch.ones_like(z))
    torch.testing.assert_close(step(z), expected, rtol=0, atol=0)
    assert step(torch.zeros(3, dtype=F64)).eq(1.0).all()


@pytest.mark.parametrize("f", [step, sigmoid, tanh, relu])
def test_activations_keep_shape(f) -> None:
    z = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(7), dtype=F64)
    out = f(z)
    assert out.shape == z.shape and out.dtype == F64


@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_sum_matches_linear(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    n_features = 1 + seed
    x = torch.randn(17, n_features, generator=g, dtype=F64)
    w = torch.randn(n_features, generator=g, dtype=F64)
    b = torch.randn((), generator=g, dtype=F64)
    expected = torch.nn.functional.linear(x, w.reshape(1, -1), b.reshape(1)).squeeze(1)
    torch.testing.assert_close(weighted_sum(x, w, b), expected, **TOL)
    # one input (a vector) gives a 0-d tensor
    torch.testing.assert_close(weighted_sum(x[0], w, b), expected[0], **TOL)
    # a plain float bias works too
    torch.testing.assert_close(weighted_sum(x, w, b.item()), expected, **TOL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(sigmoid, torch.sigmoid), (tanh, torch.tanh), (relu, torch.relu)],
    ids=["sigmoid", "tanh", "relu"],
)
def test_neuron_matches_nn_linear(seed: int, ours, theirs) -> None:
    g = torch.Generator().manual_seed(100 + seed)
    x = torch.randn(32, 3, generator=g, dtype=F64) * 50  # large inputs: |z| up to hundreds
    w = torch.randn(3, generator=g, dtype=F64)
    b = torch.randn((), generator=g, dtype=F64)

    linear = torch.nn.Linear(3, 1, dtype=F64)
    with torch.no_grad():
        linear.weight.copy_(w.reshape(1, 3))
        linear.bias.copy_(b.reshape(1))
        expected = theirs(linear(x)).squeeze(1)

    neuron = Neuron(w, b, ours)
    torch.testing.assert_close(neuron(x), expected, **TOL)
    torch.testing.assert_close(neuron(x[3]), expected[3], **TOL)


def test_neuron_accepts_float_bias() -> None:
    w = torch.tensor([0.5, -1.0], dtype=F64)
    neuron = Neuron(w, 1.0, sigmoid)
    x = torch.tensor([[2.0, 3.0], [0.0, 0.0]], dtype=F64)
    assert neuron.bias.dtype == F64
    torch.testing.assert_close(neuron(x), torch.sigmoid(x @ w + 1.0), **TOL)


def separable_blobs(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    n = 50
    class0 = torch.randn(n, 2, generator=g, dtype=F64) * 0.5 + torch.tensor([1.0, 1.0], dtype=F64)
    class1 = torch.randn(n, 2, generator=g, dtype=F64) * 0.5 + torch.tensor([4.0, 3.5], dtype=F64)
    labels = torch.cat([torch.zeros(n, dtype=F64), torch.ones(n, dtype=F64)])
    return torch.cat([class0, class1]), labels


@pytest.mark.parametrize("seed", SEEDS)
def test_perceptron_separates_blobs(seed: int) -> None:
    x, y = separable_blobs(seed)
    torch.manual_seed(seed)
    history: list[float] = []
    w, b = perceptron_train(x, y, epochs=200, lr=0.5, history=history)
    assert w.shape == (2,) and b.shape == ()
    assert len(history) == 200
    predictions = (x @ w + b >= 0).to(F64)  # independent of step/weighted_sum
    assert torch.equal(predictions, y)
    assert accuracy(predictions, y) == 1.0
    assert history[-1] == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_perceptron_fails_on_xor(seed: int) -> None:
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=F64)
    y = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=F64)
    torch.manual_seed(seed)
    history: list[float] = []
    w, b = perceptron_train(x, y, epochs=100, lr=0.5, history=history)
    assert max(history) <= 0.75
    predictions = (x @ w + b >= 0).to(F64)
    assert accuracy(predictions, y) < 1.0


def test_accuracy_counts_matches() -> None:
    predictions = torch.tensor([1.0, 0.0, 1.0, 1.0])
    labels = torch.tensor([1.0, 1.0, 1.0, 0.0])
    assert accuracy(predictions, labels) == 0.5
