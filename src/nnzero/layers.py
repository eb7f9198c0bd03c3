"""Tensor layers: the scalar network of [`nnzero.scalar_nn`][nnzero.scalar_nn], a layer at a time.

A layer is a callable object that owns its parameters: tensors with
``requires_grad=True``, so autograd computes their gradients. A
[`Sequential`][nnzero.layers.Sequential] chains layers, and
[`mlp`][nnzero.layers.mlp] builds the usual Linear → ReLU → … → Linear
network from a list of sizes.

Taught in [chapter 8](../ch08_training.md).
"""

# --8<-- [start:imports]
import math
from collections.abc import Sequence

import torch

from nnzero.init import kaiming_uniform_
from nnzero.neuron import relu

# --8<-- [end:imports]


# --8<-- [start:module]
class Module:
    """The common base: a callable that owns a list of parameters."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Computes the layer's output; every layer overrides this."""
        raise NotImplementedError

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Returns ``self.forward(x)``."""
        return self.forward(x)

    def parameters(self) -> list[torch.Tensor]:
        """Returns the trainable tensors of this module (none by default)."""
        return []

    def zero_grad(self) -> None:
        """Sets every parameter's gradient to ``None``."""
        for p in self.parameters():
            p.grad = None

    # --8<-- [end:module]

    training = True  # every module starts in training mode, as in torch

    def children(self) -> list["Module"]:
        """Returns the modules held in this module's attributes, directly or in a list."""
        found = []
        for value in vars(self).values():
            items = value if isinstance(value, list | tuple) else [value]
            found += [item for item in items if isinstance(item, Module)]
        return found

    def train(self, mode: bool = True) -> "Self":
        """Switches this module and all modules inside it to training mode, like torch's.

        Args:
            mode: ``False`` switches to evaluation mode instead.

        Returns:
            ``self``.
        """
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> "Self":
        """Switches this module and all modules inside it to evaluation mode; returns ``self``."""
        return self.train(False)


# --8<-- [start:linear]
class Linear(Module):
    # --8<-- [end:linear]
    """A fully connected layer: ``y = x @ weight.T + bias``, like ``torch.nn.Linear``.

    The weight has shape ``(out_features, in_features)``. Both weight and bias
    start uniform in ``[-1/sqrt(in_features), 1/sqrt(in_features)]``, the
    same distribution ``torch.nn.Linear`` uses (Kaiming uniform with
    ``a = sqrt(5)`` gives exactly that bound).

    Args:
        in_features: The size of each input sample.
        out_features: The size of each output sample.
        bias: Whether to add a learnable bias.
        generator: The random number generator for the initial values.
        dtype: The floating-point type of the parameters (torch's default if ``None``).

    Attributes:
        weight (torch.Tensor): The weight, shape ``(out_features, in_features)``.
        bias (torch.Tensor | None): The bias, shape ``(out_features,)``, or ``None``.
    """

    # --8<-- [start:linear_methods]
    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        self.weight = torch.empty(out_features, in_features, dtype=dtype)
        kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        self.weight.requires_grad_()
        self.bias: torch.Tensor | None = None
        if bias:
            bound = 1 / math.sqrt(in_features) if in_features > 0 else 0.0
            self.bias = torch.empty(out_features, dtype=dtype)
            self.bias.uniform_(-bound, bound, generator=generator).requires_grad_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns ``x @ weight.T + bias`` for ``x`` of shape ``(N, in_features)``."""
        out = x @ self.weight.T
        if self.bias is not None:
            out = out + self.bias
        return out

    def parameters(self) -> list[torch.Tensor]:
        """Returns ``[weight, bias]`` (or ``[weight]`` without a bias)."""
        return [self.weight] if self.bias is None else [self.weight, self.bias]


# --8<-- [end:linear_methods]


# --8<-- [start:relu]
class ReLU(Module):
    # --8<-- [end:relu]
    """The elementwise nonlinearity ``max(x, 0)`` as a layer; it has no parameters.

    It applies [`nnzero.neuron.relu`][nnzero.neuron.relu], like ``torch.nn.ReLU``.
    """

    # --8<-- [start:relu_methods]
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns ``x`` with its negative entries replaced by 0."""
        return relu(x)


# --8<-- [end:relu_methods]


# --8<-- [start:sequential]
class Sequential(Module):
    # --8<-- [end:sequential]
    """Layers applied one after another; its parameters are theirs, in order.

    Args:
        *layers: The layers, first to last.
    """

    # --8<-- [start:sequential_methods]
    def __init__(self, *layers: Module) -> None:
        self.layers = list(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Feeds ``x`` through every layer in turn."""
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[torch.Tensor]:
        """Returns the parameters of all layers, first layer first."""
        return [p for layer in self.layers for p in layer.parameters()]


# --8<-- [end:sequential_methods]


# --8<-- [start:mlp]
def mlp(
    sizes: Sequence[int],
    *,
    generator: torch.Generator | None = None,
    dtype: torch.dtype | None = None,
) -> Sequential:
    # --8<-- [end:mlp]
    """Builds a multilayer perceptron: Linear layers with a ReLU between each two.

    Args:
        sizes: The layer widths, input first and output last; e.g.
            ``[64, 64, 10]`` is Linear(64, 64) → ReLU → Linear(64, 10).
        generator: The random number generator for the initial weights.
        dtype: The floating-point type of the parameters (torch's default if ``None``).

    Returns:
        The network, as a [`Sequential`][nnzero.layers.Sequential].

    Raises:
        ValueError: If fewer than two sizes are given.
    """
    if len(sizes) < 2:
        raise ValueError("sizes must list at least the input and output widths")
    # --8<-- [start:mlp_body]
    layers: list[Module] = []
    for i in range(len(sizes) - 1):
        if i > 0:
            layers.append(ReLU())
        layers.append(Linear(sizes[i], sizes[i + 1], generator=generator, dtype=dtype))
    return Sequential(*layers)


# --8<-- [end:mlp_body]


# Argument checks and typing, kept out of the listings above (see nnzero._torch_args).
from typing import Self  # noqa: E402

from nnzero._torch_args import check_int, init_subset_of  # noqa: E402


def _check_linear(in_features: object, out_features: object, **_: object) -> None:
    check_int("nnzero.layers.Linear", "in_features", in_features, 0)
    check_int("nnzero.layers.Linear", "out_features", out_features, 0)


init_subset_of(Linear, "torch.nn.Linear", _check_linear, device=None)
