"""Working-set Lasso / L1-logistic: agreement with scikit-learn (dense and sparse), weights,
sample weights, warm starts, paths, screening, Anderson extrapolation, the tol rule."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.linear_model import lasso_path as sk_lasso_path

import numopt as no
from numopt.coordinate import _ws_kernels as K
from numopt.coordinate import _ws_reference as R
from numopt.coordinate import alpha_max, l1_logistic, l1_logistic_path, lasso, lasso_path


def data(n, d, seed=0, density=None, rho=0.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if rho:
        X[:, 1:] = rho * X[:, :-1] + np.sqrt(1 - rho ** 2) * X[:, 1:]
    if density is not None:
        X[rng.random((n, d)) > density] = 0.0
    w = np.zeros(d)
    w[:5] = rng.standard_normal(5) * 2
    return X, X @ w + 0.1 * rng.standard_normal(n)


def sk_lasso(X, y, alpha, **kw):
    return Lasso(alpha=alpha, fit_intercept=False, tol=1e-15, max_iter=1_000_000,
                 **kw).fit(X, y)


def sk_l1_logistic(X, y, C):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LogisticRegression(penalty="l1", C=C, solver="liblinear", fit_intercept=False,
                                  tol=1e-14, max_iter=1_000_000).fit(X, y)


CASES = [(60, 30, None, 0.0), (40, 120, None, 0.9), (50, 150, 0.1, 0.0)]


@pytest.mark.parametrize("n,d,density,rho", CASES)
@pytest.mark.parametrize("frac", [0.1, 0.01])
def test_lasso_matches_scikit_learn_dense_and_sparse(n, d, density, rho, frac):
    X, y = data(n, d, density=density, rho=rho)
    alpha = frac * alpha_max(X, y)
    ref = sk_lasso(X, y, alpha).coef_
    for design in (X, sp.csc_matrix(X), sp.csr_matrix(X)):
        coef, res = lasso(design, y, alpha, tol=1e-14)
        assert res.success, res.message
        np.testing.assert_allclose(coef, ref, atol=1e-8, rtol=0)
        assert res.duality_gap <= 1e-14


@pytest.mark.parametrize("n,d,density,rho", CASES[:2])
def test_l1_logistic_matches_scikit_learn_dense_and_sparse(n, d, density, rho):
    X, y = data(n, d, seed=1, density=density, rho=rho)
    labels = (y > np.median(y)).astype(int)
    C = 10.0 / alpha_max(X, labels, kind="logistic") / n  # α = α_max/10 on the mean scale
    ref = sk_l1_logistic(X, labels, C).coef_.ravel()
    for design in (X, sp.csc_matrix(X)):
        coef, res = l1_logistic(design, labels, C=C, tol=1e-14)
        assert res.success, res.message
        np.testing.assert_allclose(coef, ref, atol=1e-8, rtol=0)
    alpha_coef, _ = l1_logistic(X, labels, alpha=1.0 / (C * n), tol=1e-14)
    np.testing.assert_allclose(alpha_coef, ref, atol=1e-8, rtol=0)


def test_unpenalized_intercept_column_matches_fit_intercept():
    X, y = data(50, 80, seed=2)
    y = y + 3.0
    alpha = 0.05 * alpha_max(X - X.mean(0), y - y.mean())
    sk = Lasso(alpha=alpha, tol=1e-15, max_iter=1_000_000).fit(X, y)
    Xi = np.hstack([X, np.ones((50, 1))])
    weights = np.r_[np.ones(80), 0.0]
    for design in (Xi, sp.csc_matrix(Xi)):
        coef, res = lasso(design, y, alpha, weights=weights, tol=1e-14)
        assert res.success
        np.testing.assert_allclose(coef[:-1], sk.coef_, atol=1e-8, rtol=0)
        assert coef[-1] == pytest.approx(sk.intercept_, abs=1e-8)


def test_weights_equal_column_rescaling():
    X, y = data(40, 60, seed=3)
    omega = np.random.default_rng(3).uniform(0.5, 2.0, 60)
    coef, _ = lasso(X, y, 0.1, weights=omega, tol=1e-14)
    scaled, _ = lasso(X / omega, y, 0.1, tol=1e-14)
    np.testing.assert_allclose(coef, scaled / omega, atol=1e-9)


def test_logistic_intercept_column_kkt():
    X, y = data(80, 40, seed=4)
    labels = (y > 1.0).astype(int)
    Xi = np.hstack([X, np.ones((80, 1))])
    C = 0.5
    coef, res = l1_logistic(Xi, labels, C=C, weights=np.r_[np.ones(40), 0.0], tol=1e-14)
    s = np.where(labels == 1, 1.0, -1.0)
    grad = -Xi.T @ (s / (1 + np.exp(s * (Xi @ coef))))
    assert abs(grad[-1]) < 1e-7 and coef[-1] != 0  # unpenalized: stationary
    on = coef[:-1] != 0
    np.testing.assert_allclose(grad[:-1][on], -np.sign(coef[:-1][on]) / C, atol=1e-7)
    assert np.all(np.abs(grad[:-1][~on]) <= 1 / C + 1e-9)


def test_logistic_unpenalized_intercept_nearly_separable_matches_scikit_learn():
    # issue 20: an unpenalized column of ones left the dual point infeasible (X_jᵀθ ≠ 0),
    # so gaps went negative, screening removed active features and the run stalled
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 10))
    labels = np.where(X[:, 3] + 0.5 > 0, 1.0, -1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegression(penalty="l1", C=0.5, solver="saga", tol=1e-12,
                                max_iter=1_000_000).fit(X, labels)
    ref = np.r_[sk.coef_.ravel(), sk.intercept_]
    Xi = np.hstack([X, np.ones((200, 1))])
    weights = np.r_[np.ones(10), 0.0]
    for design in (Xi, sp.csc_matrix(Xi)):
        coef, res = l1_logistic(design, labels, C=0.5, weights=weights, tol=1e-12)
        assert res.success, res.message
        np.testing.assert_allclose(coef, ref, atol=1e-6, rtol=0)
    coef, res = l1_logistic(Xi, labels, C=0.5, weights=weights)  # the default tol
    assert res.success, res.message
    assert np.count_nonzero(coef) == np.count_nonzero(ref) == 7
    np.testing.assert_allclose(coef, ref, atol=1e-3, rtol=0)


def test_sample_weight_matches_scikit_learn_and_duplication():
    X, y = data(40, 50, seed=5)
    sw = np.random.default_rng(5).integers(0, 4, 40).astype(float)
    alpha = 0.05 * alpha_max(X, y, sample_weight=sw)
    sk = Lasso(alpha=alpha, fit_intercept=False, tol=1e-15, max_iter=1_000_000).fit(
        X, y, sample_weight=sw)
    for design in (X, sp.csc_matrix(X)):
        coef, _ = lasso(design, y, alpha, sample_weight=sw, tol=1e-14)
        np.testing.assert_allclose(coef, sk.coef_, atol=1e-8, rtol=0)
    labels = (y > 0).astype(int)
    rep = np.repeat(np.arange(40), sw.astype(int))
    weighted, _ = l1_logistic(X, labels, C=0.3, sample_weight=sw, tol=1e-11)
    duplicated, _ = l1_logistic(X[rep], labels[rep], C=0.3, tol=1e-11)
    np.testing.assert_allclose(weighted, duplicated, atol=1e-8)


def test_tol_is_the_relative_gap_and_is_honoured():
    X, _ = data(100, 400, seed=6, rho=0.9)
    y = np.random.default_rng(6).standard_normal(100)  # pure noise: a large support
    alpha = alpha_max(X, y) / 100
    loose, res_loose = lasso(X, y, alpha, tol=1e-4)
    tight, res_tight = lasso(X, y, alpha, tol=1e-10)
    assert 1e-6 < res_loose.duality_gap <= 1e-4 and res_tight.duality_gap <= 1e-10
    assert res_loose.epochs < res_tight.epochs
    P0 = 0.5 * y @ y
    assert res_loose.gap / P0 == pytest.approx(res_loose.duality_gap)
    assert res_loose.history["duality_gap"][-1] == res_loose.duality_gap


def test_warm_start_and_path_match_scikit_learn():
    X, y = data(40, 100, seed=7, rho=0.5)
    alphas, coefs, results = lasso_path(X, y, n_alphas=20, eps=1e-2, tol=1e-14)
    sk_alphas, sk_coefs, _ = sk_lasso_path(X, y, alphas=alphas, tol=1e-15, max_iter=1_000_000)
    np.testing.assert_allclose(alphas, sk_alphas)
    np.testing.assert_allclose(coefs, sk_coefs, atol=1e-8, rtol=0)
    assert np.all(coefs[:, 0] == 0) and np.any(coefs[:, 1] != 0)
    assert all(r.success for r in results)
    _, warm = lasso(X, y, alphas[-1], x0=coefs[:, -2], tol=1e-10)
    _, cold = lasso(X, y, alphas[-1], tol=1e-10)
    assert warm.epochs <= cold.epochs
    _, lcoefs, lres = l1_logistic_path(X, (y > 0).astype(int), n_alphas=5, tol=1e-10)
    assert np.all(lcoefs[:, 0] == 0) and all(r.success for r in lres)


def test_screening_removes_features_and_keeps_the_answer():
    X, y = data(50, 500, seed=8, density=0.2)
    alpha = alpha_max(X, y) / 5
    coef, res = lasso(sp.csc_matrix(X), y, alpha, tol=1e-12)
    plain, res_plain = lasso(sp.csc_matrix(X), y, alpha, tol=1e-12, screening=False)
    assert res.screened > 400 and res_plain.screened == 0
    np.testing.assert_allclose(coef, plain, atol=1e-9)


def test_kernels_match_numpy_reference():
    X, y = data(30, 12, seed=9, density=0.5)
    pen = np.full(12, 2.0)
    inv_lc = 1.0 / (X ** 2).sum(0)
    ws = np.array([0, 3, 4, 7, 11], dtype=np.int64)
    for design in (X, sp.csc_matrix(X)):
        from numopt.coordinate.working_set import Design

        arrays = Design(design).arrays()
        w, r = np.zeros(12), y.copy()
        wr, rr = w.copy(), r.copy()
        K.lasso_epoch(*arrays, w, r, ws, inv_lc, pen)
        R.lasso_epoch(X, wr, rr, ws, inv_lc, pen)
        np.testing.assert_allclose(w, wr, atol=1e-13)
        np.testing.assert_allclose(r, rr, atol=1e-13)
    # Anderson: exact limit of a linear fixed-point iteration of dimension < K
    rng = np.random.default_rng(0)
    M = 0.5 * np.linalg.qr(rng.standard_normal((3, 3)))[0]
    b = rng.standard_normal(3)
    its = [np.zeros(3)]
    for _ in range(K.ANDERSON_K):
        its.append(M @ its[-1] + b)
    buf = np.array(its)
    c = K.anderson_weights(buf)
    np.testing.assert_allclose(c, R.anderson_weights(buf), atol=1e-8)
    np.testing.assert_allclose(c @ buf[1:], np.linalg.solve(np.eye(3) - M, b), atol=1e-6)


def test_anderson_cuts_epochs_on_correlated_design():
    X, _ = data(60, 200, seed=10, rho=0.95)
    y = np.random.default_rng(10).standard_normal(60)
    alpha = alpha_max(X, y) / 100
    from numopt.coordinate.working_set import GLM, solve

    def run(anderson):
        glm = GLM("lasso", X, y, alpha * 60)
        return solve(glm, None, tol=1e-10, max_iter=1000, anderson=anderson)

    coef, res = run(True)
    coef_plain, res_plain = run(False)
    assert res.extrapolated > 0 and res.epochs < res_plain.epochs
    np.testing.assert_allclose(coef, coef_plain, atol=1e-7)


def test_argument_errors_and_nonfinite_data():
    X, y = data(20, 10)
    with pytest.raises(no.InvalidProblemError, match="weights"):
        lasso(X, y, 0.1, weights=-np.ones(10))
    with pytest.raises(no.InvalidProblemError, match="sample_weight"):
        lasso(X, y, 0.1, sample_weight=np.ones(3))
    with pytest.raises(no.InvalidProblemError, match="x0"):
        lasso(X, y, 0.1, x0=np.ones(3))
    with pytest.raises(no.InvalidProblemError, match="greedy_bcd"):
        lasso(X, y, 0.1, backend="numpy")
    with pytest.raises(no.InvalidProblemError, match="solver='working_set'"):
        lasso(X, y, 0.1, solver="greedy_bcd", weights=np.ones(10))
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(no.InvalidProblemError, match="X"):
        lasso(bad, y, 0.1)
    with pytest.raises(no.InvalidProblemError, match="X"):
        lasso(sp.csc_matrix(bad), y, 0.1)
    with pytest.raises(no.InvalidProblemError, match="alphas"):
        lasso_path(X, y, alphas=[0.1, -1.0])


# ------------------------------------------------------------ Gram solver, unpenalized fit
def noncentred(seed, n=60, d=100):
    """Non-centred columns and a large offset: the intercept column matters."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + 5.0 * rng.random(d)
    y = X[:, :5] @ rng.standard_normal(5) + 50.0 + 0.1 * rng.standard_normal(n)
    return X, y


