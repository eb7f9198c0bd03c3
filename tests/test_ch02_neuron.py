"""Chapter 2: the neuron and its activations, checked against PyTorch in float64."""

import warnings

import pytest
import torch
from claims_run import claim

from nnzero.exercises import ExerciseError, hints_in
from nnzero.exercises.ch02 import check_1, check_2
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


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("ours", "theirs"), [(sigmoid, torch.sigmoid), (tanh, torch.tanh)], ids=["sigmoid", "tanh"]
)
def test_activation_gradients_match_torch(seed: int, ours, theirs) -> None:
    """Autograd through our formulas gives torch's slopes everywhere, z = 0 and ±1000 included."""
    z = random_z(seed).requires_grad_()
    (grad_ours,) = torch.autograd.grad(ours(z).sum(), z)
    z_torch = z.detach().clone().requires_grad_()
    (grad_torch,) = torch.autograd.grad(theirs(z_torch).sum(), z_torch)
    assert torch.isfinite(grad_ours).all()
    torch.testing.assert_close(grad_ours, grad_torch, rtol=1e-9, atol=1e-15)
    zero = torch.zeros(1, dtype=F64, requires_grad=True)
    (slope_at_zero,) = torch.autograd.grad(ours(zero).sum(), zero)
    assert slope_at_zero.item() == pytest.approx(0.25 if ours is sigmoid else 1.0, abs=1e-15)


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


# --- The page's claims about its own run -------------------------------------------------


def _list_after(output: str, prefix: str) -> list[float]:
    """The Python list printed after ``prefix`` on its line."""
    line = next(x for x in output.splitlines() if x.startswith(prefix))
    return [float(v.strip(" '")) for v in line[len(prefix) :].strip().strip("[]").split(",")]


@claim("ch02_neuron", "weighted-sum-by-hand")
def test_weighted_sum_by_hand(run) -> None:
    by_hand, ours = run.numbers("weighted_sum_by_hand")
    assert by_hand == ours == -1.0


@claim("ch02_neuron", "zero-input-gives-bias")
def test_zero_input_gives_bias(run) -> None:
    z = _list_after(run.output("weighted_sum_batch"), "z:")
    assert z[1] == 1.0  # the bias b = 1 of the program


@claim("ch02_neuron", "bias-moves-threshold")
def test_bias_moves_threshold(run) -> None:
    out = run.output("bias_shift")
    xs = _list_after(out, "x:")
    first_on = {}
    for bias in ["-1", " 0", " 1"]:
        outputs = _list_after(out, f"b = {bias}:")
        first_on[int(bias)] = xs[outputs.index(1.0)]
    assert first_on == {-1: 1.0, 0: 0.0, 1: -1.0}


@claim("ch02_neuron", "linear-neurons-collapse")
def test_linear_neurons_collapse(run) -> None:
    out = run.output("linear_collapse")
    three = _list_after(out, "three neurons:")
    one = _list_after(out, "one neuron:")
    assert three == one  # tolist() prints every float exactly (shortest repr): equal to the bit
    assert "exactly equal: True" in out
    assert len(set(three)) == 3  # not trivially equal


@claim("ch02_neuron", "relu-breaks-collapse")
def test_relu_breaks_collapse(run) -> None:
    out = run.output("linear_collapse")
    one = _list_after(out, "one neuron:")
    with_relu = _list_after(out, "with ReLU:")
    assert any(abs(a - b) > 0.1 for a, b in zip(one, with_relu, strict=True))


def _sigmoid_table(run) -> dict[str, list[str]]:
    rows = [line.split() for line in run.output("sigmoid_large_z").strip().splitlines()]
    header, body = rows[0], rows[1:]
    return {name: [row[i] for row in body] for i, name in enumerate(header)}


@claim("ch02_neuron", "textbook-values-fine")
def test_textbook_values_fine(run) -> None:
    table = _sigmoid_table(run)
    assert table["z"][0] == "-1000"
    assert table["textbook"] == table["torch"]
    assert "nan" not in table["textbook"]


@claim("ch02_neuron", "rewritten-gives-nan")
def test_rewritten_gives_nan(run) -> None:
    table = _sigmoid_table(run)
    assert table["z"][-1] == "1000" and table["rewritten"][-1] == "nan"
    assert table["rewritten"][:-1] == table["torch"][:-1]


def _slopes(run) -> dict[str, list[str]]:
    slopes = {}
    for line in run.output("sigmoid_gradient").strip().splitlines():
        name, values = line.split(" slope: ")
        slopes[name.strip()] = [v.strip(" '") for v in values.strip("[]").split(",")]
    return slopes


@claim("ch02_neuron", "textbook-slope-nan")
def test_textbook_slope_nan(run) -> None:
    slopes = _slopes(run)
    assert slopes["textbook"][0] == "nan"  # at z = -1000
    assert slopes["torch"][0] == "0"


