"""Optimizers written out by hand: SGD, RMSprop, Adam and AdamW.

Each one follows the update formulas of ``torch.optim`` (single-tensor
version) step for step, with the same defaults and the same checks on its
arguments, so that after any number of steps the parameters agree with
torch's. The optimizers work on tensors whose ``.grad`` was filled by
``backward()``; the update itself runs under ``torch.no_grad()``.

Taught in [chapter 9](../ch09_optimizers.md).
"""

# --8<-- [start:imports]
from collections.abc import Iterable

import torch

# --8<-- [end:imports]
from nnzero._torch_args import init_subset_of


# --8<-- [start:optimizer]
class Optimizer:
    # --8<-- [end:optimizer]
    """The common base: holds the parameters and clears their gradients.

    Args:
        params: The tensors to optimize (each with ``requires_grad=True``).

    Raises:
        ValueError: If ``params`` is empty.
        TypeError: If ``params`` holds something other than tensors.
    """

    # --8<-- [start:optimizer_init]
    def __init__(self, params: Iterable[torch.Tensor]) -> None:
        self.params = list(params)
        # --8<-- [end:optimizer_init]
        if not self.params:
            raise ValueError("params: optimizer got an empty parameter list")
        if not all(isinstance(p, torch.Tensor) for p in self.params):
            raise TypeError("params: parameter groups (dicts) are torch-only; pass tensors")

    # --8<-- [start:optimizer_methods]
    def zero_grad(self) -> None:
        """Sets every parameter's gradient to ``None``, as torch does by default."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Updates the parameters from their gradients once."""
        raise NotImplementedError


# --8<-- [end:optimizer_methods]


def _check(condition: bool, name: str, value: object, rule: str) -> None:
    """Raises ``ValueError`` naming the argument if ``condition`` is false."""
    if not condition:
        raise ValueError(f"Invalid {name}: {value!r} ({name} must be {rule})")


# --8<-- [start:sgd]
class SGD(Optimizer):
    # --8<-- [end:sgd]
    """Stochastic gradient descent with optional momentum and weight decay.

    With gradient ``g`` and weight decay ``wd`` the step is:

        g = g + wd * p
        buf = g                                      (first step)
        buf = momentum * buf + (1 - dampening) * g   (later steps)
        g = g + momentum * buf   if nesterov   else   buf
        p = p - lr * g

    Args:
        params: The tensors to optimize.
        lr: The learning rate.
        momentum: The momentum factor, in [0, 1).
        dampening: How much of the new gradient is damped in the momentum buffer.
        weight_decay: The L2 penalty coefficient.
        nesterov: Whether to use Nesterov momentum (needs momentum > 0 and
            dampening = 0).

    Raises:
        ValueError: If an argument is out of range.
    """

    # --8<-- [start:sgd_init]
    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        # --8<-- [end:sgd_init]
        _check(lr >= 0, "lr", lr, "non-negative")
        _check(0 <= momentum < 1, "momentum", momentum, "in [0, 1)")
        _check(weight_decay >= 0, "weight_decay", weight_decay, "non-negative")
        _check(
            not nesterov or (momentum > 0 and dampening == 0),
            "nesterov",
            nesterov,
            "False unless momentum > 0 and dampening = 0",
        )
        # --8<-- [start:sgd_fields]
        super().__init__(params)
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.momentum_buffers: list[torch.Tensor | None] = [None] * len(self.params)
        # --8<-- [end:sgd_fields]

    # --8<-- [start:sgd_step]
    @torch.no_grad()
    def step(self) -> None:
        """Takes one SGD step for every parameter that has a gradient."""
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad
            if self.weight_decay != 0:
                g = g + self.weight_decay * p
            # --8<-- [start:sgd_momentum]
            if self.momentum != 0:
                buf = self.momentum_buffers[i]
                if buf is None:  # the first step: the buffer starts as the gradient
                    buf = self.momentum_buffers[i] = g.clone()
                else:  # buf = momentum * buf + (1 - dampening) * g, updated in place
                    buf.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
                g = g + self.momentum * buf if self.nesterov else buf
            # --8<-- [end:sgd_momentum]
            p.add_(g, alpha=-self.lr)  # p = p - lr * g, in place


# --8<-- [end:sgd_step]


# --8<-- [start:rmsprop]
class RMSprop(Optimizer):
    # --8<-- [end:rmsprop]
    """RMSprop: divide the gradient by a running root mean square of its past values.

    With gradient ``g`` the step is:

        g = g + wd * p
        v = alpha * v + (1 - alpha) * g ** 2          (v starts at 0)
        avg = sqrt(v) + eps
        p = p - lr * g / avg                          (no momentum)
        buf = momentum * buf + g / avg;  p = p - lr * buf   (with momentum)

    In the centered version a running mean ``m`` of the gradient is kept too
    and ``avg = sqrt(v - m ** 2) + eps``.

    Args:
        params: The tensors to optimize.
        lr: The learning rate.
        alpha: The smoothing constant of the running averages, in [0, 1].
        eps: Added to the denominator to avoid division by zero.
        weight_decay: The L2 penalty coefficient.
        momentum: The momentum factor, in [0, 1).
        centered: Whether to normalize by the estimated variance instead of
            the raw second moment.

    Raises:
        ValueError: If an argument is out of range.
    """

    # --8<-- [start:rmsprop_init]
    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        # --8<-- [end:rmsprop_init]
        _check(lr >= 0, "lr", lr, "non-negative")
        _check(0 <= alpha <= 1, "alpha", alpha, "in [0, 1]")
        _check(eps >= 0, "eps", eps, "non-negative")
        _check(weight_decay >= 0, "weight_decay", weight_decay, "non-negative")
        _check(0 <= momentum < 1, "momentum", momentum, "in [0, 1)")
        # --8<-- [start:rmsprop_fields]
        super().__init__(params)
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.centered = centered
        self.square_avgs = [torch.zeros_like(p) for p in self.params]
        self.grad_avgs = [torch.zeros_like(p) for p in self.params]
        self.momentum_buffers = [torch.zeros_like(p) for p in self.params]
        # --8<-- [end:rmsprop_fields]

    # --8<-- [start:rmsprop_step]
    @torch.no_grad()
    def step(self) -> None:
        """Takes one RMSprop step for every parameter that has a gradient."""
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad
            if self.weight_decay != 0:
                g = g + self.weight_decay * p
            v = self.alpha * self.square_avgs[i] + (1 - self.alpha) * g * g
            self.square_avgs[i] = v
            if self.centered:
                m = self.grad_avgs[i] + (1 - self.alpha) * (g - self.grad_avgs[i])
                self.grad_avgs[i] = m
                avg = (v - m * m).sqrt() + self.eps
            else:
                avg = v.sqrt() + self.eps
            if self.momentum > 0:
                buf = self.momentum * self.momentum_buffers[i] + g / avg
                self.momentum_buffers[i] = buf
                p -= self.lr * buf
            else:
                p -= self.lr * g / avg


