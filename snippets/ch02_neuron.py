# Chapter 2. The neuron.
# Run from the repository root: python snippets/ch02_neuron.py

# %%
# --8<-- [start:imports]
import matplotlib.pyplot as plt
import torch

from nnzero.metrics import accuracy
from nnzero.neuron import (
    Activation,
    Neuron,
    perceptron_train,
    relu,
    sigmoid,
    step,
    tanh,
    weighted_sum,
)

torch.set_default_dtype(torch.float64)  # double precision everywhere
torch.manual_seed(0)
# --8<-- [end:imports]

# %%
# --8<-- [start:weighted_sum_by_hand]
x = torch.tensor([2.0, 3.0])  # one input with two features
w = torch.tensor([0.5, -1.0])  # one weight per feature
b = 1.0  # the bias

by_hand = w[0] * x[0] + w[1] * x[1] + b
print("by hand:     ", by_hand.item())
print("weighted_sum:", weighted_sum(x, w, b).item())
# --8<-- [end:weighted_sum_by_hand]

# %%
# --8<-- [start:weighted_sum_batch]
# three inputs, one per row
batch = torch.tensor([[2.0, 3.0], [0.0, 0.0], [4.0, 1.0]])
z = weighted_sum(batch, w, b)
print("batch shape:", tuple(batch.shape), "-> z shape:", tuple(z.shape))
print("z:", z.tolist())
# --8<-- [end:weighted_sum_batch]

# %%
# --8<-- [start:bias_shift]
# five inputs with a single feature each
line_points = torch.tensor([[-2.0], [-1.0], [0.0], [1.0], [2.0]])
w_one = torch.tensor([1.0])
print("x:        ", line_points.flatten().tolist())
for bias in [-1.0, 0.0, 1.0]:
    outputs = step(weighted_sum(line_points, w_one, bias))
    print(f"b = {bias:>2g}:   ", outputs.tolist())
# --8<-- [end:bias_shift]

# %%
# --8<-- [start:linear_collapse]
# two neurons without an activation read the same input...
w_a, b_a = torch.tensor([0.5, -1.0]), 1.0
w_b, b_b = torch.tensor([2.0, 0.5]), -0.5
# their two outputs side by side: one row per input, one column per neuron
hidden = torch.stack([weighted_sum(batch, w_a, b_a), weighted_sum(batch, w_b, b_b)], dim=1)
# ...and a third neuron takes their two outputs as its features
v, c = torch.tensor([1.5, -2.0]), 0.3
two_layers = weighted_sum(hidden, v, c)

# the same numbers from one neuron, with weights and a bias worked out on paper
w_single = v[0] * w_a + v[1] * w_b
b_single = v[0] * b_a + v[1] * b_b + c
one_neuron = weighted_sum(batch, w_single, b_single)
print("three neurons:", two_layers.tolist())
print("one neuron:   ", one_neuron.tolist())
print("exactly equal:", torch.equal(two_layers, one_neuron))
with_relu = weighted_sum(relu(hidden), v, c)  # an activation between the layers
print("with ReLU:    ", with_relu.tolist())
# --8<-- [end:linear_collapse]

# %%
# --8<-- [start:activations_table]
activations: dict[str, Activation] = {
    "step": step,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
}
z = torch.tensor([-3.0, -1.0, 0.0, 1.0, 3.0])
print("z:      ", z.tolist())
for name, f in activations.items():
    print(f"{name + ':':8}", [round(v, 3) for v in f(z).tolist()])
# --8<-- [end:activations_table]

# %%
# --8<-- [start:activations_plot]
z = torch.linspace(-4, 4, 401)
fig, axes = plt.subplots(2, 2, figsize=(7, 5), sharex=True)
for ax, (name, f) in zip(axes.flat, activations.items(), strict=True):
    ax.axhline(0, color="gray", linewidth=0.5)
    ax.axvline(0, color="gray", linewidth=0.5)
    ax.plot(z, f(z), linewidth=2)
    ax.set_title(name)
for ax in axes[1]:
    ax.set_xlabel("$z$")
fig.tight_layout()
plt.show()
# --8<-- [end:activations_plot]

