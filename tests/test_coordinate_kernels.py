"""numba kernels of numopt.coordinate against their NumPy twins."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from numopt.coordinate import _kernels, _reference


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((15, 9)) * (rng.random((15, 9)) < 0.5)
    block = np.array([1, 4, 7], dtype=np.int64)
    return A, sp.csc_matrix(A), block, rng.standard_normal(3), rng.standard_normal(15)


@pytest.mark.parametrize("module", [_kernels, _reference])
def test_column_update_and_block_dot(module, data):
    A, S, block, delta, w = data
    for update, args in ((module.column_update_dense, (A,)),
                         (module.column_update_csc, (S.indptr, S.indices, S.data))):
        out = w.copy()
        update(out, *args, block, delta)
        np.testing.assert_allclose(out, w + A[:, block] @ delta, atol=1e-14)
    np.testing.assert_allclose(module.block_dot_dense(A, w, block), A[:, block].T @ w, atol=1e-14)
    np.testing.assert_allclose(module.block_dot_csc(S.indptr, S.indices, S.data, w, block),
                               A[:, block].T @ w, atol=1e-14)


def _random_tree_matrix(rng, n):
    """A symmetric diagonally dominant matrix whose graph is a random tree (plus isolated
    duplicates to make a forest)."""
    parent = [rng.integers(i) for i in range(1, n)]
    rows = np.arange(1, n)
    W = sp.coo_matrix((rng.uniform(0.5, 2.0, n - 1), (rows, parent)), shape=(n, n))
    W = (W + W.T).tocsr()
    return (sp.diags(np.asarray(W.sum(axis=1)).ravel() + 0.1) - W).tocsr()


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 40), st.integers(0, 10_000))
def test_forest_solve_matches_dense_solve(n, seed):
    rng = np.random.default_rng(seed)
    Q = _random_tree_matrix(rng, n)
    Q.sort_indices()
    block = np.sort(rng.choice(n, size=rng.integers(1, n + 1), replace=False)).astype(np.int64)
    rhs = rng.standard_normal(block.size)
    z = _kernels.forest_solve_csr(Q.indptr, Q.indices, Q.data, block, rhs)
    np.testing.assert_allclose(z, np.linalg.solve(Q[block][:, block].toarray(), rhs), atol=1e-10)


def test_grow_forest_matches_reference_and_is_acyclic():
    rng = np.random.default_rng(0)
    n = 30
    W = sp.random(n, n, density=0.15, random_state=1)
    W = ((W + W.T) > 0).astype(float).tocsr()
    order = rng.permutation(n).astype(np.int64)
    fast = _kernels.grow_forest_csr(W.indptr, W.indices, order)
    slow = _reference.grow_forest_csr(W.indptr, W.indices, order)
    np.testing.assert_array_equal(fast, slow)
    sub = sp.triu(W[fast][:, fast], k=1)
    components = sp.csgraph.connected_components(sub, directed=False)[0]
    assert sub.nnz == fast.size - components


@pytest.mark.parametrize("nonneg", [False, True])
def test_block_qp_matches_reference_and_kkt(nonneg):
    rng = np.random.default_rng(5)
    B = rng.standard_normal((12, 6))
    M = B.T @ B + 0.1 * np.eye(6)
    g, xb = rng.standard_normal(6), rng.standard_normal(6)
    xb = np.abs(xb) if nonneg else xb
    z, sweeps = _kernels.block_qp_cd(M, g, xb, 0.3, nonneg, 5000, 1e-14)
    z_ref, _ = _reference.block_qp_cd(M, g, xb, 0.3, nonneg, 5000, 1e-14)
    np.testing.assert_allclose(z, z_ref, atol=1e-10)
    grad = g + M @ (z - xb)  # KKT of g·t + ½tᵀMt + 0.3‖xb + t‖₁ (+ z ≥ 0)
    free = z != 0
    np.testing.assert_allclose(grad[free], -0.3 * np.sign(z[free]), atol=1e-8)
    if nonneg:
        assert np.all(z >= 0) and np.all(grad[~free] >= -0.3 - 1e-8)
    else:
        assert np.all(np.abs(grad[~free]) <= 0.3 + 1e-8)
    assert sweeps < 5000