@claim("ch02_neuron", "stable-sigmoid-matches-torch")
def test_stable_sigmoid_matches_torch(run) -> None:
    table = _sigmoid_table(run)
    assert table["sigmoid"] == table["torch"]
    slopes = _slopes(run)
    assert slopes["sigmoid"] == slopes["torch"]
    assert "nan" not in slopes["sigmoid"]
    # and for the library itself, value and slope in float64, far beyond what is printed
    z = torch.tensor([-1000.0, -30.0, -1.0, 1.0, 30.0, 1000.0], dtype=F64, requires_grad=True)
    sigmoid(z).sum().backward()
    assert z.grad is not None
    expected = torch.sigmoid(z.detach()) * torch.sigmoid(-z.detach())  # sigma * (1 - sigma)
    torch.testing.assert_close(z.grad, expected, rtol=1e-12, atol=1e-300)


@claim("ch02_neuron", "tanh-same-trick")
def test_tanh_same_trick(run) -> None:
    z = torch.tensor([-1000.0, -30.0, -1.0, 1.0, 30.0, 1000.0], dtype=F64, requires_grad=True)
    naive = (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z))
    assert torch.isnan(naive).any()  # the textbook formula breaks at +-1000
    ours = tanh(z)
    torch.testing.assert_close(ours, torch.tanh(z), **TOL)
    ours.sum().backward()
    assert z.grad is not None and torch.isfinite(z.grad).all()
    torch.testing.assert_close(z.grad, 1 - torch.tanh(z.detach()) ** 2, rtol=1e-9, atol=1e-15)


@claim("ch02_neuron", "boundary-far-from-origin")
def test_boundary_far_from_origin(run) -> None:
    out = run.output("perceptron_blobs")
    line = next(x for x in out.splitlines() if x.startswith("weights:"))
    for junk in ["weights:", "bias:", "[", "]", ","]:
        line = line.replace(junk, " ")
    w1, w2, b = (float(v) for v in line.split())
    distance = abs(b) / (w1**2 + w2**2) ** 0.5  # from the origin to the line
    assert distance > 1.5
    assert "accuracy: 1.0" in out


@claim("ch02_neuron", "xor-weights-cycle")
def test_xor_weights_cycle(run) -> None:
    ends = [
        x.split(": ", 1)[1]
        for x in run.output("perceptron_xor").splitlines()
        if x.startswith("after ")
    ]
    assert len(ends) == 3 and ends[0] == ends[1] == ends[2]
    assert "accuracy after the last epoch: 0.5" in run.output("perceptron_xor")


@claim("ch02_neuron", "xor-halfplanes-mixed")
def test_xor_halfplanes_mixed(run) -> None:
    line = run.output("perceptron_xor").splitlines()[-2]  # after 100 epochs
    w_text, b_text = line.split(": ", 1)[1].split(", b = ")
    w = torch.tensor([float(v) for v in w_text.removeprefix("w = ").strip("[]").split(",")])
    b = float(b_text)
    points = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float32)
    labels = [0, 1, 1, 0]
    side = (points @ w.float() + b >= 0).tolist()
    for half in (True, False):
        classes = sorted(label for label, s in zip(labels, side, strict=True) if s == half)
        assert classes == [0, 1]
    assert run.figures("xor_plot") == 1


@claim("ch02_neuron", "sigmoid-keeps-boundary")
def test_sigmoid_keeps_boundary(run) -> None:
    assert "same classes as the perceptron: True" in run.output("torch_linear")


# --- The exercises' checks ---------------------------------------------------------------


@pytest.mark.parametrize(("lang", "words"), [("ru", "подберите смещение"), ("en", "choose a bias")])
def test_check_1_hints(lang: str, words: str) -> None:
    or_neuron = Neuron(torch.tensor([1.0, 1.0], dtype=F64), -0.5, step)
    with hints_in(lang), pytest.raises(ExerciseError, match=words):
        check_1(or_neuron)


@pytest.mark.parametrize(("lang", "words"), [("ru", "NAND"), ("en", "NAND")])
def test_check_2_hints(lang: str, words: str) -> None:
    or_neuron = Neuron(torch.tensor([1.0, 1.0], dtype=F64), -0.5, step)
    with hints_in(lang), pytest.raises(ExerciseError, match=words):
        check_2(or_neuron)


@pytest.mark.parametrize("wrong", [lambda x: x, lambda x: "0110", lambda x: x.sum()])
def test_checks_reject_malformed_answers(wrong) -> None:
    with hints_in("en"), pytest.raises(ExerciseError):
        check_1(wrong)
    with hints_in("en"), pytest.raises(ExerciseError):
        check_2(wrong)


def test_checks_accept_right_answers(capsys: pytest.CaptureFixture[str]) -> None:
    check_1(Neuron(torch.tensor([1.0, 1.0], dtype=F64), -1.5, step))

    def xor_net(x: torch.Tensor) -> torch.Tensor:
        return ((x[:, 0] + x[:, 1]) == 1).to(F64)

    check_2(xor_net)
    out = capsys.readouterr().out
    assert "✓ exercise 1: correct" in out and "✓ exercise 2: correct" in out
