# Chapter 4. Autograd from scratch.
# Run from the repository root: python snippets/ch04_autograd.py

# %%
# --8<-- [start:imports]
import random

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import make_moons

from nnzero.graph import draw_graph
from nnzero.scalar_nn import ScalarMLP

torch.manual_seed(0)
# --8<-- [end:imports]

# %%
# --8<-- [start:first_value]
from nnzero.engine import Value  # the whole class, from the library

a = Value(2.0)
b = Value(-3.0)
c = a * b
print(c)
print("made by:", c._op, "from", c._prev)
# --8<-- [end:first_value]

# %%
# --8<-- [start:neuron_forward]
x1, x2 = Value(2.0), Value(0.0)  # inputs
w1, w2 = Value(-3.0), Value(1.0)  # weights
b = Value(6.8813735870195432)  # bias, chosen so that o comes out as 1/sqrt(2)
x1w1 = x1 * w1
x2w2 = x2 * w2
s = x1w1 + x2w2
n = s + b
o = n.tanh()
print(f"n = {n.data:.4f}, o = {o.data:.4f}")
# --8<-- [end:neuron_forward]

# %%
# --8<-- [start:graph_plot]
names = {x1: "x_1", x2: "x_2", w1: "w_1", w2: "w_2", b: "b"}
names |= {x1w1: "x_1 w_1", x2w2: "x_2 w_2", s: "s", n: "n", o: "o"}
draw_graph(o, names)
plt.show()
# --8<-- [end:graph_plot]

# %%
# --8<-- [start:chain_rule_by_hand]
do_dn = 1 - o.data**2  # o = tanh(n), and tanh' = 1 - tanh^2
dn_ds = 1.0  # n = s + b
ds_dx1w1 = 1.0  # s = x1w1 + x2w2
dx1w1_dw1 = x1.data  # x1w1 = x1 * w1
do_dw1 = do_dn * dn_ds * ds_dx1w1 * dx1w1_dw1
print(f"do/dn = {do_dn:.4f}")
print(f"do/dw1 = {do_dn:.4f} * 1 * 1 * {dx1w1_dw1} = {do_dw1:.4f}")
# --8<-- [end:chain_rule_by_hand]


# %%
# --8<-- [start:topological_order]
def topological_order(root):
    """Every value after all the values it was computed from."""
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)

    visit(root)
    return order


topo = topological_order(o)
print(" -> ".join(names[node] for node in topo))
# --8<-- [end:topological_order]

# %%
# --8<-- [start:run_backward]
o.backward()
for node in reversed(topo):
    print(f"d o / d {names[node]:<8} = {node.grad:7.4f}")
print(f"by hand: {do_dw1:.4f}, engine: {w1.grad:.4f}")
# --8<-- [end:run_backward]

# %%
# --8<-- [start:graph_after_backward]
draw_graph(o, names)
plt.show()
# --8<-- [end:graph_after_backward]


# %%
# --8<-- [start:wrong_order]
def backward_in_order(root, order):
    """Runs every node's gradient rule in the given order, from zero gradients."""
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in order:
        node._backward()


backward_in_order(o, topo)  # inputs first: wrong
print(f"inputs first: dw1 = {w1.grad:.4f}, dx1 = {x1.grad:.4f}")
print("  nonzero gradients:", ", ".join(names[node] for node in topo if node.grad != 0))
backward_in_order(o, list(reversed(topo)))  # output first: right
print(f"output first: dw1 = {w1.grad:.4f}, dx1 = {x1.grad:.4f}")
# --8<-- [end:wrong_order]

# %%
# --8<-- [start:used_twice]
a = Value(3.0)
double = a + a
double.backward()
print(f"d(a + a)/da = {a.grad}")

a = Value(3.0)
square = a * a
square.backward()
print(f"d(a * a)/da = {a.grad}")
# --8<-- [end:used_twice]

# %%
# --8<-- [start:used_twice_graph]
draw_graph(square, {a: "a", square: "a \\cdot a"})
plt.show()
# --8<-- [end:used_twice_graph]


# %%
# --8<-- [start:assign_instead]
def add_assigning(left, right):
    """Addition whose gradient rule assigns (=) instead of adding (+=): a bug."""
    out = Value(left.data + right.data, (left, right), "+")

    def _backward():
        left.grad = out.grad
        right.grad = out.grad

    out._backward = _backward
    return out


a = Value(3.0)
add_assigning(a, a).backward()
print(f"with '=':  d(a + a)/da = {a.grad}")

a, b = Value(3.0), Value(4.0)
(add_assigning(a, b) * a).backward()
print(f"with '=':  d((a + b) * a)/da = {a.grad}, should be 2a + b = {2 * a.data + b.data}")
# --8<-- [end:assign_instead]

