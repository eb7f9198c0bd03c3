"""The library answers as torch does, or refuses with a message that says what it supports.

Part 1 of issue 16: each test here failed before the fix (a crash with no message, nan, an empty
tensor or a plausible wrong number). Part 2: train()/eval(), default dtype, torch's arguments.
"""

import warnings

import pytest
import torch
import torch.multiprocessing as mp
import torch.nn.functional as F  # noqa: N812

from nnzero import init, layers, losses, optim
from nnzero.conv import Conv2d, MaxPool2d, conv2d, max_pool2d, unfold
from nnzero.distributed import example, free_port, worker
from nnzero.dropout import Dropout
from nnzero.normalization import BatchNorm1d

F64 = torch.float64
INF = float("inf")


# --- Part 1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fill", [init.kaiming_uniform_, init.kaiming_normal_])
@pytest.mark.parametrize("shape", [(4, 0), (0, 4), (3, 0, 2, 2)])
def test_kaiming_of_an_empty_tensor_warns_and_returns_it_like_torch(fill, shape):
    tensor = torch.empty(shape)
    with pytest.warns(UserWarning, match="zero-element"):
        assert fill(tensor) is tensor
    with pytest.warns(UserWarning, match="zero-element"):
        torch.nn.init.kaiming_uniform_(torch.empty(shape))


@pytest.mark.parametrize(("fan_in", "fan_out"), [(0, 4), (4, 0), (0, 0)])
def test_linear_without_inputs_or_outputs_builds_like_torch(fan_in, fan_out):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, ref = layers.Linear(fan_in, fan_out), torch.nn.Linear(fan_in, fan_out)
        conv = Conv2d(0, 3, 2)
    assert ours.weight.shape == ref.weight.shape
    assert ours.bias is not None and torch.equal(ours.bias, ref.bias)
    assert torch.equal(conv.bias, torch.zeros(3))
    x = torch.randn(5, fan_in)
    assert torch.equal(ours(x), ref(x).detach())


@pytest.mark.parametrize(
    "row",
    [[-INF, -INF, -INF], [1.0, INF, 2.0], [-INF, INF, 0.0], [INF, INF, 1.0], [-INF, 3.0, -INF]],
)
def test_logsumexp_of_infinite_rows_matches_torch(row):
    x = torch.tensor([row, [1.0, 2.0, 3.0]], dtype=F64)
    torch.testing.assert_close(losses.logsumexp(x), torch.logsumexp(x, -1), rtol=0, atol=0)
    # torch's log_softmax is nan on a whole row holding +inf; ours only on the +inf entries,
    # the others get the limit (-inf, a probability of 0), as the module docstring says.
    ours, ref = losses.log_softmax(x), torch.log_softmax(x, -1)
    same = ~ref.isnan() | (ours.isnan() & ref.isnan())
    assert (same | (x == INF).any(dim=-1, keepdim=True)).all()
    torch.testing.assert_close(ours[same], ref[same], rtol=1e-12, atol=1e-12, equal_nan=True)


def test_cross_entropy_refuses_spatial_input_instead_of_a_wrong_number():
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(4, 3, 4, generator=g, dtype=F64)  # d == N: indexing would "work"
    target = torch.randint(0, 3, (4, 4), generator=g)
    with pytest.raises(ValueError, match=r"\(N, C\).*torch.nn.functional.cross_entropy"):
        losses.cross_entropy(scores, target)


@pytest.mark.parametrize(
    ("scores", "target"),
    [
        (torch.randn(3, dtype=F64), torch.tensor(1)),  # one sample, 1-D scores
        (torch.randn(2, 3, dtype=F64), torch.rand(2, 3, dtype=F64)),  # probability targets
        (torch.randn(2, 3, dtype=F64), torch.tensor([0, 1, 2])),  # 3 targets for 2 rows
        (torch.randn(2, 3, dtype=F64), torch.tensor([0, 3])),  # class 3 of 3
        (torch.randn(2, 3, dtype=F64), torch.tensor([-100, 1])),  # torch's ignore_index
    ],
)
def test_cross_entropy_refuses_other_inputs_with_what_it_supports(scores, target):
    with pytest.raises(ValueError, match=r"nnzero.losses.cross_entropy: .*"):
        losses.cross_entropy(scores, target)