@pytest.mark.parametrize("precompute", [False, True])
def test_unpenalized_column_is_fitted_before_each_gap(precompute):
    # regression: with the intercept column merely near its optimum the dual point was
    # infeasible, the gap no bound, and the run stalled at relative gap 1e-3 with
    # coefficients off by 4 (seeds 0 and 4)
    for seed in (0, 4):
        X, y = noncentred(seed)
        alpha = 0.01 * alpha_max(X - X.mean(0), y - y.mean())
        ref = Lasso(alpha=alpha, tol=1e-15, max_iter=1_000_000).fit(X, y)
        Xi = np.hstack([X, np.ones((60, 1))])
        coef, res = lasso(Xi, y, alpha, weights=np.r_[np.ones(100), 0.0], tol=1e-14,
                          precompute=precompute)
        assert res.success, res.message
        assert res.method == ("gram_cd" if precompute else "working_set_cd")
        np.testing.assert_allclose(coef[:-1], ref.coef_, atol=1e-8, rtol=0)
        assert coef[-1] == pytest.approx(ref.intercept_, abs=1e-8)


@pytest.mark.parametrize("rho", [0.0, 0.9])
def test_gram_solver_matches_scikit_learn(rho):
    X, y = data(120, 30, seed=11, rho=rho, density=0.4)
    sw = np.random.default_rng(11).uniform(0.2, 3.0, 120)
    for frac in (0.1, 0.001):
        alpha = frac * alpha_max(X, y)
        ref = sk_lasso(X, y, alpha).coef_
        ref_w = sk_lasso(X, y, alpha).fit(X, y, sample_weight=sw).coef_
        for design in (X, sp.csc_matrix(X)):
            coef, res = lasso(design, y, alpha, tol=1e-14, precompute=True)
            assert res.success and res.method == "gram_cd" and res.duality_gap <= 1e-14
            np.testing.assert_allclose(coef, ref, atol=1e-8, rtol=0)
            coef_w, _ = lasso(design, y, alpha, tol=1e-14, sample_weight=sw, precompute=True)
            np.testing.assert_allclose(coef_w, ref_w, atol=1e-8, rtol=0)


