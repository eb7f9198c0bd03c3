"""Chapter 7: the matrix backward pass against autograd, gradcheck, the page's claims, exercises."""

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from claims_run import claim

from nnzero.backprop import Gradients, MLPCrossEntropy, backward, forward, mlp_cross_entropy
from nnzero.exercises import ExerciseError, hints_in
from nnzero.exercises.ch07 import check_1, check_2, check_3

F64 = torch.float64


def random_network(seed: int, n: int, d: int, h: int, c: int) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, dtype=F64, generator=g)
    w1 = torch.randn(h, d, dtype=F64, generator=g) / d**0.5
    b1 = torch.randn(h, dtype=F64, generator=g) * 0.1
    w2 = torch.randn(c, h, dtype=F64, generator=g) / h**0.5
    b2 = torch.randn(c, dtype=F64, generator=g) * 0.1
    target = torch.randint(0, c, (n,), generator=g)
    return x, w1, b1, w2, b2, target


def random_shape(seed: int) -> tuple[int, int, int, int]:
    g = torch.Generator().manual_seed(1000 + seed)
    n, d, h, c = (int(v) for v in torch.randint(1, 9, (4,), generator=g))
    return n, d, h, c + 1  # at least two classes


def autograd_gradients(inputs: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, Gradients]:
    leaves = [t.clone().requires_grad_() for t in inputs[:5]]
    x, w1, b1, w2, b2 = leaves
    loss = F.cross_entropy(F.relu(x @ w1.T + b1) @ w2.T + b2, inputs[5])
    return loss.detach(), Gradients(*torch.autograd.grad(loss, leaves))


# --- the library against autograd -----------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_backward_equals_autograd_for_random_shapes(seed: int) -> None:
    inputs = random_network(seed, *random_shape(seed))
    loss, cache = forward(*inputs)
    ours = backward(cache)
    ref_loss, ref = autograd_gradients(inputs)
    torch.testing.assert_close(loss, ref_loss, rtol=0, atol=1e-12)
    for name, a, b in zip(Gradients._fields, ours, ref, strict=True):
        assert a.dtype == F64, name
        assert a.shape == b.shape, name
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12, msg=name)


