"""The shared CG (``numopt.core.linalg.cg``) with batched host reads, as SNS's Newton phase
uses it on a device: the same iterates, iteration count and breakdown flag as transport's
one-sync-per-test projected Jacobi-PCG."""

import array_api_compat.numpy as xp
import numpy as np
import pytest

from numopt.core.linalg import cg
from numopt.transport.newton import SparseHessian, null_space_projection, pcg


@pytest.mark.parametrize("check_every", [1, 3, 8])
@pytest.mark.parametrize("rtol", [1e-3, 1e-10])
def test_matches_the_one_sync_loop(check_every, rtol):
    rng = np.random.default_rng(0)
    n = 12
    P = rng.random((n, n)) / n ** 2
    rows, cols = P.sum(axis=1), P.sum(axis=0)
    hessian = SparseHessian(xp, rows, cols, P)
    rhs = null_space_projection(xp, rng.standard_normal(2 * n), n)
    ref = pcg(hessian, rhs, rtol, 200)
    out = cg(xp, hessian.matvec, lambda r: null_space_projection(xp, r / hessian.diag, n),
                      rhs, rtol, 200, project=lambda q: null_space_projection(xp, q, n),
                      check_every=check_every)
    assert out[1:] == ref[1:]
    np.testing.assert_array_equal(out[0], ref[0])


def test_breakdown_on_negative_curvature():
    K = np.diag([1.0, -1.0, 2.0])
    rhs = np.array([0.0, 1.0, 0.0])
    d, it, broke = cg(xp, lambda v: K @ v, lambda r: r, rhs, 1e-12, 10, check_every=4)
    assert broke and it == 0 and np.array_equal(d, np.zeros(3))


def test_max_iter_reached():
    K = np.diag(np.arange(1.0, 30.0))
    d, it, broke = cg(xp, lambda v: K @ v, lambda r: r, np.ones(29), 1e-14, 5)
    assert it == 5 and not broke and np.all(np.isfinite(d))
