"""Convolution from scratch: patches of an image (``unfold``) times a matrix of filters.

A 2-D convolution slides a small filter over an image and, at every position,
takes the weighted sum of the pixels under it. Cutting the image into all
those patches first (``unfold``, also called *im2col*) turns the whole
convolution into one matrix product, which autograd differentiates like any
other. The same patches give max pooling: the largest value of each patch.

Taught in [chapter 13](../ch13_is_it_a_cat.md#convolution).
"""

# --8<-- [start:imports]
import torch
import torch.nn.functional as F  # noqa: N812

from nnzero._torch_args import check_int, init_subset_of, refuse, subset_of
from nnzero.init import kaiming_uniform_
from nnzero.layers import Module

# --8<-- [end:imports]


def _check_windows(
    where: str, x: object, kernel_size: object, stride: object, padding: object
) -> None:
    """Refuses inputs the course's windows do not handle, with torch's reasons where it has them.

    The course takes a batch of images ``(N, C, H, W)`` with ``C, H, W >= 1``, and int sizes; a
    window must fit into the padded image (torch raises then too).
    """
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        refuse(
            where,
            f"expects images of shape (N, C, H, W), got {shape}; "
            "unbatched (C, H, W) input is torch-only",
        )
    check_int(where, "kernel_size", kernel_size, 1)
    check_int(where, "stride", stride, 1)
    check_int(where, "padding", padding, 0)
    assert isinstance(kernel_size, int) and isinstance(padding, int)
    if x.shape[1] == 0:
        refuse(where, f"the images have no channels: {tuple(x.shape)} (torch refuses this too)")
    if 0 in x.shape[2:]:  # torch refuses this too, except conv2d on an empty batch
        refuse(where, f"the images have no pixels: {tuple(x.shape)}")
    h, w = x.shape[2] + 2 * padding, x.shape[3] + 2 * padding
    if kernel_size > min(h, w):
        refuse(
            where,
            f"the {kernel_size}x{kernel_size} window is larger than the padded "
            f"image ({h} x {w}); torch raises too",
        )


