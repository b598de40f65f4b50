"""Shared direction machinery of the second-order family: Cholesky, eigen-model, cubic
subproblem solvers (eigen, Cholesky radius, Krylov), on NumPy and array_api_strict."""

import array_api_compat.numpy as xp_np
import array_api_strict as xps
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numopt.second_order.cubic import (
    cubic_step_cholesky,
    cubic_step_eigen,
    model_decrease_eigen,
)
from numopt.second_order.krylov import cubic_step_krylov, min_eigenpair
from numopt.second_order.linalg import EigenModel, cholesky, solve_shifted


def cubic_model(H, g, s, M):
    return g @ s + 0.5 * s @ H @ s + M / 6 * np.linalg.norm(s) ** 3


def random_symmetric(seed, d=6):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((d, d))
    return A + A.T, rng.standard_normal(d)


# ----------------------------------------------------------------------------- linalg
def test_cholesky_reports_indefinite_and_solves_shifted():
    H = np.diag([-1.0, 2.0])
    assert cholesky(xp_np, H) is None
    assert solve_shifted(xp_np, H, np.ones(2), 0.5) is None
    s = solve_shifted(xp_np, H, np.array([1.0, 3.0]), 2.0)
    np.testing.assert_allclose(s, [-1.0, -0.75])


def test_eigen_model_shifted_step_matches_dense_solve():
    H, g = random_symmetric(1)
    model = EigenModel(xp_np, H)
    shift = -model.min_eigenvalue + 0.3
    np.testing.assert_allclose(model.shifted_step(g, shift),
                               -np.linalg.solve(H + shift * np.eye(6), g), rtol=1e-10)
    assert model.shifted_step(g, -model.min_eigenvalue - 0.1) is None


def test_linalg_on_array_api_strict():
    H, g = random_symmetric(2)
    Hs, gs = xps.asarray(H + 20 * np.eye(6)), xps.asarray(g)
    s = solve_shifted(xps, Hs, gs, 0.0)
    assert isinstance(s, type(Hs))
    np.testing.assert_allclose(np.asarray(s), -np.linalg.solve(H + 20 * np.eye(6), g))
    assert cholesky(xps, xps.asarray(-np.eye(2))) is None
    model = EigenModel(xps, Hs)
    np.testing.assert_allclose(np.asarray(model.shifted_step(gs, 1.0)),
                               -np.linalg.solve(H + 21 * np.eye(6), g), rtol=1e-10)


# ----------------------------------------------------------------------------- cubic, eigen
def test_hard_case_diag_minus_one_one():
    """H = diag(-1, 1), g = (0, 1): g is orthogonal to the negative-curvature direction."""
    H, g, M = np.diag([-1.0, 1.0]), np.array([0.0, 1.0]), 2.0
    s, lam = cubic_step_eigen(np.array([-1.0, 1.0]), g, M)
    assert lam == pytest.approx(1.0)
    np.testing.assert_allclose(np.abs(s), [np.sqrt(0.75), 0.5], atol=1e-12)
    assert np.linalg.norm(s) == pytest.approx(2 * lam / M)
    # global optimality: no point of a fine grid has a lower model value
    grid = np.linspace(-2, 2, 401)
    values = [cubic_model(H, g, np.array([a, b]), M) for a in grid for b in grid]
    assert cubic_model(H, g, s, M) <= min(values) + 1e-12


def test_zero_gradient_at_saddle_moves_along_negative_curvature():
    s, lam = cubic_step_eigen(np.array([-2.0, 3.0]), np.zeros(2), 1.0)
    assert lam == pytest.approx(2.0)
    np.testing.assert_allclose(np.abs(s), [4.0, 0.0])


def test_zero_gradient_at_minimum_is_zero_step():
    s, lam = cubic_step_eigen(np.array([1.0, 3.0]), np.zeros(2), 1.0)
    assert lam == 0.0 and not s.any()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), log_weight=st.floats(-3, 3))
def test_cubic_eigen_optimality_conditions(seed, log_weight):
    """(H + lam I) s = -g, lam = M/2 ||s||, H + lam I >= 0, and no random point is better."""
    H, g = random_symmetric(seed)
    M = 10.0 ** log_weight
    values, Q = np.linalg.eigh(H)
    s_tilde, lam = cubic_step_eigen(values, Q.T @ g, M)
    s = Q @ s_tilde
    assert lam >= max(0.0, -values[0]) - 1e-12
    np.testing.assert_allclose((H + lam * np.eye(6)) @ s, -g, atol=1e-7 * max(1, lam))
    assert lam == pytest.approx(M / 2 * np.linalg.norm(s), rel=1e-6, abs=1e-12)
    best = cubic_model(H, g, s, M)
    assert model_decrease_eigen(values, Q.T @ g, s_tilde, M) == pytest.approx(best, rel=1e-10)
    trials = np.random.default_rng(seed).standard_normal((50, 6)) * np.linalg.norm(s)
    assert all(best <= cubic_model(H, g, s + t, M) + 1e-9 * abs(best) for t in trials)


