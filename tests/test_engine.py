"""The scalar engine agrees with torch.autograd in float64: random and hand-written expressions."""

import math
from collections.abc import Callable

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnzero.engine import Value

TOL = 1e-9

# Each operation is written once and applied to both a Value and a 0-d float64 tensor:
# the two share Python's operators and the method names exp/log/tanh/relu/sigmoid.
BINARY_OPS = ["add", "sub", "mul", "div"]
UNARY_OPS = [
    "neg",
    "exp",
    "log",
    "tanh",
    "relu",
    "sigmoid",
    "pow2",
    "pow3",
    "pow_half",
    "pow_neg1",
    "radd",
    "rsub",
    "rmul",
    "rdiv",
]


def apply_binary(op, a, b):
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    return a / b


def apply_unary(op, a):
    return {
        "neg": lambda: -a,
        "exp": lambda: a.exp(),
        "log": lambda: a.log(),
        "tanh": lambda: a.tanh(),
        "relu": lambda: a.relu(),
        "sigmoid": lambda: a.sigmoid(),
        "pow2": lambda: a**2,
        "pow3": lambda: a**3,
        "pow_half": lambda: a**0.5,
        "pow_neg1": lambda: a**-1,
        "radd": lambda: 2.5 + a,
        "rsub": lambda: 2 - a,
        "rmul": lambda: 3 * a,
        "rdiv": lambda: 1 / a,
    }[op]()


def valid(op, x):
    """Whether the operation is defined (and well conditioned) at the float x."""
    if op in ("div", "pow_neg1", "rdiv"):
        return abs(x) > 0.1
    if op in ("log", "pow_half"):
        return x > 0.1
    if op == "exp":
        return x < 20
    return True


step = st.tuples(
    st.sampled_from(BINARY_OPS + UNARY_OPS),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
)
leaf_values = st.lists(
    st.floats(min_value=-3, max_value=3, allow_nan=False), min_size=1, max_size=4
)


def build(leaves, program):
    """Runs the program on Values and on tensors; returns both node lists.

    Every step picks its operands among all earlier nodes, so nodes get reused.
    An operation that is undefined at its operand's value is replaced by `mul`
    (or `tanh` for unary ones), decided on the Value's number.
    """
    vals = [Value(x) for x in leaves]
    tens = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    v_nodes, t_nodes = list(vals), list(tens)
    for op, i, j in program:
        i, j = i % len(v_nodes), j % len(v_nodes)
        if op in BINARY_OPS:
            if not valid(op, v_nodes[j].data):
                op = "mul"
            v_nodes.append(apply_binary(op, v_nodes[i], v_nodes[j]))
            t_nodes.append(apply_binary(op, t_nodes[i], t_nodes[j]))
        else:
            if not valid(op, v_nodes[i].data):
                op = "tanh"
            v_nodes.append(apply_unary(op, v_nodes[i]))
            t_nodes.append(apply_unary(op, t_nodes[i]))
        if abs(v_nodes[-1].data) > 1e6:
            # Keep magnitudes sane (and far from overflow): squash a runaway node.
            v_nodes[-1] = v_nodes[-1].tanh()
            t_nodes[-1] = t_nodes[-1].tanh()
    return vals, tens, v_nodes, t_nodes


def assert_close(actual: float, expected: float) -> None:
    assert math.isclose(actual, expected, rel_tol=TOL, abs_tol=TOL), (actual, expected)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(leaves=leaf_values, program=st.lists(step, min_size=1, max_size=25))
def test_random_expressions_match_torch(leaves, program):
    vals, tens, v_nodes, t_nodes = build(leaves, program)
    # The output sums every node, so every node (and thus reuse) matters for the gradients.
    v_out, t_out = v_nodes[0], t_nodes[0]
    for v, t in zip(v_nodes[1:], t_nodes[1:], strict=True):
        v_out, t_out = v_out + v, t_out + t
    v_out.backward()
    t_out.backward()
    for v, t in zip(v_nodes, t_nodes, strict=True):
        assert_close(v.data, t.item())
    for v, t in zip(vals, tens, strict=True):
        assert_close(v.grad, t.grad.item())


