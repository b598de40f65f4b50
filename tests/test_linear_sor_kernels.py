"""The compiled SOR kernels against tiny pure-Python "gold" versions (PyAMG style)."""

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
from pyamg.gallery import poisson
from pyamg.relaxation.relaxation import gauss_seidel

from numopt.linear._kernels import (
    CONVERGED,
    MAX_ITER,
    csr_arrays,
    csr_matvec,
    residual_norm,
    sor_iterations,
    sor_sweep,
    sor_sweep_residual,
    ssor_apply,
)


def gold_sweep(A, b, x, omega, rows):
    """Textbook SOR row update, in the kernel's order of operations."""
    A = sp.csr_array(A)
    for i in rows:
        upper, lower = b[i], 0.0
        for jj in range(A.indptr[i], A.indptr[i + 1]):
            j, a = A.indices[jj], A.data[jj]
            if j > i:
                upper -= a * x[j]
            elif j < i:
                lower += a * x[j]
        if omega == 1.0:
            x[i] = (upper - lower) / A[i, i]
        else:
            x[i] = (1.0 - omega) * x[i] + (upper - lower) * (omega / A[i, i])
    return x


def gold_sor(A, b, x, omega, symmetric=False):
    n = len(b)
    gold_sweep(A, b, x, omega, range(n))
    if symmetric:
        gold_sweep(A, b, x, omega, range(n - 1, -1, -1))
    return x


def matrix_form_sor(A, b, x, omega):
    """``x + (D/omega + L)^{-1} (b - A x)`` with a dense triangular solve."""
    A = np.asarray(A.todense()) if sp.issparse(A) else A
    M = np.tril(A, -1) + np.diag(np.diag(A)) / omega
    return x + sla.solve_triangular(M, b - A @ x, lower=True)


def random_spd(n, seed):
    rng = np.random.default_rng(seed)
    dense = sp.random_array((n, n), density=0.2, random_state=rng)
    A = dense @ dense.T + sp.diags_array(np.full(n, 2.0))
    return sp.csr_array(A)


def kernel_args(A):
    A = sp.csr_array(A)
    return (*csr_arrays(A), A.diagonal())


@pytest.mark.parametrize("omega", [1.0, 0.6, 1.3, 1.9])
@pytest.mark.parametrize("symmetric", [False, True])
def test_sweep_matches_gold_bit_for_bit(omega, symmetric):
    A = random_spd(25, 0)
    b = np.random.default_rng(1).standard_normal(25)
    x = np.random.default_rng(2).standard_normal(25)
    expected = gold_sor(A, b, x.copy(), omega, symmetric)
    sor_sweep(*kernel_args(A), b, x, omega, symmetric)
    np.testing.assert_array_equal(x, expected)


@pytest.mark.parametrize("omega", [0.5, 1.0, 1.5])
def test_sweep_matches_matrix_form(omega):
    A = random_spd(30, 3)
    b = np.random.default_rng(4).standard_normal(30)
    x = np.zeros(30)
    expected = x.copy()
    for _ in range(5):
        sor_sweep(*kernel_args(A), b, x, omega, False)
        expected = matrix_form_sor(A, b, expected, omega)
    np.testing.assert_allclose(x, expected, rtol=1e-12, atol=1e-12)


def test_gauss_seidel_equals_pyamg():
    A = poisson((12, 12), format="csr")
    b = np.random.default_rng(0).standard_normal(A.shape[0])
    x, y = np.zeros_like(b), np.zeros_like(b)
    for _ in range(4):
        sor_sweep(*kernel_args(A), b, x, 1.0, False)
    gauss_seidel(A, y, b, iterations=4)
    np.testing.assert_allclose(x, y, rtol=1e-13, atol=1e-14)


def test_residual_and_matvec():
    A = random_spd(20, 5)
    b, x = np.arange(20.0), np.linspace(-1, 1, 20)
    indptr, indices, data = csr_arrays(A)
    assert residual_norm(indptr, indices, data, b, x) == pytest.approx(
        np.linalg.norm(b - A @ x), rel=1e-13)
    out = np.empty(20)
    csr_matvec(indptr, indices, data, x, out)
    np.testing.assert_allclose(out, A @ x, rtol=1e-13)



@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("omega", [1.0, 1.3])
def test_fused_sweep_returns_the_input_residual_and_the_gold_sweep(omega, symmetric):
    A = random_spd(30, 3)
    b, x = np.arange(30.0), np.linspace(-1, 1, 30)
    lower = np.empty(30)
    out = np.full(30, np.nan)  # every entry must be written
    r = sor_sweep_residual(*kernel_args(A), b, x, out, lower, omega, symmetric, False)
    assert r == pytest.approx(np.linalg.norm(b - A @ x), rel=1e-12)
    np.testing.assert_allclose(out, gold_sor(A, b, x.copy(), omega, symmetric), rtol=1e-13)
    # the next sweep's residual (of `out`) from the stored lower sums, forward sweeps only
    if not symmetric:
        nxt = np.empty(30)
        r1 = sor_sweep_residual(*kernel_args(A), b, out, nxt, lower, omega, False, True)
        assert r1 == pytest.approx(np.linalg.norm(b - A @ out), rel=1e-12)


@pytest.mark.parametrize("omega", [1.0, 1.4])
def test_ssor_apply_is_the_inverse_of_the_preconditioner(omega):
    A = random_spd(15, 6).toarray()
    D, L = np.diag(np.diag(A)), np.tril(A, -1)
    X = D + omega * L
    M = X.T @ np.linalg.inv(D) @ X / (omega * (2.0 - omega))
    r = np.random.default_rng(7).standard_normal(15)
    out = np.empty(15)
    ssor_apply(*csr_arrays(sp.csr_array(A)), np.diag(A).copy(), r, omega, out)
    np.testing.assert_allclose(out, np.linalg.solve(M, r), rtol=1e-11)


def test_sor_iterations_stops_exactly():
    A = poisson((8, 8), format="csr")
    b = np.ones(64)
    x = np.zeros(64)
    nit, r, code = sor_iterations(*kernel_args(A), b, x, 1.5, False, 1e-8, 0.0, 10_000, 1e10)
    assert code == CONVERGED and r <= 1e-8 * 8.0
    assert r == pytest.approx(np.linalg.norm(b - A @ x), rel=1e-8)  # x is the iterate tested
    y = np.zeros(64)
    for _ in range(nit - 1):
        sor_sweep(*kernel_args(A), b, y, 1.5, False)
    assert np.linalg.norm(b - A @ y) >= 1e-8 * 8.0
    capped = sor_iterations(*kernel_args(A), b, np.zeros(64), 1.5, False, 1e-8, 0.0, 3, 1e10)
    assert capped[0] == 3 and capped[2] == MAX_ITER
    exact = np.linalg.solve(A.toarray(), b)
    assert sor_iterations(*kernel_args(A), b, exact, 1.5, False, 1e-8, 0.0, 10, 1e10)[0] == 0
