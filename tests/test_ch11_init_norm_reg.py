"""Chapter 11: BatchNorm1d and Dropout against torch, the page's claims, the exercise checks."""

import re

import pytest
import torch
from claims_run import claim
from exercise_hints import wrong_answers_get_hints

from nnzero.dropout import Dropout
from nnzero.exercises.ch11 import check_1, check_2, check_3
from nnzero.normalization import BatchNorm1d

F64 = torch.float64
STEM = "ch11_init_norm_reg"


# --- the library against torch ----------------------------------------------------------


@pytest.mark.parametrize(("momentum", "eps", "n"), [(0.1, 1e-5, 8), (0.3, 1e-3, 2), (0.9, 0.1, 50)])
def test_batchnorm_equals_torch_over_many_steps(momentum: float, eps: float, n: int) -> None:
    ours = BatchNorm1d(5, eps=eps, momentum=momentum, dtype=F64)
    theirs = torch.nn.BatchNorm1d(5, eps=eps, momentum=momentum, dtype=F64)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        scale = torch.rand(5, dtype=F64, generator=generator) + 0.5
        shift = torch.randn(5, dtype=F64, generator=generator)
        for layer in (ours, theirs):
            layer.weight.copy_(scale)
            layer.bias.copy_(shift)
    for _ in range(20):
        x = 5 * torch.randn(n, 5, dtype=F64, generator=generator) - 2
        upstream = torch.randn(n, 5, dtype=F64, generator=generator)
        results = []
        for layer in (ours, theirs):
            x_in = x.clone().requires_grad_()
            out = layer(x_in)
            (out * upstream).sum().backward()
            results.append((out, x_in.grad, layer.weight.grad, layer.bias.grad))
            layer.weight.grad = layer.bias.grad = None
        for a, b in zip(*results, strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
        torch.testing.assert_close(ours.running_mean, theirs.running_mean, rtol=0, atol=1e-12)
        torch.testing.assert_close(ours.running_var, theirs.running_var, rtol=0, atol=1e-12)
    # the statistics really moved away from their start (0 and 1)
    assert ours.running_mean.abs().max() > 1 and (ours.running_var - 1).abs().max() > 3
    ours.eval()
    theirs.eval()
    x = torch.randn(3, 5, dtype=F64, generator=generator)
    torch.testing.assert_close(ours(x), theirs(x), rtol=0, atol=1e-12)
    before = ours.running_mean.clone()
    ours(x)
    assert torch.equal(before, ours.running_mean)  # evaluation mode does not update them


def test_batchnorm_output_is_standardized_in_training_mode() -> None:
    x = 3 * torch.randn(64, 4, dtype=F64) + 7
    # eps must be positive in training (as in torch); 1e-300 is far below float64's rounding.
    out = BatchNorm1d(4, eps=1e-300, dtype=F64)(x).detach()
    torch.testing.assert_close(out.mean(dim=0), torch.zeros(4, dtype=F64), rtol=0, atol=1e-12)
    torch.testing.assert_close(
        out.var(dim=0, unbiased=False), torch.ones(4, dtype=F64), rtol=0, atol=1e-12
    )


def test_batchnorm_modes_and_errors() -> None:
    layer = BatchNorm1d(2)
    assert layer.training and layer.eval() is layer and not layer.training
    assert layer.train() is layer and layer.training
    assert layer.parameters() == [layer.weight, layer.bias]
    with pytest.raises(ValueError, match="more than one"):
        layer(torch.randn(1, 2))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_equals_torch_with_the_same_seed(p: float) -> None:
    x = torch.randn(50, 40, dtype=F64, requires_grad=True)
    torch.manual_seed(21)
    ours = Dropout(p)(x)
    torch.manual_seed(21)
    theirs = torch.nn.Dropout(p)(x)
    assert torch.equal(ours, theirs)
    assert 0 < (ours == 0).sum() < x.numel()
    upstream = torch.randn(50, 40, dtype=F64)
    (ours_grad,) = torch.autograd.grad((ours * upstream).sum(), x)
    (theirs_grad,) = torch.autograd.grad((theirs * upstream).sum(), x)
    assert torch.equal(ours_grad, theirs_grad)


def test_dropout_statistics_generator_and_modes() -> None:
    ones = torch.ones(400_000, dtype=F64)
    out = Dropout(0.25, generator=torch.Generator().manual_seed(1))(ones)
    assert abs((out == 0).double().mean().item() - 0.25) < 0.005
    assert set(out.unique().tolist()) == {0.0, 1 / 0.75}
    again = Dropout(0.25, generator=torch.Generator().manual_seed(1))(ones)
    assert torch.equal(out, again)
    x = torch.randn(10)
    assert Dropout(0.5).eval()(x) is x
    assert Dropout(0.0)(x) is x
    layer = Dropout(0.5)
    assert layer.train(False) is layer and not layer.training
    for bad in [-0.1, 1.0, 1.5]:
        with pytest.raises(ValueError, match="probability"):
            Dropout(bad)


# --- the page's claims ------------------------------------------------------------------


@claim("ch11_init_norm_reg", "one-over-sqrt-fan-in")
def test_one_over_sqrt_fan_in(run) -> None:
    rows = [line.split() for line in run.output("one_layer_spread").splitlines()[1:]]
    spreads = [float(row[1]) for row in rows]
    assert spreads[0] == pytest.approx(512**0.5, rel=0.02)
    assert spreads[1] == pytest.approx(0.1 * 512**0.5, rel=0.02)
    assert spreads[2] == pytest.approx(1.0, abs=0.02)


def check_identical(run, section: str, expected_std: float) -> None:
    output = run.output(section)
    assert "identical tensors: True" in output
    ours, theirs, formula = run.numbers(section)
    assert ours == theirs
    assert formula == pytest.approx(expected_std, rel=1e-4)
    assert ours == pytest.approx(formula, rel=0.02)


@claim("ch11_init_norm_reg", "xavier-identical")
def test_xavier_identical(run) -> None:
    check_identical(run, "xavier_difference", (2 / 768) ** 0.5)


@claim("ch11_init_norm_reg", "kaiming-identical")
def test_kaiming_identical(run) -> None:
    check_identical(run, "kaiming_difference", (2 / 512) ** 0.5)


@claim("ch11_init_norm_reg", "kaiming-keeps-relu")
def test_kaiming_keeps_relu(run) -> None:
    lines = run.output("relu_depth").splitlines()[1:]
    table = {line[:28].strip(): [float(v) for v in line[28:].split()] for line in lines}
    assert set(table) == {"Linear default", "Xavier", "Kaiming"}
    assert 1e-9 < table["Linear default"][-1] < 1e-7  # about a hundred million times smaller
    assert 1e-4 < table["Xavier"][-1] < 1e-2  # about a thousand times smaller
    assert all(0.5 < v < 2 for v in table["Kaiming"])


def tanh_table(run) -> dict[str, list[float]]:
    lines = run.output("deep_tanh").splitlines()[2:]
    table = {line[:26].strip(): [float(v) for v in line[26:].split()] for line in lines}
    assert list(table) == ["too small (0.5 x Xavier)", "Xavier", "too large (5 x Xavier)"]
    return table  # activation std at layers 1 and 20, gradient std at layers 1 and 20


@claim("ch11_init_norm_reg", "small-init-vanishes")
def test_small_init_vanishes(run) -> None:
    act_1, act_20, grad_1, grad_20 = tanh_table(run)["too small (0.5 x Xavier)"]
    assert act_20 < 1e-5 and act_20 < act_1 / 1e4
    assert 1e5 < grad_20 / grad_1 < 1e6  # about half a million
    assert run.figures("deep_tanh_plot") == 1


@claim("ch11_init_norm_reg", "large-init-explodes")
def test_large_init_explodes(run) -> None:
    act_1, act_20, grad_1, grad_20 = tanh_table(run)["too large (5 x Xavier)"]
    assert 0.85 < act_1 < 0.95 and 0.85 < act_20 < 0.95
    assert grad_1 / grad_20 > 1e4


@claim("ch11_init_norm_reg", "xavier-steady")
def test_xavier_steady(run) -> None:
    act_1, act_20, grad_1, grad_20 = tanh_table(run)["Xavier"]
    assert 0.1 < grad_1 / grad_20 < 10
    assert act_1 / 10 < act_20 < act_1


@claim("ch11_init_norm_reg", "batchnorm-equals-torch")
def test_batchnorm_equals_torch(run) -> None:
    lines = run.output("batchnorm_difference").splitlines()
    differences = [float(line.rsplit(" ", 1)[1]) for line in lines if "max difference" in line]
    assert len(differences) == 7
    assert max(differences) < 1e-14
    assert max(differences) == run.numbers("batchnorm_difference")[3]  # the page quotes it
    running_var = run.numbers("batchnorm_difference")[-4:]
    assert all(v > 2 for v in running_var)  # the running variance really moved from 1


@claim("ch11_init_norm_reg", "batchnorm-rescues")
def test_batchnorm_rescues(run) -> None:
    rows = run.output("batchnorm_deep").splitlines()[1:]
    (act_without, grad_without), (act_with, grad_with) = [
        [float(v) for v in row.split()[-2:]] for row in rows
    ]
    assert act_without < 1e-5 and 0.3 < act_with < 1
    assert grad_with / grad_without > 1e6


@claim("ch11_init_norm_reg", "dropout-equals-torch")
def test_dropout_equals_torch(run) -> None:
    output = run.output("dropout_difference")
    assert "identical outputs: True" in output
    assert "evaluation mode returns the input: True" in output
    zeros, low, high, mean = run.numbers("dropout_difference")
    assert abs(zeros - 0.3) < 0.005
    assert low == high == pytest.approx(1 / 0.7, abs=1e-4)
    assert abs(mean - 1) < 0.01


NAMES = ["no regularization", "dropout 0.5", "weight decay 0.01"]


def regularization_tables(run) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Validation accuracy per seed (last column: the median), and the medians of the rest."""
    accuracy, medians = {}, {}
    for line in run.output("regularization").splitlines():
        name = line[:36].strip()
        if name in NAMES:
            values = [float(v) for v in line[36:].split()]
            (accuracy if name not in accuracy else medians)[name] = values
    assert list(accuracy) == NAMES and list(medians) == NAMES
    return accuracy, medians  # medians: train loss, val loss, weight norm


@claim("ch11_init_norm_reg", "regularization-seeds")
def test_regularization_seeds(run) -> None:
    accuracy, _ = regularization_tables(run)
    plain, dropout, decay = (accuracy[name][:-1] for name in NAMES)
    assert len(plain) == 5
    assert sum(d > p for d, p in zip(dropout, plain, strict=True)) == 4
    assert sum(d == p for d, p in zip(dropout, plain, strict=True)) == 1
    assert all(d > p for d, p in zip(decay, plain, strict=True))


@claim("ch11_init_norm_reg", "regularization-small-gain")
def test_regularization_small_gain(run) -> None:
    accuracy, _ = regularization_tables(run)
    plain, dropout, decay = (accuracy[name] for name in NAMES)
    image = 1 / 360
    assert round((dropout[-1] - plain[-1]) / image) == 3
    assert round((decay[-1] - plain[-1]) / image) == 2
    spread = max(plain[:-1]) - min(plain[:-1])
    assert spread >= dropout[-1] - plain[-1] and spread >= decay[-1] - plain[-1]
    assert min(dropout[:-1]) <= max(plain[:-1]) and min(decay[:-1]) <= max(plain[:-1])


@claim("ch11_init_norm_reg", "weight-decay-shrinks")
def test_weight_decay_shrinks(run) -> None:
    _, medians = regularization_tables(run)
    plain, decayed = medians["no regularization"], medians["weight decay 0.01"]
    assert decayed[2] < 0.75 * plain[2]
    assert decayed[0] > 3 * plain[0]


@claim("ch11_init_norm_reg", "regularization-val-loss")
def test_regularization_val_loss(run) -> None:
    _, medians = regularization_tables(run)
    plain = medians["no regularization"][1]
    assert medians["dropout 0.5"][1] >= plain and medians["weight decay 0.01"][1] >= plain


@claim("ch11_init_norm_reg", "range-test-shape")
def test_range_test_shape(run) -> None:
    lines = run.output("range_test").splitlines()
    steps = int(re.search(r"steps taken: (\d+)", lines[0])[1])
    assert steps < 100  # it stopped early: the loss shot up
    table = [tuple(map(float, line.split())) for line in lines[2:-1]]
    rates = [lr for lr, _ in table]
    losses = [loss for _, loss in table]
    assert [round(lr, 1) for lr in rates[3:]] == [0.1, 0.3, 1.0]
    assert losses[0] - losses[2] < 0.15  # flat up to about 0.01
    assert losses[3] - losses[5] > 0.8  # steep between 0.1 and 1
    lowest, at = run.numbers("range_test")[-2:]
    assert lowest < losses[5] and at > 1.0
    assert run.figures("range_test_plot") == 1


@claim("ch11_init_norm_reg", "range-test-advice")
def test_range_test_advice(run) -> None:
    careful, greedy = run.output("range_test_check").splitlines()
    careful_losses = [float(v) for v in careful.split(":")[-1].split(",")]
    greedy_losses = [float(v) for v in greedy.split(":")[-1].split(",")]
    assert careful_losses == sorted(careful_losses, reverse=True) and careful_losses[-1] < 0.1
    assert greedy_losses[0] > 100 and greedy_losses[-1] > greedy_losses[0]


# --- the exercises: right answers pass, wrong ones get the hint in both languages --------


def batch_norm_right(x, weight, bias, eps=1e-5):
    mean = x.mean(dim=0)
    var = x.var(dim=0, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


def dropout_right(x, p, training=True):
    if not training:
        return x
    return x * (torch.rand(x.shape, dtype=x.dtype) >= p) / (1 - p)


def running_right(running_mean, running_var, x, momentum=0.1):
    n = x.shape[0]
    var = x.var(dim=0, unbiased=False) * n / (n - 1)
    return (
        (1 - momentum) * running_mean + momentum * x.mean(dim=0),
        (1 - momentum) * running_var + momentum * var,
    )


def test_exercise_checks_accept_right_answers(capsys) -> None:
    check_1(batch_norm_right)
    check_2(dropout_right)
    check_3(running_right)
    assert capsys.readouterr().out.count("correct") == 3


def bn_unbiased(x, w, b, eps=1e-5):
    return (x - x.mean(0)) / torch.sqrt(x.var(0) + eps) * w + b


def bn_no_affine(x, w, b, eps=1e-5):
    return (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + eps)


def bn_eps_outside(x, w, b, eps=1e-5):
    return (x - x.mean(0)) / (x.var(0, unbiased=False).sqrt() + 0.1) * w + b


def drop_keep_p(x, p, training=True):
    return x * (torch.rand(x.shape, dtype=x.dtype) < p) / p if training else x


def drop_unscaled(x, p, training=True):
    return x * (torch.rand(x.shape, dtype=x.dtype) >= p) if training else x


def drop_times(x, p, training=True):
    return x * (torch.rand(x.shape, dtype=x.dtype) >= p) * (1 - p) if training else x


def drop_always(x, p, training=True):
    return x * (torch.rand(x.shape, dtype=x.dtype) >= p) / (1 - p)


def running_swapped(m, v, x, momentum=0.1):
    n = x.shape[0]
    var = x.var(0, unbiased=False) * n / (n - 1)
    return momentum * m + (1 - momentum) * x.mean(0), momentum * v + (1 - momentum) * var


def running_biased(m, v, x, momentum=0.1):
    return (
        (1 - momentum) * m + momentum * x.mean(0),
        (1 - momentum) * v + momentum * x.var(0, unbiased=False),
    )


WRONG = [
    (check_1, bn_unbiased, "N − 1", "N − 1"),
    (check_1, bn_no_affine, "масштаба и сдвига", "scale and shift"),
    (check_1, bn_eps_outside, "eps внутри корня", "eps inside the root"),
    (check_2, drop_keep_p, "1 − p, а не p", "1 − p is zeroed"),
    (check_2, drop_unscaled, "не масштабированы", "not rescaled"),
    (check_2, drop_times, "умножены на 1 − p", "multiplied by 1 − p"),
    (check_2, drop_always, "training=False", "training=False"),
    (check_2, lambda x, p, training=True: x[:10], "той же формы", "same shape"),
    (check_3, running_swapped, "Веса перепутаны", "weights are swapped"),
    (check_3, running_biased, "несмещённая", "unbiased"),
    (check_3, lambda m, v, x, momentum=0.1: m, "пару", "pair"),
]


test_exercise_checks_reject_wrong_answers = wrong_answers_get_hints(WRONG)