# %%
# --8<-- [start:backward_twice]
a = Value(3.0)
square = a * a
square.backward()
print("after one backward:", a.grad)
square.backward()
print("after two:         ", a.grad)
a.grad = 0.0
square.backward()
print("zeroed, then one:  ", a.grad)
# --8<-- [end:backward_twice]


# %%
# --8<-- [start:torch_check_expression]
def expression(x, y):
    """Works on Values and on torch tensors: both have these operators and methods."""
    return (
        (x * y + x**3).tanh()
        + (y / x).sigmoid()
        - (x * x + 1).log()
        + (-y).exp() * x
        - (x - y).relu()
    )


# --8<-- [end:torch_check_expression]


# %%
# --8<-- [start:torch_check_scratch]
x, y = Value(0.5), Value(-1.5)
z = expression(x, y)
z.backward()
ours = [z.data, x.grad, y.grad]
print("value, dz/dx, dz/dy:", [round(v, 6) for v in ours])
# --8<-- [end:torch_check_scratch]

# %%
# --8<-- [start:torch_check_torch]
x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
y = torch.tensor(-1.5, dtype=torch.float64, requires_grad=True)
z = expression(x, y)
z.backward()
theirs = [z.item(), x.grad.item(), y.grad.item()]
print("value, dz/dx, dz/dy:", [round(v, 6) for v in theirs])
# --8<-- [end:torch_check_torch]

# %%
# --8<-- [start:torch_check_diff]
difference = max(abs(ours_i - theirs_i) for ours_i, theirs_i in zip(ours, theirs, strict=True))
print(f"max abs difference: {difference:.1e}")
# --8<-- [end:torch_check_diff]

# %%
# --8<-- [start:moons_data]
points, classes = make_moons(n_samples=40, noise=0.1, random_state=0)
inputs = points.tolist()
targets = [1.0 if k == 1 else -1.0 for k in classes]
print(f"{len(inputs)} points, first: {inputs[0]}, target {targets[0]}")
# --8<-- [end:moons_data]

# %%
# --8<-- [start:scalar_model]
model = ScalarMLP(2, [8, 8, 1], rng=random.Random(0))
print("neurons per layer:", [len(layer.neurons) for layer in model.layers])
print("parameters:", len(model.parameters()))
# --8<-- [end:scalar_model]

# %%
# --8<-- [start:train]
lr = 0.05
order = list(range(len(inputs)))
shuffler = random.Random(0)
for epoch in range(1, 31):
    shuffler.shuffle(order)
    total = 0.0
    for i in order:
        (score,) = model(inputs[i])
        loss = (score - targets[i]) ** 2
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        total += loss.data
    if epoch == 1 or epoch % 5 == 0:
        print(f"epoch {epoch:2d}: mean loss {total / len(inputs):.4f}")

scores = [model(x)[0].data for x in inputs]
correct = sum((sc > 0) == (t > 0) for sc, t in zip(scores, targets, strict=True))
print(f"accuracy on the training points: {correct / len(inputs):.3f}")
# --8<-- [end:train]

# %%
# --8<-- [start:moons_boundary]
xs = torch.linspace(-1.6, 2.6, 25, dtype=torch.float64)
ys = torch.linspace(-1.1, 1.6, 25, dtype=torch.float64)
grid = torch.tensor([[model([x, y])[0].data for x in xs.tolist()] for y in ys.tolist()])
plt.figure(figsize=(6, 4))
plt.contourf(xs, ys, grid, levels=[-100, 0, 100], colors=["#f4c7b8", "#bcd6ee"])
plt.contour(xs, ys, grid, levels=[0], colors="black", linewidths=1)
for k, color in [(0, "#c0392b"), (1, "#1f5fa8")]:
    chosen = points[classes == k]
    plt.scatter(chosen[:, 0], chosen[:, 1], c=color, edgecolors="white", label=f"class {k}")
plt.title("Decision boundary of a scalar MLP")
plt.xlabel("$x_1$")
plt.ylabel("$x_2$")
plt.legend(loc="lower left")
plt.show()
# --8<-- [end:moons_boundary]


# %%
# --8<-- [start:exercise_1]
def my_sigmoid(x):
    return 1 / (1 + (-x).exp())


from nnzero.exercises.ch04 import check_1

check_1(my_sigmoid)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def count_nodes(root):
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node._prev)
    return len(seen)


from nnzero.exercises.ch04 import check_2

check_2(count_nodes)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3]
def square(x):
    out = Value(x.data**2, (x,), "**2")

    def _backward():
        x.grad += 2 * x.data * out.grad  # was: x.grad = ...

    out._backward = _backward
    return out


from nnzero.exercises.ch04 import check_3

check_3(square)
# --8<-- [end:exercise_3]
