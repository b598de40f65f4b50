"""Point clouds in place of a cost matrix: online log-sum-exp kernels (with and without
kernel truncation) against the dense path, solves, the lazy plan, bad input."""

import numba
import numpy as np
import ot
import pytest

import numopt as no
from numopt.transport import PointCloud, sinkhorn
from numopt.transport import pot as not_pot
from numopt.transport.cloud import CloudProblem
from numopt.transport.ops import ArrayApiOps


@numba.njit
def l1_cost(u, v):
    return np.abs(u - v).sum()


def points(n, m, d, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)), rng.random((m, d))


@pytest.mark.parametrize(("cost", "truncate", "d"), [
    ("sqeuclidean", None, 3), ("sqeuclidean", 50.0, 3), ("sqeuclidean", 50.0, 1),
    ("euclidean", None, 2), ("euclidean", 50.0, 3),
    pytest.param(l1_cost, None, 3, marks=pytest.mark.slow),  # compiles the kernel twice
])
def test_online_kernels_match_dense_path(cost, truncate, d):
    """Row and column log-sum-exps (exact, shifted by a good and by a poor guess) and the
    plan's cost agree with the dense NumPy reference on the tree-sorted problem to 1e-12;
    leaves of 16 points give many tiles, so truncation really skips some."""
    x, y = points(170, 130, d, seed=d)
    reg = 0.01
    n, m = x.shape[0], y.shape[0]
    problem = CloudProblem(np.full(n, 1 / n), np.full(m, 1 / m),
                           PointCloud(x, y, cost, truncate=truncate, leaf_size=16), reg)
    C = PointCloud(problem.source.points, problem.target.points, cost).matrix()
    ref = ArrayApiOps(np, C, reg)
    rng = np.random.default_rng(1)
    f, g = 0.05 * rng.standard_normal(n), 0.05 * rng.standard_normal(m)
    rows, cols = ref.row_lse(g), ref.col_lse(f)
    ops = problem.ops
    for guess in (None, reg * rows + 1e-3, reg * rows + 0.5):
        np.testing.assert_allclose(ops.row_lse(g, shift=guess), rows, rtol=0, atol=1e-12)
    for guess in (None, reg * cols - 1e-3, reg * cols - 0.5):
        np.testing.assert_allclose(ops.col_lse(f, shift=guess), cols, rtol=0, atol=1e-12)
    lse, mean_cost = ops.row_cost(g)
    P = np.exp((g[None, :] - C) / reg - rows[:, None])
    np.testing.assert_allclose(lse, rows, atol=1e-12)
    np.testing.assert_allclose(mean_cost, (P * C).sum(1), rtol=1e-11, atol=1e-14)


def test_truncation_skips_tiles_and_stays_exact():
    """Sharp kernel (reg = 1e-3 on the unit square): at the potentials of a converged run
    most tiles lie below the truncation depth, and the truncated log-sum-exps equal the
    untruncated ones to 1e-12."""
    x, y = points(300, 250, 2, seed=3)
    a, b = np.full(300, 1 / 300), np.full(250, 1 / 250)
    reg = 1e-3
    res = sinkhorn(a, b, PointCloud(x, y, truncate=30.0, leaf_size=16), reg, tol=1e-6)
    assert res.success, res.message
    full = CloudProblem(a, b, PointCloud(x, y, truncate=None, leaf_size=16), reg)
    cut = CloudProblem(a, b, PointCloud(x, y, truncate=30.0, leaf_size=16), reg)
    f = res.f[full.rows_kept] - full.log_mass
    g = res.g[full.cols_kept]
    shift = reg * full.log_a - f
    exact = full.ops.row_lse(g)
    np.testing.assert_allclose(cut.ops.row_lse(g, shift=shift), exact, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cut.ops.col_lse(f, shift=reg * full.log_b - g),
                               full.ops.col_lse(f), rtol=0, atol=1e-12)
    # tiles whose bound (largest g minus the squared distance to the box) passes the test
    tgt = cut.target
    gmax = np.maximum.reduceat(g, tgt.starts[:-1])
    gap = np.maximum(np.maximum(tgt.lo[None] - cut.source.points[:, None], 0.0),
                     cut.source.points[:, None] - tgt.hi[None])
    kept = gmax[None] - (gap ** 2).sum(-1) - shift[:, None] >= -30.0 * reg
    assert kept.mean() < 0.5


