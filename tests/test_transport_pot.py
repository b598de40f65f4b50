"""POT compatibility of numopt.transport: keyword-only parameters, POT's keywords with POT's
meaning, the ``numopt.transport.pot`` drop-in, dtypes, pandas, relative tolerances."""

import warnings

import numpy as np
import ot
import pandas as pd
import pytest

import numopt as no
from numopt.transport import KeywordOnlyError, sinkhorn, sinkhorn2
from numopt.transport import pot as not_pot


def clouds(n, m, seed=0):
    rng = np.random.default_rng(seed)
    x, y = rng.random((n, 2)), rng.random((m, 2))
    M = ot.dist(x, y)
    a, b = rng.random(n) + 0.1, rng.random(m) + 0.1
    return a / a.sum(), b / b.sum(), M / M.max()


def pot_style_script(lib, a, b, M):
    """A script written for POT, run unchanged with ``lib`` = ``ot`` or numopt's drop-in."""
    G0 = lib.sinkhorn(a, b, M, 0.02, method="sinkhorn", numItermax=5000, stopThr=1e-11)
    G1, log = lib.sinkhorn(a, b, M, 0.02, method="sinkhorn_log", numItermax=5000,
                           stopThr=1e-11, log=True, verbose=False)
    loss = lib.sinkhorn2(a, b, M, 0.02, numItermax=5000, stopThr=1e-11)
    return G0, G1, log, float(loss)


def test_pot_style_script_runs_unchanged_and_matches_pot():
    a, b, M = clouds(40, 30)
    ours, theirs = pot_style_script(not_pot, a, b, M), pot_style_script(ot, a, b, M)
    for got, want in zip(ours[:2], theirs[:2], strict=True):
        np.testing.assert_allclose(got, want, atol=1e-8)
    assert set(theirs[2]) <= set(ours[2])  # every POT log key is there
    assert ours[2]["niter"] == pytest.approx(theirs[2]["niter"], abs=10)
    assert ours[2]["err"][-1] <= 1e-11 and ours[3] == pytest.approx(theirs[3], rel=1e-8)


def test_main_door_takes_pot_keywords_with_pot_meaning():
    a, b, M = clouds(30, 20, seed=1)
    P, log = sinkhorn(a, b, M, 0.05, "sinkhorn", numItermax=2000, stopThr=1e-10, log=True)
    ref, ref_log = ot.sinkhorn(a, b, M, 0.05, numItermax=2000, stopThr=1e-10, log=True)
    np.testing.assert_allclose(P, ref, atol=1e-8)
    np.testing.assert_allclose(log["u"][:, None] * np.exp(-M / 0.05) * log["v"], P,
                               atol=1e-14)
    # stopThr is POT's L2 measure: the L2 violation is below it, POT stops at the same check
    violation = np.hypot(np.linalg.norm(P.sum(1) - a), np.linalg.norm(P.sum(0) - b))
    assert violation <= 1e-10 and abs(log["niter"] - ref_log["niter"]) <= 10
    capped = sinkhorn(a, b, M, 1e-3, "sinkhorn_log", numItermax=7, warn=False)
    assert capped.nit == 7 and not capped.success


def test_pot_positional_habit_raises_clear_error():
    a, b, M = clouds(5, 5)
    with pytest.raises(KeywordOnlyError, match="numItermax=1000"):
        sinkhorn(a, b, M, 0.1, "sinkhorn", 1000)
    with pytest.raises(TypeError, match="keyword-only"):
        sinkhorn2(a, b, M, 0.1, "sinkhorn", 1000, 1e-9)
    with pytest.raises(no.InvalidProblemError, match="not both"):
        sinkhorn(a, b, M, 0.1, tol=1e-9, stopThr=1e-9)
    with pytest.raises(no.InvalidProblemError, match="not both"):
        sinkhorn(a, b, M, 0.1, max_iter=5, numItermax=5)


