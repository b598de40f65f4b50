"""L1 / non-negative BCD, active-set identification, and the scikit-learn-style estimators."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import Lasso, LogisticRegression

import numopt as no
from numopt.coordinate import l1_logistic, lasso


def regression_data(n=60, d=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = np.zeros(d)
    w[:6] = rng.standard_normal(6) * 3
    return X, X @ w + 0.1 * rng.standard_normal(n)


@pytest.mark.parametrize("alpha", [0.5, 0.05, 0.005])
def test_lasso_matches_scikit_learn(alpha):
    X, y = regression_data()
    coef, res = lasso(X, y, alpha, tol=1e-12)
    sk = Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(X, y)
    assert res.success, res.message
    np.testing.assert_allclose(coef, sk.coef_, atol=1e-8)
    n = X.shape[0]  # numopt's objective is n times scikit-learn's mean objective
    sk_obj = 0.5 * np.sum((y - X @ sk.coef_) ** 2) / n + alpha * np.abs(sk.coef_).sum()
    assert res.fun / n == pytest.approx(sk_obj, rel=1e-10)


def test_lasso_sparse_input_and_gap_history():
    import scipy.sparse as sp

    X, y = regression_data(d=80)
    X[np.abs(X) < 0.8] = 0.0
    coef, res = lasso(sp.csr_matrix(X), y, 0.05, tol=1e-10)
    dense, _ = lasso(X, y, 0.05, tol=1e-10)
    np.testing.assert_allclose(coef, dense, atol=1e-8)
    assert res.duality_gap <= 1e-10 and res.history["duality_gap"][-1] <= 1e-10


def test_l1_logistic_matches_scikit_learn_objective():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((80, 15))
    y = (X[:, 0] - X[:, 1] + 0.5 * rng.standard_normal(80) > 0).astype(int)
    C = 0.3
    coef, res = l1_logistic(X, y, C=C, tol=1e-11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegression(penalty="l1", C=C, fit_intercept=False, solver="saga",
                                tol=1e-12, max_iter=200_000).fit(X, y)
    signs = np.where(y == 1, 1.0, -1.0)

    def objective(w):
        return np.logaddexp(0, -signs * (X @ w)).sum() + np.abs(w).sum() / C

    assert res.success
    assert objective(coef) <= objective(sk.coef_.ravel()) + 1e-9
    np.testing.assert_allclose(coef, sk.coef_.ravel(), atol=1e-5)
    coef_alpha, _ = l1_logistic(X, y, alpha=1.0 / (C * X.shape[0]), tol=1e-11)
    np.testing.assert_allclose(coef_alpha, coef, atol=1e-10)


def test_estimator_argument_errors():
    X, y = regression_data()
    with pytest.raises(no.InvalidProblemError, match="exactly one of C"):
        l1_logistic(X, y > 0, C=1.0, alpha=0.1)
    with pytest.raises(no.InvalidProblemError, match="alpha must be > 0"):
        lasso(X, y, 0.0)
    with pytest.raises(no.InvalidProblemError, match="shape"):
        lasso(X, y[:-1], 0.1)


def test_active_set_identification_and_superlinear_tail():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((100, 30))
    y = np.where(X[:, :3].sum(axis=1) + 0.3 * rng.standard_normal(100) > 0, 1.0, -1.0)
    lam = 8.0
    long = no.minimize(no.problems.LogisticRegression(X, y, l1=lam), method="bcd", rule="gsq",
                       update="newton", tau=10, tol=1e-14, max_iter=200)
    f_star = long.fun
    res = no.minimize(no.problems.LogisticRegression(X, y, l1=lam), method="bcd", rule="gsq",
                      update="lipschitz", tau=5, tol=1e-11, max_iter=300, f_star=f_star)
    assert res.success, res.message
    settled = res.active_set_iteration
    assert 0 < settled < res.nit  # identified after finitely many iterations...
    support = np.flatnonzero(res.x)
    assert 0 < support.size < 30
    np.testing.assert_array_equal(support, np.flatnonzero(long.x))
    # ...and after the switch to free-set Newton the error falls superlinearly
    err = res.history["suboptimality"][settled:]
    err = err[err > 1e-13]
    ratios = err[1:] / err[:-1]
    assert ratios.size >= 2 and ratios[-1] < 1e-2 and np.all(np.diff(ratios[-3:]) < 0)


@pytest.mark.parametrize("rule,update", [  # every rule and every update, 10 pairs
    (rule, update) for i, rule in enumerate(["gs", "gsl", "gsd", "gsq", "random", "cyclic"])
    for j, update in enumerate(["lipschitz", "line_search", "matrix", "newton", "exact"])
    if (i + j) % 3 == 0])
def test_proximal_rules_and_updates_agree(rule, update):
    X, y = regression_data()
    sk = Lasso(alpha=0.1, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(X, y)
    p = no.problems.LeastSquares(X, y, l1=0.1 * X.shape[0])
    res = no.minimize(p, method="bcd", rule=rule, update=update, tau=5, tol=1e-9,
                      max_iter=3000, seed=0)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, sk.coef_, atol=1e-7)
    f = res.history["fun"]
    assert np.all(np.diff(f) <= 1e-9 * np.abs(f[:-1]))


def test_nonnegative_least_squares():
    from scipy.optimize import nnls

    rng = np.random.default_rng(2)
    A, b = rng.standard_normal((30, 12)), rng.standard_normal(30)
    res = no.minimize(no.problems.LeastSquares(A, b), method="bcd", nonneg=True, tau=4,
                      tol=1e-10)
    assert res.success and np.all(res.x >= 0)
    np.testing.assert_allclose(res.x, nnls(A, b)[0], atol=1e-8)
    with pytest.raises(no.InvalidProblemError, match="x0 >= 0"):
        no.minimize(no.problems.LeastSquares(A, b), x0=-np.ones(12), method="bcd", nonneg=True)
