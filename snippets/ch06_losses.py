# Chapter 6. Loss functions.
# Run from the repository root: python snippets/ch06_losses.py

# %%
# --8<-- [start:imports]
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F  # noqa: N812

from nnzero.calculus import numerical_derivative
from nnzero.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    log_softmax,
    logsumexp,
    mse,
    softmax,
)
from nnzero.metrics import accuracy
from nnzero.neuron import sigmoid

torch.set_default_dtype(torch.float64)  # double precision everywhere
torch.manual_seed(0)
# --8<-- [end:imports]


# %%
# --8<-- [start:value_and_grad]
def value_and_grad(loss_fn, input, target):
    """The loss and its gradient with respect to input, on a fresh copy of input."""
    input = input.detach().clone().requires_grad_()
    loss = loss_fn(input, target)
    loss.backward()
    return loss.detach(), input.grad


def print_differences(ours, theirs):
    """Prints how far our (value, gradient) pair is from torch's."""
    value_diff = (ours[0] - theirs[0]).abs().item()
    grad_diff = (ours[1] - theirs[1]).abs().max().item()
    print(f"max difference: value {value_diff:.1e}, gradient {grad_diff:.1e}")


# --8<-- [end:value_and_grad]


# %%
# --8<-- [start:accuracy_is_flat]
points = torch.tensor([-2.0, -1.0, -0.5, 0.3, 1.0, 2.5])
labels = torch.tensor([0.0, 0.0, 1.0, 0.0, 1.0, 1.0])


def accuracy_at(threshold):
    predicted = (points > threshold).double()  # class 1 to the right of the threshold
    return accuracy(predicted, labels)


def loss_at(threshold):
    return binary_cross_entropy_with_logits(points - threshold, labels).item()


for threshold in [0.0, 0.1, 0.2]:
    print(
        f"threshold {threshold}: accuracy {accuracy_at(threshold):.4f},"
        f" loss {loss_at(threshold):.4f}"
    )
print(f"slope of accuracy at 0.1: {numerical_derivative(accuracy_at, 0.1):.4f}")
print(f"slope of loss at 0.1:     {numerical_derivative(loss_at, 0.1):.4f}")
# --8<-- [end:accuracy_is_flat]

# %%
# --8<-- [start:accuracy_plot]
thresholds = torch.linspace(-3, 3, 601).tolist()
fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
top.plot(thresholds, [accuracy_at(t) for t in thresholds], color="tab:blue")
top.set_ylabel("accuracy")
fig.suptitle("Accuracy changes in steps, the loss smoothly")
bottom.plot(thresholds, [loss_at(t) for t in thresholds], color="tab:red")
bottom.set_ylabel("loss")
bottom.set_xlabel("threshold $t$")
for axis in (top, bottom):
    axis.grid(True, alpha=0.3)
plt.show()
# --8<-- [end:accuracy_plot]

# %%
# --8<-- [start:mse_scratch]
predictions = torch.tensor([2.5, 0.0, 2.1, 7.8])
targets = torch.tensor([3.0, -0.5, 2.0, 7.0])

ours = value_and_grad(mse, predictions, targets)
print(f"MSE: {ours[0].item():.4f}")
print("gradient:     ", ours[1].numpy().round(4))
formula = 2 * (predictions - targets) / len(targets)
print("2 * (p - y) / n:", formula.numpy().round(4))
print(f"max difference between the two: {(ours[1] - formula).abs().max().item():.1e}")
# --8<-- [end:mse_scratch]

# %%
# --8<-- [start:mse_torch]
theirs = value_and_grad(F.mse_loss, predictions, targets)
print(f"MSE: {theirs[0].item():.4f}")
print("gradient:", theirs[1].numpy().round(4))
# --8<-- [end:mse_torch]

# %%
# --8<-- [start:mse_difference]
print_differences(ours, theirs)
# --8<-- [end:mse_difference]

# %%
# --8<-- [start:logits_to_probabilities]
logits = torch.tensor([-4.0, -1.0, 0.0, 1.0, 4.0])
probabilities = sigmoid(logits)
print("logits:       ", logits.numpy())
print("probabilities:", probabilities.numpy().round(4))
print("log(p/(1-p)): ", torch.log(probabilities / (1 - probabilities)).numpy().round(4))
# --8<-- [end:logits_to_probabilities]


