"""Backpropagation by hand for Linear → ReLU → Linear → cross-entropy.

The network, for a batch ``X`` of N samples, with weights laid out like
``torch.nn.Linear``'s (``(out_features, in_features)``):

    Z1 = X @ W1.T + b1        hidden pre-activations, (N, H)
    A1 = relu(Z1)             hidden activations, (N, H)
    Z2 = A1 @ W2.T + b2       logits, (N, C)
    L  = mean_i -log softmax(Z2)[i, y_i]

[`forward`][nnzero.backprop.forward] computes the loss and keeps what the backward
pass needs; [`backward`][nnzero.backprop.backward] applies the chain rule one matrix
formula at a time, from the loss back to the inputs.
[`MLPCrossEntropy`][nnzero.backprop.MLPCrossEntropy] wraps the two as a
``torch.autograd.Function``, so autograd can use the hand-written gradients. ReLU,
softmax and the loss are the library's own
([`relu`][nnzero.neuron.relu], [`softmax`][nnzero.losses.softmax],
[`cross_entropy`][nnzero.losses.cross_entropy]).

Taught in [chapter 7](../ch07_backprop.md).
"""

# --8<-- [start:imports]
from typing import Any, NamedTuple

import torch

from nnzero.losses import cross_entropy, softmax
from nnzero.neuron import relu

# --8<-- [end:imports]


# --8<-- [start:cache]
class Cache(NamedTuple):
    """What [`forward`][nnzero.backprop.forward] keeps for [`backward`][nnzero.backprop.backward].

    Attributes:
        x (torch.Tensor): The inputs, ``(N, D)``.
        w1 (torch.Tensor): The first weight, ``(H, D)``.
        w2 (torch.Tensor): The second weight, ``(C, H)``.
        z1 (torch.Tensor): The hidden pre-activations, ``(N, H)``.
        a1 (torch.Tensor): The hidden activations ``relu(z1)``, ``(N, H)``.
        probs (torch.Tensor): The softmax of the logits, ``(N, C)``.
        target (torch.Tensor): The class indices, ``(N,)``.
    """

    x: torch.Tensor
    w1: torch.Tensor
    w2: torch.Tensor
    z1: torch.Tensor
    a1: torch.Tensor
    probs: torch.Tensor
    target: torch.Tensor


class Gradients(NamedTuple):
    """The derivatives of the loss with respect to the input and every parameter.

    Attributes:
        x (torch.Tensor): dL/dX, shaped like the inputs.
        w1 (torch.Tensor): dL/dW1, shaped like ``w1``.
        b1 (torch.Tensor): dL/db1, shaped like ``b1``.
        w2 (torch.Tensor): dL/dW2, shaped like ``w2``.
        b2 (torch.Tensor): dL/db2, shaped like ``b2``.
    """

    x: torch.Tensor
    w1: torch.Tensor
    b1: torch.Tensor
    w2: torch.Tensor
    b2: torch.Tensor


# --8<-- [end:cache]


# --8<-- [start:forward]
def forward(
    x: torch.Tensor,
    w1: torch.Tensor,
    b1: torch.Tensor,
    w2: torch.Tensor,
    b2: torch.Tensor,
    target: torch.Tensor,
) -> tuple[torch.Tensor, Cache]:
    """Computes the mean cross-entropy loss of the two-layer network.

    Args:
        x: Inputs, shape ``(N, D)``.
        w1: First weight, shape ``(H, D)``.
        b1: First bias, shape ``(H,)``.
        w2: Second weight, shape ``(C, H)``.
        b2: Second bias, shape ``(C,)``.
        target: The class indices, shape ``(N,)``.

    Returns:
        The scalar loss and the cache for [`backward`][nnzero.backprop.backward].
    """
    z1 = x @ w1.T + b1
    a1 = relu(z1)
    z2 = a1 @ w2.T + b2
    loss = cross_entropy(z2, target)
    probs = softmax(z2)  # the backward pass starts from the probabilities
    return loss, Cache(x, w1, w2, z1, a1, probs, target)


