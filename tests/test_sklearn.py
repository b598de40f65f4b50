"""numopt.sklearn: scikit-learn's estimator checks, agreement with scikit-learn's
coefficients, warm starts, sample weights, labels, pipelines and the Lasso path."""

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

import sklearn.linear_model as sk  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import numopt  # noqa: E402
from numopt.sklearn import (  # noqa: E402
    ConvergenceWarning,
    ElasticNet,
    L1LogisticRegression,
    Lasso,
    LogisticRegression,
    lasso_path,
)

ESTIMATORS = [Lasso(), ElasticNet(), L1LogisticRegression(), LogisticRegression()]


@parametrize_with_checks(ESTIMATORS)
def test_check_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # checks that cap max_iter
        check(estimator)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 15))
    y = X @ rng.standard_normal(15) + 0.5 + 0.1 * rng.standard_normal(120)
    labels = (X[:, 0] - 0.5 * X[:, 3] + 0.3 * rng.standard_normal(120) > 0.2).astype(int)
    sw = rng.uniform(0.2, 2.0, 120)
    return X, y, labels, sw


@pytest.mark.parametrize("weighted", [False, True])
def test_lasso_and_elastic_net_match_sklearn(data, weighted):
    X, y, _, sw = data
    sw = sw if weighted else None
    pairs = [(Lasso(alpha=0.05, tol=1e-12), sk.Lasso(alpha=0.05)),
             (ElasticNet(alpha=0.05, l1_ratio=0.6, tol=1e-12),
              sk.ElasticNet(alpha=0.05, l1_ratio=0.6))]
    for ours, theirs in pairs:
        ours.fit(X, y, sample_weight=sw)
        theirs.set_params(tol=1e-13, max_iter=100_000).fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
        assert abs(ours.intercept_ - theirs.intercept_) <= 1e-6
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-5)


