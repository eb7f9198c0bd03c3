"""Chapter 1: the hand-written matmul and broadcast_shape against PyTorch."""

import itertools
import random

import pytest
import torch

from nnzero.tensor_ops import broadcast_shape, matmul


@pytest.mark.parametrize("seed", range(8))
def test_matmul_matches_torch_on_random_matrices(seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    n, k, m = (int(s) for s in torch.randint(1, 9, (3,), generator=generator))
    a = torch.randn(n, k, dtype=torch.float64, generator=generator) * 3
    b = torch.randn(k, m, dtype=torch.float64, generator=generator) * 3
    ours = matmul(a, b)
    expected = torch.matmul(a, b)
    assert ours.shape == expected.shape == (n, m)
    assert ours.dtype == torch.float64
    torch.testing.assert_close(ours, expected, rtol=0, atol=1e-12)


def test_matmul_is_not_elementwise_and_not_transposed() -> None:
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    b = torch.tensor([[5.0, 6.0], [7.0, 8.0]], dtype=torch.float64)
    ours = matmul(a, b)
    torch.testing.assert_close(ours, a @ b, rtol=0, atol=1e-12)
    assert not torch.allclose(ours, b @ a)
    assert not torch.allclose(ours, a * b)


def test_matmul_vectors_as_rows_and_columns() -> None:
    generator = torch.Generator().manual_seed(11)
    row = torch.randn(1, 5, dtype=torch.float64, generator=generator)
    col = torch.randn(5, 1, dtype=torch.float64, generator=generator)
    torch.testing.assert_close(matmul(row, col), row @ col, rtol=0, atol=1e-12)
    torch.testing.assert_close(matmul(col, row), col @ row, rtol=0, atol=1e-12)


def test_matmul_integers_and_type_promotion() -> None:
    generator = torch.Generator().manual_seed(3)
    a = torch.randint(-9, 10, (3, 4), generator=generator)
    b = torch.randint(-9, 10, (4, 2), generator=generator)
    assert torch.equal(matmul(a, b), a @ b)
    assert matmul(a, b).dtype == torch.int64
    b32 = b.to(torch.float32)
    assert matmul(a.to(torch.float64), b32).dtype == torch.promote_types(torch.float64, b32.dtype)


def test_matmul_empty_inner_dimension_gives_zeros() -> None:
    a = torch.zeros(2, 0, dtype=torch.float64)
    b = torch.zeros(0, 3, dtype=torch.float64)
    torch.testing.assert_close(matmul(a, b), a @ b)


BAD_MATMUL_SHAPES = [((2, 3), (2, 3)), ((2, 3), (4, 2)), ((3,), (3, 1)), ((2, 2, 2), (2, 2))]


@pytest.mark.parametrize(("shape_a", "shape_b"), BAD_MATMUL_SHAPES)
def test_matmul_rejects_bad_shapes(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    a = torch.ones(shape_a, dtype=torch.float64)
    b = torch.ones(shape_b, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"expected matrices|cannot multiply"):
        matmul(a, b)


def _torch_broadcast(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> tuple[int, ...] | None:
    """torch.broadcast_shapes, or None where PyTorch refuses."""
    try:
        return tuple(torch.broadcast_shapes(shape_a, shape_b))
    except RuntimeError:
        return None


def _random_shape_pairs(count: int, seed: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Pairs of shapes that are often, but not always, compatible."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        ndim = rng.randint(0, 4)
        base = tuple(rng.randint(0, 4) for _ in range(ndim))
        shapes = []
        for _ in range(2):
            # Drop some leading dims, put 1s in some places, and now and then a wrong size.
            shape = list(base[rng.randint(0, ndim) :])
            for i in range(len(shape)):
                roll = rng.random()
                if roll < 0.3:
                    shape[i] = 1
                elif roll < 0.5:
                    shape[i] = rng.randint(0, 5)
            shapes.append(tuple(shape))
        pairs.append((shapes[0], shapes[1]))
    return pairs


PAIRS = _random_shape_pairs(400, seed=0)


def test_random_pairs_cover_both_outcomes() -> None:
    outcomes = [_torch_broadcast(a, b) is None for a, b in PAIRS]
    assert sum(outcomes) >= 20
    assert len(outcomes) - sum(outcomes) >= 200


@pytest.mark.parametrize(("shape_a", "shape_b"), PAIRS)
def test_broadcast_shape_matches_torch(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    expected = _torch_broadcast(shape_a, shape_b)
    if expected is None:
        with pytest.raises(ValueError, match="do not broadcast"):
            broadcast_shape(shape_a, shape_b)
    else:
        assert broadcast_shape(shape_a, shape_b) == expected
        assert broadcast_shape(shape_b, shape_a) == expected


SMALL_SHAPES = [
    shape for ndim in range(3) for shape in itertools.product([0, 1, 2, 3], repeat=ndim)
]


def test_broadcast_shape_matches_torch_on_all_small_shapes() -> None:
    for shape_a, shape_b in itertools.product(SMALL_SHAPES, repeat=2):
        expected = _torch_broadcast(shape_a, shape_b)
        if expected is None:
            with pytest.raises(ValueError):
                broadcast_shape(shape_a, shape_b)
        else:
            assert broadcast_shape(shape_a, shape_b) == expected, (shape_a, shape_b)


def test_broadcast_shape_matches_real_tensor_addition() -> None:
    generator = torch.Generator().manual_seed(5)
    for shape_a, shape_b in [((2, 1), (1, 3)), ((5, 1, 4), (3, 1)), ((3,), ()), ((4, 1), (4,))]:
        x = torch.randn(shape_a, dtype=torch.float64, generator=generator)
        y = torch.randn(shape_b, dtype=torch.float64, generator=generator)
        assert broadcast_shape(shape_a, shape_b) == tuple((x + y).shape)


def test_broadcast_shape_accepts_torch_size_and_explains_errors() -> None:
    assert broadcast_shape(torch.Size([2, 1]), torch.Size([3])) == (2, 3)
    with pytest.raises(ValueError, match=r"sizes 3 and 2 at dim -1"):
        broadcast_shape((2, 3), (2,))
