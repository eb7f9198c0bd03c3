"""A neural network made of scalar [`Value`][nnzero.engine.Value] objects.

This is micrograd's network: a [`ScalarNeuron`][nnzero.scalar_nn.ScalarNeuron] is a
weighted sum of its inputs plus a bias, passed through a nonlinearity; a
[`ScalarLayer`][nnzero.scalar_nn.ScalarLayer] is a list of neurons that all see the
same inputs; a [`ScalarMLP`][nnzero.scalar_nn.ScalarMLP] is a list of layers. Every
weight is a separate ``Value``, so it is slow, but every step of the computation
can be followed by hand. The tensor versions of the same pieces are
[`nnzero.neuron.Neuron`][nnzero.neuron.Neuron] and [`nnzero.layers`][nnzero.layers].

Taught in [chapter 4](../ch04_autograd.md).
"""

# --8<-- [start:module]
from __future__ import annotations

import random
from collections.abc import Sequence

from nnzero.engine import Number, Value


class ScalarModule:
    """The common base: a module owns parameters and can zero their gradients."""

    def parameters(self) -> list[Value]:
        """Returns the trainable values of this module (none by default)."""
        return []

    def zero_grad(self) -> None:
        """Sets the gradient of every parameter back to 0."""
        for p in self.parameters():
            p.grad = 0.0


# --8<-- [end:module]


# --8<-- [start:neuron]
class ScalarNeuron(ScalarModule):
    """One neuron: ``act(w · x + b)``.

    Args:
        nin: The number of inputs.
        nonlin: Whether to apply ReLU to the weighted sum (False gives a
            linear neuron, used for the last layer).
        rng: The random number generator for the initial weights, which are
            drawn uniformly from [-1, 1]; the bias starts at 0.
    """

    def __init__(self, nin: int, nonlin: bool = True, rng: random.Random | None = None) -> None:
        rng = rng or random.Random()
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        """Returns the neuron's output for the inputs ``x``."""
        act = self.b
        for wi, xi in zip(self.w, x, strict=True):
            act = act + wi * xi
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        """Returns the weights followed by the bias."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


# --8<-- [end:neuron]


# --8<-- [start:layer]
class ScalarLayer(ScalarModule):
    """A layer of ``nout`` neurons, each connected to all ``nin`` inputs.

    Args:
        nin: The number of inputs.
        nout: The number of neurons, hence of outputs.
        nonlin: Whether the neurons apply ReLU.
        rng: The random number generator for the initial weights.
    """

    def __init__(
        self, nin: int, nout: int, nonlin: bool = True, rng: random.Random | None = None
    ) -> None:
        rng = rng or random.Random()
        self.neurons = [ScalarNeuron(nin, nonlin=nonlin, rng=rng) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | Number]) -> list[Value]:
        """Returns the outputs of all neurons for the inputs ``x``."""
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        """Returns the parameters of all neurons, neuron by neuron."""
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"ScalarLayer of [{', '.join(str(n) for n in self.neurons)}]"


# --8<-- [end:layer]


# --8<-- [start:mlp]
class ScalarMLP(ScalarModule):
    """A multilayer perceptron: ReLU layers followed by one linear layer.

    Args:
        nin: The number of inputs.
        nouts: The sizes of the layers; the last one is the number of outputs.
        rng: The random number generator for the initial weights. Pass
            ``random.Random(seed)`` for a reproducible network.
    """

    def __init__(self, nin: int, nouts: Sequence[int], rng: random.Random | None = None) -> None:
        rng = rng or random.Random()
        sizes = [nin, *nouts]
        self.layers = [
            ScalarLayer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, rng=rng)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | Number]) -> list[Value]:
        """Returns the network's outputs for the inputs ``x``."""
        out = self.layers[0](x)
        for layer in self.layers[1:]:
            out = layer(out)
        return out

    def parameters(self) -> list[Value]:
        """Returns the parameters of all layers, in order."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"ScalarMLP of [{', '.join(str(layer) for layer in self.layers)}]"


# --8<-- [end:mlp]
