# Chapter 3. Derivatives and gradients.
# Run from the repository root: python snippets/ch03_gradients.py

# %%
# --8<-- [start:imports]
import math

import matplotlib.pyplot as plt
import torch

from nnzero.calculus import (
    gradient_descent,
    numerical_derivative,
    numerical_gradient,
    partial_derivative,
)

torch.manual_seed(0)
# --8<-- [end:imports]


# %%
# --8<-- [start:mse_loss]
predictions = torch.tensor([0.9, 0.2, 0.6], dtype=torch.float64)
targets = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64)
errors = predictions - targets
loss = (errors**2).mean()
print("errors:", errors.numpy().round(2))
print(f"mean squared error: {loss.item():.4f}")
# --8<-- [end:mse_loss]


# %%
# --8<-- [start:secant_slope]
def cube(x):
    return x**3


x0 = 2.0  # the exact derivative 3 * x0**2 is 12
for h in [1.0, 0.1, 0.01, 0.001]:
    slope = (cube(x0 + h) - cube(x0)) / h
    print(f"h = {h:<6} slope = {slope:.6f}")
# --8<-- [end:secant_slope]

# %%
# --8<-- [start:forward_vs_central]
exact = 3 * x0**2
print("h       forward error  central error")
for h in [0.1, 0.01, 0.001]:
    forward_error = (cube(x0 + h) - cube(x0)) / h - exact
    central_error = (cube(x0 + h) - cube(x0 - h)) / (2 * h) - exact
    print(f"{h:<7} {forward_error:<14.1e} {central_error:.1e}")
# --8<-- [end:forward_vs_central]

# %%
# --8<-- [start:sine_derivative]
for x in [0.0, 1.0, 2.0]:
    approx = numerical_derivative(math.sin, x)
    exact = math.cos(x)
    print(f"x = {x}: numerical {approx:.10f}, cos(x) {exact:.10f}")
# --8<-- [end:sine_derivative]


# %%
# --8<-- [start:error_vs_h]
def log_slope(steps, errors):
    """The slope of the straight line that best fits log10(error) against log10(step)."""
    x = torch.tensor(steps, dtype=torch.float64).log10()
    y = torch.tensor(errors, dtype=torch.float64).log10()
    x, y = x - x.mean(), y - y.mean()
    return ((x * y).sum() / (x * x).sum()).item()


hs = torch.logspace(-15, 0, 61, dtype=torch.float64).tolist()
exact = math.cos(1.0)
forward_errors, central_errors = [], []
for h in hs:
    forward = (math.sin(1 + h) - math.sin(1)) / h
    central = numerical_derivative(math.sin, 1, h)
    forward_errors.append(abs(forward - exact))
    central_errors.append(abs(central - exact))

best = min(range(len(hs)), key=lambda i: central_errors[i])
print(f"best central h: {hs[best]:.0e}, error {central_errors[best]:.0e}")
print(f"central error at h = {hs[0]:.0e}: {central_errors[0]:.0e}")

large = [i for i, h in enumerate(hs) if 1e-4 <= h <= 0.1 + 1e-12]
tiny = [i for i, h in enumerate(hs) if h <= 1e-8 + 1e-20]
for name, errors in [("forward", forward_errors), ("central", central_errors)]:
    slope = log_slope([hs[i] for i in large], [errors[i] for i in large])
    print(f"{name} error slope for h from 1e-4 to 0.1: {slope:.2f}")
slope = log_slope([hs[i] for i in tiny], [central_errors[i] for i in tiny])
print(f"central error slope for h up to 1e-8: {slope:.2f}")
# --8<-- [end:error_vs_h]

# %%
# --8<-- [start:error_vs_h_plot]
plt.figure(figsize=(6, 4))
plt.loglog(hs, forward_errors, ".-", label="forward difference")
plt.loglog(hs, central_errors, ".-", label="central difference")
plt.xlabel("step $h$")
plt.ylabel("error")
plt.title("Error of $\\sin'(1)$ against the step")
plt.legend()
plt.grid(True, which="major", alpha=0.3)
plt.show()
# --8<-- [end:error_vs_h_plot]


# %%
# --8<-- [start:partials]
def f(p):
    x, y = p[0], p[1]
    return x**2 + 3 * x * y + y**2


point = torch.tensor([1.0, 2.0], dtype=torch.float64)
df_dx = partial_derivative(f, point, 0)  # exact: 2x + 3y = 8
df_dy = partial_derivative(f, point, 1)  # exact: 3x + 2y = 7
print(f"df/dx = {df_dx:.6f}, df/dy = {df_dy:.6f}")
# --8<-- [end:partials]

