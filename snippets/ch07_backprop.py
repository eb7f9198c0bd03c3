# Chapter 7. Backpropagation with matrices.
# Run from the repository root: python snippets/ch07_backprop.py

# %%
# --8<-- [start:imports]
import torch
from torch import nn

from nnzero.backprop import Gradients, MLPCrossEntropy, backward, forward

torch.set_default_dtype(torch.float64)  # double precision everywhere
torch.manual_seed(0)
# --8<-- [end:imports]

# %%
# --8<-- [start:batch]
n, d, h, c = 6, 4, 5, 3  # samples, input features, hidden units, classes

x = torch.randn(n, d)  # one sample per row
target = torch.randint(0, c, (n,))  # the right class of each sample
w1 = torch.randn(h, d) / d**0.5  # laid out like torch.nn.Linear: (out, in)
b1 = torch.randn(h) * 0.1
w2 = torch.randn(c, h) / h**0.5
b2 = torch.randn(c) * 0.1

for name, t in [("X", x), ("W1", w1), ("b1", b1), ("W2", w2), ("b2", b2), ("y", target)]:
    print(f"{name:<3} {tuple(t.shape)}")
# --8<-- [end:batch]

# %%
# --8<-- [start:forward_pass]
loss, cache = forward(x, w1, b1, w2, b2, target)
logits = cache.a1 @ w2.T + b2

for name, t in [("Z1", cache.z1), ("A1", cache.a1), ("Z2", logits), ("P", cache.probs)]:
    print(f"{name:<3} {tuple(t.shape)}")
print(f"loss: {loss.item():.4f}")
# --8<-- [end:forward_pass]

# %%
# --8<-- [start:dlogits]
y_one_hot = nn.functional.one_hot(target, c).double()
dz2 = (cache.probs - y_one_hot) / n  # our formula

leaf = logits.clone().requires_grad_()  # autograd's answer for comparison
(dz2_autograd,) = torch.autograd.grad(nn.functional.cross_entropy(leaf, target), leaf)

print("target of sample 0:", target[0].item())
print("P[0]      ", cache.probs[0].numpy().round(4))
print("dZ2[0] * N", (n * dz2[0]).numpy().round(4))
print(f"max |ours - autograd|: {(dz2 - dz2_autograd).abs().max().item():.1e}")
# --8<-- [end:dlogits]

# %%
# --8<-- [start:relu_mask]
mask = cache.z1 > 0
da1 = dz2 @ w2
dz1 = da1 * mask

print("mask (1 where Z1 > 0):")
print(mask.int().numpy())
print("dZ1 is zero wherever the mask is 0:", (dz1[~mask] == 0).all().item())
# --8<-- [end:relu_mask]

# %%
# --8<-- [start:shape_guides]
right = dz2.T @ cache.a1  # (C, N) @ (N, H)
wrong = cache.a1.T @ dz2  # (H, N) @ (N, C)
print("W2:            ", tuple(w2.shape))
print("dZ2.T @ A1:    ", tuple(right.shape))
print("A1.T @ dZ2:    ", tuple(wrong.shape))
# --8<-- [end:shape_guides]

# %%
# --8<-- [start:gradient_shapes]
grads = backward(cache)
params = {"X": x, "W1": w1, "b1": b1, "W2": w2, "b2": b2}

print("tensor  gradient  parameter  same")
for name, param in params.items():
    grad = getattr(grads, name.lower())
    grad_shape, param_shape = str(tuple(grad.shape)), str(tuple(param.shape))
    print(f"{name:<7} {grad_shape:<9} {param_shape:<10} {grad.shape == param.shape}")
# --8<-- [end:gradient_shapes]

# %%
# --8<-- [start:scratch]
loss, cache = forward(x, w1, b1, w2, b2, target)
ours = backward(cache)
# --8<-- [end:scratch]

# %%
# --8<-- [start:torch_autograd]
leaves = [t.clone().requires_grad_() for t in (x, w1, b1, w2, b2)]
x_, w1_, b1_, w2_, b2_ = leaves
hidden = nn.functional.relu(x_ @ w1_.T + b1_)
torch_loss = nn.functional.cross_entropy(hidden @ w2_.T + b2_, target)
torch_loss.backward()
theirs = Gradients(*(t.grad for t in leaves))
# --8<-- [end:torch_autograd]

# %%
# --8<-- [start:compare]
print(f"loss: ours {loss.item():.6f}, torch {torch_loss.item():.6f}")
print(f"loss max |ours - torch| = {(loss - torch_loss).abs().item():.1e}")
for name, a, b in zip(params, ours, theirs, strict=True):
    print(f"d{name:<3} max |ours - torch| = {(a - b).abs().max().item():.1e}")
# --8<-- [end:compare]