# %%
# --8<-- [start:bce_naive]
def naive_bce(logits, targets):
    """Sigmoid first, then logarithms: the textbook formula, as it is written."""
    p = sigmoid(logits)
    return -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p)).mean()


for z, y in [(2.0, 1.0), (-800.0, 1.0), (40.0, 0.0)]:
    z, y = torch.tensor([z]), torch.tensor([y])
    naive = naive_bce(z, y).item()
    stable = binary_cross_entropy_with_logits(z, y).item()
    print(f"z = {z.item():7}, y = {y.item()}: naive {naive:.6g}, stable {stable:.6g}")
# --8<-- [end:bce_naive]

# %%
# --8<-- [start:bce_scratch]
logits = torch.tensor([3.0, -1.5, 0.2, -1000.0, 1000.0])
targets = torch.tensor([1.0, 0.0, 1.0, 1.0, 1.0])

ours = value_and_grad(binary_cross_entropy_with_logits, logits, targets)
print(f"BCE: {ours[0].item():.4f}")
print("gradient:", ours[1].numpy().round(4))
# --8<-- [end:bce_scratch]

# %%
# --8<-- [start:bce_torch]
theirs = value_and_grad(F.binary_cross_entropy_with_logits, logits, targets)
print(f"BCE: {theirs[0].item():.4f}")
print("gradient:", theirs[1].numpy().round(4))
# --8<-- [end:bce_torch]

# %%
# --8<-- [start:bce_difference]
print_differences(ours, theirs)
# --8<-- [end:bce_difference]

# %%
# --8<-- [start:softmax_and_one_hot]
scores = torch.tensor([[2.0, 1.0, 0.1]])  # one sample, three classes
probabilities = softmax(scores)
print("softmax:", probabilities.numpy().round(4), f"sum: {probabilities.sum().item():.4f}")

label = torch.tensor([0])
one_hot = F.one_hot(label, num_classes=3).double()
print("one-hot:", one_hot.numpy())
print(f"-sum(one_hot * log p): {-(one_hot * torch.log(probabilities)).sum().item():.4f}")
print(f"-log p[label]:         {-torch.log(probabilities[0, label]).item():.4f}")
# --8<-- [end:softmax_and_one_hot]

# %%
# --8<-- [start:cross_entropy_scratch]
logits = torch.randn(4, 3) * 3  # four samples, three classes
targets = torch.tensor([0, 2, 1, 2])

ours = value_and_grad(cross_entropy, logits, targets)
print(f"cross-entropy: {ours[0].item():.4f}")
print("gradient:\n", ours[1].numpy().round(4))
# --8<-- [end:cross_entropy_scratch]

# %%
# --8<-- [start:cross_entropy_torch]
theirs = value_and_grad(F.cross_entropy, logits, targets)
print(f"cross-entropy: {theirs[0].item():.4f}")
print("gradient:\n", theirs[1].numpy().round(4))
# --8<-- [end:cross_entropy_torch]

# %%
# --8<-- [start:cross_entropy_difference]
print_differences(ours, theirs)
# --8<-- [end:cross_entropy_difference]

# %%
# --8<-- [start:gradient_is_p_minus_y]
p = softmax(logits)
y = F.one_hot(targets, num_classes=3).double()
n = len(targets)
print("(p - y) / n:\n", ((p - y) / n).numpy().round(4))
print(f"max difference from autograd: {(ours[1] - (p - y) / n).abs().max().item():.1e}")
# --8<-- [end:gradient_is_p_minus_y]


# %%
# --8<-- [start:naive_softmax]
def naive_softmax(z):
    """exp, then divide by the sum: the formula exactly as written."""
    return z.exp() / z.exp().sum(dim=-1, keepdim=True)


big = torch.tensor([[1000.0, 0.0, -1000.0]])
print("exp(1000):     ", torch.tensor(1000.0).exp().item())
print("naive softmax: ", naive_softmax(big).numpy())
print("naive log-sum-exp:", big.exp().sum().log().item())
# --8<-- [end:naive_softmax]

