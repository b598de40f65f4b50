"""Hessian models against exact Hessians on quadratics: secant equation, compact form equal
to the dense recursion, inverse products, skipping/damping, SR1 exactness, spectral model."""

import numpy as np
import pytest
from scipy.optimize import BFGS, SR1

from numopt import InvalidProblemError
from numopt.second_order.cubic import cubic_step_eigen
from numopt.second_order.hessian_models import (
    DenseBFGS,
    DenseSR1,
    LimitedBFGS,
    LimitedSR1,
    LowRankEigenModel,
    hessian_model,
    is_model_spec,
)


def _spd(n, seed=0, indefinite=False):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    values = np.linspace(1.0, 10.0, n)
    if indefinite:
        values[0] = -2.0
    return Q @ np.diag(values) @ Q.T


def _pairs(A, count, seed=1):
    rng = np.random.default_rng(seed)
    steps = rng.standard_normal((count, A.shape[0]))
    return [(s, A @ s) for s in steps]


def _bfgs_recursion(delta, pairs, n):
    B = delta * np.eye(n)
    for s, y in pairs:
        Bs = B @ s
        B = B - np.outer(Bs, Bs) / (s @ Bs) + np.outer(y, y) / (s @ y)
    return B


def _sr1_recursion(delta, pairs, n):
    B = delta * np.eye(n)
    for s, y in pairs:
        r = y - B @ s
        B = B + np.outer(r, r) / (r @ s)
    return B


