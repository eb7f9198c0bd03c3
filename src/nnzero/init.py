"""Weight initializers: Xavier (Glorot) and Kaiming (He), as in ``torch.nn.init``.

Both families pick the spread of the initial weights so that the signal
keeps roughly the same variance from layer to layer. They differ only in
which "fan" they look at and which gain they multiply by. Each function fills
a tensor in place (hence the trailing underscore) and returns it; pass a
seeded ``torch.Generator`` for reproducible weights.

Taught in [chapter 11](../ch11_init_norm_reg.md#init).
"""

import math
import warnings

import torch


# --8<-- [start:fans]
def fan_in_and_fan_out(tensor: torch.Tensor) -> tuple[int, int]:
    # --8<-- [end:fans]
    """Returns how many inputs feed each output unit, and how many outputs each input feeds.

    A weight is laid out like ``torch.nn.Linear``'s, ``(out_features,
    in_features)``, or a convolution's, ``(out_channels, in_channels, *kernel)``;
    for a convolution every kernel position counts as a separate connection.

    Args:
        tensor: A weight with at least 2 dimensions.

    Returns:
        ``(fan_in, fan_out)``.

    Raises:
        ValueError: If the tensor has fewer than 2 dimensions.
    """
    if tensor.dim() < 2:
        raise ValueError("fan_in and fan_out need a tensor with at least 2 dimensions")
    # --8<-- [start:fans_body]
    receptive_field = math.prod(tensor.shape[2:])
    fan_in = tensor.shape[1] * receptive_field
    fan_out = tensor.shape[0] * receptive_field
    return fan_in, fan_out


# --8<-- [end:fans_body]


# --8<-- [start:gain]
def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    # --8<-- [end:gain]
    """Returns the recommended gain for a nonlinearity, as ``torch.nn.init.calculate_gain``.

    Args:
        nonlinearity: ``"linear"``, ``"sigmoid"``, ``"tanh"``, ``"relu"``,
            ``"leaky_relu"``, ``"selu"`` or a convolution name such as ``"conv2d"``.
        param: The negative slope for ``"leaky_relu"`` (0.01 if ``None``).

    Returns:
        The gain: the factor by which the standard deviation is multiplied.

    Raises:
        ValueError: If the nonlinearity is unknown.
    """
    # --8<-- [start:gain_body]
    linear_like = {"linear", "sigmoid", "conv1d", "conv2d", "conv3d"}
    linear_like |= {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}
    if nonlinearity in linear_like:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}")


# --8<-- [end:gain_body]


# --8<-- [start:xavier]
def xavier_uniform_(
    tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    # --8<-- [end:xavier]
    """Fills ``tensor`` from U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Args:
        tensor: The weight to fill, at least 2-dimensional.
        gain: The scaling factor, e.g. from [`calculate_gain`][nnzero.init.calculate_gain].
        generator: The random number generator to draw from.

    Returns:
        ``tensor``, filled in place.
    """
    # --8<-- [start:xavier_body]
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # U(-a, a) has variance a**2 / 3
    with torch.no_grad():
        return tensor.uniform_(-bound, bound, generator=generator)
    # --8<-- [end:xavier_body]


# --8<-- [start:xavier_normal]
def xavier_normal_(
    tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    # --8<-- [end:xavier_normal]
    """Fills ``tensor`` from N(0, std²) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Args:
        tensor: The weight to fill, at least 2-dimensional.
        gain: The scaling factor, e.g. from [`calculate_gain`][nnzero.init.calculate_gain].
        generator: The random number generator to draw from.

    Returns:
        ``tensor``, filled in place.
    """
    # --8<-- [start:xavier_normal_body]
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    with torch.no_grad():
        return tensor.normal_(0.0, std, generator=generator)


# --8<-- [end:xavier_normal_body]


def _empty(tensor: torch.Tensor) -> bool:
    """Whether ``tensor`` has no elements; warns then, as torch does: nothing to fill."""
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
    return tensor.numel() == 0


# --8<-- [start:kaiming]
def _kaiming_std(tensor: torch.Tensor, a: float, mode: str, nonlinearity: str) -> float:
    """Returns ``gain / sqrt(fan)``, the standard deviation both Kaiming fills aim for."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    if mode == "fan_in":
        fan = fan_in
    elif mode == "fan_out":
        fan = fan_out
    else:
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', not {mode!r}")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)
    # --8<-- [end:kaiming]


# --8<-- [start:kaiming_uniform]
def kaiming_uniform_(
    tensor: torch.Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    # --8<-- [end:kaiming_uniform]
    """Fills ``tensor`` from U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    Args:
        tensor: The weight to fill, at least 2-dimensional.
        a: The negative slope of the leaky ReLU that follows (0 means ReLU).
        mode: ``"fan_in"`` keeps the variance of the forward signal,
            ``"fan_out"`` that of the backward gradients.
        nonlinearity: The nonlinearity after this layer, for the gain.
        generator: The random number generator to draw from.

    Returns:
        ``tensor``, filled in place.

    Raises:
        ValueError: If ``mode`` or ``nonlinearity`` is unknown.
    """
    if _empty(tensor):  # torch warns and leaves it alone
        return tensor
    # --8<-- [start:kaiming_uniform_body]
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    bound = math.sqrt(3.0) * std
    with torch.no_grad():
        return tensor.uniform_(-bound, bound, generator=generator)
    # --8<-- [end:kaiming_uniform_body]


# --8<-- [start:kaiming_normal]
def kaiming_normal_(
    tensor: torch.Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    # --8<-- [end:kaiming_normal]
    """Fills ``tensor`` from N(0, std²) with ``std = gain / sqrt(fan)``.

    Args:
        tensor: The weight to fill, at least 2-dimensional.
        a: The negative slope of the leaky ReLU that follows (0 means ReLU).
        mode: ``"fan_in"`` or ``"fan_out"``, as in
            [`kaiming_uniform_`][nnzero.init.kaiming_uniform_].
        nonlinearity: The nonlinearity after this layer, for the gain.
        generator: The random number generator to draw from.

    Returns:
        ``tensor``, filled in place.

    Raises:
        ValueError: If ``mode`` or ``nonlinearity`` is unknown.
    """
    if _empty(tensor):  # torch warns and leaves it alone
        return tensor
    # --8<-- [start:kaiming_normal_body]
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    with torch.no_grad():
        return tensor.normal_(0.0, std, generator=generator)


# --8<-- [end:kaiming_normal_body]