@pytest.mark.parametrize("op", BINARY_OPS)
def test_each_binary_op(op):
    a, b = Value(1.7), Value(-0.6)
    ta = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-0.6, dtype=torch.float64, requires_grad=True)
    out, t_out = apply_binary(op, a, b), apply_binary(op, ta, tb)
    out.backward()
    t_out.backward()
    assert_close(out.data, t_out.item())
    assert_close(a.grad, ta.grad.item())
    assert_close(b.grad, tb.grad.item())


@pytest.mark.parametrize("op", UNARY_OPS)
@pytest.mark.parametrize("x", [-1.3, 0.4, 2.2])
def test_each_unary_op(op, x):
    if not valid(op, x):
        x = -x  # every op here is defined at one of x and -x
    a = Value(x)
    ta = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out, t_out = apply_unary(op, a), apply_unary(op, ta)
    out.backward()
    t_out.backward()
    assert_close(out.data, t_out.item())
    assert_close(a.grad, ta.grad.item())


# Hand-written expressions of three inputs, with reused nodes; checked to 1e-12.
EXPRESSIONS: dict[str, Callable] = {
    "neuron": lambda x, y, z: (x * y + z * 0.5 - 1).tanh(),
    "page": lambda x, y, z: (
        (x * y + x**3).tanh()
        + (y / x).sigmoid()
        - (x * x + 1).log()
        + (-y).exp() * x
        - (x - y).relu()
    ),
    "reused": lambda x, y, z: x * x * x + x / (y * y + 1) - z * x * y,
    "deep_chain": lambda x, y, z: ((((x + y).tanh() * z).sigmoid() + x) ** 2).log(),
    "relu_mix": lambda x, y, z: (x - y).relu() * (y - z).relu() + (z * 2).exp() / (1 + x * x),
    "rdiv_rsub": lambda x, y, z: 3 / (x * x + 1) - (2 - y) * z + 1.5**2 * z,
}
POINTS = [(0.5, -1.5, 0.3), (-0.8, 0.4, 1.2), (1.3, 0.9, -0.6)]


@pytest.mark.parametrize("name", EXPRESSIONS)
@pytest.mark.parametrize("point", POINTS)
def test_expressions_match_torch(name, point):
    f = EXPRESSIONS[name]
    values = [Value(p) for p in point]
    out = f(*values)
    out.backward()
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    ref = f(*tensors)
    grads = torch.autograd.grad(ref, tensors, allow_unused=True)
    assert out.data == pytest.approx(ref.item(), abs=1e-12, rel=0)
    for v, g in zip(values, grads, strict=True):
        expected = 0.0 if g is None else g.item()
        assert v.grad == pytest.approx(expected, abs=1e-12, rel=0), (name, point)
    # Not vacuous: at least one gradient is far from zero.
    assert max(abs(v.grad) for v in values) > 0.01


def test_reused_value_accumulates_gradient():
    a = Value(3.0)
    b = a * a + a  # db/da = 2a + 1
    b.backward()
    assert a.grad == 7.0


def test_same_operand_twice():
    a = Value(-2.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(3.0)
    (b * b).backward()
    assert b.grad == 6.0


def test_relu_at_zero_matches_torch():
    a = Value(0.0)
    a.relu().backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    t.relu().backward()
    assert a.grad == t.grad.item()


@pytest.mark.parametrize("x", [-800.0, 800.0])
def test_sigmoid_is_stable_for_large_inputs(x):
    a = Value(x)
    s = a.sigmoid()
    s.backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ts = t.sigmoid()
    ts.backward()
    assert_close(s.data, ts.item())
    assert_close(a.grad, t.grad.item())


def test_deep_chain_of_additions():
    x = Value(0.5)
    out = x
    for _ in range(10000):
        out = out + x
    out.backward()
    assert out.data == pytest.approx(0.5 * 10001)
    assert x.grad == 10001.0


def test_deep_chain_of_tanh_matches_torch():
    x, t = Value(0.3), torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    v_out, t_out = x, t
    for _ in range(5000):
        v_out = (v_out * 1.001).tanh() + 0.01
        t_out = (t_out * 1.001).tanh() + 0.01
    v_out.backward()
    t_out.backward()
    assert_close(v_out.data, t_out.item())
    assert_close(x.grad, t.grad.item())
