"""Chapter 13: convolution from scratch against torch, the page's claims, the exercise checks."""

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from claims_run import claim
from exercise_hints import wrong_answers_get_hints
from output import floats, line_with

from nnzero.conv import Conv2d, Flatten, MaxPool2d, conv2d, max_pool2d, output_size, unfold
from nnzero.exercises.ch13 import check_1, check_2, check_3

F64 = torch.float64
TOL = 1e-12
PAGE = "ch13_is_it_a_cat"

# (kernel_size, stride, padding) on pictures of 9 x 8 pixels
GEOMETRIES = [
    (1, 1, 0),
    (3, 1, 0),
    (3, 1, 1),
    (3, 2, 0),
    (3, 2, 1),
    (5, 1, 2),
    (2, 3, 2),
    (4, 2, 1),
]


# --- The library against torch, in float64 -----------------------------------------------------


@pytest.mark.parametrize(("k", "stride", "padding"), GEOMETRIES)
def test_unfold_equals_torch_unfold(k, stride, padding) -> None:
    x = torch.randn(2, 3, 9, 8, generator=torch.Generator().manual_seed(k), dtype=F64)
    ours = unfold(x, k, stride=stride, padding=padding)
    theirs = F.unfold(x, k, padding=padding, stride=stride)
    assert ours.shape == theirs.shape
    assert torch.equal(ours, theirs)  # unfold only copies numbers: exactly equal


@pytest.mark.parametrize(("k", "stride", "padding"), GEOMETRIES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_conv2d_values_and_gradients_equal_torch(k, stride, padding, with_bias) -> None:
    g = torch.Generator().manual_seed(100 * k + 10 * stride + padding)
    x = torch.randn(2, 3, 9, 8, generator=g, dtype=F64)
    weight = torch.randn(4, 3, k, k, generator=g, dtype=F64)
    bias = torch.randn(4, generator=g, dtype=F64) if with_bias else None
    upstream = None
    results = []
    for fn in (conv2d, F.conv2d):
        leaves = [t.clone().requires_grad_() for t in (x, weight)]
        b = bias.clone().requires_grad_() if bias is not None else None
        out = fn(leaves[0], leaves[1], b, stride=stride, padding=padding)
        if upstream is None:
            upstream = torch.randn(out.shape, generator=g, dtype=F64)
        (out * upstream).sum().backward()
        grads = [leaf.grad for leaf in leaves] + ([b.grad] if b is not None else [])
        results.append((out.detach(), grads))
    (ours, our_grads), (theirs, their_grads) = results
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, rtol=TOL, atol=TOL)
    for mine, want in zip(our_grads, their_grads, strict=True):
        torch.testing.assert_close(mine, want, rtol=TOL, atol=TOL)


def test_conv2d_passes_gradcheck() -> None:
    g = torch.Generator().manual_seed(7)
    x = torch.randn(1, 2, 6, 5, generator=g, dtype=F64, requires_grad=True)
    w = torch.randn(3, 2, 3, 3, generator=g, dtype=F64, requires_grad=True)
    b = torch.randn(3, generator=g, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w, b: conv2d(x, w, b, stride=2, padding=1), (x, w, b))


SIZES = [(25, 5, 1, 2), (12, 3, 1, 1), (9, 3, 2, 0), (8, 2, 3, 2)]


@pytest.mark.parametrize(("size", "k", "stride", "padding"), SIZES)
def test_output_size_is_the_shape_torch_gives(size, k, stride, padding) -> None:
    x = torch.zeros(1, 1, size, size, dtype=F64)
    out = F.conv2d(x, torch.zeros(1, 1, k, k, dtype=F64), stride=stride, padding=padding)
    assert out.shape[-1] == output_size(size, k, stride, padding)


