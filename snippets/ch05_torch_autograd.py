# Chapter 5. Autograd in PyTorch.
# Run from the repository root: python snippets/ch05_torch_autograd.py

# %%
# --8<-- [start:imports]
import matplotlib.pyplot as plt
import torch

from nnzero.calculus import numerical_gradient
from nnzero.engine import Value

torch.set_default_dtype(torch.float64)  # double precision everywhere
torch.manual_seed(0)
# --8<-- [end:imports]

# %%
# --8<-- [start:requires_grad]
w = torch.tensor([0.5, -1.0], requires_grad=True)  # weights: we want their gradient
b = torch.tensor(0.25, requires_grad=True)  # the bias, likewise
x = torch.tensor([2.0, 3.0])  # an input: just data
target = torch.tensor(1.0)

z = w @ x + b
prediction = torch.sigmoid(z)
loss = (prediction - target) ** 2

for name, t in [("w", w), ("b", b), ("x", x), ("z", z), ("loss", loss)]:
    print(f"{name:<4}  requires_grad={t.requires_grad!s:<5}  is_leaf={t.is_leaf}")
# --8<-- [end:requires_grad]


# %%
# --8<-- [start:grad_fn]
def show_graph(node, depth=0):
    """Prints a node of the recorded graph and, indented below it, the nodes it came from."""
    print("    " * depth + node.name())
    for parent, _ in node.next_functions:
        if parent is not None:  # None: an input that needs no gradient, such as x
            show_graph(parent, depth + 1)


show_graph(loss.grad_fn)
# --8<-- [end:grad_fn]

# %%
# --8<-- [start:backward]
loss.backward()
print("w.grad:", w.grad)
print("b.grad:", b.grad)
print("x.grad:", x.grad)

# The chain rule by hand: dloss/dz = 2 (p - t) * p (1 - p), and dz/dw = x, dz/db = 1.
p = prediction.item()
dloss_dz = 2 * (p - target.item()) * p * (1 - p)
print("by hand:", [dloss_dz * xi for xi in x.tolist()], dloss_dz)
# --8<-- [end:backward]


# %%
# --8<-- [start:accumulation]
def square_loss(w):
    return (w @ x + b - target) ** 2


w = torch.tensor([0.5, -1.0], requires_grad=True)
for call in range(1, 4):
    square_loss(w).backward()  # a fresh graph each time, the same .grad to add to
    print(f"after backward() #{call}: w.grad = {w.grad}")
# --8<-- [end:accumulation]

# %%
# --8<-- [start:zero_grad]
w.grad = None  # what optimizer.zero_grad() does by default
square_loss(w).backward()
print("after w.grad = None and one backward():", w.grad)

w.grad.zero_()  # the other way: keep the tensor, fill it with zeros
print("after w.grad.zero_():", w.grad)
# --8<-- [end:zero_grad]

# %%
# --8<-- [start:accumulate_halves]
inputs = torch.randn(8, 2)
targets = torch.randn(8)


def batch_loss(w, inputs, targets):
    return ((inputs @ w - targets) ** 2).mean()


w = torch.tensor([0.5, -1.0], requires_grad=True)
batch_loss(w, inputs, targets).backward()
whole_batch = w.grad.clone()

w.grad = None
for half in [slice(0, 4), slice(4, 8)]:  # two halves, two backward() calls, no zeroing
    (batch_loss(w, inputs[half], targets[half]) / 2).backward()
print("whole batch:", whole_batch)
print("two halves: ", w.grad)
print(f"max abs difference: {(whole_batch - w.grad).abs().max().item():.1e}")
# --8<-- [end:accumulate_halves]

# %%
# --8<-- [start:update_step]
w = torch.tensor([0.5, -1.0], requires_grad=True)
batch_loss(w, inputs, targets).backward()
with torch.no_grad():  # the update itself is not part of the model
    w -= 0.1 * w.grad
print("w after one step:", w)
print(f"requires_grad={w.requires_grad}  is_leaf={w.is_leaf}  grad_fn={w.grad_fn}")
# --8<-- [end:update_step]


# %%
# --8<-- [start:training_loop]
def train(zero_grad, steps=60, lr=0.1):
    """Gradient descent on batch_loss; returns the loss after every step."""
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    losses = []
    for _ in range(steps):
        if zero_grad:
            w.grad = None
        loss = batch_loss(w, inputs, targets)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        losses.append(batch_loss(w, inputs, targets).item())
    return losses


with_zeroing = train(zero_grad=True)
without_zeroing = train(zero_grad=False)
last = without_zeroing[-20:]
print(f"with zeroing:    loss after {len(with_zeroing)} steps {with_zeroing[-1]:.4f}")
print(f"without zeroing: last 20 losses between {min(last):.4f} and {max(last):.4f}")
settled = with_zeroing[-20:]
print(f"with zeroing:    last 20 losses between {min(settled):.4f} and {max(settled):.4f}")

plt.figure(figsize=(6, 3.5))
plt.plot(range(1, len(with_zeroing) + 1), with_zeroing, ".-", label="gradients zeroed")
plt.plot(range(1, len(without_zeroing) + 1), without_zeroing, ".-", label="gradients accumulated")
plt.xlabel("step")
plt.ylabel("loss")
plt.ylim(0, 4.3)
plt.title("Gradient descent with and without zeroing")
plt.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
plt.show()
# --8<-- [end:training_loop]

