"""A scalar automatic-differentiation engine in the style of micrograd.

A [`Value`][nnzero.engine.Value] holds one number and remembers how it was
computed. Calling [`Value.backward`][nnzero.engine.Value.backward] on the final
result walks that record backwards and
fills in ``.grad`` for every value that took part: the derivative of the
result with respect to that value (the chain rule, applied node by node).

Each operation is written with its gradient rule right next to it, as a small
``_backward`` closure that adds the local derivative times ``out.grad`` to the
gradients of the inputs. Adding (``+=``) rather than assigning is what makes a
value that is used several times receive the sum of all its contributions.

A ``Value`` computes in Python floats, not tensors: where a float operation
divides by zero or overflows, Python raises ``ZeroDivisionError`` or
``OverflowError`` where torch would return ``inf`` or ``nan``. For example
``a / b`` with ``b == 0``, or the gradient of ``a / b`` for ``|b|`` below about
1e-154 (it needs ``b ** -2``).

Taught in [chapter 4](../ch04_autograd.md).
"""

# --8<-- [start:value_class]
from __future__ import annotations

import math
from collections.abc import Callable

Number = int | float


class Value:
    """One scalar number in a computation graph, with its gradient.

    Attributes:
        data (float): The number itself.
        grad (float): The derivative of the value that ``backward`` was called on
            with respect to this one. It is 0 until ``backward`` runs.
    """

    def __init__(self, data: Number, _children: tuple[Value, ...] = (), _op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._backward: Callable[[], None] = lambda: None
        self._prev = _children
        self._op = _op

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # --8<-- [end:value_class]

    @staticmethod
    def _wrap(other: Value | Number) -> Value:
        """Turns a plain number into a constant ``Value``; leaves a ``Value`` alone."""
        return other if isinstance(other, Value) else Value(other)

    # --8<-- [start:value_add]
    def __add__(self, other: Value | Number) -> Value:
        """Returns ``self + other``; both inputs get the output's gradient unchanged."""
        other = self._wrap(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    # --8<-- [end:value_add]

    # --8<-- [start:value_mul]
    def __mul__(self, other: Value | Number) -> Value:
        """Returns ``self * other``; each input's gradient is the other input's value."""
        other = self._wrap(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    # --8<-- [end:value_mul]

    # --8<-- [start:value_pow]
    def __pow__(self, exponent: Number) -> Value:
        """Returns ``self ** exponent`` for a constant exponent: d/dx x^n = n x^(n-1)."""
        if not isinstance(exponent, int | float):
            raise TypeError("only int or float exponents are supported")
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward() -> None:
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    # --8<-- [end:value_pow]

    # --8<-- [start:value_derived_ops]
    def __neg__(self) -> Value:
        """Returns ``-self``."""
        return self * -1

    def __sub__(self, other: Value | Number) -> Value:
        """Returns ``self - other``."""
        return self + (-other)

    def __truediv__(self, other: Value | Number) -> Value:
        """Returns ``self / other``, written as ``self * other ** -1``."""
        return self * self._wrap(other) ** -1

    def __radd__(self, other: Number) -> Value:
        """Returns ``other + self`` when ``other`` is a plain number."""
        return self + other

    def __rsub__(self, other: Number) -> Value:
        """Returns ``other - self`` when ``other`` is a plain number."""
        return (-self) + other

    def __rmul__(self, other: Number) -> Value:
        """Returns ``other * self`` when ``other`` is a plain number."""
        return self * other

    def __rtruediv__(self, other: Number) -> Value:
        """Returns ``other / self`` when ``other`` is a plain number."""
        return self**-1 * other

    # --8<-- [end:value_derived_ops]

    # --8<-- [start:value_exp_log]
    def exp(self) -> Value:
        """Returns ``e ** self``; its derivative is itself.

        Raises:
            OverflowError: If ``self.data`` is above about 709.
        """
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        """Returns the natural logarithm of ``self``; its derivative is ``1 / self``.

        Raises:
            ValueError: If ``self.data`` is not positive.
        """
        out = Value(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    # --8<-- [end:value_exp_log]

    # --8<-- [start:value_activations]
    def tanh(self) -> Value:
        """Returns the hyperbolic tangent of ``self``; its derivative is ``1 - tanh ** 2``."""
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        """Returns ``max(self, 0)``; its derivative is 1 for positive inputs, else 0."""
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward() -> None:
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        """Returns ``1 / (1 + e ** -self)``; its derivative is ``s * (1 - s)``.

        The exponential is only ever taken of a non-positive number, so large
        inputs of either sign cannot overflow.
        """
        if self.data >= 0:
            s = 1 / (1 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1 + e)
        out = Value(s, (self,), "sigmoid")

        def _backward() -> None:
            self.grad += s * (1 - s) * out.grad

        out._backward = _backward
        return out

    # --8<-- [end:value_activations]

    # --8<-- [start:value_backward]
    def backward(self) -> None:
        """Fills ``.grad`` of every value this one depends on, by the chain rule.

        The graph is first put in topological order (every value after the
        values it was computed from). The walk uses an explicit stack rather
        than recursion, so graphs thousands of nodes deep are fine. Then the
        gradient of ``self`` is set to 1 and each node, from the last to the
        first, passes its gradient on to its inputs.
        """
        topo: list[Value] = []
        visited: set[Value] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                topo.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                for child in node._prev:
                    if child not in visited:
                        stack.append((child, False))

        self.grad = 1.0
        for node in reversed(topo):
            node._backward()

    # --8<-- [end:value_backward]
