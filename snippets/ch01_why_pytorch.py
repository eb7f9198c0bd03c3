# Chapter 1. Why PyTorch.
# Run from the repository root: python snippets/ch01_why_pytorch.py

# %%
# --8<-- [start:imports]
import torch

from nnzero.tensor_ops import broadcast_shape, matmul

torch.manual_seed(0)
# --8<-- [end:imports]

# %%
# --8<-- [start:high_level]
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

digits = load_digits()  # 1797 images of 8x8 pixels, digits 0..9
X = digits.data / 16.0  # pixels 0..16 -> 0..1
y = digits.target
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
model = MLPClassifier(
    hidden_layer_sizes=(64,),
    learning_rate_init=0.01,
    max_iter=200,
    random_state=0,
)
model.fit(X_train, y_train)
print("training images:", X_train.shape, " test images:", X_test.shape)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")
# --8<-- [end:high_level]


# %%
# --8<-- [start:define_by_run]
def double_or_negate(x):
    if x > 0:  # an ordinary Python `if` on the value of a tensor
        return x * 2
    return -x


for value in [3.0, -3.0]:
    x = torch.tensor(value, requires_grad=True)
    y = double_or_negate(x)
    print(f"x = {value:+.1f}  y = {y.item():+.1f}  grad_fn: {y.grad_fn.name()}")
# --8<-- [end:define_by_run]

# %%
# --8<-- [start:create_tensors]
from_list = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print("from a list:\n", from_list)
print("zeros:", torch.zeros(3))
print("ones: ", torch.ones(2, 2))
print("range:", torch.arange(5))
print("uniform on [0, 1):", torch.rand(3))
# --8<-- [end:create_tensors]

# %%
# --8<-- [start:shape_dtype_device]
print("shape: ", from_list.shape)
print("ndim:  ", from_list.ndim)
print("dtype: ", from_list.dtype)
print("device:", from_list.device)
# --8<-- [end:shape_dtype_device]

# %%
# --8<-- [start:dtypes]
print("floats:  ", torch.tensor([1.5, 2.0]).dtype)
print("integers:", torch.tensor([1, 2]).dtype)
print("booleans:", torch.tensor([True, False]).dtype)
print("asked for:", torch.tensor([1.5], dtype=torch.float64).dtype)
print("int64 + float32:", (torch.tensor([1, 2]) + torch.tensor([0.5])).dtype)
print(f"0.1 in float32: {torch.tensor(0.1).item():.17f}")
print(f"0.1 in float64: {torch.tensor(0.1, dtype=torch.float64).item():.17f}")
eps32 = torch.finfo(torch.float32).eps  # the gap between 1 and the next float32 number
eps64 = torch.finfo(torch.float64).eps
print(f"gap after 1: float32 {eps32:.2e}, float64 {eps64:.2e}")
print(f"float64 is finer by a factor of {eps32 / eps64 / 1e6:.0f} million")
# --8<-- [end:dtypes]

# %%
# --8<-- [start:device]
device = "cuda" if torch.cuda.is_available() else "cpu"
print("device:", device)
on_device = torch.ones(2, 3, device=device)
print("the tensor lives on:", on_device.device)
back_on_cpu = on_device.cpu()  # .to("cpu") does the same
print("and now on:", back_on_cpu.device)
# --8<-- [end:device]

# %%
# --8<-- [start:reshape_view]
numbers = torch.arange(6)
print("numbers:", numbers, "shape:", numbers.shape)
grid = numbers.view(2, 3)
print("view(2, 3):\n", grid)
print("reshape(3, -1):", numbers.reshape(3, -1).shape)  # -1: "work it out"
grid[0, 0] = 100  # a view shares memory with the original
print("numbers after grid[0, 0] = 100:", numbers)
# --8<-- [end:reshape_view]

# %%
# --8<-- [start:view_needs_contiguous]
columns_first = grid.t()  # transpose: the same memory, read in another order
print("is contiguous:", columns_first.is_contiguous())
print("reshape(-1):", columns_first.reshape(-1))  # copies when it has to
try:
    columns_first.view(-1)
except RuntimeError as error:
    print("view(-1) fails:", str(error).split(" (")[0])
# --8<-- [end:view_needs_contiguous]

# %%
# --8<-- [start:broadcasting]
row = torch.tensor([[0, 10, 20]])  # shape (1, 3)
column = torch.tensor([[1], [2]])  # shape (2, 1)
table = row + column
print(tuple(row.shape), "+", tuple(column.shape), "->", tuple(table.shape))
print(table)
print("matrix + vector:\n", torch.zeros(2, 3) + torch.tensor([1.0, 2.0, 3.0]))
print("matrix * number:\n", torch.ones(2, 3) * 5)
# --8<-- [end:broadcasting]