def test_conv2d_with_a_kernel_larger_than_the_image_raises_like_torch():
    x, w = torch.randn(1, 1, 2, 2, dtype=F64), torch.randn(1, 1, 3, 3, dtype=F64)
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        F.conv2d(x, w)
    with pytest.raises(ValueError, match="larger than the padded image"):
        conv2d(x, w)
    assert conv2d(x, w, padding=1).shape == F.conv2d(x, w, padding=1).shape  # fits when padded


def test_max_pool2d_with_a_kernel_larger_than_the_image_raises_like_torch():
    x = torch.randn(1, 1, 2, 2, dtype=F64)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.max_pool2d(x, 3)
    with pytest.raises(ValueError, match="larger than the padded image"):
        max_pool2d(x, 3)
    with pytest.raises(ValueError, match="larger than the padded image"):
        MaxPool2d(3)(x)


def test_unfold_takes_stride_and_padding_by_name_only():
    x = torch.arange(36.0, dtype=F64).reshape(1, 1, 6, 6)
    with pytest.raises(TypeError, match="positional"):
        unfold(x, 2, 2)  # F.unfold would read the 2 as dilation
    with pytest.raises(
        TypeError, match=r"dilation=2 is not supported.*torch\.nn\.functional\.unfold"
    ):
        unfold(x, 2, dilation=2)
    assert torch.equal(unfold(x, 2, stride=2, padding=1), F.unfold(x, 2, stride=2, padding=1))
    assert torch.equal(unfold(x, 2, dilation=1), F.unfold(x, 2, 1))


