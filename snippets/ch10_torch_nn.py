# Chapter 10. From scratch to torch.nn.
# Run from the repository root: python snippets/ch10_torch_nn.py

# %%
# --8<-- [start:imports]
import torch
import torch.nn.functional as F  # noqa: N812
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from nnzero.data import MiniBatches, train_val_split
from nnzero.layers import Linear, mlp
from nnzero.metrics import accuracy

torch.manual_seed(0)
F64 = torch.float64
# --8<-- [end:imports]

# %%
# --8<-- [start:data]
digits = load_digits()
x_all = torch.tensor(digits.data, dtype=F64)
y_all = torch.tensor(digits.target)
x_rest, y_rest, _, _ = train_val_split(x_all, y_all, val_fraction=0.2, seed=0)
x_train, y_train, x_val, y_val = train_val_split(x_rest, y_rest, val_fraction=0.25, seed=1)
mean, std = x_train.mean(dim=0), torch.where(x_train.std(dim=0) > 0, x_train.std(dim=0), 1.0)
x_train, x_val = (x_train - mean) / std, (x_val - mean) / std  # as in chapter 8
print("train:", tuple(x_train.shape), " validation:", tuple(x_val.shape))
# --8<-- [end:data]

# %%
# --8<-- [start:setup]
LR, BATCH_SIZE, EPOCHS, SEED = 0.1, 32, 10, 1

# Chapter 8's network supplies the starting weights; every version below copies them.
chapter8_model = mlp([64, 64, 10], generator=torch.Generator().manual_seed(SEED), dtype=F64)
w1_init, b1_init, w2_init, b2_init = [p.detach().clone() for p in chapter8_model.parameters()]
print("w1", tuple(w1_init.shape), " b1", tuple(b1_init.shape))
print("w2", tuple(w2_init.shape), " b2", tuple(b2_init.shape))

losses_of = {}  # the loss of every iteration, one list per version


def report(name, losses, model):
    with torch.no_grad():
        val_accuracy = accuracy(model(x_val).argmax(dim=1), y_val)
    line = f"{name:<10} {len(losses)} iterations, loss {losses[0]:.4f} -> {losses[-1]:.4f}"
    if losses_of:  # compare with the version before this one
        previous = torch.tensor(list(losses_of.values())[-1], dtype=F64)
        difference = (torch.tensor(losses, dtype=F64) - previous).abs().max().item()
        line += f", max difference {difference:.1e}"
    print(line + f", validation accuracy {val_accuracy:.4f}")
    losses_of[name] = losses


# --8<-- [end:setup]


# %%
# --8<-- [start:start]
def shuffled_batches(x, y, epoch):
    """One epoch of mini-batches in an order fixed by SEED and the epoch number."""
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(SEED + epoch))
    for start in range(0, len(x), BATCH_SIZE):
        idx = order[start : start + BATCH_SIZE]
        yield x[idx], y[idx]


w1 = w1_init.clone().requires_grad_()
b1 = b1_init.clone().requires_grad_()
w2 = w2_init.clone().requires_grad_()
b2 = b2_init.clone().requires_grad_()


def model(x):
    return F.relu(x @ w1.T + b1) @ w2.T + b2


losses = []
for epoch in range(EPOCHS):
    for x_batch, y_batch in shuffled_batches(x_train, y_train, epoch):
        loss = F.cross_entropy(model(x_batch), y_batch)
        loss.backward()
        with torch.no_grad():
            for p in [w1, b1, w2, b2]:
                p -= LR * p.grad
                p.grad = None
        losses.append(loss.item())
report("start", losses, model)
# --8<-- [end:start]

# %%
# --8<-- [start:parameter]
p = nn.Parameter(torch.zeros(2, 3, dtype=F64))
print(type(p).__name__, "is a tensor:", isinstance(p, torch.Tensor))
print("requires_grad:", p.requires_grad, " leaf:", p.is_leaf)
# --8<-- [end:parameter]


# %%
# --8<-- [start:registration]
class Registration(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(2, 3, dtype=F64))  # registered
        self.scale = torch.ones(3, dtype=F64, requires_grad=True)  # a plain tensor: not


print([name for name, _ in Registration().named_parameters()])
# --8<-- [end:registration]


# %%
# --8<-- [start:module]
class DigitsMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(w1_init.clone())
        self.b1 = nn.Parameter(b1_init.clone())
        self.w2 = nn.Parameter(w2_init.clone())
        self.b2 = nn.Parameter(b2_init.clone())

    def forward(self, x):
        return F.relu(x @ self.w1.T + self.b1) @ self.w2.T + self.b2


model = DigitsMLP()
print([(name, tuple(p.shape)) for name, p in model.named_parameters()])
losses = []
for epoch in range(EPOCHS):
    for x_batch, y_batch in shuffled_batches(x_train, y_train, epoch):
        loss = F.cross_entropy(model(x_batch), y_batch)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= LR * p.grad
        model.zero_grad()
        losses.append(loss.item())
report("module", losses, model)
# --8<-- [end:module]

# %%
# --8<-- [start:linear_init]
torch.manual_seed(5)
theirs = nn.Linear(64, 10, dtype=F64)
ours = Linear(64, 10, generator=torch.Generator().manual_seed(5), dtype=F64)
print("nn.Linear draws the same weights as our Linear:", torch.equal(theirs.weight, ours.weight))
print("and the same biases:", torch.equal(theirs.bias, ours.bias))
# --8<-- [end:linear_init]


# %%
# --8<-- [start:linear]
def copy_initial_weights(hidden, output):
    with torch.no_grad():  # copying is not part of the graph
        hidden.weight.copy_(w1_init)
        hidden.bias.copy_(b1_init)
        output.weight.copy_(w2_init)
        output.bias.copy_(b2_init)


class DigitsMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(64, 64, dtype=F64)
        self.output = nn.Linear(64, 10, dtype=F64)
        copy_initial_weights(self.hidden, self.output)

    def forward(self, x):
        return self.output(F.relu(self.hidden(x)))


model = DigitsMLP()
print([(name, tuple(p.shape)) for name, p in model.named_parameters()])
losses = []
for epoch in range(EPOCHS):
    for x_batch, y_batch in shuffled_batches(x_train, y_train, epoch):
        loss = F.cross_entropy(model(x_batch), y_batch)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= LR * p.grad
        model.zero_grad()
        losses.append(loss.item())
report("linear", losses, model)
# --8<-- [end:linear]

# %%
# --8<-- [start:optim]
model = DigitsMLP()
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
losses = []
for epoch in range(EPOCHS):
    for x_batch, y_batch in shuffled_batches(x_train, y_train, epoch):
        loss = F.cross_entropy(model(x_batch), y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
report("optim", losses, model)
# --8<-- [end:optim]

# %%
# --8<-- [start:dataset]
train_set = TensorDataset(x_train, y_train)
x_first, y_first = train_set[0]
print("samples:", len(train_set), " one sample:", tuple(x_first.shape), "and label", y_first.item())
# --8<-- [end:dataset]


# %%
# --8<-- [start:batch_order]
def same_batches(batches_a, batches_b):
    pairs = zip(batches_a, batches_b, strict=True)
    return all(torch.equal(xa, xb) and torch.equal(ya, yb) for (xa, ya), (xb, yb) in pairs)


shuffle_generator = torch.Generator()
loader = DataLoader(
    train_set,
    batch_size=BATCH_SIZE,
    sampler=RandomSampler(train_set, generator=shuffle_generator),
)
print("iterations per epoch:", len(loader))

shuffle_generator.manual_seed(SEED)  # seeded once, like MiniBatches in chapter 8
chapter8_batches = MiniBatches(x_train, y_train, BATCH_SIZE, seed=SEED)
same = [same_batches(loader, chapter8_batches) for epoch in range(3)]
print("seeded once:        same batches as MiniBatches in epochs 1-3:", same)

same = []
for epoch in range(3):
    shuffle_generator.manual_seed(SEED + epoch)  # seeded before every epoch
    same.append(same_batches(loader, shuffled_batches(x_train, y_train, epoch)))
print("seeded every epoch: same batches as shuffled_batches in epochs 1-3:", same)
# --8<-- [end:batch_order]

# %%
# --8<-- [start:dataloader]
model = DigitsMLP()
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
losses = []
for epoch in range(EPOCHS):
    shuffle_generator.manual_seed(SEED + epoch)  # the same order as shuffled_batches
    for x_batch, y_batch in loader:
        loss = F.cross_entropy(model(x_batch), y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
report("dataloader", losses, model)
# --8<-- [end:dataloader]


# %%
# --8<-- [start:sequential]
def digits_mlp():
    model = nn.Sequential(
        nn.Linear(64, 64, dtype=F64),
        nn.ReLU(),
        nn.Linear(64, 10, dtype=F64),
    )
    copy_initial_weights(model[0], model[2])
    return model


model = digits_mlp()
print(model)
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
losses = []
for epoch in range(EPOCHS):
    shuffle_generator.manual_seed(SEED + epoch)
    for x_batch, y_batch in loader:
        loss = F.cross_entropy(model(x_batch), y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
report("sequential", losses, model)
# --8<-- [end:sequential]

# %%
# --8<-- [start:all_versions]
first = torch.tensor(losses_of["start"], dtype=F64)
for name, losses in losses_of.items():
    difference = (torch.tensor(losses, dtype=F64) - first).abs().max().item()
    print(f"{name:<10} max difference from start: {difference:.1e}")
# --8<-- [end:all_versions]


# %%
# --8<-- [start:exercise_1]
class TwoHiddenMLP(nn.Module):
    def __init__(self, n_in, n_hidden1, n_hidden2, n_out):
        super().__init__()
        self.hidden1 = nn.Linear(n_in, n_hidden1)
        self.hidden2 = nn.Linear(n_hidden1, n_hidden2)
        self.output = nn.Linear(n_hidden2, n_out)

    def forward(self, x):
        x = F.relu(self.hidden1(x))
        x = F.relu(self.hidden2(x))
        return self.output(x)


print(TwoHiddenMLP(64, 32, 16, 10))

from nnzero.exercises.ch10 import check_1

check_1(TwoHiddenMLP)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def train_with_momentum(model, loader, epochs, lr, momentum):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    losses = []
    for _ in range(epochs):
        for x_batch, y_batch in loader:
            loss = F.cross_entropy(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
    return losses


momentum_losses = train_with_momentum(digits_mlp(), loader, epochs=3, lr=0.05, momentum=0.9)
print(f"{len(momentum_losses)} iterations, last loss {momentum_losses[-1]:.4f}")

from nnzero.exercises.ch10 import check_2

check_2(train_with_momentum)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3]
def epoch_batch_sizes(n, batch_size, drop_last):
    full, rest = divmod(n, batch_size)
    sizes = [batch_size] * full
    if rest > 0 and not drop_last:
        sizes.append(rest)
    return sizes


sizes = epoch_batch_sizes(len(train_set), 100, drop_last=True)
print(f"{len(sizes)} iterations, {len(train_set) - sum(sizes)} images left out every epoch")

from nnzero.exercises.ch10 import check_3

check_3(epoch_batch_sizes)
# --8<-- [end:exercise_3]