@pytest.mark.parametrize("cost", ["sqeuclidean", "euclidean"])
def test_cloud_solve_matches_dense_solve(cost):
    x, y = points(90, 70, 2, seed=4)
    rng = np.random.default_rng(5)
    a, b = rng.random(90) + 0.1, rng.random(70) + 0.1
    a, b = a / a.sum(), b / b.sum()
    a[[3, 7]] = 0.0  # zero-mass points are dropped and restored
    a /= a.sum()
    geo = PointCloud(x, y, cost)
    res = sinkhorn(a, b, geo, 0.01, tol=1e-11)
    ref = sinkhorn(a, b, geo.matrix(), 0.01, tol=1e-11)
    assert res.success and res.method == "sinkhorn_log" and res.history["phase"][1] == "scaling"
    np.testing.assert_allclose(np.asarray(res.plan), ref.plan, atol=1e-10)
    np.testing.assert_allclose(res.plan.sum(axis=1), a, atol=1e-11)
    np.testing.assert_allclose(res.plan.sum(axis=0), b, atol=1e-11)
    assert res.cost == pytest.approx(ref.cost, rel=1e-9)
    assert res.entropic_cost == pytest.approx(ref.entropic_cost, rel=1e-9)
    assert np.isneginf(res.f[[3, 7]]).all()
    P = np.exp((res.f[:, None] + res.g[None, :] - geo.matrix()) / 0.01)
    np.testing.assert_allclose(P, ref.plan, atol=1e-10)


def test_eps_scaling_reaches_the_same_plan_in_fewer_iterations():
    """ε-scaling (one iteration per halving of reg, here 10 of them) then the usual
    iterations: the same plan, 10-15% fewer plain iterations to 1e-6 on these clouds (the
    asymptotic rate at the target reg dominates either way; with over-relaxation both
    runs take about the same count)."""
    x, y = points(300, 300, 2, seed=6)
    a = np.full(300, 1 / 300)
    scaled = sinkhorn(a, a, PointCloud(x, y), 2e-3, tol=1e-6, overrelax=False)
    plain = sinkhorn(a, a, PointCloud(x, y), 2e-3, tol=1e-6, eps_scaling=None,
                     overrelax=False)
    assert scaled.success and plain.success
    assert list(scaled.history["phase"]).count("scaling") == 10
    assert scaled.nit < plain.nit
    np.testing.assert_allclose(np.asarray(scaled.plan), np.asarray(plain.plan), atol=1e-7)


def test_empirical_sinkhorn_drop_in_matches_pot_lazy():
    x, y = points(60, 50, 2, seed=7)
    f, g = not_pot.bregman.empirical_sinkhorn(x, y, 0.05, isLazy=True, stopThr=1e-12)
    f_ot, g_ot = ot.bregman.empirical_sinkhorn(x, y, 0.05, isLazy=True, stopThr=1e-12)
    C = ot.dist(x, y)
    np.testing.assert_allclose(np.exp(f[:, None] + g[None, :] - C / 0.05),
                               np.exp(f_ot[:, None] + g_ot[None, :] - C / 0.05), atol=1e-10)


def test_lazy_plan_refuses_huge_dense_and_bad_input():
    x, y = points(20, 10, 2)
    res = sinkhorn(np.full(20, 0.05), np.full(10, 0.1), PointCloud(x, y), 0.1)
    assert res.plan.shape == (20, 10) and res.plan.sum() == pytest.approx(1.0)
    assert "LazyPlan" in repr(res.plan) and "PointCloud" in repr(PointCloud(x, y))
    with pytest.raises(no.InvalidProblemError, match="method='sinkhorn_log'"):
        sinkhorn(np.full(20, 0.05), np.full(10, 0.1), PointCloud(x, y), 0.1, method="sinkhorn")
    with pytest.raises(no.InvalidProblemError, match="same number of coordinates"):
        PointCloud(x, y[:, :1])
    with pytest.raises(no.InvalidProblemError, match="NaN"):
        PointCloud(np.full((3, 2), np.nan), y)
    with pytest.raises(no.InvalidProblemError, match="cost"):
        PointCloud(x, y, cost="cosine")
    with pytest.raises(no.InvalidProblemError, match="lengths"):
        sinkhorn(np.full(19, 1 / 19), np.full(10, 0.1), PointCloud(x, y), 0.1)


def test_overrelaxation_cuts_iterations_to_the_same_plan():
    """After the first check at the target reg the log-domain iterations are over-relaxed
    with the SOR factor of the observed contraction (Thibault et al. 2017)."""
    rng = np.random.default_rng(3)
    x, y = rng.random((300, 2)), rng.random((300, 2))
    a = np.full(300, 1 / 300)
    fast = sinkhorn(a, a, PointCloud(x, y), 5e-3, tol=1e-8)
    plain = sinkhorn(a, a, PointCloud(x, y), 5e-3, tol=1e-8, overrelax=False)
    assert fast.success and plain.success
    assert fast.nit < plain.nit / 2
    np.testing.assert_allclose(np.asarray(fast.plan), np.asarray(plain.plan), atol=1e-9)