# ----------------------------------------------------------------------------- cholesky radius
@pytest.mark.parametrize("seed", range(5))
def test_cholesky_radius_matches_eigen(seed):
    H, g = random_symmetric(seed)
    values, Q = np.linalg.eigh(H)
    s_tilde, lam = cubic_step_eigen(values, Q.T @ g, 3.0)
    s, count, shift = cubic_step_cholesky(xp_np, H, g, 3.0)
    np.testing.assert_allclose(s, Q @ s_tilde, atol=1e-7)
    assert shift == pytest.approx(lam, rel=1e-7) and count >= 1


def test_cholesky_radius_reports_hard_case():
    s, count, reason = cubic_step_cholesky(xp_np, np.diag([-1.0, 1.0]), np.array([0.0, 1.0]), 2.0)
    assert s is None and "hard case" in reason and count > 0


def test_cholesky_radius_on_array_api_strict():
    H, g = random_symmetric(3)
    s, _, _ = cubic_step_cholesky(xps, xps.asarray(H), xps.asarray(g), 2.0)
    ref, _, _ = cubic_step_cholesky(xp_np, H, g, 2.0)
    np.testing.assert_allclose(np.asarray(s), ref, atol=1e-8)


# ----------------------------------------------------------------------------- krylov
def test_krylov_full_space_matches_eigen():
    H, g = random_symmetric(4, d=12)
    values, Q = np.linalg.eigh(H)
    s_tilde, _ = cubic_step_eigen(values, Q.T @ g, 2.0)
    s, model, min_ritz = cubic_step_krylov(lambda v: H @ v, g, 2.0, xp_np, kappa=1e-14)
    np.testing.assert_allclose(s, Q @ s_tilde, atol=1e-8)
    assert model == pytest.approx(cubic_model(H, g, s, 2.0), abs=1e-9)
    assert min_ritz >= values[0] - 1e-9


def test_krylov_stops_at_tcs_rule_on_array_api_strict():
    rng = np.random.default_rng(5)
    H = np.diag(np.linspace(1, 100, 200))
    g = rng.standard_normal(200)
    Hs = xps.asarray(H)
    s, _, _ = cubic_step_krylov(lambda v: Hs @ v, xps.asarray(g), 1.0, xps)
    s = np.asarray(s)
    residual = g + H @ s + 0.5 * np.linalg.norm(s) * s
    assert np.linalg.norm(residual) <= 0.1 * min(1.0, np.linalg.norm(s)) * np.linalg.norm(g)


def test_min_eigenpair_is_seeded_and_accurate():
    H, _ = random_symmetric(6, d=15)
    value, vector = min_eigenpair(lambda v: H @ v, 15, xp_np, seed=3)
    assert value == pytest.approx(np.linalg.eigvalsh(H)[0], abs=1e-8)
    np.testing.assert_allclose(H @ vector, value * vector, atol=1e-6)
    again, _ = min_eigenpair(lambda v: H @ v, 15, xp_np, seed=3)
    assert again == value


def test_secular_root_kernel_matches_its_numpy_reference():
    from numopt.second_order._kernels import secular_root
    from numopt.second_order.cubic import ROOT_MAX_ITER, ROOT_TOL, _secular_root

    rng = np.random.default_rng(3)
    for _ in range(20):
        eigenvalues = np.sort(rng.standard_normal(6) * 3)
        gsq = rng.random(6) ** 2
        half = float(rng.random() * 4 + 0.1)
        low = max(0.0, -eigenvalues[0])
        gnorm = float(np.sqrt(gsq.sum()))
        expected = _secular_root(eigenvalues, gsq, half, low, gnorm)
        got = secular_root(eigenvalues, gsq, half, low, gnorm, ROOT_TOL, ROOT_MAX_ITER)
        assert got == pytest.approx(expected, rel=1e-12)


def test_secular_root_kernel_divides_like_numpy_at_a_pole():
    """lam = -eigenvalue exactly: NumPy semantics (inf), never ZeroDivisionError."""
    from numopt.second_order._kernels import secular_root
    from numopt.second_order.cubic import ROOT_MAX_ITER, ROOT_TOL, _secular_root

    args = (np.array([-1.0, 2.0]), np.array([0.0, 1.0]), 1.0, 1.0, 0.0)
    with np.errstate(all="ignore"):
        expected = _secular_root(*args)
    got = secular_root(*args, ROOT_TOL, ROOT_MAX_ITER)
    assert got == pytest.approx(expected) or (np.isnan(got) and np.isnan(expected))