# %%
# --8<-- [start:broadcasting_error]
try:
    torch.ones(2, 3) + torch.ones(2)
except RuntimeError as error:
    print("RuntimeError:", str(error).split(" at ")[0])
print("(2, 3) + (2, 1) ->", tuple((torch.ones(2, 3) + torch.ones(2, 1)).shape))
# --8<-- [end:broadcasting_error]

# %%
# --8<-- [start:matmul_shapes]
A = torch.rand(2, 3)
B = torch.rand(3, 4)
print("(2, 3) @ (3, 4) ->", tuple((A @ B).shape))
print("same as torch.matmul:", torch.equal(A @ B, torch.matmul(A, B)))
try:
    B @ A  # (3, 4) @ (2, 3): the inner sizes 4 and 2 differ
except RuntimeError as error:
    print("RuntimeError:", error)
# --8<-- [end:matmul_shapes]

# %%
# --8<-- [start:elementwise_vs_matmul]
P = torch.tensor([[1, 2], [3, 4]])
Q = torch.tensor([[0, 1], [1, 0]])
print("P * Q (elementwise):\n", P * Q)
print("P @ Q (matrix product):\n", P @ Q)
print("Q @ P (the order matters):\n", Q @ P)
# --8<-- [end:elementwise_vs_matmul]

# %%
# --8<-- [start:seeding]
torch.manual_seed(42)
first = torch.rand(3)
torch.manual_seed(42)
second = torch.rand(3)
third = torch.rand(3)  # the generator has moved on
print("first: ", first)
print("second:", second)
print("first == second:", torch.equal(first, second))
print("first == third: ", torch.equal(first, third))
# --8<-- [end:seeding]

# %%
# --8<-- [start:check_matmul]
torch.manual_seed(0)
a = torch.randn(4, 3, dtype=torch.float64)
b = torch.randn(3, 5, dtype=torch.float64)
ours = matmul(a, b)
reference = torch.matmul(a, b)
print("shape:", tuple(ours.shape))
print(f"max |ours - torch|: {(ours - reference).abs().max().item():.1e}")
print("allclose:", torch.allclose(ours, reference, rtol=0, atol=1e-12))
# --8<-- [end:check_matmul]

# %%
# --8<-- [start:check_broadcast_shape]
pairs = [
    ((2, 1), (1, 3)),
    ((5, 1, 4), (3, 1)),
    ((3,), ()),
    ((4, 3), (3,)),
    ((2, 3), (2,)),
]
for shape_a, shape_b in pairs:
    try:
        ours = broadcast_shape(shape_a, shape_b)
    except ValueError:
        ours = "ValueError"
    try:
        theirs = tuple(torch.broadcast_shapes(shape_a, shape_b))
    except RuntimeError:
        theirs = "RuntimeError"
    print(f"{shape_a!s:>9} & {shape_b!s:<6} ours: {ours!s:<10} torch: {theirs}")
# --8<-- [end:check_broadcast_shape]

# %%
# --8<-- [start:broadcast_shape_error]
try:
    broadcast_shape((2, 3), (2,))
except ValueError as error:
    print("ValueError:", error)
# --8<-- [end:broadcast_shape_error]


# %%
# --8<-- [start:exercise_1]
def batched_matmul(a, b):
    """(batch, n, k) @ (batch, k, m) with broadcasting and a sum, no loops."""
    products = a[:, :, :, None] * b[:, None, :, :]  # (batch, n, k, m)
    return products.sum(dim=2)  # add up over k


torch.manual_seed(0)
a = torch.randn(2, 3, 4, dtype=torch.float64)
b = torch.randn(2, 4, 5, dtype=torch.float64)
print("shape:", tuple(batched_matmul(a, b).shape))

from nnzero.exercises.ch01 import check_1

check_1(batched_matmul)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def outer(u, v):
    """The table of all products: outer(u, v)[i, j] = u[i] * v[j]."""
    column = u.reshape(-1, 1)  # (n, 1)
    row = v.reshape(1, -1)  # (1, m)
    return column * row  # broadcasting: (n, 1) * (1, m) -> (n, m)


print(outer(torch.tensor([1, 2, 3]), torch.tensor([10, 100])))

from nnzero.exercises.ch01 import check_2

check_2(outer)
# --8<-- [end:exercise_2]
