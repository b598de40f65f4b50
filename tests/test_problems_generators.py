"""Seeded generators and the scikit-learn dataset loaders."""

import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import numopt as no
from numopt.problems import (
    load_dataset,
    load_least_squares,
    load_logistic,
    load_softmax,
    make_least_squares,
    make_logistic,
    make_quadratic,
)


@settings(max_examples=15, deadline=None)
@given(m=st.integers(1, 30), n=st.integers(1, 30), log_cond=st.floats(0.0, 8.0))
def test_least_squares_condition_number_is_exact(m, n, log_cond):
    cond = 10.0 ** log_cond
    p = make_least_squares(m, n, cond=cond, seed=3)
    s = np.linalg.svd(p.A, compute_uv=False)
    assert p.A.shape == (m, n) and p.b.shape == (m,)
    if min(m, n) > 1:
        assert s[0] / s[-1] == pytest.approx(cond, rel=1e-6)


def test_generators_are_seeded():
    for make in (lambda s: make_least_squares(30, 5, seed=s),
                 lambda s: make_logistic(30, 5, seed=s)):
        a, b, c = make(7), make(7), make(8)
        assert np.array_equal(a.A, b.A) and not np.array_equal(a.A, c.A)
    assert np.array_equal(make_quadratic(6, seed=1).Q, make_quadratic(6, seed=1).Q)


def test_sparse_least_squares():
    p = make_least_squares(200, 40, cond=1e3, sparse_density=0.05, seed=0)
    assert sp.issparse(p.A) and p.A.nnz < 0.1 * 200 * 40
    assert np.all(np.asarray(abs(p.A).sum(axis=0)).ravel() > 0)  # no empty column
    res = no.minimize(p, method="newton")
    x_ref = np.linalg.lstsq(p.A.toarray(), p.b, rcond=None)[0]
    assert res.success and np.linalg.norm(res.x - x_ref) < 1e-6 * np.linalg.norm(x_ref)


def test_logistic_labels_and_solvable():
    p = make_logistic(200, 5, cond=100.0, l2=1.0, seed=0)
    assert set(np.unique(p.y)) == {-1.0, 1.0}
    assert 0.2 < np.mean(p.y > 0) < 0.8
    res = no.minimize(p, method="newton")
    assert res.success and res.grad_norm <= 1e-8


def test_quadratic_spectrum_and_optimum():
    p = make_quadratic(15, cond=1e5, seed=2)
    eigs = np.linalg.eigvalsh(p.Q)
    assert eigs.max() == pytest.approx(1.0) and eigs.max() / eigs.min() == pytest.approx(1e5)
    x_star, _ = p.optimum()
    assert np.allclose(p.Q @ x_star, p.c)


@pytest.mark.parametrize("call, needed", [
    (lambda: make_least_squares(0, 3), "m must be >= 1"),
    (lambda: make_least_squares(3, 3, cond=0.5), "cond must be >= 1.0"),
    (lambda: make_least_squares(3, 3, sparse_density=1.5), "sparse_density must be <= 1.0"),
    (lambda: make_logistic(3, 2.5), "n must be an integer"),
    (lambda: make_quadratic(4, cond=float("nan")), "cond must be a finite real number"),
])
def test_generator_bad_input(call, needed):
    with pytest.raises(no.InvalidProblemError, match=needed):
        call()


def test_datasets_standardized_and_ready():
    A, y = load_dataset("wine")
    assert np.allclose(A.mean(axis=0), 0.0, atol=1e-12) and np.allclose(A.std(axis=0), 1.0)
    p = load_logistic("breast_cancer", l2=1.0)
    assert p.A.shape == (569, 30) and set(np.unique(p.y)) == {-1.0, 1.0}
    res = no.minimize(p, method="newton")
    assert res.success
    sklearn_lm = pytest.importorskip("sklearn.linear_model")
    # scikit-learn's objective is C * sum(loss) + ||w||^2 / 2, i.e. ours with l2 = 1 / C
    ref = sklearn_lm.LogisticRegression(C=1.0, fit_intercept=False, tol=1e-12, max_iter=10_000)
    ref.fit(p.A, p.y)
    assert np.allclose(res.x, ref.coef_.ravel(), atol=1e-5)
    assert load_logistic("iris", positive_class=2).y.sum() == -50.0
    assert load_softmax("iris").dim == 12
    assert load_least_squares().A.shape == (442, 11)
    assert load_dataset("digits", intercept=True)[0].shape == (1797, 65)


@pytest.mark.parametrize("call, needed", [
    (lambda: load_dataset("mnist"), "name='mnist' is not valid"),
    (lambda: load_logistic("diabetes"), "name='diabetes' is not valid"),
    (lambda: load_logistic("iris"), "pass positive_class="),
    (lambda: load_logistic("iris", positive_class=5), "positive_class=5 is not valid"),
])
def test_dataset_bad_input(call, needed):
    with pytest.raises(no.InvalidProblemError, match=needed):
        call()


def test_missing_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(no.MissingDependencyError, match=r'"test" extra'):
        load_dataset("iris")