# %%
# --8<-- [start:sigmoid_large_z]
z = torch.tensor([-1000.0, -30.0, 0.0, 30.0, 1000.0])
textbook = 1 / (1 + torch.exp(-z))  # at z = -1000: exp(1000) = inf, but 1 / inf = 0
rewritten = torch.exp(z) / (1 + torch.exp(z))  # at z = 1000: inf / inf = nan
rows = torch.stack([z, textbook, rewritten, sigmoid(z), torch.sigmoid(z)], dim=1)
print(f"{'z':>10}{'textbook':>11}{'rewritten':>11}{'sigmoid':>11}{'torch':>11}")
for row in rows.tolist():
    print("".join(f"{value:11.4g}" for value in row))
# --8<-- [end:sigmoid_large_z]


# %%
# --8<-- [start:sigmoid_gradient]
def textbook_sigmoid(z):
    return 1 / (1 + torch.exp(-z))


for name, f in [("textbook", textbook_sigmoid), ("sigmoid", sigmoid), ("torch", torch.sigmoid)]:
    z = torch.tensor([-1000.0, -1.0, 0.0, 1.0, 1000.0], requires_grad=True)
    f(z).sum().backward()  # fills z.grad with the slope of f at each z
    print(f"{name:>8} slope:", [f"{g:.4g}" for g in z.grad.tolist()])
# --8<-- [end:sigmoid_gradient]

# %%
# --8<-- [start:neuron_outputs]
neuron = Neuron(w, b, sigmoid)  # the weights and the bias from above
print("one input:", round(neuron(x).item(), 4))
print("a batch:  ", [round(v, 4) for v in neuron(batch).tolist()])
# --8<-- [end:neuron_outputs]

# %%
# --8<-- [start:blobs_data]
n = 50  # points per class
class0 = torch.randn(n, 2) * 0.6 + torch.tensor([1.0, 1.0])
class1 = torch.randn(n, 2) * 0.6 + torch.tensor([3.5, 3.0])
points = torch.cat([class0, class1])
labels = torch.cat([torch.zeros(n), torch.ones(n)])
print("points:", tuple(points.shape), " labels:", tuple(labels.shape))
first = points[0].round(decimals=2).tolist()
print("first point:", first, " label:", labels[0].item())
# --8<-- [end:blobs_data]

# %%
# --8<-- [start:perceptron_blobs]
history: list[float] = []
w, b = perceptron_train(points, labels, epochs=30, lr=0.5, history=history)
print("accuracy after epochs 1-5:", history[:5])
print("first epoch with accuracy 1.0:", history.index(1.0) + 1)
print(f"weights: [{w[0]:.3f}, {w[1]:.3f}]  bias: {b:.3f}")
print("accuracy:", accuracy(step(weighted_sum(points, w, b)), labels))
# --8<-- [end:perceptron_blobs]

# %%
# --8<-- [start:decision_boundary]
x1 = torch.linspace(-0.5, 5.5, 2)
x2 = -(w[0] * x1 + b) / w[1]  # w1*x1 + w2*x2 + b = 0, solved for x2

plt.figure(figsize=(6, 4))
plt.scatter(class0[:, 0], class0[:, 1], label="class 0")
plt.scatter(class1[:, 0], class1[:, 1], label="class 1")
plt.plot(x1, x2, "k-", label="$w_1x_1 + w_2x_2 + b = 0$")
plt.plot(0, 0, "k+", markersize=12, label="origin")
plt.xlim(-0.5, 5.5)
plt.ylim(-0.5, 5.0)
plt.xlabel("$x_1$")
plt.ylabel("$x_2$")
plt.title("Decision boundary of one neuron")
plt.legend(loc="upper left")
plt.show()
# --8<-- [end:decision_boundary]

# %%
# --8<-- [start:xor_data]
xor_points = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
xor_labels = torch.tensor([0.0, 1.0, 1.0, 0.0])  # 1: exactly one input is 1
# one row per point: x1, x2, label
table = torch.cat([xor_points, xor_labels[:, None]], dim=1)
for x1, x2, label in table.tolist():
    print(f"x1 = {x1:.0f}, x2 = {x2:.0f}  ->  XOR = {label:.0f}")