@pytest.mark.parametrize("kind", ["bfgs", "sr1", "lbfgs", "lsr1"])
def test_secant_equation_after_each_update(kind):
    A = _spd(6)
    model = hessian_model(kind, 6, memory=4)
    for s, y in _pairs(A, 5):
        assert model.update(s, y)
        np.testing.assert_allclose(model.matvec(s), y, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(model.dense() @ s, y, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("count,memory", [(5, 5), (7, 3)])
def test_compact_lbfgs_equals_dense_recursion_on_the_last_m_pairs(count, memory):
    A = _spd(8)
    pairs = _pairs(A, count)
    model = LimitedBFGS(8, memory=memory)
    for s, y in pairs:
        model.update(s, y)
    s, y = pairs[-1]
    expected = _bfgs_recursion(float(y @ y) / float(s @ y), pairs[-memory:], 8)
    np.testing.assert_allclose(model.dense(), expected, rtol=1e-9, atol=1e-9)
    v = np.linspace(-1.0, 1.0, 8)
    np.testing.assert_allclose(model.solve(v), np.linalg.solve(expected, v), rtol=1e-8)
    np.testing.assert_allclose(model.solve(model.matvec(v)), v, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(model.solve(v), model.solve_compact(v), rtol=1e-10)


def test_compact_lsr1_equals_dense_recursion_and_is_exact_after_n_steps():
    A = _spd(5, indefinite=True)
    pairs = _pairs(A, 5)
    model = LimitedSR1(5, memory=5)
    for s, y in pairs:
        assert model.update(s, y)
    s0, y0 = pairs[0]
    expected = _sr1_recursion(float(y0 @ y0) / float(s0 @ y0), pairs, 5)
    np.testing.assert_allclose(model.dense(), expected, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(model.dense(), A, rtol=1e-7, atol=1e-7)
    dense = DenseSR1(5)
    for s, y in pairs:
        dense.update(s, y)
    np.testing.assert_allclose(dense.dense(), A, rtol=1e-7, atol=1e-7)


def test_dense_bfgs_inverse_and_damping_keep_positive_definite():
    A = _spd(4, indefinite=True)
    model = DenseBFGS(4)
    for s, y in _pairs(A, 12):
        model.update(s, y)
        assert np.linalg.eigvalsh(model.dense()).min() > 0
        np.testing.assert_allclose(model.H @ model.B, np.eye(4), atol=1e-6)
    undamped = DenseBFGS(4, damping=False)
    s = np.array([1.0, 0.0, 0.0, 0.0])
    assert not undamped.update(s, -s) and undamped.skipped == 1


def test_limited_bfgs_skips_negative_curvature_and_sr1_skips_degenerate_pairs():
    model = LimitedBFGS(3)
    s = np.array([1.0, 0.0, 0.0])
    assert not model.update(s, -s)
    assert model.k == 0 and model.skipped == 1
    sr1 = hessian_model("lsr1", 3)
    s, y = np.array([1.0, 1.0, 0.0]), np.array([2.0, 3.0, 0.0])
    assert sr1.update(s, y)
    assert not sr1.update(s, y)  # r = y - Bs = 0: nothing new
    assert sr1.k == 1 and sr1.skipped == 1


def test_lsr1_sees_negative_curvature():
    A = np.diag([2.0, -2.0])
    model = hessian_model("lsr1", 2)
    for s, y in _pairs(A, 2):
        model.update(s, y)
    assert model.eigen().min_eigenvalue == pytest.approx(-2.0, rel=1e-8)


def test_low_rank_eigen_model_matches_dense_cubic_step():
    A = _spd(7, indefinite=True)
    model = LimitedSR1(7, memory=3)
    for s, y in _pairs(A, 3):
        model.update(s, y)
    B = model.dense()
    low = model.eigen()
    np.testing.assert_allclose(np.sort(np.unique(np.round(np.linalg.eigvalsh(B), 8))),
                               np.sort(np.unique(np.round(low.eigenvalues, 8))))
    g = np.linspace(-1.0, 1.0, 7)
    s_low = low.unrotate(cubic_step_eigen(low.eigenvalues, low.rotate(g), 3.0)[0])
    values, vectors = np.linalg.eigh(B)
    s_dense = vectors @ cubic_step_eigen(values, vectors.T @ g, 3.0)[0]
    np.testing.assert_allclose(s_low, s_dense, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(low.shifted_step(g, 5.0), -np.linalg.solve(B + 5 * np.eye(7), g),
                               rtol=1e-8)


def test_low_rank_eigen_model_hard_case_direction_outside_range():
    model = LowRankEigenModel(-1.0, np.array([[1.0], [0.0], [0.0]]), np.array([[3.0]]))
    g = np.array([1.0, 0.0, 0.0])
    s_tilde, _ = cubic_step_eigen(model.eigenvalues, model.rotate(g), 2.0)
    s = model.unrotate(s_tilde)
    assert abs(np.linalg.norm(s[1:])) > 0.5  # moves along the complement (eigenvalue -1)


def test_fd_model_products_and_dense():
    A = _spd(4)
    model = hessian_model("fd", 4, grad=lambda x: A @ x)
    x = np.ones(4)
    model.observe(x, A @ x)
    np.testing.assert_allclose(model.matvec(np.arange(4.0)), A @ np.arange(4.0), atol=1e-6)
    np.testing.assert_allclose(model.dense(), A, rtol=1e-6, atol=1e-6)
    model.update(np.ones(4), A @ np.ones(4))
    np.testing.assert_allclose(model._x, 2 * x)
    with pytest.raises(InvalidProblemError, match="grad"):
        hessian_model("fd", 4)


@pytest.mark.parametrize("strategy", [BFGS(), SR1()])
def test_scipy_strategy_is_wrapped_and_copied(strategy):
    A = _spd(3)
    model = hessian_model(strategy, 3)
    assert is_model_spec(strategy) and not is_model_spec(lambda x: x)
    for s, y in _pairs(A, 3):
        model.update(s, y)
    np.testing.assert_allclose(model.matvec(np.ones(3)), model.dense() @ np.ones(3))
    assert strategy.n is None if hasattr(strategy, "n") else True


def test_observe_and_probe_build_pairs():
    A = np.diag([2.0, -2.0])
    model = hessian_model("sr1", 2)
    model.observe(np.zeros(2), np.zeros(2))
    lowest = model.probe(lambda x: A @ x, np.zeros(2), np.zeros(2), 2)
    assert -2.0 <= lowest < 0.0  # a Rayleigh quotient of A
    np.testing.assert_allclose(model.dense(), A, rtol=1e-6, atol=1e-6)
    model.observe(np.ones(2), A @ np.ones(2))
    np.testing.assert_allclose(model.matvec(np.ones(2)), A @ np.ones(2), rtol=1e-6)


def test_unknown_model_is_refused():
    with pytest.raises(InvalidProblemError, match="did you mean 'lbfgs'"):
        hessian_model("lbgfs", 3)


@pytest.mark.parametrize("kind", ["bfgs", "lbfgs"])
def test_reduced_solve_is_the_free_block_inverse(kind):
    A = _spd(6)
    model = hessian_model(kind, 6, memory=4)
    for s, y in _pairs(A, 4):
        model.update(s, y)
    B = model.dense()
    free = np.array([True, False, True, True, False, True])
    v = np.linspace(1.0, 2.0, 6)
    expected = np.zeros(6)
    expected[free] = np.linalg.solve(B[np.ix_(free, free)], v[free])
    np.testing.assert_allclose(model.reduced_solve(v, free), expected, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(model.reduced_solve(v, np.ones(6, bool)), model.solve(v),
                               rtol=1e-8)