@pytest.mark.parametrize(("k", "height", "width"), [(2, 8, 8), (2, 25, 25), (3, 7, 10), (2, 5, 4)])
def test_max_pool2d_values_and_gradients_equal_torch(k, height, width) -> None:
    x = torch.randn(2, 3, height, width, generator=torch.Generator().manual_seed(k), dtype=F64)
    ours_in, theirs_in = x.clone().requires_grad_(), x.clone().requires_grad_()
    ours, theirs = max_pool2d(ours_in, k), F.max_pool2d(theirs_in, k)
    assert torch.equal(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    assert torch.equal(ours_in.grad, theirs_in.grad)


def test_layers_equal_torch_nn_with_the_same_weights() -> None:
    g = torch.Generator().manual_seed(3)
    ours = Conv2d(2, 5, 3, stride=2, padding=1, generator=g, dtype=F64)
    theirs = torch.nn.Conv2d(2, 5, 3, stride=2, padding=1).double()
    with torch.no_grad():
        theirs.weight.copy_(ours.weight)
        theirs.bias.copy_(ours.bias)
    x = torch.randn(4, 2, 11, 9, generator=g, dtype=F64)
    torch.testing.assert_close(ours(x), theirs(x), rtol=TOL, atol=TOL)
    assert torch.equal(MaxPool2d(2)(x), torch.nn.MaxPool2d(2)(x))
    assert torch.equal(Flatten()(x), torch.nn.Flatten()(x))
    assert ours.parameters() == [ours.weight, ours.bias]
    assert all(p.requires_grad for p in ours.parameters())


def test_conv2d_layer_starts_like_torch() -> None:
    """Weights and biases uniform in ±1/sqrt(fan_in), as torch.nn.Conv2d draws them."""
    layer = Conv2d(6, 64, 3, generator=torch.Generator().manual_seed(0), dtype=F64)
    bound = 1 / (6 * 3 * 3) ** 0.5
    for p in layer.parameters():
        assert p.abs().max() <= bound
        assert p.abs().max() > 0.9 * bound  # spread over the whole interval, not squeezed
    assert layer.weight.std().item() == pytest.approx(bound / 3**0.5, rel=0.05)


# --- The exercise checks ----------------------------------------------------------------------


def good_f1(predicted, target):
    tp = ((predicted == 1) & (target == 1)).sum().item()
    fp = ((predicted == 1) & (target == 0)).sum().item()
    fn = ((predicted == 0) & (target == 1)).sum().item()
    return 2 * tp / (2 * tp + fp + fn)


def arithmetic_mean_f1(predicted, target):
    tp = ((predicted == 1) & (target == 1)).sum().item()
    precision = tp / (predicted == 1).sum().item()
    recall = tp / (target == 1).sum().item()
    return (precision + recall) / 2


def f1_as_list(predicted, target):
    return [good_f1(predicted, target)]


def good_loops(x, weight):
    return F.conv2d(x, weight)


def padded_loops(x, weight):
    return F.conv2d(x, weight, padding=weight.shape[-1] // 2)


def flipped_kernel_loops(x, weight):
    return F.conv2d(x, weight.flip(-1, -2))  # the textbook convolution, not deep learning's


def good_shift(images, pixels):
    shifted = torch.zeros_like(images)
    if pixels >= 0:
        shifted[..., pixels:] = images[..., : images.shape[-1] - pixels]
    else:
        shifted[..., :pixels] = images[..., -pixels:]
    return shifted


def rolling_shift(images, pixels):
    return torch.roll(images, pixels, dims=-1)


def in_place_shift(images, pixels):
    result = good_shift(images, pixels)
    images.zero_()
    return result


def test_checks_accept_right_answers(capsys) -> None:
    check_1(good_f1)
    check_2(good_loops)
    check_3(good_shift)
    out = capsys.readouterr().out
    for n in (1, 2, 3):
        assert f"✓ exercise {n}: correct" in out


WRONG = [
    (check_1, arithmetic_mean_f1, "2·P·R / (P + R)", "2·P·R / (P + R)"),
    (check_1, f1_as_list, "одно число", "one number"),
    (check_2, padded_loops, "H - k + 1", "H - k + 1"),
    (check_2, flipped_kernel_loops, "F.conv2d(x, weight)", "F.conv2d(x, weight)"),
    (check_3, rolling_shift, "нулями", "zeros"),
    (check_3, in_place_shift, "исходные картинки", "original pictures"),
]


test_checks_reject_wrong_answers_with_hints = wrong_answers_get_hints(WRONG)


# --- The page's claims ------------------------------------------------------------------------


@claim("ch13_is_it_a_cat", "more-pictures-better")
def test_more_pictures_better(run) -> None:
    means = [floats(line)[1] for line in run.output("how_many_examples").splitlines()]
    assert len(means) == 5
    assert means == sorted(means) and means[0] < 0.7 < 0.99 < means[-1]
    spreads = [row[3] - row[2] for row in map(floats, run.output("how_many_examples").splitlines())]
    assert abs(spreads[1] - spreads[0]) < 0.05  # as wide with 4 pictures as with 2
    assert spreads[1:] == sorted(spreads[1:], reverse=True) and spreads[2] < spreads[1]


@claim("ch13_is_it_a_cat", "precision-recall-match-sklearn")
def test_precision_recall_match_sklearn(run) -> None:
    output = run.output("confusion")
    ours = floats(line_with(output, "precision"))[:2]
    theirs = floats(line_with(output, "scikit-learn"))
    assert ours == theirs
    assert ours[0] < ours[1]  # this network errs by calling other pictures faces


@claim("ch13_is_it_a_cat", "threshold-trade-off")
def test_threshold_trade_off(run) -> None:
    rows = [floats(line) for line in run.output("thresholds").splitlines()]
    thresholds = [row[0] for row in rows]
    precisions, recalls = [row[1] for row in rows], [row[2] for row in rows]
    assert thresholds == sorted(thresholds)
    assert recalls == sorted(recalls, reverse=True) and recalls[0] > recalls[-1]
    assert precisions[-1] > precisions[0]


@claim("ch13_is_it_a_cat", "unfold-matches-torch")
def test_unfold_matches_torch_on_the_page(run) -> None:
    assert line_with(run.output("unfold_demo"), "same as torch").endswith("True")


@claim("ch13_is_it_a_cat", "edge-only-at-the-step")
def test_edge_only_at_the_step(run) -> None:
    rows = [line for line in run.output("edge_demo").splitlines() if "[" in line]
    values = [floats(row.split("dtype")[0]) for row in rows]
    assert len(values) == 3
    assert all(row == [0.0, 3.0, 3.0, 0.0] for row in values)


@claim("ch13_is_it_a_cat", "conv-matches-torch")
def test_conv_matches_torch_on_the_page(run) -> None:
    lines = run.output("conv_vs_torch").splitlines()
    assert len(lines) == 5
    assert all(floats(line)[-1] < 1e-13 for line in lines)


@claim("ch13_is_it_a_cat", "flips-no-clear-gain")
def test_flips_no_clear_gain(run) -> None:
    output = run.output("augmentation")
    for model in ("MLP", "CNN"):
        without = floats(line_with(output, f"{model}, 10 pictures, flips=False"))[-1]
        with_flips = floats(line_with(output, f"{model}, 10 pictures, flips=True"))[-1]
        assert abs(with_flips - without) < 0.02
    spread = floats(line_with(run.output("how_many_examples"), " 10 training"))
    assert spread[-2] - spread[-3] > 0.1  # the draws differ far more than the flips do


@claim("ch13_is_it_a_cat", "weights-moved-more-than-filters")
def test_mlp_weights_moved_more_than_filters(run) -> None:
    filters = floats(run.output("filters"))[0]
    weights = floats(run.output("mlp_weights"))[0]
    assert filters < 0.6 < 0.8 < weights
    assert run.figures("filters") == 1 and run.figures("mlp_weights") == 1


@claim("ch13_is_it_a_cat", "test-errors-false-positives")
def test_test_errors_are_false_positives(run) -> None:
    for model in ("MLP", "CNN"):
        accuracy, precision, recall = floats(line_with(run.output("test_once"), model))
        assert recall == 1.0 and precision < 1.0 and 0.85 < accuracy < 1.0
    for section in ("mlp", "cnn_train"):
        assert floats(run.output(section))[-1] == 1.0  # validation was perfect


@claim("ch13_is_it_a_cat", "conv-layer-matches-torch")
def test_conv_layer_matches_torch_on_the_page(run) -> None:
    output = run.output("conv_layer_difference")
    shapes = floats(line_with(output, "shapes"))
    assert shapes[:4] == shapes[4:]
    assert 0 < floats(line_with(output, "max difference"))[0] < 1e-14
    assert line_with(output, "torch.equal").endswith("False")


@claim("ch13_is_it_a_cat", "shifted-faces-missed")
def test_shifted_faces_missed(run) -> None:
    rows = {int(r[0]): r[1:] for r in map(floats, run.output("shifted_faces").splitlines())}
    assert rows[0] == [1.0, 1.0]  # unshifted, every validation face is found
    mlp, cnn = [rows[p][0] for p in sorted(rows)], [rows[p][1] for p in sorted(rows)]
    assert mlp == sorted(mlp, reverse=True) and mlp[-1] < 0.5 and rows[4][0] < 0.8
    assert all(c >= m for c, m in zip(cnn, mlp, strict=True))  # the CNN held up longer
    assert rows[8][1] < 0.8  # but it too misses faces shifted by 8 pixels


@claim("ch13_is_it_a_cat", "cat-networks-disagree")
def test_cat_networks_disagree(run) -> None:
    output = run.output("cat_25")
    mlp, cnn = floats(line_with(output, "MLP"))[-1], floats(line_with(output, "CNN"))[-1]
    assert mlp < 0.5 < cnn
    assert run.figures("cat_25") == 1