def test_gram_gap_equals_the_residual_gap():
    from numopt.coordinate import _gram_kernels as G
    from numopt.coordinate.working_set import GLM

    X, y = data(50, 20, seed=12)
    glm = GLM("lasso", X, y, 3.0)
    w = np.random.default_rng(12).standard_normal(20) * (np.arange(20) < 6)
    Q, q = X.T @ X, X.T @ y
    g = np.empty(20)
    none = np.zeros(1, dtype=np.int64)
    G.gram_residual((np.ascontiguousarray(Q), np.zeros(1), none, none), q, w, g)
    r = y - X @ w
    np.testing.assert_allclose(g, X.T @ r, atol=1e-10)
    csr = sp.csr_matrix(Q)  # the sparse-design form: CSR rows
    g_csr = np.empty(20)
    G.gram_residual((np.zeros((1, 1)), csr.data, csr.indices.astype(np.int64),
                     csr.indptr.astype(np.int64)), q, w, g_csr)
    np.testing.assert_allclose(g_csr, g, atol=1e-10)
    primal, gap = G.gram_gap(w, g, q, float(y @ y), glm.pen)
    c = min(1.0, 3.0 / np.abs(X.T @ r).max())
    dual = c * r @ y - 0.5 * c * c * r @ r
    assert primal == pytest.approx(glm.primal(w, r), rel=1e-12)
    assert gap == pytest.approx(primal - dual, rel=1e-9)


