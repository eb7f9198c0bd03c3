"""Drawing the computation graph of a :class:`~nnzero.engine.Value` with matplotlib.

The graph is laid out in columns by depth: the output on the right, and every
other value in the column given by the longest path from it to the output, so
each arrow points to the right. Every value is a box with its name, its data
and its gradient; the operation that produced a value is a small circle just
left of its box, as in micrograd's pictures. No graphviz is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, Rectangle

from nnzero.engine import Value

BOX_WIDTH = 2.6
BOX_HEIGHT = 1.1
COLUMN_STEP = 4.0
ROW_STEP = 1.5
OP_RADIUS = 0.34


def trace(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """Returns the values ``root`` was computed from and the edges between them.

    Args:
        root: The value at the end of the computation.

    Returns:
        The distinct values (``root`` included), in the order they were first
        reached, and one ``(child, parent)`` edge per input of every operation;
        a value used twice by one operation (``a * a``) gives two equal edges.
    """
    nodes: list[Value] = []
    edges: list[tuple[Value, Value]] = []
    seen: set[Value] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        nodes.append(node)
        for child in node._prev:
            edges.append((child, node))
        stack.extend(reversed(node._prev))  # the first input is visited first
    return nodes, edges


def depths(root: Value) -> dict[Value, int]:
    """Returns, for every value in the graph, the longest path from it to ``root``.

    ``root`` has depth 0; an input used at several depths gets the largest one, so
    every arrow goes from a deeper column to a shallower one.
    """
    nodes, _ = trace(root)
    depth = {root: 0}
    # Relax edges until nothing changes; graphs drawn on a page are tiny.
    changed = True
    while changed:
        changed = False
        for node in nodes:
            if node not in depth:
                continue
            for child in node._prev:
                if depth.get(child, -1) < depth[node] + 1:
                    depth[child] = depth[node] + 1
                    changed = True
    return depth


def _positions(root: Value) -> dict[Value, tuple[float, float]]:
    """Places each value: the column by depth, rows ordered after the values they feed."""
    depth = depths(root)
    columns: dict[int, list[Value]] = {}
    for node, d in depth.items():
        columns.setdefault(d, []).append(node)
    nodes, edges = trace(root)
    first_seen = {node: i for i, node in enumerate(nodes)}
    pos: dict[Value, tuple[float, float]] = {}
    for d in sorted(columns):
        column = columns[d]

        def parents_y(node: Value) -> float:
            ys = [pos[p][1] for c, p in edges if c is node and p in pos]
            return sum(ys) / len(ys) if ys else 0.0

        column.sort(key=lambda n: (-parents_y(n), first_seen[n]))
        top = (len(column) - 1) * ROW_STEP / 2
        for i, node in enumerate(column):
            pos[node] = (-d * COLUMN_STEP, top - i * ROW_STEP)
    return pos


def _op_text(op: str) -> str:
    """The operation as TeX, so that a figure needs no translation for it."""
    named = {"+": "+", "*": r"\times", "exp": r"\exp", "log": r"\log", "tanh": r"\tanh"}
    if op in named:
        return f"${named[op]}$"
    if op == "sigmoid":
        return r"$\sigma$"
    if op == "relu":
        return r"$\max(0,\cdot)$"
    if op.startswith("**"):
        return f"$(\\cdot)^{{{op[2:]}}}$"
    return f"${op}$"


def draw_graph(
    root: Value,
    names: Mapping[Value, str] | None = None,
    ax: Any = None,
    field_labels: Sequence[str] = ("data", "grad"),
) -> Any:
    """Draws the graph that computed ``root``, with each value's data and gradient.

    Args:
        root: The value at the end of the computation.
        names: TeX names for some values (``{w1: "w_1"}``), shown in their boxes;
            the other boxes show only their numbers.
        ax: The matplotlib Axes to draw on; a new figure is made when None.
        field_labels: The words written before the data and the gradient.

    Returns:
        The Axes that holds the drawing.
    """
    names = names or {}
    pos = _positions(root)
    _, edges = trace(root)
    if ax is None:
        columns = 1 + max(depths(root).values())
        rows = max(sum(1 for p in pos.values() if p[0] == x) for x in {p[0] for p in pos.values()})
        _, ax = plt.subplots(figsize=(0.5 + 2.3 * columns, 0.5 + 0.95 * rows))
    half_w, half_h = BOX_WIDTH / 2, BOX_HEIGHT / 2

    for node, (x, y) in pos.items():
        ax.add_patch(
            Rectangle(
                (x - half_w, y - half_h),
                BOX_WIDTH,
                BOX_HEIGHT,
                facecolor="#eef4fb" if node._prev else "#fff7e6",
                edgecolor="#444444",
                linewidth=1,
                zorder=2,
            )
        )
        if node in names:
            ax.text(x, y + 0.3, f"${names[node]}$", ha="center", va="center", zorder=3)
        fields = [(field_labels[0], node.data), (field_labels[1], node.grad)]
        for (label, number), dy in zip(fields, (0.0, -0.3), strict=True):
            ax.text(x - half_w + 0.1, y + dy, label, ha="left", va="center", fontsize=8, zorder=3)
            ax.text(x + half_w - 0.1, y + dy, f"{number:.4f}", ha="right", va="center",
                    fontsize=8, zorder=3)  # fmt: skip
        if node._prev:
            ox = x - half_w - 0.55
            ax.add_patch(
                Circle((ox, y), OP_RADIUS, facecolor="white", edgecolor="#444444", zorder=2)
            )
            ax.text(ox, y, _op_text(node._op), ha="center", va="center", fontsize=7, zorder=3)
            ax.plot([ox + OP_RADIUS, x - half_w], [y, y], color="#444444", lw=1, zorder=1)

    repeats: dict[tuple[int, int], int] = {}
    for child, parent in edges:
        key = (id(child), id(parent))
        k = repeats.get(key, 0)
        repeats[key] = k + 1
        (cx, cy), (px, py) = pos[child], pos[parent]
        start = (cx + half_w, cy)
        end = (px - half_w - 0.55 - OP_RADIUS, py)
        bend = 0.0 if k == 0 else 0.35 * (1 if k % 2 else -1) * ((k + 1) // 2)
        if k == 0 and sum(1 for c, p in edges if c is child and p is parent) > 1:
            bend = -0.35
        ax.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#444444",
                "lw": 1,
                "connectionstyle": f"arc3,rad={bend}",
                "shrinkA": 0,
                "shrinkB": 0,
            },
            zorder=1,
        )

    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - half_w - 0.3, max(xs) + half_w + 0.3)
    ax.set_ylim(min(ys) - half_h - 0.4, max(ys) + half_h + 0.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
