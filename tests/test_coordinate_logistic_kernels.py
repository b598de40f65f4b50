"""The numba kernels of the working-set L1-logistic solver against their NumPy twins, dense
and CSC (numopt.coordinate._logistic_kernels / _logistic_reference)."""

import numpy as np
import pytest
import scipy.sparse as sp

from numopt.coordinate import _logistic_kernels as LK
from numopt.coordinate import _logistic_reference as LR
from numopt.coordinate.working_set import Design


def problem(n=40, d=15, seed=0, density=0.4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[rng.random((n, d)) > density] = 0.0
    y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    s = rng.uniform(0.5, 2.0, n)
    w = np.zeros(d)
    w[:4] = rng.standard_normal(4)
    return X, y, s, w


def terms(X, y, s, w):
    n = X.shape[0]
    z = X @ w
    loss, sig, hess = np.empty(n), np.empty(n), np.empty(n)
    LK.sample_terms(z, y, s, np.arange(n), n, loss, sig, hess)
    return z, loss, sig, hess


def test_sample_terms_and_gap_match_numpy_twin_at_extreme_margins():
    X, y, s, w = problem()
    z = np.r_[np.linspace(-800.0, 800.0, 20), np.zeros(20)]
    n = z.size
    loss, sig, hess = np.empty(n), np.empty(n), np.empty(n)
    LK.sample_terms(z, y, s, np.arange(n), n, loss, sig, hess)
    loss_ref, sig_ref, hess_ref = LR.sample_terms(z, y, s)
    np.testing.assert_allclose(loss, loss_ref, rtol=1e-13, atol=2e-16)  # log(1 + e), e ≤ 1
    np.testing.assert_allclose(sig, sig_ref, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(hess, hess_ref, rtol=1e-13, atol=1e-300)
    z, loss, sig, hess = terms(X, y, s, w)
    for c in (1.0, 0.7):
        np.testing.assert_allclose(LK.scaled_dual_gap(loss, sig, y, z, s, c, 0.3),
                                   LR.scaled_dual_gap(loss, sig, y, z, s, c, 0.3), rtol=1e-12)


def test_vectorized_exp_and_logs_are_accurate_to_a_few_ulps():
    # log(1 + e) on [0, 1] (both sides of the √2 − 1 switch) and log over the normal range
    e = np.r_[np.geomspace(1e-300, 1.0, 400), LK.SQRT2_M1, np.nextafter(LK.SQRT2_M1, 1.0)]
    got = np.array([LK.log1p_unit(v) for v in e])
    np.testing.assert_allclose(got, np.log1p(e), rtol=1e-15, atol=0.0)
    assert LK.log1p_unit(0.0) == 0.0
    x = np.r_[np.geomspace(1e-300, 1e300, 400), 0.5, 1.0, 2.0, np.sqrt(2.0)]
    got = np.array([LK.fast_log(v) for v in x])
    np.testing.assert_allclose(got, np.log(x), rtol=1e-15, atol=1e-300)


def test_outer_loop_terms_match_numpy_at_extreme_margins():
    from scipy.special import expit, xlogy

    rng = np.random.default_rng(4)
    z = np.r_[800.0, -800.0, 40.0, -40.0, 0.0, 1e-300, rng.standard_normal(200) * 5]
    n = z.size
    y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    s = rng.uniform(0.5, 2.0, n)
    s[:2] = 0.0  # zero-weight samples
    nu, terms = np.empty(n), np.empty(n)
    LK.dual_residual(z, y, s, nu)
    np.testing.assert_allclose(nu, s * y * expit(-y * z), rtol=1e-14, atol=1e-300)
    LK.losses(z, y, terms)
    np.testing.assert_allclose(terms, np.logaddexp(0.0, -y * z), rtol=1e-14, atol=1e-300)
    for c in (1.0, 0.6):
        LK.entropies(nu, y, s, c, terms)
        p = np.clip(np.where(s > 0, c * nu * y / np.where(s > 0, s, 1.0), 0.0), 0.0, 1.0)
        np.testing.assert_allclose(terms, xlogy(p, p) + xlogy(1 - p, 1 - p), rtol=1e-14,
                                   atol=1e-15)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_shifted_column_derivatives_match_numpy(fmt):
    # the vectorized exp inside must not be compiled under a fastmath caller's flags
    X, y, s, w = problem(n=60, seed=6, density=0.7)
    n = X.shape[0]
    arrays = Design(X if fmt == "dense" else sp.csc_matrix(X)).arrays()
    z = X @ w
    for j in (0, 5):
        for shift in (0.0, 0.3, -2.0, 900.0):
            got = LK.col_derivatives_shifted(*arrays, j, z, y, s, shift, np.empty(n))
            x = X[:, j]
            sig = LR.sample_terms(z + shift * x, y, s)[1]
            ref = (-(x * s * y) @ sig, (x * x * s) @ (sig * (1 - sig)), (np.abs(x) * s) @ sig)
            np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("subset", [False, True])
def test_trial_losses_match_numpy_twin(subset):
    X, y, s, w = problem(n=50, seed=5)
    n = X.shape[0]
    z, loss, sig, hess = terms(X, y, s, w)
    xdelta = np.random.default_rng(5).standard_normal(n) * 3.0
    rows = np.flatnonzero(np.arange(n) % 3) if subset else np.arange(n)
    loss_try, e_try = np.empty(n), np.empty(n)
    LK.trial_losses(y, z, xdelta, 0.5, rows, rows.size, loss_try, e_try)
    ref = LR.sample_terms(z + 0.5 * xdelta, y, s)[0][rows]
    np.testing.assert_allclose(loss_try[:rows.size], ref, rtol=1e-14)
    np.testing.assert_allclose(e_try[:rows.size], np.exp(-np.abs(y * (z + 0.5 * xdelta)))[rows],
                               rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(LK.loss_change(s, loss, loss_try, rows, rows.size),
                               s[rows] @ (ref - loss[rows]), rtol=1e-12)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_derivatives_and_model_epochs_match_numpy_twin(fmt):
    X, y, s, w = problem(seed=1)
    n, d = X.shape
    arrays = Design(X if fmt == "dense" else sp.csc_matrix(X)).arrays()
    z, loss, sig, hess = terms(X, y, s, w)
    ws = np.array([0, 2, 3, 5, 8, 9, 14], dtype=np.int64)
    g_ref, h_ref = LR.col_grad_hess(X, y, s, sig, hess)
    grad, lc = np.empty(ws.size), np.empty(ws.size)
    for k, j in enumerate(ws):
        grad[k], lc[k] = LK.col_grad_hess(*arrays, j, y, s, sig, hess)
    np.testing.assert_allclose(grad, g_ref[ws], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lc, h_ref[ws], rtol=1e-12)
    pen = np.full(d, 0.3 * np.abs(grad).max())
    pen[9] = 0.0  # an unpenalized coordinate
    wpd, xdelta = w[ws].copy(), np.zeros(n)
    wpd_r, xdelta_r = wpd.copy(), xdelta.copy()
    active, out = np.arange(ws.size), np.zeros(2)
    for _ in range(4):
        n_active = LK.qp_epoch(*arrays, w, wpd, grad, lc, ws, pen, hess, xdelta, active,
                               ws.size, np.inf, out)
        total = LR.qp_epoch(X, w, wpd_r, grad, lc, ws, pen, hess, xdelta_r)
        assert n_active == ws.size
        np.testing.assert_allclose(out[0], total, rtol=1e-10)
        np.testing.assert_allclose(wpd, wpd_r, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(xdelta, xdelta_r, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(xdelta, X[:, ws] @ (wpd - w[ws]), atol=1e-12)
    np.testing.assert_allclose(LK.qp_value(grad, pen, ws, w, wpd, hess, xdelta),
                               LR.qp_value(grad, pen, ws, w, wpd, hess, xdelta), rtol=1e-12)
    # inner shrinking: a zero coordinate deep inside its penalty leaves the active list
    big = pen.copy()
    big[ws[0]] = 1e6
    wz, act = np.zeros(ws.size), np.arange(ws.size)
    n_left = LK.qp_epoch(*arrays, np.zeros(d), wz, grad, lc, ws, big, hess, np.zeros(n),
                         act, ws.size, 1.0, out)
    assert n_left < ws.size and 0 not in act[:n_left]
    assert list(act[:n_left]) == sorted(act[:n_left])  # the kept ones keep their order


@pytest.mark.slow  # numba compilation of the extrapolation kernel (~5 s cold)
@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_model_extrapolation_is_kept_only_when_it_lowers_the_model(fmt):
    X, y, s, w = problem(n=60, d=20, seed=2, density=0.6)
    n, d = X.shape
    arrays = Design(X if fmt == "dense" else sp.csc_matrix(X)).arrays()
    z, loss, sig, hess = terms(X, y, s, w)
    ws = np.arange(d, dtype=np.int64)
    grad, lc = LR.col_grad_hess(X, y, s, sig, hess)
    pen = np.full(d, 0.05 * np.abs(grad).max())
    wpd, xdelta = w.copy(), np.zeros(n)
    active, out = np.arange(d), np.zeros(2)
    buf = np.zeros((LK.ANDERSON_K + 1, d))
    active[:] = active[::-1]  # the active list in another order, one coordinate left out
    n_active = d - 1
    for t in range(LK.ANDERSON_K + 1):
        LK.qp_epoch(*arrays, w, wpd, grad, lc, ws, pen, hess, xdelta, active, n_active,
                    np.inf, out)
        buf[t, :n_active] = wpd[active[:n_active]]
    before = LK.qp_value(grad, pen, ws, w, wpd, hess, xdelta)
    left_out = wpd[active[n_active]]
    accepted = LK.qp_extrapolate(*arrays, wpd, grad, ws, pen, hess, xdelta, buf, active,
                                 n_active, np.empty(d), np.zeros(n))
    assert wpd[active[n_active]] == left_out
    after = LR.qp_value(grad, pen, ws, w, wpd, hess, xdelta)
    assert after <= before + 1e-12
    if accepted:
        assert after < before
    np.testing.assert_allclose(xdelta, X @ (wpd - w), atol=1e-12)


@pytest.mark.slow  # numba compilation of logistic_inner (~8 s cold, shared with test_coordinate_ws)
@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("anderson", [True, False])
def test_inner_newton_reaches_its_gap_and_keeps_margins_exact(fmt, anderson):
    X, y, s, _ = problem(n=80, d=30, seed=3, density=0.5)
    n, d = X.shape
    arrays = Design(X if fmt == "dense" else sp.csc_matrix(X)).arrays()
    w, z = np.zeros(d), np.zeros(n)
    grad = LR.col_grad_hess(X, y, s, *LR.sample_terms(z, y, s)[1:])[0]
    pen = np.full(d, 0.1 * np.abs(grad).max())
    ws = np.arange(d, dtype=np.int64)
    it, gap, epochs = LK.logistic_inner(*arrays, w, z, y, s, ws, pen, 1e-10, 50, 50, 0.5,
                                        anderson)
    assert gap <= 1e-10 and it < 50 and epochs > 0
    np.testing.assert_allclose(z, X @ w, atol=1e-12)
    loss, sig, _ = LR.sample_terms(z, y, s)
    g = -(X.T @ (s * y * sig))
    nz = w != 0
    np.testing.assert_allclose(g[nz], -pen[nz] * np.sign(w[nz]), atol=1e-6)
    assert np.all(np.abs(g[~nz]) <= pen[~nz] + 1e-6)