@pytest.mark.parametrize("weighted", [False, True])
def test_logistic_regressions_match_sklearn(data, weighted):
    X, _, labels, sw = data
    sw = sw if weighted else None
    l1 = L1LogisticRegression(C=0.5, tol=1e-12).fit(X, labels, sample_weight=sw)
    ref = sk.LogisticRegression(l1_ratio=1.0, solver="saga", C=0.5, tol=1e-13,
                                max_iter=100_000).fit(X, labels, sample_weight=sw)
    np.testing.assert_allclose(l1.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(l1.intercept_, ref.intercept_, atol=1e-6)
    l2 = LogisticRegression(C=0.5, tol=1e-12).fit(X, labels, sample_weight=sw)
    ref = sk.LogisticRegression(C=0.5, tol=1e-13, max_iter=10_000).fit(X, labels,
                                                                      sample_weight=sw)
    np.testing.assert_allclose(l2.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(l2.intercept_, ref.intercept_, atol=1e-6)
    np.testing.assert_allclose(l2.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert l2.n_iter_[0] < 20  # Newton: a handful of steps


def test_any_two_labels_and_sparse_input(data):
    import scipy.sparse as sp

    X, _, labels, _ = data
    names = np.array(["spam", "ham"])[labels]
    for cls in (L1LogisticRegression, LogisticRegression):
        a = cls(C=0.5, tol=1e-10).fit(X, labels)
        b = cls(C=0.5, tol=1e-10).fit(sp.csr_matrix(X), names)
        assert b.classes_.tolist() == ["ham", "spam"]  # sorted: "spam" (label 0) is negative
        np.testing.assert_allclose(a.coef_, -b.coef_, atol=1e-6)
        assert set(b.predict(X)) <= {"ham", "spam"}


def test_sparse_input_and_fit_intercept_false(data):
    import scipy.sparse as sp

    X, y, _, sw = data
    for intercept in (True, False):
        a = Lasso(alpha=0.05, fit_intercept=intercept, tol=1e-12).fit(sp.csc_matrix(X), y, sw)
        b = sk.Lasso(alpha=0.05, fit_intercept=intercept, tol=1e-13, max_iter=100_000)
        b.fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-6)
        assert abs(a.intercept_ - b.intercept_) <= 1e-6
    a = ElasticNet(alpha=0.05, tol=1e-12).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(a.coef_, ElasticNet(alpha=0.05, tol=1e-12).fit(X, y).coef_,
                               atol=1e-8)


def test_warm_start_takes_fewer_iterations(data):
    X, y, labels, _ = data
    cold = Lasso(alpha=0.01, tol=1e-10).fit(X, y)
    warm = Lasso(alpha=0.011, tol=1e-10, warm_start=True).fit(X, y)
    warm.set_params(alpha=0.01).fit(X, y)
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-8)
    clf = LogisticRegression(C=1.0, warm_start=True).fit(X, labels)
    first = clf.n_iter_[0]
    clf.fit(X, labels)
    assert clf.n_iter_[0] < first


def test_non_convergence_warns_with_both_warning_classes(data):
    X, _, labels, _ = data
    with pytest.warns(ConvergenceWarning, match="Maximum number of iterations") as record:
        LogisticRegression(tol=1e-15, max_iter=1).fit(X, labels)  # one Newton step
    assert issubclass(record[0].category, numopt.ConvergenceWarning)
    assert issubclass(record[0].category, sklearn.exceptions.ConvergenceWarning)
    assert record[0].filename == __file__  # points at the user's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", numopt.ConvergenceWarning)
        LogisticRegression(tol=1e-15, max_iter=1).fit(X, labels)  # silenced by numopt's class


def test_pipeline_and_grid_search(data):
    X, y, labels, _ = data
    search = GridSearchCV(make_pipeline(StandardScaler(), Lasso(tol=1e-8)),
                          {"lasso__alpha": [0.01, 0.1, 1.0]}, cv=3).fit(X, y)
    assert search.best_params_ == {"lasso__alpha": 0.01}
    search = GridSearchCV(LogisticRegression(), {"C": [0.01, 1.0]}, cv=3).fit(X, labels)
    assert search.best_score_ > 0.8


def test_lasso_path_matches_sklearn(data):
    X, y, _, _ = data
    X, y = X - X.mean(axis=0), y - y.mean()
    alphas, coefs, gaps = lasso_path(X, y, n_alphas=20, tol=1e-12)
    ref_alphas, ref_coefs, _ = sk.lasso_path(X, y, alphas=alphas, tol=1e-13, max_iter=100_000)
    np.testing.assert_allclose(alphas, ref_alphas)
    np.testing.assert_allclose(coefs, ref_coefs, atol=1e-6)
    assert coefs.shape == (15, 20) and np.all(coefs[:, 0] == 0) and np.all(gaps <= 1e-12)


def test_bad_parameters_raise(data):
    X, y, labels, _ = data
    with pytest.raises(ValueError, match="alpha"):
        Lasso(alpha=0.0).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNet(l1_ratio=0.0).fit(X, y)
    with pytest.raises(ValueError, match="Only binary classification"):
        LogisticRegression().fit(X, np.arange(X.shape[0]) % 3)
    with pytest.raises(ValueError, match="C must be"):
        L1LogisticRegression(C=-1.0).fit(X, labels)


def test_bench_module_rows_and_summary(tmp_path):
    from numopt.bench import BENCHMARKS
    from numopt.bench import sklearn as bench
    from numopt.bench.common import Case

    assert BENCHMARKS["sklearn"] == "numopt.bench.sklearn" and len(bench.cases(True)) == 3
    rows = []
    for kind in ("path", "lasso", "logistic"):
        rows += bench.run_case(Case("sklearn", kind, {"kind": kind, "n": 60, "d": 20}))
    ours = [r for r in rows if r["solver"].startswith("numopt")]
    assert len(ours) == 4 and all(r["max_dcoef"] < 1e-4 for r in ours)
    section = bench.summarize(rows, tmp_path)
    assert "numopt/peer" in section.markdown and "| path |" in section.markdown


@pytest.mark.parametrize("shape", [(300, 8), (60, 400)])
def test_l2_logistic_auto_solver_matches_scikit_learn(shape):
    # solver="auto": Newton on the narrow design, L-BFGS on the wide one (400 columns)
    rng = np.random.default_rng(5)
    X = rng.standard_normal(shape)
    y = (X[:, 0] - X[:, 1] + 0.3 * rng.standard_normal(shape[0]) > 0).astype(int)
    ours = LogisticRegression(C=0.5, tol=1e-10, max_iter=2000).fit(X, y)
    ref = sk.LogisticRegression(C=0.5, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
