"""numopt.transport.sinkhorn: correctness against POT, problem handling, bad input."""

import numpy as np
import ot
import pytest

import numopt as no
from numopt.transport import sinkhorn

METHODS = ("sns", "sinkhorn", "sinkhorn_log")


def clouds(n, m, seed=0):
    rng = np.random.default_rng(seed)
    x, y = rng.random((n, 2)), rng.random((m, 2))
    M = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    a, b = rng.random(n) + 0.1, rng.random(m) + 0.1
    return a / a.sum(), b / b.sum(), M / M.max()


@pytest.mark.parametrize("method", METHODS)
def test_matches_pot_plan_and_cost(method):
    a, b, M = clouds(40, 30)
    res = sinkhorn(a, b, M, 0.05, method=method, tol=1e-12)
    ref = ot.sinkhorn(a, b, M, 0.05, method="sinkhorn_log", stopThr=1e-14, numItermax=20_000)
    assert res.success, res.message
    assert res.marginal_error <= 1e-12
    np.testing.assert_allclose(res.plan, ref, atol=1e-11)
    assert res.cost == pytest.approx(float((ref * M).sum()), rel=1e-9)
    # potentials reproduce the plan in POT's convention
    np.testing.assert_allclose(np.exp((res.f[:, None] + res.g[None, :] - M) / 0.05), res.plan,
                               atol=1e-13)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # POT's log(0)
@pytest.mark.parametrize("method", METHODS)
def test_zero_mass_bins_dropped_and_restored(method):
    a, b, M = clouds(12, 9, seed=1)
    a[[0, 5]] = 0.0
    b[3] = 0.0
    a, b = a / a.sum(), b / b.sum()
    res = sinkhorn(a, b, M, 0.05, method=method, tol=1e-11)
    assert res.success, res.message
    assert res.plan.shape == (12, 9)
    assert np.all(res.plan[[0, 5], :] == 0) and np.all(res.plan[:, 3] == 0)
    assert np.isneginf(res.f[[0, 5]]).all() and np.isneginf(res.g[3])
    np.testing.assert_allclose(res.plan.sum(1), a, atol=1e-11)
    np.testing.assert_allclose(res.plan.sum(0), b, atol=1e-11)
    ref = ot.sinkhorn(a, b, M, 0.05, method="sinkhorn_log", stopThr=1e-14, numItermax=20_000)
    np.testing.assert_allclose(res.plan, ref, atol=1e-10)


def test_rectangular_and_history():
    a, b, M = clouds(50, 20, seed=2)
    res = sinkhorn(a, b, M, 0.02, method="sinkhorn_log", tol=1e-10, check_every=5)
    assert res.success and res.plan.shape == (50, 20)
    h = res.history
    assert len(h["iter"]) == res.nit + 1 and set(h["phase"]) == {"sinkhorn"}
    checks = h["marginal_error"][~np.isnan(h["marginal_error"])]
    assert checks.size == res.nit // 5 + 1 and checks[-1] <= 1e-10
    assert np.all(np.diff(h["time"]) >= 0)


def test_sns_history_has_both_phases():
    a, b, M = clouds(60, 60, seed=3)
    res = sinkhorn(a, b, M, 0.005, tol=1e-12, switch="warmup")
    assert res.success and res.nit_sinkhorn == 20 and res.nit_newton >= 1
    assert res.nit == res.nit_sinkhorn + res.nit_newton
    newton = res.history["phase"] == "newton"
    assert newton.sum() == res.nit_newton
    kept = res.history["kept"][newton]  # by mass: more entries as the error shrinks
    assert np.all((kept > 0) & (kept <= 3600)) and kept[-1] > kept[0]
    assert np.all(np.isfinite(res.history["marginal_error"][newton]))


