"""The shared numerical helpers of numopt.core.linalg (one CG, one power iteration, one
finiteness check) against dense references."""

import array_api_compat.numpy as xp
import numpy as np
import pytest
import scipy.sparse as sp

from numopt.core.linalg import all_finite, cg, power_iteration


def spd(n, seed, cond=50.0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return Q @ np.diag(np.geomspace(1.0, cond, n)) @ Q.T


@pytest.mark.parametrize("check_every", [1, 3, 8])
@pytest.mark.parametrize("precondition", [None, "jacobi"])
def test_cg_solves_and_batching_changes_nothing(check_every, precondition):
    K, b = spd(12, 0), np.arange(1.0, 13.0)
    pre = (lambda r: r / np.diag(K)) if precondition else None
    d, it, broke = cg(xp, lambda v: K @ v, pre, b, 1e-10, 100, check_every=check_every)
    assert not broke and np.linalg.norm(K @ d - b) <= 1e-10 * np.linalg.norm(b)
    d1, it1, _ = cg(xp, lambda v: K @ v, pre, b, 1e-10, 100)
    assert it == it1 and np.array_equal(d, d1)  # same iterate, fewer host reads


def test_cg_reports_breakdown_on_negative_curvature_and_caps_iterations():
    K = np.diag([1.0, -1.0, 2.0])
    d, it, broke = cg(xp, lambda v: K @ v, None, np.ones(3), 1e-12, 10)
    assert broke and np.all(np.isfinite(d))
    capped = cg(xp, lambda v: spd(6, 1, 1e4) @ v, None, np.ones(6), 1e-14, 2)
    assert capped[1] == 2 and not capped[2]


def test_cg_projection_keeps_the_iterates_in_the_subspace():
    K = spd(5, 2)
    null = np.ones(5) / np.sqrt(5)
    project = lambda v: v - (null @ v) * null  # noqa: E731
    rhs = project(np.arange(5.0))
    d, _, broke = cg(xp, lambda v: K @ v, project, rhs, 1e-12, 50, project=project)
    assert not broke and abs(null @ d) < 1e-10


def test_power_iteration_finds_the_dominant_eigenvalue():
    A = spd(8, 3, cond=10.0)
    top = np.linalg.eigvalsh(A)[-1]
    rq, norm, v = power_iteration(lambda u: A @ u, np.ones(8), 200)
    assert rq == pytest.approx(top, rel=1e-8) and norm == pytest.approx(top, rel=1e-6)
    assert np.linalg.norm(v) == pytest.approx(1.0)
    assert power_iteration(lambda u: 0 * u, np.ones(3), 5)[:2] == (0.0, 0.0)


def test_all_finite_dense_sparse_and_scalars():
    assert all_finite(np.eye(3)) and all_finite(2.0)
    assert not all_finite(np.array([1.0, np.inf]))
    bad = sp.csr_array(np.array([[1.0, 0.0], [np.nan, 2.0]]))
    assert not all_finite(bad) and all_finite(sp.csr_array(np.eye(2)))
    xps = pytest.importorskip("array_api_strict")
    assert not all_finite(xps.asarray([1.0, float("nan")]))
