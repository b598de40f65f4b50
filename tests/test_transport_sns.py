"""Sinkhorn–Newton–Sparse: the paper's random-assignment case (issue 4 acceptance), kept-entry
growth, the merit switch, and agreement with long log-domain Sinkhorn runs."""

import numpy as np
import pytest

import numopt as no
from numopt.transport import sinkhorn


def random_assignment(n, seed=0):
    C = np.random.default_rng(seed).random((n, n))
    a = np.full(n, 1 / n)
    return a, C


@pytest.fixture(scope="module")
def sns_500():
    a, C = random_assignment(500)
    return sinkhorn(a, a, C, 1 / 1200, method="sns", tol=1e-12)


def test_random_assignment_acceptance_iterations(sns_500):
    """ALGORITHMS.md NUM-SNS-4: <= 1e-12 in <= 20 Newton steps after a 20-step warm-up."""
    res = sns_500
    assert res.success, res.message
    assert res.marginal_error <= 1e-12
    assert res.nit_sinkhorn == 20 and res.nit_newton <= 20
    newton = res.history["marginal_error"][res.history["phase"] == "newton"]
    assert newton.size == res.nit_newton and newton[-1] <= 1e-12
    # super-linear at the end: the last step gains at least three orders of magnitude
    assert newton[-1] <= 1e-3 * newton[-2]


@pytest.mark.slow
def test_random_assignment_plan_matches_long_log_sinkhorn(sns_500):
    a, C = random_assignment(500)
    ref = sinkhorn(a, a, C, 1 / 1200, method="sinkhorn_log", tol=1e-12, max_iter=200_000)
    assert ref.success, ref.message
    np.testing.assert_allclose(sns_500.plan, ref.plan, atol=1e-9, rtol=0)


def test_small_random_assignment_plan_matches_long_log_sinkhorn():
    """Fast stand-in for the slow n = 500 comparison (same structure, n = 80, reg = 1/200)."""
    a, C = random_assignment(80, seed=3)
    res = sinkhorn(a, a, C, 1 / 200, method="sns", tol=1e-12, switch="warmup")
    ref = sinkhorn(a, a, C, 1 / 200, method="sinkhorn_log", tol=1e-12, max_iter=20_000)
    assert res.success and ref.success, (res.message, ref.message)
    assert res.nit < ref.nit / 10
    np.testing.assert_allclose(res.plan, ref.plan, atol=1e-9, rtol=0)
    assert res.cost == pytest.approx(ref.cost, rel=1e-9)


def test_counts_passes_and_hessians():
    """``nfev`` counts passes over M (log-sum-exps, kernel products, plan evaluations; the
    history's ``nfev`` column grows with them), ``nhev`` the sparse Hessians built."""
    a, C = random_assignment(80, seed=3)
    res = sinkhorn(a, a, C, 1 / 200, method="sns", tol=1e-12, switch="warmup")
    assert res.nhev == res.nit_newton >= 1 and res.njev == 0
    assert res.nfev >= 2 * res.nit_sinkhorn + res.nit_newton
    assert np.all(np.diff(res.history["nfev"]) >= 1)
    assert res.history["nfev"][-1] <= res.nfev
    for method, per_iteration in (("sinkhorn", 2), ("sinkhorn_log", 2)):
        r = sinkhorn(a, a, C, 0.05, method, tol=1e-9)
        assert r.nhev == 0 and per_iteration * r.nit <= r.nfev <= per_iteration * r.nit + 6


def test_too_few_kept_entries_grow_and_still_converge():
    a, C = random_assignment(200, seed=1)
    res = sinkhorn(a, a, C, 1 / 800, method="sns", tol=1e-12, density=1 / 200,
                   drop_ratio=None, switch="warmup")  # the paper's fixed count, grown
    assert res.success, res.message
    kept = res.history["kept"][res.history["phase"] == "newton"]
    assert kept.min() >= 200 and kept[-1] >= 400 and res.kept == kept[-1]
    # the kept count only grows (up to the <= 12.5% wide bins of the histogram threshold)
    assert np.all(kept >= 0.9 * np.maximum.accumulate(kept))


def test_machine_precision_stops_honestly():
    a, C = random_assignment(100, seed=2)
    res = sinkhorn(a, a, C, 1 / 500, method="sns", tol=1e-17, max_iter=200, switch="warmup")
    assert not res.success
    assert res.marginal_error <= 1e-13  # reached machine accuracy before stopping
    assert "floating-point" in res.message or "Maximum" in res.message