# %%
# --8<-- [start:evaluation]
w = torch.tensor([0.5, -1.0], requires_grad=True)
with torch.no_grad():
    loss = batch_loss(w, inputs, targets)
print(f"loss {loss.item():.4f}  requires_grad={loss.requires_grad}  grad_fn={loss.grad_fn}")
# --8<-- [end:evaluation]

# %%
# --8<-- [start:detach]
w = torch.tensor([0.5, -1.0], requires_grad=True)
frozen = w.detach()
print(f"frozen: requires_grad={frozen.requires_grad}  is_leaf={frozen.is_leaf}")
print("shares memory with w:", frozen.data_ptr() == w.data_ptr())
print("as NumPy:", frozen.numpy())

a = torch.tensor(3.0, requires_grad=True)
(through_both,) = torch.autograd.grad(a * a, a)  # d(a*a)/da = 2a
(through_one,) = torch.autograd.grad(a * a.detach(), a)  # the second factor is a constant
print(f"gradient of a * a: {through_both.item()}, of a * a.detach(): {through_one.item()}")
# --8<-- [end:detach]


# %%
# --8<-- [start:dynamic_graph]
def shrink_then_score(x):
    """Halves x until its squares sum to at most 1, then scores it one of two ways."""
    while (x**2).sum() > 1:  # how many times this runs depends on the data
        x = x * 0.5
    if x.sum() > 0:  # and so does which branch is taken
        return torch.tanh(x.sum())
    return (x**2).sum()


for start in [[1.5, 0.5], [3.0, -5.0]]:
    x = torch.tensor(start, requires_grad=True)
    print(f"x = {start}:")
    show_graph(shrink_then_score(x).grad_fn, depth=1)
# --8<-- [end:dynamic_graph]

# %%
# --8<-- [start:dynamic_check]
for start in [[1.5, 0.5], [3.0, -5.0], [0.3, 0.4], [-40.0, 7.0]]:
    x = torch.tensor(start, requires_grad=True)
    shrink_then_score(x).backward()
    numeric = numerical_gradient(shrink_then_score, x)
    difference = (x.grad - numeric).abs().max().item()
    print(f"x = {start}: autograd {x.grad.numpy().round(6)}, max abs difference {difference:.0e}")
# --8<-- [end:dynamic_check]

# %%
# --8<-- [start:same_scratch]
x1, x2 = Value(2.0), Value(3.0)
w1, w2, bias = Value(0.5), Value(-1.0), Value(0.25)
z = x1 * w1 + x2 * w2 + bias
loss = (z.tanh() - 1.0) ** 2 + 0.1 * (w1 * w1 + w2 * w2)
loss.backward()
scratch_grads = [w1.grad, w2.grad, bias.grad]
print("Value:", scratch_grads)
# --8<-- [end:same_scratch]

# %%
# --8<-- [start:same_torch]
x = torch.tensor([2.0, 3.0])
w = torch.tensor([0.5, -1.0], requires_grad=True)
bias = torch.tensor(0.25, requires_grad=True)
z = x @ w + bias
loss = (torch.tanh(z) - 1.0) ** 2 + 0.1 * (w * w).sum()
loss.backward()
torch_grads = [*w.grad.tolist(), bias.grad.item()]
print("torch:", torch_grads)
# --8<-- [end:same_torch]

# %%
# --8<-- [start:same_difference]
difference = max(abs(s - t) for s, t in zip(scratch_grads, torch_grads, strict=True))
print(f"max abs difference: {difference:.1e}")
# --8<-- [end:same_difference]

# %%
# --8<-- [start:non_scalar]
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x**2  # three numbers, not one
try:
    y.backward()
except RuntimeError as error:
    print("RuntimeError:", error)

y.backward(gradient=torch.ones(3))  # the same as y.sum().backward()
print("gradient=ones(3):     x.grad =", x.grad)

x.grad = None
(x**2).backward(gradient=torch.tensor([1.0, 0.0, 0.0]))  # only the first output counts
print("gradient=[1, 0, 0]:   x.grad =", x.grad)
# --8<-- [end:non_scalar]

# %%
# --8<-- [start:exercise_1]
from nnzero.exercises.ch05 import check_1

# Two calls of sum(w**2): 2 * 2w each; one call of 3 * sum(w): 3 each. They add up.
w_values = torch.tensor([1.0, -2.0])
predicted_grad = 2 * (2 * w_values) + 3
check_1(predicted_grad)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
from nnzero.exercises.ch05 import check_2


def gradient(f, x):
    """The gradient of the scalar f(x) with respect to x; nobody's .grad is touched."""
    leaf = x.detach().requires_grad_(True)  # a new leaf over the same numbers
    (grad,) = torch.autograd.grad(f(leaf), leaf)
    return grad


check_2(gradient)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3_broken]
def sgd_step_broken(params, lr):
    for p in params:
        p -= lr * p.grad


w = torch.tensor([0.5, -1.0], requires_grad=True)
batch_loss(w, inputs, targets).backward()
try:
    sgd_step_broken([w], lr=0.1)
except RuntimeError as error:
    print("RuntimeError:", error)
# --8<-- [end:exercise_3_broken]


# %%
# --8<-- [start:exercise_3]
from nnzero.exercises.ch05 import check_3


def sgd_step(params, lr):
    """One step of gradient descent, in place, then clears the gradients."""
    with torch.no_grad():  # the update must not be recorded in the graph
        for p in params:
            p -= lr * p.grad
    for p in params:
        p.grad = None


check_3(sgd_step)
# --8<-- [end:exercise_3]