# %%
# --8<-- [start:gradient_vector]
grad = numerical_gradient(f, point)
x, y = point.tolist()
exact_grad = torch.tensor([2 * x + 3 * y, 3 * x + 2 * y])
print("numerical gradient:", grad.numpy().round(6))
print("exact gradient:    ", exact_grad.numpy())
# --8<-- [end:gradient_vector]

# %%
# --8<-- [start:steepest_direction]
angles = torch.linspace(0, 2 * math.pi, 361, dtype=torch.float64)[:-1]
eps = 1e-3
drops = []
for a in angles:
    direction = torch.stack([torch.cos(a), torch.sin(a)])
    drops.append((f(point + eps * direction) - f(point)).item())
steepest = angles[min(range(len(drops)), key=lambda i: drops[i])]

downhill = -grad
downhill_angle = math.atan2(downhill[1], downhill[0]) % (2 * math.pi)
print(f"steepest descent angle:  {math.degrees(steepest):.0f} deg")
print(f"negative gradient angle: {math.degrees(downhill_angle):.1f} deg")
# --8<-- [end:steepest_direction]


# %%
# --8<-- [start:gradient_field]
def bowl(p):
    return p[0] ** 2 + 3 * p[1] ** 2


xs = torch.linspace(-2, 2, 101, dtype=torch.float64)
X, Y = torch.meshgrid(xs, xs, indexing="xy")
plt.figure(figsize=(5, 5))
plt.contour(X, Y, bowl(torch.stack([X, Y])), levels=12, cmap="viridis")
largest_miss = 0.0  # the angle between an arrow and the way to the minimum
for x in [-1.5, -0.75, 0.75, 1.5]:
    for y in [-1.5, -0.75, 0.75, 1.5]:
        p = torch.tensor([x, y], dtype=torch.float64)
        g = numerical_gradient(bowl, p)
        plt.quiver(x, y, -g[0], -g[1], color="crimson", scale=40)
        cosine = torch.dot(-g, -p) / (g.norm() * p.norm())
        largest_miss = max(largest_miss, math.degrees(math.acos(cosine)))
plt.gca().set_aspect("equal")
plt.title("Negative gradient on $x^2 + 3y^2$")
plt.show()
print(f"largest angle between an arrow and the way to the minimum: {largest_miss:.1f} deg")
# --8<-- [end:gradient_field]


# %%
# --8<-- [start:descent_1d_manual]
def parabola(x):
    return (x - 3) ** 2 + 1


def parabola_slope(x):
    return 2 * (x - 3)


x = 0.0
lr = 0.1
for step in range(1, 6):
    x = x - lr * parabola_slope(x)
    print(f"step {step}: x = {x:.4f}, f(x) = {parabola(x):.4f}")
# --8<-- [end:descent_1d_manual]

# %%
# --8<-- [start:learning_rates]
start = torch.tensor(0.0, dtype=torch.float64)
paths = {}
print("lr     x after 30 steps   |x - 3| after 10, 20, 30 steps   jumps over 3")
for lr in [0.02, 0.1, 0.95, 1.05]:
    path = gradient_descent(parabola_slope, start, lr=lr, steps=30)
    paths[lr] = path
    distance = (path - 3).abs()
    jumps = int(((path[1:] - 3) * (path[:-1] - 3) < 0).sum())
    print(
        f"{lr:<6} {path[-1].item():16.4f}   "
        f"{distance[10]:9.4f} {distance[20]:9.4f} {distance[30]:9.4f}   {jumps:12d}"
    )

plt.figure(figsize=(6, 4))
for lr, path in paths.items():
    plt.plot(path, ".-", label=f"$\\eta = {lr}$")
plt.axhline(3, color="gray", linestyle="--", linewidth=1)
plt.ylim(-6, 12)
plt.xlabel("step")
plt.ylabel("$x$")
plt.title("Gradient descent on $(x-3)^2 + 1$")
plt.legend(ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.15))
plt.show()
# --8<-- [end:learning_rates]


# %%
# --8<-- [start:descent_2d]
def valley(p):
    return p[0] ** 2 / 2 + 5 * p[1] ** 2


def valley_grad(p):
    return numerical_gradient(valley, p)


start = torch.tensor([-4.0, 1.5], dtype=torch.float64)
slow = gradient_descent(valley_grad, start, lr=0.05, steps=40)
zigzag = gradient_descent(valley_grad, start, lr=0.18, steps=40)
for name, path in [("lr = 0.05", slow), ("lr = 0.18", zigzag)]:
    end_x, end_y = path[-1].tolist()
    on_floor = int((path[:, 1].abs() < 0.01).nonzero()[0])  # first step with |y| < 0.01
    crossings = int((path[1:, 1] * path[:-1, 1] < 0).sum())  # how often y changed sign
    print(f"{name}: end ({end_x:.4f}, {end_y:.4f}), distance to minimum {path[-1].norm():.4f}")
    print(f"  |y| < 0.01 from step {on_floor}, crossed the valley floor {crossings} times")