def test_path_uses_gram_when_n_exceeds_d_and_matches_scikit_learn():
    X, y = data(200, 40, seed=13, rho=0.7)
    alphas, coefs, results = lasso_path(X, y, n_alphas=25, eps=1e-3, tol=1e-14)
    assert {r.method for r in results} == {"gram_cd"}  # dense, n > d: precompute="auto"
    _, sk_coefs, _ = sk_lasso_path(X, y, alphas=alphas, tol=1e-15, max_iter=1_000_000,
                                   precompute=False)  # its Gram path stops at gap 1e-12
    np.testing.assert_allclose(coefs, sk_coefs, atol=1e-8, rtol=0)
    _, plain, plain_res = lasso_path(X, y, alphas, tol=1e-14, precompute=False)
    assert {r.method for r in plain_res} == {"working_set_cd"}
    np.testing.assert_allclose(coefs, plain, atol=1e-8, rtol=0)
    # the benchmark's tolerance (issue 19): within 1e-6 of scikit-learn's path
    _, loose, _ = lasso_path(X, y, alphas, tol=1e-8)
    np.testing.assert_allclose(loose, sk_coefs, atol=1e-6, rtol=0)
    with pytest.raises(no.InvalidProblemError, match="precompute"):
        lasso(X, y, 0.1, precompute="yes")


