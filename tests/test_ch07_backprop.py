"""Chapter 7: the page's claims and the exercises; backprop against torch: test_backprop.py."""

import pytest
import torch
from claims_run import claim

from nnzero.backprop import backward
from nnzero.exercises import ExerciseError, hints_in
from nnzero.exercises.ch07 import check_1, check_2, check_3

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