# --8<-- [end:descent_2d]

# %%
# --8<-- [start:descent_2d_plot]
xs = torch.linspace(-4.5, 4.5, 121, dtype=torch.float64)
ys = torch.linspace(-2, 2, 81, dtype=torch.float64)
X, Y = torch.meshgrid(xs, ys, indexing="xy")
plt.figure(figsize=(7, 3.6))
plt.contour(X, Y, valley(torch.stack([X, Y])), levels=15, cmap="viridis")
plt.plot(slow[:, 0], slow[:, 1], "o-", ms=3, label="$\\eta = 0.05$")
plt.plot(zigzag[:, 0], zigzag[:, 1], "o-", ms=3, label="$\\eta = 0.18$")
plt.plot(0, 0, "k*", markersize=12)
plt.gca().set_aspect("equal")
plt.title("Paths on $x^2/2 + 5y^2$")
plt.legend(loc="upper right")
plt.show()
# --8<-- [end:descent_2d_plot]


# %%
# --8<-- [start:autograd_check]
def wavy(x):
    return (torch.sin(x) * x**2).sum()


x = torch.randn(5, dtype=torch.float64, requires_grad=True)
(auto,) = torch.autograd.grad(wavy(x), x)
numeric = numerical_gradient(wavy, x)
print("autograd: ", auto.numpy().round(6))
print("numerical:", numeric.numpy().round(6))
print(f"max abs difference: {(auto - numeric).abs().max().item():.1e}")
# --8<-- [end:autograd_check]

# %%
# --8<-- [start:neuron_loss_check]
inputs = torch.randn(8, 3, dtype=torch.float64)
targets = torch.randint(0, 2, (8,)).double()
w = torch.randn(3, dtype=torch.float64, requires_grad=True)


def neuron_loss(w):
    predictions = torch.sigmoid(inputs @ w)
    return ((predictions - targets) ** 2).mean()


(auto,) = torch.autograd.grad(neuron_loss(w), w)
numeric = numerical_gradient(neuron_loss, w)
print("dL/dw (autograd):", auto.numpy().round(6))
print(f"max abs difference: {(auto - numeric).abs().max().item():.1e}")
# --8<-- [end:neuron_loss_check]


# %%
# --8<-- [start:exercise_1]
def numerical_jacobian(f, x, h=1e-5):
    """Central differences for a function that maps a vector to a vector."""
    columns = []
    for j in range(x.numel()):
        nudge = torch.zeros_like(x)
        nudge[j] = h
        columns.append((f(x + nudge) - f(x - nudge)) / (2 * h))
    return torch.stack(columns, dim=1)  # row i: the derivatives of output i


def polar_to_xy(v):
    radius, angle = v[0], v[1]
    return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)])


v = torch.tensor([2.0, 0.5], dtype=torch.float64)
ours = numerical_jacobian(polar_to_xy, v)
theirs = torch.autograd.functional.jacobian(polar_to_xy, v)
print(ours.numpy().round(6))
print(f"max abs difference from torch: {(ours - theirs).abs().max().item():.1e}")

from nnzero.exercises.ch03 import check_1

check_1(numerical_jacobian)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def steep_slope(x):
    return 8 * (x + 1)  # the derivative of 4(x + 1)**2


def distance_shrinks(lr, steps=200):
    """Whether descent from x = 0 ends closer to the minimum x = -1 than it started."""
    path = gradient_descent(steep_slope, torch.tensor(0.0, dtype=torch.float64), lr, steps)
    return abs(path[-1] + 1) < abs(path[0] + 1)


low, high = 0.0, 1.0  # descent converges at low and diverges at high
for _ in range(40):
    middle = (low + high) / 2
    if distance_shrinks(middle):
        low = middle
    else:
        high = middle
print(f"largest learning rate that converges: {low:.6f}")

from nnzero.exercises.ch03 import check_2

check_2(low)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3]
def gradient_error(f, grad, x):
    """The largest gap between a hand-written gradient and the numerical one."""
    return (grad(x) - numerical_gradient(f, x)).abs().max().item()


def g(w):
    return w[0] ** 2 * w[1] + torch.sin(w[2])


def g_grad(w):
    return torch.stack([2 * w[0] * w[1], w[0] ** 2, torch.cos(w[2])])


def g_grad_typo(w):
    return torch.stack([w[0] * w[1], w[0] ** 2, torch.cos(w[2])])  # lost the 2


w = torch.randn(3, dtype=torch.float64)
print(f"right gradient:       {gradient_error(g, g_grad, w):.1e}")
print(f"gradient with a typo: {gradient_error(g, g_grad_typo, w):.1e}")

from nnzero.exercises.ch03 import check_3

check_3(gradient_error)
# --8<-- [end:exercise_3]