# --8<-- [end:xor_data]

# %%
# --8<-- [start:perceptron_xor]
torch.manual_seed(2)  # fixes the random starting weights
xor_history: list[float] = []
w_xor, b_xor = perceptron_train(
    xor_points,
    xor_labels,
    epochs=100,
    lr=0.5,
    history=xor_history,
)
print("best accuracy over 100 epochs:", max(xor_history))
print("accuracy after the last epoch:", xor_history[-1])
for epochs in [98, 99, 100]:  # the same start, stopped after 98, 99 and 100 epochs
    torch.manual_seed(2)
    w_end, b_end = perceptron_train(xor_points, xor_labels, epochs=epochs, lr=0.5)
    print(f"after {epochs} epochs: w = {[round(v, 3) for v in w_end.tolist()]}, b = {b_end:.3f}")
or_line = step(weighted_sum(xor_points, torch.tensor([1.0, 1.0]), -0.5))  # x1 + x2 >= 0.5
print("accuracy of the line x1 + x2 = 0.5:", accuracy(or_line, xor_labels))
# --8<-- [end:perceptron_xor]

# %%
# --8<-- [start:xor_plot]
ticks = torch.linspace(-0.5, 1.5, 201)
g1, g2 = torch.meshgrid(ticks, ticks, indexing="xy")  # a 201 x 201 grid
z_grid = weighted_sum(torch.stack([g1, g2], dim=-1), w_xor, b_xor)
colors = [f"C{t:.0f}" for t in xor_labels.tolist()]  # C0: class 0, C1: 1

plt.figure(figsize=(5, 4))
plt.contourf(  # the two half-planes, colored by the predicted class
    g1, g2, step(z_grid), levels=[-1, 0.5, 2], colors=["C0", "C1"], alpha=0.2
)
plt.contour(g1, g2, z_grid, levels=[0], colors="black")  # the line z = 0
plt.scatter(xor_points[:, 0], xor_points[:, 1], c=colors, s=150, ec="black")
plt.xlabel("$x_1$")
plt.ylabel("$x_2$")
plt.title("XOR: one line cannot separate the classes")
plt.show()
# --8<-- [end:xor_plot]

# %%
# --8<-- [start:torch_linear]
linear = torch.nn.Linear(2, 1)  # float64, thanks to set_default_dtype above
with torch.no_grad():
    linear.weight.copy_(w.reshape(1, 2))  # shape (outputs, inputs)
    linear.bias.copy_(b.reshape(1))

ours = Neuron(w, b, sigmoid)(points)
theirs = torch.sigmoid(linear(points)).squeeze(1)
print("shapes:", tuple(ours.shape), tuple(theirs.shape), theirs.dtype)
print("max |ours - torch|:", (ours - theirs).abs().max().item())
perceptron_classes = step(weighted_sum(points, w, b))
same = torch.equal((theirs >= 0.5).double(), perceptron_classes)
print("same classes as the perceptron:", same)
# --8<-- [end:torch_linear]


# %%
# --8<-- [start:exercise_1]
and_neuron = Neuron(torch.tensor([1.0, 1.0]), -1.5, step)  # fires only when x1 + x2 >= 1.5
print("AND:", and_neuron(xor_points).tolist())

from nnzero.exercises.ch02 import check_1

check_1(and_neuron)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
or_neuron = Neuron(torch.tensor([1.0, 1.0]), -0.5, step)  # at least one input is 1
nand_neuron = Neuron(torch.tensor([-1.0, -1.0]), 1.5, step)  # not both inputs are 1
both_neuron = Neuron(torch.tensor([1.0, 1.0]), -1.5, step)  # AND of the two hidden outputs


def xor_net(x):
    """XOR from three step neurons: a hidden layer (OR, NAND), then AND."""
    hidden = torch.stack([or_neuron(x), nand_neuron(x)], dim=-1)
    return both_neuron(hidden)


print("XOR:", xor_net(xor_points).tolist())

from nnzero.exercises.ch02 import check_2

check_2(xor_net)
# --8<-- [end:exercise_2]