# %%
# --8<-- [start:function_apply]
leaves = [t.clone().requires_grad_() for t in (x, w1, b1, w2, b2)]
loss = MLPCrossEntropy.apply(*leaves, target)
loss.backward()  # calls MLPCrossEntropy.backward

print("grad_fn:", type(loss.grad_fn).__name__)
for name, leaf, grad in zip(params, leaves, ours, strict=True):
    print(f"{name + '.grad':<7} is exactly ours: {torch.equal(leaf.grad, grad)}")
# --8<-- [end:function_apply]

# %%
# --8<-- [start:gradcheck]
leaves = [t.clone().requires_grad_() for t in (x, w1, b1, w2, b2)]
inputs = (*leaves, target)
print("gradcheck:", torch.autograd.gradcheck(MLPCrossEntropy.apply, inputs))
# --8<-- [end:gradcheck]


# %%
# --8<-- [start:gradcheck_catches]
class WrongSign(MLPCrossEntropy):
    """The same network with a bug: the gradient of b2 has the wrong sign."""

    @staticmethod
    def backward(ctx, grad_loss):
        dx, dw1, db1, dw2, db2, none = MLPCrossEntropy.backward(ctx, grad_loss)
        return dx, dw1, db1, dw2, -db2, none


ok = torch.autograd.gradcheck(WrongSign.apply, inputs, raise_exception=False)
print("gradcheck of the buggy backward:", ok)
# --8<-- [end:gradcheck_catches]


# %%
# --8<-- [start:cost]
def multiplications(n, d, h, c):
    """Multiplications in the matrix products of one forward and one backward pass."""
    forward_pass = n * d * h + n * h * c  # X @ W1.T, A1 @ W2.T
    backward_pass = c * n * h + n * c * h + h * n * d  # dW2, dA1, dW1
    input_grad = n * h * d  # dX, needed only when X itself requires grad
    return forward_pass, backward_pass, input_grad


for sizes in [(n, d, h, c), (64, 784, 128, 10)]:
    fwd, bwd, dx = multiplications(*sizes)
    print(f"N, D, H, C = {sizes}")
    print(f"  backward / forward: {bwd / fwd:.2f}, with dX: {(bwd + dx) / fwd:.2f}")

n_params = 784 * 128 + 128 + 128 * 10 + 10
print(f"weights and biases of the larger network: {n_params}")
print(f"forward passes for a numerical gradient: {2 * n_params}")
# --8<-- [end:cost]


# %%
# --8<-- [start:exercise_1]
def linear_backward(x, weight, grad_output):
    """Gradients of Y = X @ W.T + b given dL/dY: returns dL/dX, dL/dW, dL/db."""
    grad_x = grad_output @ weight
    grad_weight = grad_output.T @ x
    grad_bias = grad_output.sum(dim=0)
    return grad_x, grad_weight, grad_bias


from nnzero.exercises.ch07 import check_1

check_1(linear_backward)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def tanh_backward(output, grad_output):
    """Gradient of A = tanh(Z) given A and dL/dA: tanh'(z) = 1 - tanh(z)**2."""
    return grad_output * (1 - output**2)


from nnzero.exercises.ch07 import check_2

check_2(tanh_backward)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3_bug]
def backward_with_bug(cache):
    x, w1, w2, z1, a1, probs, target = cache
    n = x.shape[0]
    dz2 = (probs - nn.functional.one_hot(target, probs.shape[1])) / n
    dw2 = dz2.T @ a1
    db2 = dz2.sum(dim=0)
    dz1 = (dz2 @ w2) * (z1 > 0)
    dw1 = dz1.T @ x
    db1 = dz1.sum()
    dx = dz1 @ w1
    return Gradients(dx, dw1, db1, dw2, db2)


b1_step = b1 - 0.1 * backward_with_bug(cache).b1  # runs without an error
print("b1 after one step:", tuple(b1_step.shape))
# --8<-- [end:exercise_3_bug]


# %%
# --8<-- [start:exercise_3]
buggy = backward_with_bug(cache)
for name, param in params.items():
    grad = getattr(buggy, name.lower())
    if grad.shape != param.shape:
        print(f"d{name}: {tuple(grad.shape)}, but {name}: {tuple(param.shape)}")


def backward_fixed(cache):
    x, w1, w2, z1, a1, probs, target = cache
    n = x.shape[0]
    dz2 = (probs - nn.functional.one_hot(target, probs.shape[1])) / n
    dw2 = dz2.T @ a1
    db2 = dz2.sum(dim=0)
    dz1 = (dz2 @ w2) * (z1 > 0)
    dw1 = dz1.T @ x
    db1 = dz1.sum(dim=0)  # sum over the batch only: one number per hidden unit
    dx = dz1 @ w1
    return Gradients(dx, dw1, db1, dw2, db2)


from nnzero.exercises.ch07 import check_3

check_3(backward_fixed)
# --8<-- [end:exercise_3]