# %%
# --8<-- [start:stable_softmax]
print("softmax:         ", softmax(big).numpy())
print("torch.softmax:   ", torch.softmax(big, dim=-1).numpy())
print("logsumexp:       ", logsumexp(big).item())
print("torch.logsumexp: ", torch.logsumexp(big, dim=-1).item())
print("log_softmax:      ", log_softmax(big).numpy())
print("torch.log_softmax:", torch.log_softmax(big, dim=-1).numpy())
for target in [0, 1, 2]:
    label = torch.tensor([target])
    ours = value_and_grad(cross_entropy, big, label)
    theirs = value_and_grad(F.cross_entropy, big, label)
    loss = abs(ours[0].item())  # a loss is never negative; abs() only tidies -0.0
    print(f"class {target}: cross-entropy {loss:g}, ", end="")
    print_differences(ours, theirs)
same = [
    torch.equal(softmax(big), torch.softmax(big, dim=-1)),
    torch.equal(logsumexp(big), torch.logsumexp(big, dim=-1)),
    torch.equal(log_softmax(big), torch.log_softmax(big, dim=-1)),
]
print("torch.equal for softmax, logsumexp, log_softmax:", same)
# --8<-- [end:stable_softmax]

# %%
# --8<-- [start:losses_plot]
p = torch.linspace(0.001, 0.999, 500)
z = torch.linspace(-6, 6, 500)
one = torch.ones(1)
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
left.plot(p, -torch.log(p), label="cross-entropy $-\\log p$")
left.plot(p, (1 - p) ** 2, label="squared error $(1-p)^2$")
left.set_xlabel("predicted probability of the true class $p$")
left.set_ylim(0, 5)
right.plot(z, [binary_cross_entropy_with_logits(zi.reshape(1), one) for zi in z], label="BCE")
right.plot(z, [mse(sigmoid(zi.reshape(1)), one) for zi in z], label="MSE of $\\sigma(z)$")
right.set_xlabel("logit $z$ of the true class")
for axis in (left, right):
    axis.set_ylabel("loss")
    axis.grid(True, alpha=0.3)
    axis.legend()
fig.suptitle("Loss of one sample whose true label is 1")
plt.show()
# --8<-- [end:losses_plot]


# %%
# --8<-- [start:confident_mistake]
def mse_on_probability(z, y):
    return mse(sigmoid(z), y)


one = torch.ones(1)
print("logit    MSE gradient   BCE gradient")
for z in [-10.0, -5.0, -2.0, 2.0, 5.0]:
    _, mse_grad = value_and_grad(mse_on_probability, torch.tensor([z]), one)
    _, bce_grad = value_and_grad(binary_cross_entropy_with_logits, torch.tensor([z]), one)
    print(f"{z:6}   {mse_grad.item():12.2e}   {bce_grad.item():12.2e}")
# --8<-- [end:confident_mistake]


# %%
# --8<-- [start:exercise_1]
def my_logsumexp(z):
    """log(sum(exp(z))) over the last dimension, safe for large z."""
    m = z.max(dim=-1, keepdim=True).values.detach()
    return (m + (z - m).exp().sum(dim=-1, keepdim=True).log()).squeeze(-1)


print(my_logsumexp(torch.tensor([[1000.0, 1000.0], [-1000.0, 0.0]])).numpy())

from nnzero.exercises.ch06 import check_1

check_1(my_logsumexp)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def my_bce_with_logits(input, target):
    """Mean binary cross-entropy of logits, log(1 + exp(z)) - z * y."""
    z, y = input, target
    softplus = torch.logaddexp(torch.zeros_like(z), z)  # log(e^0 + e^z), never overflows
    return (softplus - z * y).mean()


from nnzero.exercises.ch06 import check_2

check_2(my_bce_with_logits)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3]
def mae(input, target):
    """Mean absolute error: the mean of |input - target|."""
    return (input - target).abs().mean()


from nnzero.exercises.ch06 import check_3

check_3(mae)

values = torch.tensor([1.0, 2.0, 3.0, 4.0, 100.0])
candidates = torch.linspace(0, 100, 1001)
for name, loss_fn in [("MSE", mse), ("MAE", mae)]:
    losses = torch.stack([loss_fn(torch.full_like(values, c), values) for c in candidates])
    print(f"best constant for {name}: {candidates[losses.argmin()].item():.1f}")
print(f"mean {values.mean().item():.1f}, median {values.median().item():.1f}")
# --8<-- [end:exercise_3]