def test_warmstart_verbose_and_warn(capsys):
    a, b, M = clouds(20, 20, seed=2)
    res = sinkhorn(a, b, M, 0.05, tol=1e-12)
    again = sinkhorn(a, b, M, 0.05, method="sinkhorn_log", tol=1e-10,
                     warmstart=(res.f / 0.05, res.g / 0.05), verbose=True)
    assert again.nit == 0 and again.success
    assert "It." in capsys.readouterr().out
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = sinkhorn(a, b, M, 1e-3, method="sinkhorn_log", max_iter=3, warn=False)
    assert not quiet.success


def test_sinkhorn2_values_are_named_and_consistent():
    a, b, M = clouds(25, 15, seed=3)
    res = sinkhorn(a, b, M, 0.05, tol=1e-12)
    P = res.plan
    entropy = float(np.sum(P * (np.log(P) - 1)))
    assert res.cost == pytest.approx(float((P * M).sum()), rel=1e-12)
    assert res.entropic_cost == pytest.approx(res.cost + 0.05 * entropy, rel=1e-9)
    assert res.entropic_cost == pytest.approx(res.fun, rel=1e-9)  # strong duality
    value, log = sinkhorn2(a, b, M, 0.05, tol=1e-12, log=True)
    assert value == pytest.approx(res.cost, rel=1e-10)
    assert log["entropic_cost"] == pytest.approx(res.entropic_cost, rel=1e-10)
    assert value == pytest.approx(float(ot.sinkhorn2(a, b, M, 0.05, stopThr=1e-13)), rel=1e-8)


def test_tolerance_is_relative_to_total_mass():
    a, b, M = clouds(20, 25, seed=4)
    unit = sinkhorn(a, b, M, 0.01, tol=1e-10)
    tiny = sinkhorn(a * 1e-12, b * 1e-12, M, 0.01, tol=1e-10)
    assert tiny.success and tiny.marginal_error <= 1e-22
    np.testing.assert_allclose(tiny.plan * 1e12, unit.plan, rtol=1e-8, atol=1e-14)
    assert tiny.cost == pytest.approx(unit.cost * 1e-12, rel=1e-8)
    np.testing.assert_allclose(tiny.f - 0.01 * np.log(1e-12), unit.f, atol=1e-8)


@pytest.mark.parametrize("method", ["sns", "sinkhorn", "sinkhorn_log"])
@pytest.mark.parametrize("backend", ["auto", "numpy"])
def test_float32_is_accepted_and_stays_float32(method, backend):
    a, b, M = clouds(30, 20, seed=5)
    # totals 3e-6 apart: rounding for float32 (refused by float64's 1e-8 mass test)
    a32, b32, M32 = (x.astype(np.float32) for x in (a, b * (1 + 3e-6), M))
    with pytest.raises(no.InvalidProblemError, match="same total mass"):
        sinkhorn(a, b * (1 + 3e-6), M, 0.05, method=method, backend=backend)
    res = sinkhorn(a32, b32, M32, 0.05, method=method, backend=backend)
    assert res.success, res.message
    assert res.plan.dtype == np.float32 and res.f.dtype == np.float32
    assert res.marginal_error <= 1e-5
    ref = sinkhorn(a, b, M, 0.05, tol=1e-12)
    np.testing.assert_allclose(res.plan, ref.plan, atol=1e-5)


def test_pandas_and_lists_are_taken_like_numpy():
    a, b, M = clouds(12, 10, seed=6)
    ref = sinkhorn(a, b, M, 0.05, tol=1e-11)
    frame = sinkhorn(pd.Series(a), pd.Series(b), pd.DataFrame(M), 0.05, tol=1e-11)
    lists = sinkhorn(a.tolist(), b.tolist(), M.tolist(), 0.05, tol=1e-11)
    for res in (frame, lists):
        assert isinstance(res.plan, np.ndarray)
        np.testing.assert_allclose(res.plan, ref.plan, atol=1e-14)


def test_unequal_float32_masses_still_refused():
    a = np.array([0.5, 0.5], dtype=np.float32)
    with pytest.raises(no.InvalidProblemError, match="same total mass"):
        sinkhorn(a, a * 1.01, np.eye(2, dtype=np.float32), 0.1)