@pytest.mark.parametrize("sparse", [False, True])
def test_measure_kernel_matches_numpy_reference(sparse):
    """The Lasso's one-pass outer measure (numba) = the GLM's NumPy primal/dual/violation
    and the gap-safe screening test; a better dual candidate is taken only in its window."""
    from numopt.coordinate.working_set import GLM, SAFE_MARGIN

    X, y = data(40, 25, seed=11, density=0.4 if sparse else None)
    weights = np.ones(25)
    weights[3] = 0.0  # one unpenalized feature
    glm = GLM("lasso", sp.csc_matrix(X) if sparse else X, y, 0.3 * np.abs(X.T @ y).max(),
              weights=weights)
    rng = np.random.default_rng(1)
    w = np.where(rng.random(25) < 0.3, rng.standard_normal(25), 0.0)
    r = y - X @ w
    corr_ref = X.T @ r
    primal = glm.primal(w, r)
    dual, c = glm.dual(r, corr_ref)
    gap = primal - dual
    kill = (glm.pen > 0) & (np.abs(c * corr_ref) + glm.radius(gap) * glm.norms
                            < (1 - SAFE_MARGIN) * glm.pen)
    for have in (False, True):
        corr = corr_ref.copy() if have else np.empty(25)
        dual_corr, screened = np.empty(25), np.zeros(25, dtype=bool)
        out = K.lasso_measure(*glm.design.arrays(), w, r, glm.y, glm.pen, glm.norms, corr,
                              have, np.empty(0), np.array([0.0, np.inf]), dual_corr,
                              screened, True, SAFE_MARGIN)
        p, g, violation, newly = out
        np.testing.assert_allclose(corr, corr_ref, atol=1e-12)
        np.testing.assert_allclose([p, g], [primal, gap], rtol=1e-12)
        np.testing.assert_allclose(dual_corr, c * corr_ref, atol=1e-12)
        assert violation == pytest.approx(glm.violation(w, corr_ref), rel=1e-12)
        np.testing.assert_array_equal(screened, kill)
        assert newly == np.count_nonzero(kill & (w != 0))
    # a dual candidate: used when its dual value is larger and the gap lies in the window
    extra = y - X @ (0.5 * w)
    dual_x, c_x = glm.dual(extra, X.T @ extra)
    for window, used in (([0.0, np.inf], dual_x > dual), ([0.0, 0.5 * gap], False)):
        dual_corr = np.empty(25)
        _, g, _, _ = K.lasso_measure(*glm.design.arrays(), w, r, glm.y, glm.pen, glm.norms,
                                     np.empty(25), False, extra, np.array(window), dual_corr,
                                     np.zeros(25, dtype=bool), False, SAFE_MARGIN)
        assert g == pytest.approx(primal - (max(dual, dual_x) if used else dual), rel=1e-12)


