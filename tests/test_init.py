"""The initialisers draw from the same distributions as torch.nn.init."""

import math

import pytest
import torch

from nnzero import init

Z = 5.0  # how many standard errors apart two estimates may be


def sample_stats(t: torch.Tensor) -> tuple[float, float, float, float]:
    """Sample mean and variance with their standard errors."""
    x = t.flatten().double()
    n = x.numel()
    mean = x.mean().item()
    var = x.var().item()
    m4 = ((x - mean) ** 4).mean().item()
    return mean, var, math.sqrt(var / n), math.sqrt(max(m4 - var**2, 0.0) / n)


CASES = [
    ("xavier_uniform_", (400, 500), {}),
    ("xavier_uniform_", (64, 32, 3, 3), {"gain": init.calculate_gain("relu")}),
    ("xavier_normal_", (400, 500), {}),
    ("xavier_normal_", (300, 200, 2), {"gain": 5.0 / 3}),
    ("kaiming_uniform_", (400, 500), {}),
    ("kaiming_uniform_", (400, 500), {"a": math.sqrt(5)}),
    ("kaiming_uniform_", (400, 500), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_uniform_", (64, 32, 3, 3), {"a": 0.2, "nonlinearity": "leaky_relu"}),
    ("kaiming_normal_", (400, 500), {}),
    ("kaiming_normal_", (400, 500), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", (500, 100), {"nonlinearity": "tanh"}),
    ("kaiming_normal_", (64, 32, 3, 3), {"nonlinearity": "selu", "mode": "fan_out"}),
]


def draw(fill, shape, kwargs, seed):
    """Fills a tensor of the given shape again and again until about a million samples."""
    g = torch.Generator().manual_seed(seed)
    repeats = math.ceil(1_000_000 / math.prod(shape))
    return torch.cat([fill(torch.empty(shape), **kwargs, generator=g) for _ in range(repeats)])


@pytest.mark.parametrize(("name", "shape", "kwargs"), CASES)
def test_mean_and_variance_match_torch(name, shape, kwargs):
    ours = draw(getattr(init, name), shape, kwargs, seed=1)
    ref = draw(getattr(torch.nn.init, name), shape, kwargs, seed=2)
    m1, v1, se_m1, se_v1 = sample_stats(ours)
    m2, v2, se_m2, se_v2 = sample_stats(ref)
    assert abs(m1 - m2) < Z * math.hypot(se_m1, se_m2)
    assert abs(v1 - v2) < Z * math.hypot(se_v1, se_v2)
    # the tolerance is tight enough to tell apart a spread 2 % off
    assert 0.02 * v2 > Z * math.hypot(se_v1, se_v2)
    if "uniform" in name:
        assert ours.abs().max() <= ref.abs().max() * 1.001
        assert ours.abs().max() >= ref.abs().max() * 0.999


@pytest.mark.parametrize(("name", "shape", "kwargs"), CASES)
def test_same_generator_gives_the_same_weights_as_torch(name, shape, kwargs):
    ours = getattr(init, name)(
        torch.empty(shape, dtype=torch.float64),
        **kwargs,
        generator=torch.Generator().manual_seed(5),
    )
    ref = getattr(torch.nn.init, name)(
        torch.empty(shape, dtype=torch.float64),
        **kwargs,
        generator=torch.Generator().manual_seed(5),
    )
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=0.0)


def test_seeded_generator_is_reproducible():
    a = init.kaiming_normal_(torch.empty(10, 10), generator=torch.Generator().manual_seed(3))
    b = init.kaiming_normal_(torch.empty(10, 10), generator=torch.Generator().manual_seed(3))
    c = init.kaiming_normal_(torch.empty(10, 10), generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv2d", None),
        ("conv_transpose3d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", math.sqrt(5)),
        ("selu", None),
    ],
)
def test_calculate_gain(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15
    )


@pytest.mark.parametrize("shape", [(3, 4), (7, 2), (8, 4, 3), (16, 3, 5, 5), (2, 3, 1, 2, 2)])
def test_fans(shape):
    t = torch.empty(shape)
    assert init.fan_in_and_fan_out(t) == torch.nn.init._calculate_fan_in_and_fan_out(t)


def test_errors():
    with pytest.raises(ValueError, match="2 dimensions"):
        init.xavier_uniform_(torch.empty(5))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(torch.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="nonlinearity"):
        init.kaiming_normal_(torch.empty(3, 3), nonlinearity="swish")


def test_init_does_not_record_gradients():
    w = torch.empty(4, 5, requires_grad=True)
    init.xavier_normal_(w)
    assert w.grad_fn is None and w.requires_grad
