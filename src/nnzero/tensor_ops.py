"""Two tensor operations written by hand: the matrix product and broadcasting.

These are the tools of chapter 1. Both are written straight from their
definitions, with plain Python loops, so that every step can be read; the
tests check them against ``torch.matmul`` and ``torch.broadcast_shapes``.

Taught in [chapter 1](../ch01_why_pytorch.md#from-scratch).
"""

import torch


# --8<-- [start:matmul]
def matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Multiplies two matrices: c[i, j] = sum over p of a[i, p] * b[p, j].

    Args:
        a: A matrix of shape ``(n, k)``.
        b: A matrix of shape ``(k, m)``: as many rows as ``a`` has columns.

    Returns:
        The product, a matrix of shape ``(n, m)`` with the dtype that PyTorch
            would pick for ``a @ b``.

    Raises:
        ValueError: If the inputs are not matrices or the inner sizes differ.
    """
    if a.dim() != 2 or b.dim() != 2:
        raise ValueError(f"expected matrices, got {a.dim()}-d and {b.dim()}-d")
    n, k = a.shape
    k_b, m = b.shape
    if k != k_b:
        raise ValueError(f"cannot multiply ({n}, {k}) by ({k_b}, {m})")
    a_rows, b_rows = a.tolist(), b.tolist()  # nested lists of Python numbers
    c = [[0.0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            total = 0.0
            for p in range(k):
                total += a_rows[i][p] * b_rows[p][j]
            c[i][j] = total
    dtype = torch.promote_types(a.dtype, b.dtype)
    return torch.tensor(c, dtype=dtype, device=a.device).reshape(n, m)
    # --8<-- [end:matmul]


# --8<-- [start:broadcast_shape]
def broadcast_shape(
    shape_a: tuple[int, ...],
    shape_b: tuple[int, ...],
) -> tuple[int, ...]:
    """Computes the shape that broadcasting gives two tensors, as PyTorch does.

    The shapes are aligned on the right, and the shorter one is padded with
    ones on the left. Then, axis by axis, two sizes are compatible
    if they are equal or one of them is 1; the result takes the other size.

    Args:
        shape_a: The shape of the first tensor, e.g. ``(2, 1)``.
        shape_b: The shape of the second tensor, e.g. ``(3,)``.

    Returns:
        The broadcast shape, e.g. ``(2, 3)``.

    Raises:
        ValueError: If on some axis the sizes differ and neither of them is 1.
    """
    ndim = max(len(shape_a), len(shape_b))
    padded_a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    padded_b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    result = []
    for dim in range(ndim):
        size_a, size_b = padded_a[dim], padded_b[dim]
        if size_a == size_b or size_b == 1:
            result.append(size_a)
        elif size_a == 1:
            result.append(size_b)
        else:
            raise ValueError(
                f"shapes {tuple(shape_a)} and {tuple(shape_b)} do not "
                f"broadcast: sizes {size_a} and {size_b} at dim {dim - ndim}"
            )
    return tuple(result)
    # --8<-- [end:broadcast_shape]