@pytest.mark.parametrize("method", METHODS)
def test_warm_start_from_solution_stops_at_once(method):
    a, b, M = clouds(30, 25, seed=4)
    res = sinkhorn(a, b, M, 0.05, method=method, tol=1e-11)
    again = sinkhorn(a, b, M, 0.05, method=method, tol=1e-10, f0=res.f, g0=res.g)
    assert again.success and again.nit == 0
    np.testing.assert_allclose(again.plan, res.plan, atol=1e-12)


def test_max_iter_is_honest_failure():
    a, b, M = clouds(30, 30, seed=5)
    res = sinkhorn(a, b, M, 1e-3, method="sinkhorn_log", max_iter=7, tol=1e-12)
    assert not res.success and res.status_enum is no.Status.MAX_ITER
    assert res.nit == 7 and "Marginal error" in res.message
    assert res.marginal_error > 1e-12


def test_callback_stops_run():
    a, b, M = clouds(20, 20)
    seen = []
    res = sinkhorn(a, b, M, 0.01, method="sinkhorn_log", tol=1e-14,
                   callback=lambda r: seen.append(r.nit) or r.nit >= 3)
    assert res.status_enum is no.Status.CALLBACK_STOP and res.nit == 3 and seen == [1, 2, 3]


def test_inputs_not_mutated():
    a, b, M = clouds(15, 10)
    copies = [x.copy() for x in (a, b, M)]
    sinkhorn(a, b, M, 0.05)
    for x, c in zip((a, b, M), copies, strict=True):
        np.testing.assert_array_equal(x, c)


def test_scaling_refuses_underflow_and_points_to_log_domain():
    a, b, M = clouds(10, 10)
    with pytest.raises(no.InvalidProblemError, match="sinkhorn_log"):
        sinkhorn(a, b, M, 1e-3, method="sinkhorn")
    with pytest.raises(no.InvalidProblemError, match="overflows"):
        sinkhorn(a, b, M - 2.0, 1e-3, method="sinkhorn")
    assert sinkhorn(a, b, M, 1e-3, method="sinkhorn_log").success


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
@pytest.mark.parametrize("method", METHODS)
def test_nonfinite_run_ends_with_failure(method):
    a, b, M = clouds(10, 10)
    f0 = np.zeros(10)
    f0[0] = 1e308  # overflows to inf when the marginals are evaluated
    res = sinkhorn(a, b, M, 0.1, method=method, f0=f0, max_iter=50)
    assert not res.success and res.status_enum is no.Status.NONFINITE


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(a=[-0.5, 1.5]), "negative"),
    (dict(a=[np.nan, 1.0]), "NaN"),
    (dict(b=[0.2, 0.2]), "same total mass"),
    (dict(a=[1.0, 0.0, 0.0]), "shape"),
    (dict(M=[[0.0, np.inf], [1.0, 0.0]]), "M contains NaN or inf"),
    (dict(reg=0.0), "reg must be > 0"),
    (dict(reg=-1.0), "reg must be > 0"),
    (dict(a=[0.0, 0.0], b=[0.0, 0.0]), "zero total mass"),
    (dict(a=[[0.5, 0.5]]), "1-D"),
    (dict(method="sinkorn"), "did you mean 'sinkhorn'"),
    (dict(warmpu=3), "did you mean 'warmup'"),
    (dict(f0=[0.0]), "f0 must be a vector of length 2"),
    (dict(density=2.0), "density must be <= 1.0"),
])
def test_bad_input_names_argument_and_fix(kwargs, match):
    args = dict(a=[0.5, 0.5], b=[0.5, 0.5], M=[[0.0, 1.0], [1.0, 0.0]], reg=0.1)
    args.update(kwargs)
    with pytest.raises(no.InvalidProblemError, match=match):
        sinkhorn(args.pop("a"), args.pop("b"), args.pop("M"), args.pop("reg"), **args)


def test_unknown_backend_is_rejected():
    with pytest.raises(no.InvalidProblemError, match="backend"):
        sinkhorn([1.0], [1.0], [[0.0]], 1.0, backend="tpu")
