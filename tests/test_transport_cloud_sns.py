"""Sinkhorn–Newton–Sparse on point clouds (``method="sns"`` with a PointCloud): the answer
against the dense-matrix SNS and the cloud Sinkhorn, the gathered sparse Hessian against
the dense plan, iteration counts at small reg, counters, bad input."""

import numpy as np
import pytest

import numopt as no
from numopt.transport import PointCloud, sinkhorn
from numopt.transport.cloud import CloudProblem
from numopt.transport.cloud_sns import high_mass_entries


def clouds(n, m, d, seed=0):
    rng = np.random.default_rng(seed)
    x, y = rng.random((n, d)), rng.random((m, d))
    a, b = rng.random(n) + 0.5, rng.random(m) + 0.5
    return x, y, a / a.sum(), b / b.sum()


@pytest.mark.parametrize(("cost", "d"), [("sqeuclidean", 2), ("euclidean", 3)])
def test_matches_dense_sns_and_cloud_sinkhorn(cost, d):
    """Same plan (L1 distance <= 1e-7 of the unit mass) and marginals (<= 1e-8) as the
    dense-matrix SNS on ``cloud.matrix()`` and as the cloud Sinkhorn; Newton did the work."""
    x, y, a, b = clouds(220, 170, d, seed=d)
    cloud = PointCloud(x, y, cost, leaf_size=32)
    reg = 0.003 if cost == "sqeuclidean" else 0.01
    res = sinkhorn(a, b, cloud, reg, method="sns", tol=1e-10)
    dense = sinkhorn(a, b, cloud.matrix(), reg, method="sns", tol=1e-12)
    log = sinkhorn(a, b, cloud, reg, tol=1e-10)
    assert res.success and res.method == "sns" and res.nit_newton > 0
    P = np.asarray(res.plan)
    assert np.abs(P.sum(1) - a).sum() <= 1e-8 and np.abs(P.sum(0) - b).sum() <= 1e-8
    assert res.marginal_error <= 1e-10
    assert np.abs(P - dense.plan).sum() <= 1e-7
    assert np.abs(P - np.asarray(log.plan)).sum() <= 1e-7
    assert res.cost == pytest.approx(dense.cost, rel=1e-8)
    # potentials: the same up to the constant (f + c, g - c)
    shift = np.mean(res.f - dense.f)
    np.testing.assert_allclose(res.f - shift, dense.f, atol=1e-7 * reg)
    np.testing.assert_allclose(res.g + shift, dense.g, atol=1e-7 * reg)


def test_high_mass_entries_are_the_dense_plans_large_entries():
    """The tile-gathered CSR holds exactly the entries >= cutoff x their row's mass."""
    x, y, a, b = clouds(150, 120, 2, seed=5)
    problem = CloudProblem(a, b, PointCloud(x, y, leaf_size=16), 0.01)
    rng = np.random.default_rng(1)
    f, g = 0.01 * rng.standard_normal(150), 0.01 * rng.standard_normal(120)
    lse = problem.ops.row_lse(g, shift=0.01 * problem.log_a - f)
    P, rows, _ = problem.ops.plan(f, g)
    S = high_mass_entries(problem, f, g, lse, 1e-3)
    keep = P >= 1e-3 * np.exp(f / 0.01 + lse)[:, None]
    assert 0 < S.nnz < P.size and S.nnz == keep.sum()
    np.testing.assert_allclose(S.toarray(), np.where(keep, P, 0.0), rtol=1e-12, atol=0)


def test_small_reg_needs_far_fewer_iterations_than_cloud_sinkhorn():
    x, y, a, b = clouds(300, 250, 2, seed=2)
    cloud = PointCloud(x, y)
    sns = sinkhorn(a, b, cloud, 5e-4, method="sns", tol=1e-9)
    log = sinkhorn(a, b, cloud, 5e-4, method="sinkhorn_log", tol=1e-9)
    assert sns.success and log.success
    assert 5 * sns.nit < log.nit, (sns.nit, log.nit)
    # counters: passes over the cost, Hessians built, the history's Newton rows
    assert sns.nfev > 0 and sns.nhev >= sns.nit_newton > 0 and sns.kept > 0
    assert sns.nit_sinkhorn + sns.nit_newton == sns.nit
    assert "newton" in list(sns.history["phase"])


def test_warmup_zero_and_zero_mass_points():
    """Newton from the first check; zero-mass points get zero plan rows/columns."""
    x, y, a, b = clouds(120, 90, 3, seed=3)
    a[:5] = 0.0
    a /= a.sum()
    res = sinkhorn(a, b, PointCloud(x, y), 0.01, method="sns", warmup=0, tol=1e-9)
    assert res.success and res.nit_newton > 0
    P = np.asarray(res.plan)
    assert P.shape == (120, 90) and np.all(P[:5] == 0)
    assert np.abs(P.sum(0) - b).sum() <= 1e-9


def test_bad_input_errors_are_clear():
    x, y, a, b = clouds(20, 10, 2)
    cloud = PointCloud(x, y)
    with pytest.raises(no.InvalidProblemError, match="cutoff"):
        sinkhorn(a, b, cloud, 0.1, method="sns", cutoff=0.0)
    with pytest.raises(no.InvalidProblemError, match="warmup"):
        sinkhorn(a, b, cloud, 0.1, method="sns", warmup=-1)
    with pytest.raises(no.InvalidProblemError, match="drop_ratio"):
        sinkhorn(a, b, cloud, 0.1, method="sns", drop_ratio=0.1)  # dense SNS only
    with pytest.raises(no.InvalidProblemError, match="method='sinkhorn_log' or 'sns'"):
        sinkhorn(a, b, cloud, 0.1, method="sinkhorn")
    with pytest.raises(no.InvalidProblemError, match="lengths"):
        sinkhorn(a[:-1], b, cloud, 0.1, method="sns")