def test_working_set_selection_matches_numpy_reference():
    rng = np.random.default_rng(3)
    score = np.round(rng.standard_normal(200), 1)  # many ties
    score[rng.random(200) < 0.2] = np.inf
    score[rng.random(200) < 0.1] = -np.inf
    finite = np.flatnonzero(score != np.inf)
    for size in (1, 7, 50, finite.size, 200):
        got = K.working_set_select(score, size)
        ref = np.sort(finite[np.argsort(score[finite], kind="stable")[:size]])
        np.testing.assert_array_equal(got, ref)


def test_inner_check_hint_keeps_the_tolerance():
    """The check schedule (predicted from gap²/decrease, optionally hinted) never stops
    above the working-set tolerance, and reports the ratio it measured."""
    from numopt.coordinate.working_set import GLM

    X, y = data(80, 40, seed=12, rho=0.6)
    glm = GLM("lasso", X, y, 0.05 * np.abs(X.T @ y).max())
    ws = np.arange(40, dtype=np.int64)
    tol_in = 1e-9 * glm.null_value
    runs = []
    for hint in (0.0, 1e3, 1e12):
        w, r = np.zeros(40), y.copy()
        epochs, gap, _, measured = K.lasso_inner(
            *glm.design.arrays(), w, r, glm.y, ws, glm.inv_lc, glm.pen, tol_in, 10_000, 10,
            True, np.empty((0, 80)), np.empty(40), hint)
        assert gap <= tol_in and measured > 0
        np.testing.assert_allclose(r, y - X @ w, atol=1e-10)
        runs.append(w)
    np.testing.assert_allclose(runs[0], runs[2], atol=1e-6)


def test_path_start_is_exact_on_a_linear_piece():
    """Between penalties where support and signs stay, the Lasso solution is affine in λ:
    the path's extrapolated start (with its residual and correlations) is the solution."""
    from numopt.coordinate.estimators import _extrapolate_path
    from numopt.coordinate.working_set import GLM, solve

    rng = np.random.default_rng(4)
    X = np.linalg.qr(rng.standard_normal((60, 12)))[0]  # orthonormal: w = ST(Xᵀy, λ)
    y = X @ np.linspace(3.0, 0.25, 12) + 0.01 * rng.standard_normal(60)
    glm = GLM("lasso", X, y, 1.0)
    solved = []
    for lam in (0.24, 0.22):  # no |X_jᵀy| between 0.2 and 0.24: one linear piece
        glm.set_penalty(lam)
        w, res = solve(glm, None, tol=1e-15, max_iter=100)
        solved.append((glm.lam, *glm.last))
    glm.set_penalty(0.2)
    start = _extrapolate_path(glm, solved)
    exact = np.sign(X.T @ y) * np.maximum(np.abs(X.T @ y) - 0.2, 0.0)
    np.testing.assert_allclose(start, exact, atol=1e-12)
    np.testing.assert_allclose(glm.last[1], y - X @ start, atol=1e-12)
    np.testing.assert_allclose(glm.last[2], X.T @ (y - X @ start), atol=1e-12)
    w, res = solve(glm, start, tol=1e-12, max_iter=100)
    assert res.success and res.epochs <= 1


def test_final_solve_moves_to_the_gram_form_when_it_pays(monkeypatch):
    """A dense n ≫ d ill-conditioned Lasso switches its last inner solve to X_wsᵀX_ws once
    the measured rate says the remaining epochs repay the matrix, and still matches
    scikit-learn (the residual is recomputed after the switch, so the gap is exact)."""
    from numopt.coordinate import working_set as WS

    X, y = data(600, 40, seed=13, rho=0.97)
    alpha = alpha_max(X, y) / 1000
    calls = []
    real = WS._gram_inner
    monkeypatch.setattr(WS, "_gram_inner", lambda *a: calls.append(1) or real(*a))
    coef, res = lasso(X, y, alpha, tol=1e-12)
    assert calls and res.success and res.duality_gap <= 1e-12
    np.testing.assert_allclose(coef, sk_lasso(X, y, alpha).coef_, atol=1e-8)
    # an easy design never pays for the matrix
    calls.clear()
    X, y = data(600, 40, seed=14)
    lasso(X, y, alpha_max(X, y) / 10, tol=1e-8)
    assert not calls