# --8<-- [start:output_size]
def output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Returns how many positions a window of ``kernel_size`` takes along a side of ``size``.

    Args:
        size: The height (or width) of the input.
        kernel_size: The height (or width) of the window.
        stride: How far the window moves at each step.
        padding: How many zeros are added on each side first.

    Returns:
        ``(size + 2 * padding - kernel_size) // stride + 1``.
    """
    return (size + 2 * padding - kernel_size) // stride + 1


# --8<-- [end:output_size]


def _check_unfold(x: object, kernel_size: object, stride: object, padding: object) -> None:
    _check_windows("nnzero.conv.unfold", x, kernel_size, stride, padding)


@subset_of("torch.nn.functional.unfold", _check_unfold, dilation=1)
# --8<-- [start:unfold]
def unfold(x: torch.Tensor, kernel_size: int, *, stride: int = 1, padding: int = 0) -> torch.Tensor:
    """Cuts images into all their square patches, like ``torch.nn.functional.unfold``.

    Patch ``l`` (counting positions row by row) becomes column ``l`` of the
    result; its entries are ordered channel first, then row and column inside
    the window, as in ``F.unfold``. ``stride`` and ``padding`` must be named:
    ``F.unfold`` takes ``dilation`` third.

    Args:
        x: Images of shape ``(N, C, H, W)``.
        kernel_size: The side of the square window.
        stride: How far the window moves at each step.
        padding: How many zeros to add on each side of every image first.

    Returns:
        A tensor of shape ``(N, C * kernel_size**2, out_h * out_w)``.
    """
    n, c, h, w = x.shape
    out_h = output_size(h, kernel_size, stride, padding)
    out_w = output_size(w, kernel_size, stride, padding)
    x = F.pad(x, (padding, padding, padding, padding))  # zeros around every image
    shifted = []
    for i in range(kernel_size):  # one strided copy of the image per cell of the window
        for j in range(kernel_size):
            rows = slice(i, i + stride * (out_h - 1) + 1, stride)
            cols = slice(j, j + stride * (out_w - 1) + 1, stride)
            shifted.append(x[:, :, rows, cols])  # (N, C, out_h, out_w)
    patches = torch.stack(shifted, dim=2)  # (N, C, kernel_size**2, out_h, out_w)
    return patches.reshape(n, c * kernel_size * kernel_size, out_h * out_w)


# --8<-- [end:unfold]


def _check_conv2d(
    x: object,
    weight: object,
    bias: object = None,
    stride: object = 1,
    padding: object = 0,
) -> None:
    where = "nnzero.conv.conv2d"
    if (
        not isinstance(weight, torch.Tensor)
        or weight.dim() != 4
        or weight.shape[2] != weight.shape[3]
    ):
        shape = tuple(weight.shape) if isinstance(weight, torch.Tensor) else type(weight).__name__
        refuse(where, f"expects square filters (C_out, C_in, k, k), got {shape}")
    if isinstance(padding, str):
        refuse(where, f"padding={padding!r} is torch-only; give the number of zeros")
    _check_windows(where, x, weight.shape[2], stride, padding)
    assert isinstance(x, torch.Tensor)
    if weight.shape[0] == 0 or weight.shape[1] != x.shape[1]:
        refuse(
            where,
            f"filters {tuple(weight.shape)} do not fit images {tuple(x.shape)}: "
            "need C_out >= 1 filters with C_in equal to the images' channels",
        )
    if bias is not None and (not isinstance(bias, torch.Tensor) or bias.shape != weight.shape[:1]):
        refuse(where, f"bias must have shape ({weight.shape[0]},)")


@subset_of("torch.nn.functional.conv2d", _check_conv2d, dilation=1, groups=1)
# --8<-- [start:conv2d]
def conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: int = 1,
    padding: int = 0,
) -> torch.Tensor:
    """A 2-D convolution (cross-correlation, as in deep learning), like ``F.conv2d``.

    Args:
        x: Images of shape ``(N, C_in, H, W)``.
        weight: Square filters of shape ``(C_out, C_in, k, k)``.
        bias: One number per output channel, shape ``(C_out,)``, or ``None``.
        stride: How far the filter moves at each step.
        padding: How many zeros to add on each side of every image first.

    Returns:
        The feature maps, shape ``(N, C_out, out_h, out_w)``.
    """
    n, _, h, w = x.shape
    c_out, _, k, _ = weight.shape
    patches = unfold(x, k, stride=stride, padding=padding)  # (N, C_in * k * k, L)
    out = weight.reshape(c_out, -1) @ patches  # every filter times every patch: (N, C_out, L)
    if bias is not None:
        out = out + bias.reshape(1, c_out, 1)
    out_h, out_w = output_size(h, k, stride, padding), output_size(w, k, stride, padding)
    return out.reshape(n, c_out, out_h, out_w)


# --8<-- [end:conv2d]


def _check_max_pool2d(x: object, kernel_size: object) -> None:
    _check_windows("nnzero.conv.max_pool2d", x, kernel_size, 1, 0)


@subset_of(
    "torch.nn.functional.max_pool2d",
    _check_max_pool2d,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
)
# --8<-- [start:max_pool2d]
def max_pool2d(x: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """The largest value of each ``kernel_size`` square, like ``F.max_pool2d(x, kernel_size)``.

    The windows do not overlap (the stride equals the window); leftover rows
    and columns at the bottom and right are dropped, as torch drops them.

    Args:
        x: Feature maps of shape ``(N, C, H, W)``.
        kernel_size: The side of the square window.

    Returns:
        A tensor of shape ``(N, C, H // kernel_size, W // kernel_size)``.
    """
    n, c, h, w = x.shape
    patches = unfold(x.reshape(n * c, 1, h, w), kernel_size, stride=kernel_size)
    pooled = patches.max(dim=1).values  # (N * C, out_h * out_w)
    return pooled.reshape(n, c, h // kernel_size, w // kernel_size)


# --8<-- [end:max_pool2d]


def _check_conv2d_layer(
    in_channels: object,
    out_channels: object,
    kernel_size: object,
    stride: object = 1,
    padding: object = 0,
    **_: object,
) -> None:
    where = "nnzero.conv.Conv2d"
    check_int(where, "in_channels", in_channels, 0)
    check_int(where, "out_channels", out_channels, 0)
    check_int(where, "kernel_size", kernel_size, 1)
    check_int(where, "stride", stride, 1)
    if isinstance(padding, str):
        refuse(where, f"padding={padding!r} is torch-only; give the number of zeros")
    check_int(where, "padding", padding, 0)


# --8<-- [start:layers]
class Conv2d(Module):
    """A convolutional layer with square filters, like ``torch.nn.Conv2d``.

    The filters and biases start uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``
    with ``fan_in = in_channels * kernel_size**2``, as in torch.

    Args:
        in_channels: The number of channels of the input.
        out_channels: The number of filters, so of output channels.
        kernel_size: The side of each square filter.
        stride: How far the filters move at each step.
        padding: How many zeros to add on each side of the input.
        generator: The random number generator for the initial values.
        dtype: The floating-point type of the parameters (torch's default if ``None``).

    Attributes:
        weight (torch.Tensor): The filters, ``(out_channels, in_channels, k, k)``.
        bias (torch.Tensor): One number per filter, ``(out_channels,)``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        *,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        self.stride, self.padding = stride, padding
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.weight = torch.empty(shape, dtype=dtype)
        kaiming_uniform_(self.weight, a=5**0.5, generator=generator)
        fan_in = in_channels * kernel_size * kernel_size
        bound = 1 / fan_in**0.5 if fan_in > 0 else 0.0
        self.bias = torch.empty(out_channels, dtype=dtype).uniform_(
            -bound, bound, generator=generator
        )
        self.weight.requires_grad_()
        self.bias.requires_grad_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns ``conv2d(x, weight, bias, stride, padding)``."""
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def parameters(self) -> list[torch.Tensor]:
        """Returns ``[weight, bias]``."""
        return [self.weight, self.bias]


class MaxPool2d(Module):
    """Max pooling over non-overlapping squares as a layer; it has no parameters.

    Args:
        kernel_size: The side of each square.
    """

    def __init__(self, kernel_size: int) -> None:
        self.kernel_size = kernel_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns ``max_pool2d(x, kernel_size)``."""
        return max_pool2d(x, self.kernel_size)


class Flatten(Module):
    """Turns each sample into one row, ``(N, ...)`` to ``(N, -1)``, like ``torch.nn.Flatten``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns ``x.reshape(len(x), -1)``."""
        return x.reshape(len(x), -1)


# --8<-- [end:layers]


init_subset_of(
    Conv2d,
    "torch.nn.Conv2d",
    _check_conv2d_layer,
    dilation=1,
    groups=1,
    bias=True,
    padding_mode="zeros",
    device=None,
)
init_subset_of(
    MaxPool2d,
    "torch.nn.MaxPool2d",
    lambda kernel_size, **_: check_int("nnzero.conv.MaxPool2d", "kernel_size", kernel_size, 1),
    stride=None,
    padding=0,
    dilation=1,
    return_indices=False,
    ceil_mode=False,
)