def test_ddp_with_a_batch_that_does_not_split_evenly_equals_one_process():
    """Batch 7 on 2 ranks (4 + 3 samples): each rank's gradient is weighted by its count."""
    seed, batch_size, lr, epochs = 1, 7, 0.2, 2
    model, x, y = example(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            optimizer.zero_grad()
            out = model(x[start : start + batch_size])
            F.mse_loss(out, y[start : start + batch_size]).backward()
            optimizer.step()
    expected = torch.nn.utils.parameters_to_vector(model.parameters()).detach()

    model, x, y = example(seed)
    results = torch.full((2, len(expected)), float("nan"), dtype=F64).share_memory_()
    args = (2, free_port(), model, x, y, batch_size, lr, epochs, results)
    mp.start_processes(worker, args=args, nprocs=2, start_method="fork")
    for rank in range(2):
        torch.testing.assert_close(results[rank], expected, rtol=0, atol=1e-12)


# --- Part 2 -----------------------------------------------------------------------------------


def test_train_and_eval_switch_every_submodule_and_return_self():
    inner = layers.Sequential(Dropout(0.5), layers.ReLU())
    model = layers.Sequential(layers.Linear(3, 4), BatchNorm1d(4), inner, Dropout(0.2))
    everything = [model, *model.layers, *inner.layers]
    assert all(m.training for m in everything)
    assert model.eval() is model
    assert not any(m.training for m in everything)
    x = torch.randn(5, 3)
    assert torch.equal(model(x), model(x))  # no dropout, running statistics
    assert model.train() is model
    assert all(m.training for m in everything)
    assert model.train(False) is model and not any(m.training for m in everything)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_layers_use_the_default_dtype_like_torch(dtype):
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        made = [
            layers.Linear(3, 2).weight,
            layers.mlp([3, 2]).parameters()[0],
            Conv2d(1, 2, 3).weight,
            BatchNorm1d(3).running_var,
        ]
        assert {t.dtype for t in made} == {torch.nn.Linear(3, 2).weight.dtype} == {dtype}
        assert layers.Linear(3, 2, dtype=torch.float16).weight.dtype == torch.float16
    finally:
        torch.set_default_dtype(old)


P = [torch.zeros(2, requires_grad=True)]
X4 = torch.randn(1, 1, 4, 4)
W3 = torch.randn(1, 1, 3, 3)
T = torch.tensor([0, 1])
S = torch.randn(2, 3)


@pytest.mark.parametrize(
    ("call", "feature", "torch_name"),
    [
        (lambda: optim.Adam(P, amsgrad=True), "amsgrad", "torch.optim.Adam"),
        (lambda: optim.AdamW(P, maximize=True), "maximize", "torch.optim.AdamW"),
        (lambda: optim.SGD(P, foreach=True), "foreach", "torch.optim.SGD"),
        (lambda: optim.RMSprop(P, capturable=True), "capturable", "torch.optim.RMSprop"),
        (lambda: losses.cross_entropy(S, T, reduction="sum"), "reduction", "cross_entropy"),
        (lambda: losses.cross_entropy(S, T, label_smoothing=0.1), "label_smoothing", "cross"),
        (lambda: losses.cross_entropy(S, T, weight=torch.ones(3)), "weight", "cross_entropy"),
        (lambda: losses.mse(S, S, reduction="none"), "reduction", "mse_loss"),
        (
            lambda: losses.binary_cross_entropy_with_logits(S, S, pos_weight=torch.ones(3)),
            "pos_weight",
            "binary_cross_entropy_with_logits",
        ),
        (lambda: losses.logsumexp(S, 1, keepdim=True), "keepdim", "torch.logsumexp"),
        (lambda: losses.softmax(S, 1, dtype=F64), "dtype", "torch.softmax"),
        (lambda: conv2d(X4, W3, groups=2), "groups", "torch.nn.functional.conv2d"),
        (lambda: conv2d(X4, W3, dilation=2), "dilation", "torch.nn.functional.conv2d"),
        (lambda: max_pool2d(X4, 2, stride=1), "stride", "torch.nn.functional.max_pool2d"),
        (lambda: max_pool2d(X4, 2, ceil_mode=True), "ceil_mode", "max_pool2d"),
        (lambda: Conv2d(1, 2, 3, groups=2), "groups", "torch.nn.Conv2d"),
        (lambda: Conv2d(1, 2, 3, padding_mode="reflect"), "padding_mode", "torch.nn.Conv2d"),
        (lambda: MaxPool2d(2, padding=1), "padding", "torch.nn.MaxPool2d"),
        (lambda: layers.Linear(2, 3, device="meta"), "device", "torch.nn.Linear"),
        (lambda: BatchNorm1d(3, affine=False), "affine", "torch.nn.BatchNorm1d"),
        (lambda: Dropout(0.5, inplace=True), "inplace", "torch.nn.Dropout"),
    ],
)
def test_torch_arguments_the_course_leaves_out_are_refused_by_name(call, feature, torch_name):
    with pytest.raises(TypeError, match=rf"{feature}=.*not supported by the course library"):
        call()
    with pytest.raises(TypeError, match=torch_name):
        call()


def test_torch_defaults_of_left_out_arguments_are_accepted():
    ref = F.cross_entropy(S, T)
    same = losses.cross_entropy(S, T, reduction="mean", ignore_index=-100, label_smoothing=0)
    torch.testing.assert_close(same, ref)
    optim.Adam(P, amsgrad=False, maximize=False, foreach=None)
    assert max_pool2d(X4, 2, stride=None, padding=0).shape == (1, 1, 2, 2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: conv2d(X4[0], W3), r"\(N, C, H, W\)"),
        (lambda: conv2d(X4, torch.randn(1, 1, 3, 2)), "square filters"),
        (lambda: conv2d(X4, W3, stride=(1, 1)), "int"),
        (lambda: conv2d(X4, W3, padding="same"), "torch-only"),
        (lambda: conv2d(X4, torch.randn(1, 2, 3, 3)), "do not fit"),
        (lambda: max_pool2d(X4, 0), "at least 1"),
        (lambda: Conv2d(1, 2, (3, 3)), "int"),
        (lambda: BatchNorm1d(3, momentum=None), "cumulative"),
        (lambda: BatchNorm1d(3)(torch.randn(4, 3, 3)), r"\(N, 3\)"),
        (lambda: BatchNorm1d(3).eval()(torch.randn(4, 3, 3)), r"\(N, 3\)"),
    ],
)
def test_unsupported_inputs_are_refused_with_what_is_supported(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_mse_warns_about_broadcasting_like_torch():
    with pytest.warns(UserWarning, match="different to the input size"):
        losses.mse(torch.randn(3, 1), torch.randn(3))


def test_optimizers_refuse_parameter_groups():
    with pytest.raises(TypeError, match="parameter groups"):
        optim.SGD([{"params": P, "lr": 0.1}], lr=0.1)