# --8<-- [end:forward]


# --8<-- [start:backward]
def backward(cache: Cache) -> Gradients:
    """Computes the gradient of the loss by the chain rule, layer by layer.

    Args:
        cache: What [`forward`][nnzero.backprop.forward] kept.

    Returns:
        dL/dX, dL/dW1, dL/db1, dL/dW2, dL/db2.
    """
    x, w1, w2, z1, a1, probs, target = cache
    n = x.shape[0]
    # Softmax + cross-entropy: dL/dZ2 = (softmax(Z2) - onehot(y)) / N.
    one_hot = torch.zeros_like(probs)
    one_hot[torch.arange(n), target] = 1.0
    dz2 = (probs - one_hot) / n  # (N, C)
    # Z2 = A1 @ W2.T + b2
    dw2 = dz2.T @ a1  # (C, H)
    db2 = dz2.sum(dim=0)  # (C,)
    da1 = dz2 @ w2  # (N, H)
    # A1 = relu(Z1): the gradient passes where Z1 > 0 and stops elsewhere.
    dz1 = da1 * (z1 > 0)  # (N, H)
    # Z1 = X @ W1.T + b1
    dw1 = dz1.T @ x  # (H, D)
    db1 = dz1.sum(dim=0)  # (H,)
    dx = dz1 @ w1  # (N, D)
    return Gradients(dx, dw1, db1, dw2, db2)


# --8<-- [end:backward]


# --8<-- [start:autograd_function]
class MLPCrossEntropy(torch.autograd.Function):
    """The same network as a ``torch.autograd.Function`` with the hand-written backward.

    Call it as ``MLPCrossEntropy.apply(x, w1, b1, w2, b2, target)`` (or use
    [`mlp_cross_entropy`][nnzero.backprop.mlp_cross_entropy]); then ``loss.backward()``
    fills the ``.grad`` of every input that requires it using
    [`backward`][nnzero.backprop.backward] instead of autograd's own derivation.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        w1: torch.Tensor,
        b1: torch.Tensor,
        w2: torch.Tensor,
        b2: torch.Tensor,
        target: torch.Tensor,
    ) -> torch.Tensor:
        """Returns the loss and stores the cache on ``ctx``."""
        loss, cache = forward(x, w1, b1, w2, b2, target)
        ctx.cache = cache
        return loss

    @staticmethod
    def backward(ctx: Any, grad_loss: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        """Returns the gradients of the inputs, scaled by the incoming ``grad_loss``."""
        grads = backward(ctx.cache)
        return (
            grad_loss * grads.x,
            grad_loss * grads.w1,
            grad_loss * grads.b1,
            grad_loss * grads.w2,
            grad_loss * grads.b2,
            None,  # the integer target has no gradient
        )


# --8<-- [end:autograd_function]


def mlp_cross_entropy(
    x: torch.Tensor,
    w1: torch.Tensor,
    b1: torch.Tensor,
    w2: torch.Tensor,
    b2: torch.Tensor,
    target: torch.Tensor,
) -> torch.Tensor:
    """Returns the loss of [`MLPCrossEntropy`][nnzero.backprop.MLPCrossEntropy], a typed ``apply``.

    Args:
        x: Inputs, shape ``(N, D)``.
        w1: First weight, shape ``(H, D)``.
        b1: First bias, shape ``(H,)``.
        w2: Second weight, shape ``(C, H)``.
        b2: Second bias, shape ``(C,)``.
        target: The class indices, shape ``(N,)``.

    Returns:
        The scalar loss, differentiable through the hand-written backward.
    """
    loss: torch.Tensor = MLPCrossEntropy.apply(  # type: ignore[no-untyped-call]
        x, w1, b1, w2, b2, target
    )
    return loss