@pytest.mark.parametrize("delta", [1e-12, 1e-6])
def test_auto_truncation_stays_within_its_stated_bound(delta):
    """``truncate="auto"``: every truncated log-sum-exp is below the exact (dense) one by
    at most ``log(1 + delta)`` and never above it, the reported bound per row is at most
    ``delta``, and with ``delta = 1e-12`` the kernels match the dense path to 1e-12; sharp
    enough a kernel (3-D, reg = 1e-3, leaves of 16) that tiles are really skipped."""
    x, y = points(400, 350, 3, seed=11)
    reg = 1e-3
    n, m = x.shape[0], y.shape[0]
    problem = CloudProblem(np.full(n, 1 / n), np.full(m, 1 / m),
                           PointCloud(x, y, leaf_size=16), reg)
    problem.ops.set_delta(delta)
    C = PointCloud(problem.source.points, problem.target.points).matrix()
    ref = ArrayApiOps(np, C, reg)
    rng = np.random.default_rng(2)
    f, g = 0.01 * rng.standard_normal(n), 0.01 * rng.standard_normal(m)
    rows, cols = ref.row_lse(g), ref.col_lse(f)
    ops = problem.ops
    for _ in range(3):  # the depth adapts between passes; the bound holds at every depth
        for got, exact in ((ops.row_lse(g, shift=reg * rows + 1e-3), rows),
                           (ops.col_lse(f, shift=reg * cols - 1e-3), cols)):
            assert np.all(got <= exact + 1e-13)
            assert np.all(exact - got <= np.log1p(delta) + 1e-13)
            if delta == 1e-12:
                np.testing.assert_allclose(got, exact, rtol=0, atol=1e-12)
    depth, sure, bound, _ = ops.depth(m, ops.relief[id(problem.source)])
    assert bound == delta and depth < sure
    # tiles whose bound passes the kept test: far fewer than all of them
    tgt = problem.target
    gmax = np.maximum.reduceat(g, tgt.starts[:-1])
    gap = np.maximum(np.maximum(tgt.lo[None] - problem.source.points[:, None], 0.0),
                     problem.source.points[:, None] - tgt.hi[None])
    kept = gmax[None] - (gap ** 2).sum(-1) - reg * rows[:, None] >= -depth * reg
    assert kept.mean() < 0.6


def test_multiscale_start_reaches_the_plain_plan_in_fewer_fine_iterations():
    """Coarse-to-fine start (grid cells, recursively): the same plan as a single-level run,
    fewer iterations at the finest level, the levels reported in ``coarse``; the stopping
    test accounts for the truncation bound (``truncation_bound = 0.01 tol``)."""
    x, y = points(900, 800, 3, seed=12)
    a, b = np.full(900, 1 / 900), np.full(800, 1 / 800)
    reg = 0.005
    multi = sinkhorn(a, b, PointCloud(x, y), reg, tol=1e-7, multiscale=True)
    single = sinkhorn(a, b, PointCloud(x, y), reg, tol=1e-7, multiscale=False)
    assert multi.success and single.success, (multi.message, single.message)
    assert len(multi.coarse) >= 1 and multi.coarse[0][0] < 900 and single.coarse == ()
    assert multi.nit < single.nit
    assert multi.truncation_bound == pytest.approx(1e-9)
    assert multi.marginal_error + 2 * multi.truncation_bound * 1.01 <= 1e-7
    for res in (multi, single):
        assert res.nfev >= 2 * res.nit and res.history["nfev"][-1] <= res.nfev
        assert res.history["omega"].max() > 1.0
    np.testing.assert_allclose(multi.plan.sum(axis=1), a, atol=1e-9)
    np.testing.assert_allclose(np.asarray(multi.plan), np.asarray(single.plan), atol=1e-8)
    with pytest.raises(no.InvalidProblemError, match="multiscale"):
        sinkhorn(a, b, PointCloud(x, y), reg, multiscale="yes")
    with pytest.raises(no.InvalidProblemError, match="truncate"):
        PointCloud(x, y, truncate="tight")


def test_coarse_cells_refine_on_clustered_clouds():
    """The grid of the multiscale start is refined (x2 per axis) until about n / 8 cells
    are occupied, also when the points sit in a few tight clusters; centroids and masses
    are those of the cells."""
    from numopt.transport.cloud import _cells

    rng = np.random.default_rng(4)
    centers = rng.random((3, 3))
    x = centers[rng.integers(0, 3, 4000)] + 0.01 * rng.standard_normal((4000, 3))
    w = np.full(4000, 1 / 4000)
    lo, span = x.min(0), float(np.ptp(x, axis=0).max())
    X, A = _cells(x, w, lo, span)
    assert 250 <= X.shape[0] <= 2000
    assert A.sum() == pytest.approx(1.0) and np.all(A > 0)
    np.testing.assert_allclose(A @ X, w @ x, atol=1e-14)
    uniform = rng.random((4000, 3))
    assert _cells(uniform, w, np.zeros(3), 1.0)[0].shape[0] <= 512  # 8 per axis: no refining