# --8<-- [end:rmsprop_step]


# --8<-- [start:adam]
class Adam(Optimizer):
    # --8<-- [end:adam]
    """Adam: momentum on the gradient, scaled by a running RMS of the gradient.

    At step ``t`` (counting from 1) with gradient ``g``:

        g = g + wd * p                                  (L2 weight decay)
        m = beta1 * m + (1 - beta1) * g                 (m, v start at 0)
        v = beta2 * v + (1 - beta2) * g ** 2
        p = p - lr / (1 - beta1 ** t) * m / (sqrt(v) / sqrt(1 - beta2 ** t) + eps)

    which is ``p - lr * m_hat / (sqrt(v_hat) + eps)`` with the bias-corrected
    moments ``m_hat = m / (1 - beta1 ** t)``, ``v_hat = v / (1 - beta2 ** t)``,
    computed in the same order as torch computes it.

    Args:
        params: The tensors to optimize.
        lr: The learning rate.
        betas: The decay rates of the first and second moment, each in [0, 1).
        eps: Added to the denominator to avoid division by zero.
        weight_decay: The L2 penalty coefficient (added to the gradient).

    Raises:
        ValueError: If an argument is out of range.
    """

    # --8<-- [start:adam_init]
    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        # --8<-- [end:adam_init]
        _check(lr >= 0, "lr", lr, "non-negative")
        _check(0 <= betas[0] < 1, "betas[0]", betas[0], "in [0, 1)")
        _check(0 <= betas[1] < 1, "betas[1]", betas[1], "in [0, 1)")
        _check(eps >= 0, "eps", eps, "non-negative")
        _check(weight_decay >= 0, "weight_decay", weight_decay, "non-negative")
        # --8<-- [start:adam_fields]
        super().__init__(params)
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.steps = [0] * len(self.params)
        self.exp_avgs = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in self.params]
        # --8<-- [end:adam_fields]

    # --8<-- [start:adam_step]
    @torch.no_grad()
    def step(self) -> None:
        """Takes one Adam step for every parameter that has a gradient."""
        beta1, beta2 = self.betas
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            self.steps[i] += 1
            t = self.steps[i]
            g = p.grad
            # --8<-- [start:adam_weight_decay]
            if self.weight_decay != 0:
                if self.decoupled_weight_decay:
                    p *= 1 - self.lr * self.weight_decay  # AdamW: shrink the weights directly
                else:
                    g = g + self.weight_decay * p  # Adam: L2 penalty in the gradient
            # --8<-- [end:adam_weight_decay]
            m = beta1 * self.exp_avgs[i] + (1 - beta1) * g
            v = beta2 * self.exp_avg_sqs[i] + (1 - beta2) * g * g
            self.exp_avgs[i], self.exp_avg_sqs[i] = m, v
            step_size = self.lr / (1 - beta1**t)
            denom = v.sqrt() / (1 - beta2**t) ** 0.5 + self.eps
            p -= step_size * m / denom


# --8<-- [end:adam_step]


# --8<-- [start:adamw]
class AdamW(Adam):
    # --8<-- [end:adamw]
    """Adam with decoupled weight decay (Loshchilov and Hutter).

    Instead of adding ``wd * p`` to the gradient, where Adam's scaling would
    weaken it for parameters with large gradients, each step first shrinks the
    weights: ``p = p * (1 - lr * wd)``. The rest is exactly [`Adam`][nnzero.optim.Adam].

    Args:
        params: The tensors to optimize.
        lr: The learning rate.
        betas: The decay rates of the first and second moment, each in [0, 1).
        eps: Added to the denominator to avoid division by zero.
        weight_decay: The decoupled weight decay coefficient.

    Raises:
        ValueError: If an argument is out of range.
    """

    # --8<-- [start:adamw_body]
    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


# --8<-- [end:adamw_body]


# torch's arguments that the course leaves out: passing one raises TypeError naming it.
_COMMON: dict[str, object] = {"foreach": None, "maximize": False, "differentiable": False}
_ADAM: dict[str, object] = {"amsgrad": False, "capturable": False, "fused": None, **_COMMON}
init_subset_of(SGD, "torch.optim.SGD", None, fused=None, **_COMMON)
init_subset_of(RMSprop, "torch.optim.RMSprop", None, capturable=False, **_COMMON)
init_subset_of(Adam, "torch.optim.Adam", None, decoupled_weight_decay=False, **_ADAM)
init_subset_of(AdamW, "torch.optim.AdamW", None, **_ADAM)