def test_rectangular_sns_with_zero_bins():
    rng = np.random.default_rng(4)
    a, b = rng.random(90), rng.random(40)
    a[::7] = 0.0
    b[5] = 0.0
    a, b = a / a.sum(), b / b.sum()
    M = rng.random((90, 40))
    res = sinkhorn(a, b, M, 1 / 500, tol=1e-12, switch="warmup")
    assert res.success and res.nit_newton >= 1
    np.testing.assert_allclose(res.plan.sum(1), a, atol=1e-12)
    np.testing.assert_allclose(res.plan.sum(0), b, atol=1e-12)


def test_warmup_runs_in_the_scaling_domain_when_the_kernel_is_representable(monkeypatch):
    """max(M)/reg <= 700 and a cold start: the (cheaper) scaling iterations warm up, with the
    same answer as the log-domain warm-up of a warm start; fast scaling runs go on to the
    tolerance without Newton."""
    from numopt.transport.sinkhorn import ScalingSinkhorn

    calls = []
    original = ScalingSinkhorn.step
    monkeypatch.setattr(ScalingSinkhorn, "step",
                        lambda self, *args: calls.append(1) or original(self, *args))
    rng = np.random.default_rng(4)
    M = rng.random((70, 50))
    a, b = np.full(70, 1 / 70), np.full(50, 1 / 50)
    res = sinkhorn(a, b, M, 0.01, tol=1e-12, switch="warmup")
    assert res.success and len(calls) == res.nit_sinkhorn == 20 and res.nit_newton >= 1
    calls.clear()
    logwarm = sinkhorn(a, b, M, 0.01, tol=1e-12, f0=np.zeros(70), switch="warmup")
    assert logwarm.success and not calls
    np.testing.assert_allclose(res.plan, logwarm.plan, atol=1e-12, rtol=0)
    easy = sinkhorn(a, b, M, 0.05, tol=1e-12)  # Sinkhorn contracts fast at a large reg
    assert easy.success and easy.nit_newton == 0 and easy.nit > 20
    np.testing.assert_allclose(easy.plan.sum(1), a, atol=1e-12)


def test_cost_model_keeps_sinkhorn_where_it_is_cheaper_and_newton_where_it_is_not():
    """The Sinkhorn -> Newton switch is decided in passes over M (no clock, so iteration
    counts are reproducible): at a moderate reg Sinkhorn contracts fast and finishes alone
    (POT's fastest case), at a small reg SNS switches to Newton."""
    rng = np.random.default_rng(7)
    M = rng.random((120, 100))
    a, b = np.full(120, 1 / 120), np.full(100, 1 / 100)
    moderate = sinkhorn(a, b, M, 0.05, tol=1e-10)
    assert moderate.success and moderate.nit_newton == 0
    sharp = sinkhorn(a, b, M, 1 / 800, tol=1e-10)
    assert sharp.success and sharp.nit_sinkhorn >= 20 and 1 <= sharp.nit_newton <= 20
    again = sinkhorn(a, b, M, 1 / 800, tol=1e-10)
    assert again.nit == sharp.nit
    with pytest.raises(no.InvalidProblemError, match="switch"):
        sinkhorn(a, b, M, 0.05, switch="never")


def test_overrelaxed_scaling_iterations_reach_the_same_plan_in_fewer_iterations():
    """Scaling iterations kept by the cost model are over-relaxed (Thibault et al. 2017)
    with the SOR factor of their observed contraction: same plan, fewer iterations."""
    rng = np.random.default_rng(8)
    x, y = rng.random((150, 2)), rng.random((130, 2))
    M = ((x[:, None] - y[None]) ** 2).sum(-1)
    a, b = np.full(150, 1 / 150), np.full(130, 1 / 130)
    fast = sinkhorn(a, b, M, 0.01, tol=1e-10)
    plain = sinkhorn(a, b, M, 0.01, tol=1e-10, overrelax=False)
    assert fast.success and plain.success
    assert fast.nit_newton == plain.nit_newton == 0
    assert fast.nit < plain.nit / 2
    np.testing.assert_allclose(fast.plan, plain.plan, atol=1e-10)
