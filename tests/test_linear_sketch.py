"""Randomized sketching solvers: kernels against NumPy references, convergence, seeding,
failure reporting and input validation."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import numopt as no
from numopt.linear import _sketch_kernels as kernels


def consistent_system(seed=0, m=30, n=12):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n))
    x_star = rng.standard_normal(n)
    return A, A @ x_star, x_star


def csr_arrays(A):
    M = sp.csr_matrix(A)
    return M.indptr, M.indices, M.data


def test_kaczmarz_kernel_matches_reference():
    A, b, _ = consistent_system()
    rows = np.random.default_rng(1).integers(0, A.shape[0], size=50)
    x = np.zeros(A.shape[1])
    kernels.kaczmarz_sweep(*csr_arrays(A), b, (A * A).sum(axis=1), rows, x)
    np.testing.assert_allclose(x, kernels.kaczmarz_sweep_reference(A, b, rows,
                                                                    np.zeros(A.shape[1])))


def test_block_kaczmarz_kernel_matches_reference():
    A, b, _ = consistent_system(2)
    order = np.random.default_rng(3).permutation(A.shape[0])
    x = np.zeros(A.shape[1])
    kernels.block_kaczmarz_sweep(*csr_arrays(A), b, order, 7, x, np.zeros(A.shape[1]))
    expected = kernels.block_kaczmarz_sweep_reference(A, b, order, 7, np.zeros(A.shape[1]))
    np.testing.assert_allclose(x, expected, atol=1e-10)


@pytest.mark.parametrize("sketch", ["gaussian", "count_sketch"])
def test_dense_sketch_step_is_sketch_and_project(sketch):
    """One kernel step is an orthogonal projection of x0 onto an affine set containing x*
    (Gower & Richtarik 2015, eq. 2.2): (x1 - x0) is orthogonal to (x1 - x*), and the
    maintained residual equals A x1 - b."""
    A, b, x_star = consistent_system(4)
    x0 = np.random.default_rng(4).standard_normal(A.shape[1])
    x, r = x0.copy(), A @ x0 - b
    if sketch == "gaussian":
        kernels.gaussian_sweep(*csr_arrays(A), 1, 0.0, np.random.default_rng(7), x, r)
    else:
        kernels.count_sketch_sweep(*csr_arrays(A), 5, 1, 0.0, np.random.default_rng(7), x, r)
    np.testing.assert_allclose(r, A @ x - b, atol=1e-10)
    assert abs((x - x0) @ (x - x_star)) <= 1e-10 * np.linalg.norm(x0 - x_star) ** 2
    assert np.linalg.norm(x - x0) > 0


def test_sketch_project_reference_solves_the_sketched_system():
    A, b, _ = consistent_system(6)
    S = np.random.default_rng(0).standard_normal((A.shape[0], 3))
    x = kernels.sketch_project_reference(A, b, S, np.zeros(A.shape[1]))
    np.testing.assert_allclose((S.T @ A) @ x, S.T @ b, atol=1e-10)


@pytest.mark.parametrize("sketch", no.linear.SKETCHES)
@pytest.mark.parametrize("sparse", [False, True])
def test_each_sketch_solves_consistent_system(sketch, sparse):
    A, b, x_star = consistent_system()
    res = no.linear.sketch_solve(sp.csr_matrix(A) if sparse else A, b, sketch, tol=1e-10,
                                 seed=0)
    assert res.converged and res.success
    assert res.residual_norm <= 1e-10 * np.linalg.norm(b)
    np.testing.assert_allclose(res.x, x_star, atol=1e-8)
    assert res.history["residual_norm"][-1] == res.residual_norm


def test_row_norm_sampling_solves_badly_scaled_rows():
    A, b, x_star = consistent_system(5)
    A[:5] *= 3.0
    b = A @ x_star
    res = no.linear.sketch_solve(A, b, "kaczmarz", sampling="row_norm", tol=1e-10, seed=1)
    assert res.converged
    np.testing.assert_allclose(res.x, x_star, atol=1e-7)


def test_same_seed_same_answer_and_generator_accepted():
    A, b, _ = consistent_system()
    first = no.linear.sketch_solve(A, b, "gaussian", tol=1e-6, seed=3)
    second = no.linear.sketch_solve(A, b, "gaussian", tol=1e-6, seed=3)
    np.testing.assert_array_equal(first.x, second.x)
    third = no.linear.sketch_solve(A, b, "kaczmarz", tol=1e-6,
                                   seed=np.random.default_rng(3))
    assert third.converged


def test_step_cap_reports_max_iter_with_residual():
    A, b, _ = consistent_system()
    res = no.linear.sketch_solve(A, b, "kaczmarz", tol=1e-14, max_iter=40, seed=0)
    assert not res.success and res.status_enum is no.Status.MAX_ITER
    assert res.nit == 40 and "residual" in res.message


def test_inconsistent_system_does_not_claim_convergence():
    A = np.array([[1.0, 1.0], [1.0, 1.0]])
    res = no.linear.sketch_solve(A, np.array([1.0, 2.0]), "kaczmarz", max_iter=500, seed=0)
    assert not res.converged and res.residual_norm > 0.5


def test_warm_start_from_solution_stops_at_once():
    A, b, x_star = consistent_system()
    res = no.linear.sketch_solve(A, b, x0=x_star, tol=1e-8)
    assert res.converged and res.nit == 0


@pytest.mark.parametrize(("kwargs", "word"), [
    ({"sketch": "kaczmartz"}, "sketch"),
    ({"sampling": "norm"}, "sampling"),
    ({"block_size": 0}, "block_size"),
    ({"x0": np.ones(3)}, "x0"),
])
def test_bad_input_names_the_argument(kwargs, word):
    A, b, _ = consistent_system()
    with pytest.raises(no.InvalidProblemError, match=word):
        no.linear.sketch_solve(A, b, **kwargs)


def test_nonfinite_matrix_rejected():
    A, b, _ = consistent_system()
    A[0, 0] = np.nan
    with pytest.raises(no.InvalidProblemError, match="A contains"):
        no.linear.sketch_solve(A, b)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), steps=st.integers(1, 40))
def test_kaczmarz_never_increases_the_error(seed, steps):
    """Each Kaczmarz step is an orthogonal projection onto a hyperplane containing x*, so
    ||x - x*|| cannot grow on a consistent system."""
    A, b, x_star = consistent_system(seed, m=15, n=6)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(6)
    before = np.linalg.norm(x - x_star)
    rows = rng.integers(0, 15, size=steps)
    kernels.kaczmarz_sweep(*csr_arrays(A), b, (A * A).sum(axis=1), rows, x)
    assert np.linalg.norm(x - x_star) <= before * (1 + 1e-12)