@pytest.mark.parametrize("seed", range(6))
def test_logit_gradient_is_probabilities_minus_one_hot_over_n(seed: int) -> None:
    n, _, _, c = random_shape(seed)
    g = torch.Generator().manual_seed(seed)
    logits = (3 * torch.randn(n, c, dtype=F64, generator=g)).requires_grad_()
    target = torch.randint(0, c, (n,), generator=g)
    (expected,) = torch.autograd.grad(F.cross_entropy(logits, target), logits)
    ours = (logits.detach().softmax(dim=1) - F.one_hot(target, c)) / n
    torch.testing.assert_close(ours, expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("seed", range(4))
def test_autograd_function_passes_gradcheck(seed: int) -> None:
    inputs = random_network(seed, 5, 4, 6, 3)
    leaves = tuple(t.clone().requires_grad_() for t in inputs[:5])
    assert torch.autograd.gradcheck(mlp_cross_entropy, (*leaves, inputs[5]))


def test_gradcheck_is_not_vacuous() -> None:
    class DroppedMask(MLPCrossEntropy):
        @staticmethod
        def backward(ctx, grad_loss):
            ctx.cache = ctx.cache._replace(z1=torch.ones_like(ctx.cache.z1))
            return MLPCrossEntropy.backward(ctx, grad_loss)

    inputs = random_network(0, 5, 4, 6, 3)
    leaves = tuple(t.clone().requires_grad_() for t in inputs[:5])
    assert (leaves[0] @ leaves[1].T + leaves[2] <= 0).any()  # some units are off: a real bug
    assert not torch.autograd.gradcheck(
        DroppedMask.apply, (*leaves, inputs[5]), raise_exception=False
    )


# --- the page's claims ----------------------------------------------------------------------


@claim("ch07_backprop", "dlogits-equal-autograd")
def test_dlogits_equal_autograd(run) -> None:
    difference = run.numbers("dlogits")[-1]
    assert "max |ours - autograd|" in run.output("dlogits")
    assert 0 <= difference < 1e-15


@claim("ch07_backprop", "relu-mask-zeroes")
def test_relu_mask_zeroes(run) -> None:
    output = run.output("relu_mask")
    assert "0" in output and "1" in output  # the mask has both kinds of entries
    assert output.strip().endswith("dZ1 is zero wherever the mask is 0: True")


@claim("ch07_backprop", "gradient-shapes-match")
def test_gradient_shapes_match(run) -> None:
    rows = run.output("gradient_shapes").strip().splitlines()[1:]
    assert len(rows) == 5
    assert all(row.rstrip().endswith("True") for row in rows)


@claim("ch07_backprop", "backward-equals-torch")
def test_backward_equals_torch(run) -> None:
    output = run.output("compare")
    lines = output.strip().splitlines()
    losses = lines[0].replace(",", " ").split()
    assert losses[2] == losses[4]  # "loss: ours X, torch X"
    assert lines[1].startswith("loss max |ours - torch|")
    differences = [float(line.split("=")[-1]) for line in lines[1:]]
    assert len(differences) == 6  # the loss, then the five gradients
    assert all(0 <= d < 1e-15 for d in differences)


@claim("ch07_backprop", "function-grads-identical")
def test_function_grads_identical(run) -> None:
    output = run.output("function_apply")
    assert "MLPCrossEntropyBackward" in output
    assert output.count("is exactly ours: True") == 5
    assert "False" not in output


@claim("ch07_backprop", "gradcheck-passes")
def test_gradcheck_passes(run) -> None:
    assert run.output("gradcheck").strip() == "gradcheck: True"


@claim("ch07_backprop", "gradcheck-catches-bug")
def test_gradcheck_catches_bug(run) -> None:
    assert run.output("gradcheck_catches").strip() == "gradcheck of the buggy backward: False"


@claim("ch07_backprop", "backward-at-most-twice")
def test_backward_at_most_twice(run) -> None:
    output = run.output("cost")
    ratios = [
        float(value)
        for line in output.splitlines()
        if "backward / forward" in line
        for value in line.replace(",", " ").split()
        if value.replace(".", "").isdigit()
    ]
    assert len(ratios) == 4
    without_dx, with_dx = ratios[0::2], ratios[1::2]
    assert all(1 <= r <= 2 for r in without_dx)
    assert all(r == 2.0 for r in with_dx)
    *_, n_params, forward_passes = run.numbers("cost")
    assert forward_passes == 2 * n_params > 100_000


# --- the exercises --------------------------------------------------------------------------


def test_exercise_checks_accept_the_solutions(capsys: pytest.CaptureFixture[str]) -> None:
    check_1(lambda x, w, gy: (gy @ w, gy.T @ x, gy.sum(dim=0)))
    check_2(lambda a, ga: ga * (1 - a**2))
    check_3(backward)
    assert capsys.readouterr().out.splitlines() == [f"✓ exercise {n}: correct" for n in (1, 2, 3)]


WRONG_LINEAR = {
    "transposed weight gradient": lambda x, w, gy: (gy @ w, x.T @ gy, gy.sum(dim=0)),
    "bias not summed over the batch": lambda x, w, gy: (gy @ w, gy.T @ x, gy.sum(dim=1)),
    "input gradient averaged over the batch": lambda x, w, gy: (
        gy @ w / x.shape[0],
        gy.T @ x,
        gy.sum(dim=0),
    ),
    "two values instead of three": lambda x, w, gy: (gy @ w, gy.T @ x),
}


@pytest.mark.parametrize("name", WRONG_LINEAR)
@pytest.mark.parametrize(
    ("lang", "hint"), [("ru", "Форма градиента"), ("en", "A gradient has the shape")]
)
def test_exercise_1_rejects_wrong_answers(name: str, lang: str, hint: str) -> None:
    with hints_in(lang), pytest.raises(ExerciseError, match=hint):
        check_1(WRONG_LINEAR[name])


WRONG_TANH = {
    "forgot grad_output": lambda a, ga: 1 - a**2,
    "derivative of the wrong function": lambda a, ga: ga * (1 - a),
    "derivative from the output as if it were the input": lambda a, ga: (
        ga * (1 - torch.tanh(a) ** 2)
    ),
}


@pytest.mark.parametrize("name", WRONG_TANH)
@pytest.mark.parametrize(("lang", "hint"), [("ru", "1 - output\\*\\*2"), ("en", "1 - output")])
def test_exercise_2_rejects_wrong_answers(name: str, lang: str, hint: str) -> None:
    with hints_in(lang), pytest.raises(ExerciseError, match=hint):
        check_2(WRONG_TANH[name])


def bias_summed_over_everything(cache):  # the bug of the page's exercise 3
    grads = backward(cache)
    return grads._replace(b1=grads.b1.sum())


def transposed_w2(cache):
    grads = backward(cache)
    return grads._replace(w2=grads.w2.T)


def forgot_mask(cache):
    return backward(cache._replace(z1=torch.ones_like(cache.z1)))


@pytest.mark.parametrize(
    ("answer", "names"),
    [(bias_summed_over_everything, "db1 ()"), (transposed_w2, "dw2"), (forgot_mask, "dx")],
)
@pytest.mark.parametrize(("lang", "hint"), [("ru", "не сходится"), ("en", "not right yet")])
def test_exercise_3_rejects_wrong_answers(answer, names: str, lang: str, hint: str) -> None:
    with hints_in(lang), pytest.raises(ExerciseError, match=hint) as error:
        check_3(answer)
    assert names in str(error.value)
