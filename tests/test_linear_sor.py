"""numopt.linear.sor and ssor_cg: textbook iterates, dense references, Gauss–Seidel,
backends and orderings, failure modes and bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from hypothesis import given, settings
from hypothesis import strategies as st
from pyamg.gallery import poisson
from pyamg.relaxation.relaxation import gauss_seidel

import numopt as no
from numopt import InvalidProblemError, Status

# Burden & Faires, Numerical Analysis (9th ed.), Example 7.4.3 / Table 7.4: SOR with
# omega = 1.25 from x0 = (1, 1, 1); the solution is (3, 4, -5).
BF_A = np.array([[4.0, 3.0, 0.0], [3.0, 4.0, -1.0], [0.0, -1.0, 4.0]])
BF_B = np.array([24.0, 30.0, -24.0])
BF_TABLE = {1: [6.3125000, 3.5195313, -6.6501465], 2: [2.6223145, 3.9585266, -4.6004238],
            3: [3.1333027, 4.0102646, -5.0966863], 7: [3.0000498, 4.0002586, -5.0003486]}


@pytest.mark.parametrize("k", sorted(BF_TABLE))
def test_textbook_sor_iterates(k):
    res = no.linear.sor(BF_A, BF_B, omega=1.25, x0=np.ones(3), max_iter=k)
    assert res.nit == k
    np.testing.assert_allclose(res.x, BF_TABLE[k], atol=6e-8)


def test_textbook_gauss_seidel_first_iterate():
    res = no.linear.sor(BF_A, BF_B, omega=1.0, x0=np.ones(3), max_iter=1)
    np.testing.assert_allclose(res.x, [5.25, 3.8125, -5.046875], rtol=0, atol=0)


@pytest.mark.parametrize("omega", [0.8, 1.0, 1.25, 1.6])
def test_textbook_converges_to_solution(omega):
    res = no.linear.sor(BF_A, BF_B, omega=omega)
    assert res.converged and res.success and res.status == Status.SUCCESS
    np.testing.assert_allclose(res.x, [3.0, 4.0, -5.0], rtol=1e-7)


def test_omega_one_is_gauss_seidel():
    A = poisson((9, 9), format="csr")
    b = np.random.default_rng(0).standard_normal(A.shape[0])
    res = no.linear.sor(A, b, omega=1.0, max_iter=7)
    y = np.zeros_like(b)
    gauss_seidel(A, y, b, iterations=7)
    np.testing.assert_allclose(res.x, y, rtol=1e-13, atol=1e-15)
    # and exactly the Gauss–Seidel formula x_i = (b_i - sum_{j>i} - sum_{j<i}) / a_ii
    x = np.zeros_like(b)
    dense = A.toarray()
    for _ in range(7):
        for i in range(len(b)):
            upper, lower = b[i], 0.0
            for j in np.flatnonzero(dense[i]):
                if j > i:
                    upper -= dense[i, j] * x[j]
                elif j < i:
                    lower += dense[i, j] * x[j]
            x[i] = (upper - lower) / dense[i, i]
    np.testing.assert_array_equal(res.x, x)


def spd(n, seed):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    return M @ M.T / n + np.eye(n)


@pytest.mark.parametrize("omega", [0.5, 1.0, 1.3, 1.9])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_against_dense_reference(omega, backend):
    A = spd(12, 1)
    b = np.random.default_rng(2).standard_normal(12)
    M = np.tril(A, -1) + np.diag(np.diag(A)) / omega
    x = np.zeros(12)
    for _ in range(6):
        x = x + np.linalg.solve(M, b - A @ x)
    res = no.linear.sor(A, b, omega=omega, max_iter=6, backend=backend)
    np.testing.assert_allclose(res.x, x, rtol=1e-10, atol=1e-12)
    assert res.backend == backend


def test_symmetric_sweep_is_forward_then_backward():
    A = spd(10, 3)
    b = np.ones(10)
    omega = 1.4
    lower = np.tril(A, -1) + np.diag(np.diag(A)) / omega
    upper = np.triu(A, 1) + np.diag(np.diag(A)) / omega
    x = np.zeros(10)
    for _ in range(3):
        x = x + np.linalg.solve(lower, b - A @ x)
        x = x + np.linalg.solve(upper, b - A @ x)
    res = no.linear.sor(A, b, omega=omega, max_iter=3, symmetric=True)
    np.testing.assert_allclose(res.x, x, rtol=1e-10)


def test_iteration_count_is_exact_and_history_complete():
    A = poisson((10, 10), format="csr")
    b = np.ones(100)
    res = no.linear.sor(A, b, omega=1.6, tol=1e-6)
    rel = res.history["relative_residual"]
    assert len(rel) == res.nit + 1 and rel[0] == 1.0
    assert rel[-1] < 1e-6 <= rel[-2]
    assert res.relative_residual == pytest.approx(np.linalg.norm(b - A @ res.x) / 10.0)
    assert set(res.history) >= {"iter", "time", "residual_norm", "relative_residual", "omega"}
    assert no.linear.sor(A, b, omega=1.6, tol=1e-6, backend="numpy").nit == res.nit


@settings(max_examples=15, deadline=None)
@given(omega=st.floats(0.2, 1.9), seed=st.integers(0, 1000))
def test_spd_converges_for_every_omega(omega, seed):
    """Ostrowski–Reich: SOR converges on SPD matrices for every omega in (0, 2)."""
    A = spd(8, seed)
    b = np.random.default_rng(seed).standard_normal(8)
    res = no.linear.sor(A, b, omega=omega, tol=1e-10)
    assert res.converged
    np.testing.assert_allclose(A @ res.x, b, atol=1e-8 * np.linalg.norm(b) * 10)


def test_zero_rhs_and_zero_iterations():
    res = no.linear.sor(spd(4, 0), np.zeros(4))
    assert res.converged and res.nit == 0 and not res.x.any()


def test_inputs_not_mutated_and_dense_sparse_agree():
    A = sp.csr_array(spd(6, 4))
    b, x0 = np.ones(6), np.full(6, 0.5)
    copies = (A.data.copy(), b.copy(), x0.copy())
    sparse = no.linear.sor(A, b, omega=1.2, x0=x0)
    dense = no.linear.sor(A.toarray(), b, omega=1.2, x0=x0)
    for before, after in zip(copies, (A.data, b, x0), strict=True):
        np.testing.assert_array_equal(before, after)
    assert sparse.nit == dense.nit
    np.testing.assert_array_equal(sparse.x, dense.x)


def test_max_iter_and_callback():
    A = poisson((6, 6), format="csr")
    capped = no.linear.sor(A, np.ones(36), max_iter=3)
    assert not capped.converged and capped.status == Status.MAX_ITER and capped.nit == 3
    assert "max_iter" in capped.message
    seen = []
    stopped = no.linear.sor(A, np.ones(36), callback=lambda r: seen.append(r.nit) or r.nit >= 2)
    assert stopped.status == Status.CALLBACK_STOP and seen == [1, 2]


def test_growing_residual_is_reported_as_divergence():
    A = np.array([[1.0, 3.0], [3.0, 1.0]])  # indefinite: Gauss–Seidel's rate is 9
    res = no.linear.sor(A, np.ones(2))
    assert not res.converged and not res.success and res.status == Status.DIVERGED
    assert "diverges" in res.message and np.all(np.isfinite(res.x))


def test_overflow_ends_with_nonfinite_and_last_finite_iterate():
    A = np.array([[1.0, 3.0], [3.0, 1.0]])
    res = no.linear.sor(A, np.ones(2), divergence_factor=1e308)
    assert res.status == Status.NONFINITE and not res.converged
    assert np.all(np.isfinite(res.x))


# ----------------------------------------------------------------------------- ordering
def test_red_black_on_numpy_converges_with_its_own_count():
    A = poisson((10, 10), format="csr")
    b = np.ones(100)
    rb = no.linear.sor(A, b, omega=1.5, ordering="red_black")
    natural = no.linear.sor(A, b, omega=1.5)
    assert rb.converged and natural.converged
    np.testing.assert_allclose(rb.x, natural.x, rtol=1e-6)
    sym = no.linear.sor(A, b, omega=1.5, ordering="red_black", symmetric=True)
    assert sym.converged
    np.testing.assert_allclose(sym.x, natural.x, rtol=1e-6)


def test_red_black_array_api_strict_matches_numpy():
    xp = pytest.importorskip("array_api_strict")
    A = poisson((5, 5), format="csr").toarray()
    b = np.linspace(1, 2, 25)
    host = no.linear.sor(A, b, omega=1.3, ordering="red_black")
    res = no.linear.sor(xp.asarray(A), xp.asarray(b), omega=1.3)
    assert res.backend == "array_api_strict" and res.nit == host.nit
    np.testing.assert_allclose(np.asarray(res.x), host.x, rtol=1e-12)
    with pytest.raises(InvalidProblemError, match="ordering='red_black'"):
        no.linear.sor(xp.asarray(A), xp.asarray(b), ordering="natural")


def test_red_black_needs_two_colours():
    A = np.array([[4.0, -1, -1], [-1, 4, -1], [-1, -1, 4]])  # a triangle: odd cycle
    with pytest.raises(InvalidProblemError, match="two-colourable"):
        no.linear.sor(A, np.ones(3), ordering="red_black")


@pytest.mark.gpu
def test_red_black_cupy(cupy_device):
    cp = cupy_device
    import cupyx.scipy.sparse as cusparse

    A = poisson((16, 16), format="csr")
    b = np.ones(256)
    host = no.linear.sor(A, b, omega=1.5, ordering="red_black")
    res = no.linear.sor(cusparse.csr_matrix(A), cp.asarray(b), omega=1.5)
    assert res.backend == "cupy" and res.nit == host.nit
    np.testing.assert_allclose(cp.asnumpy(res.x), host.x, rtol=1e-10)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, match", [
    ({"A": np.ones((2, 3))}, "square"),
    ({"A": np.array([[0.0, 1.0], [1.0, 2.0]])}, "diagonal.*positive"),
    ({"A": np.array([[-2.0, 1.0], [1.0, 2.0]])}, "negative definite"),
    ({"b": np.ones(3)}, r"b must have shape \(2,\)"),
    ({"x0": np.ones(4)}, r"x0 must have shape \(2,\)"),
    ({"omega": 0.0}, "omega must be > 0"),
    ({"omega": 2.0}, "omega must be < 2"),
    ({"omega": 2.5}, "omega must be < 2"),
    ({"omega": float("nan")}, "omega must be a finite"),
    ({"A": np.array([[2.0, np.nan], [1.0, 2.0]])}, "A contains .*NaN"),
    ({"b": np.array([1.0, np.nan])}, "b contains 1 NaN"),
    ({"x0": np.array([np.inf, 0.0])}, "x0 contains 1 NaN or inf"),
    ({"backend": "gpu"}, "backend='gpu' is not valid"),
    ({"symmetric": "yes"}, "symmetric must be True or False"),
    ({"ordering": "redblack"}, "did you mean 'red_black'"),
])
def test_bad_input_names_argument_and_fix(kwargs, match):
    args = {"A": np.array([[2.0, -1.0], [-1.0, 2.0]]), "b": np.ones(2)}
    args.update(kwargs)
    with pytest.raises(InvalidProblemError, match=match):
        no.linear.sor(**args)


# ----------------------------------------------------------------------------- SSOR-CG
@pytest.mark.parametrize("omega", [1.0, 1.5])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_ssor_cg_matches_scipy_pcg(omega, backend):
    A = poisson((12, 12), format="csr") + 0.05 * sp.eye_array(144)
    b = np.random.default_rng(0).standard_normal(144)
    dense = A.toarray()
    D, X = np.diag(np.diag(dense)), np.diag(np.diag(dense)) + omega * np.tril(dense, -1)
    M = X.T @ np.linalg.inv(D) @ X / (omega * (2 - omega))
    count = []
    ref, info = spla.cg(A, b, rtol=1e-8, callback=count.append,
                        M=spla.LinearOperator(A.shape, matvec=lambda r: np.linalg.solve(M, r)))
    res = no.linear.ssor_cg(A, b, omega=omega, backend=backend)
    assert info == 0 and res.converged and res.nit == len(count)
    np.testing.assert_allclose(res.x, ref, rtol=1e-6)
    assert np.linalg.norm(b - A @ res.x) < 1e-8 * np.linalg.norm(b) * 1.01


def test_ssor_cg_warm_start_and_preconditioning_help():
    A = poisson((20, 20), format="csr")
    b = np.ones(400)
    cold = no.linear.ssor_cg(A, b, omega=1.7)
    near = cold.x + 1e-4 * np.random.default_rng(1).standard_normal(400)
    warm = no.linear.ssor_cg(A, b, omega=1.7, x0=near)
    plain = []
    spla.cg(A, b, rtol=1e-8, callback=plain.append)
    assert warm.nit < cold.nit < len(plain)


def test_ssor_cg_rejects_unsymmetric_and_indefinite():
    with pytest.raises(InvalidProblemError, match="not symmetric"):
        no.linear.ssor_cg(np.array([[2.0, 1.0], [0.0, 2.0]]), np.ones(2))
    res = no.linear.ssor_cg(np.array([[1.0, 3.0], [3.0, 1.0]]), np.array([1.0, -1.0]))
    assert res.status == Status.DIVERGED and "positive definite" in res.message


# ----------------------------------------------------------------- issue 14 regressions
@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("symmetric", [False, True])
def test_exact_start_stops_at_once_with_success(backend, symmetric):
    A = poisson((6, 6), format="csr")
    b = np.arange(36.0)
    exact = spla.spsolve(A.tocsc(), b)
    res = no.linear.sor(A, b, x0=exact, backend=backend, symmetric=symmetric, omega=1.3)
    assert res.success and res.nit == 0, res.message
    assert res.residual_norm <= 1e-8 * np.linalg.norm(b)


def test_absolute_and_relative_tolerances_as_scipy():
    A, b = BF_A, BF_B
    rel = no.linear.sor(A, b, omega=1.25, tol=1e-6)
    assert rel.residual_norm <= 1e-6 * np.linalg.norm(b)
    assert rel.history["residual_norm"][-2] > 1e-6 * np.linalg.norm(b)  # not one sweep late
    loose = no.linear.sor(A, b, omega=1.25, tol=0.0, atol=1e-3)
    assert loose.residual_norm <= 1e-3 < loose.history["residual_norm"][-2]
    assert no.linear.sor(A, b, omega=1.25, rtol=1e-6).nit == rel.nit  # SciPy's name
    assert no.linear.sor(A, b, omega=1.25, tol=0, maxiter=3).nit == 3
    with pytest.raises(InvalidProblemError, match="same option"):
        no.linear.ssor_cg(A + 2 * np.eye(3), b, max_iter=5, maxiter=3)
    with pytest.raises(InvalidProblemError, match="same option"):
        no.linear.sor(A, b, tol=1e-3, rtol=1e-6)
    with pytest.raises(InvalidProblemError, match="atol"):
        no.linear.sor(A, b, atol=-1.0)


@pytest.mark.parametrize("solve", [no.linear.sor, no.linear.ssor_cg])
def test_zero_tolerance_runs_the_whole_budget(solve):
    res = solve(BF_A if solve is no.linear.sor else BF_A + 2 * np.eye(3), BF_B, tol=0,
                max_iter=7)
    assert res.nit == 7 and res.status == Status.MAX_ITER and not res.success


@pytest.mark.parametrize("make", [np.asarray, sp.csr_array, lambda a: a.tolist()])
def test_complex_input_is_refused_not_cast(make):
    hermitian = np.array([[4.0, 1.0j], [-1.0j, 4.0]])
    with pytest.raises(InvalidProblemError, match="complex.*imaginary"):
        no.linear.sor(make(hermitian), np.ones(2))
    with pytest.raises(InvalidProblemError, match="b is complex"):
        no.linear.sor(4 * np.eye(2), np.ones(2) + 1j)
    with pytest.raises(InvalidProblemError, match="x0 is complex"):
        no.linear.ssor_cg(4 * np.eye(2), np.ones(2), x0=np.zeros(2, dtype=complex))


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_linear_results_carry_the_common_schema(backend):
    res = no.linear.sor(BF_A, BF_B, omega=1.25, backend=backend)
    assert res.grad_norm == res.residual_norm == res.history["grad_norm"][-1]
    assert res.nfev == res.nit + 1 and res.njev == 0 and res.nhev == 0  # one sweep ahead
    cg = no.linear.ssor_cg(BF_A + 2 * np.eye(3), BF_B, backend=backend)
    assert cg.grad_norm == cg.residual_norm and cg.nfev == cg.nit + 1


def test_nonfinite_mid_run_is_named():
    A = np.array([[1.0, 1e200], [1e200, 1.0 + 1e-300]])
    res = no.linear.sor(A, np.ones(2), max_iter=50, divergence_factor=1e300)
    assert not res.success and "NaN or inf" in res.message
    assert np.all(np.isfinite(res.x))


@pytest.mark.parametrize("symmetric", [False, True])
def test_numba_red_black_matches_the_generic_red_black(symmetric):
    A = poisson((9, 7), format="csr")
    b = np.linspace(-1.0, 2.0, 63)
    compiled = no.linear.sor(A, b, omega=1.4, ordering="red_black", backend="numba",
                             symmetric=symmetric, max_iter=25, tol=0)
    generic = no.linear.sor(A, b, omega=1.4, ordering="red_black", backend="numpy",
                            symmetric=symmetric, max_iter=25, tol=0)
    assert compiled.nit == generic.nit == 25
    np.testing.assert_allclose(compiled.x, generic.x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(compiled.history["residual_norm"],
                               generic.history["residual_norm"], rtol=1e-10)
    converged = no.linear.sor(A, b, omega=1.4, ordering="red_black", backend="numba")
    assert converged.success and converged.residual_norm <= 1e-8 * np.linalg.norm(b)


def test_parallel_red_black_kernel_equals_its_serial_twin():
    from numopt.backend.threads import run_with_threads
    from numopt.linear._kernels import csr_arrays, rb_sweep_residual, rb_sweep_residual_serial
    from numopt.linear._redblack import two_colouring

    A = poisson((40, 40), format="csr")
    colour = two_colouring(A)
    red, black = (np.flatnonzero(colour == c).astype(np.int64) for c in (0, 1))
    args = (*csr_arrays(A), A.diagonal(), np.ones(1600))
    x, y = np.zeros(1600), np.zeros(1600)
    for _ in range(3):
        r1 = run_with_threads(rb_sweep_residual, rb_sweep_residual_serial, 2, *args, x, 1.3,
                              True, red, black)
        r2 = rb_sweep_residual_serial(*args, y, 1.3, True, red, black)
    np.testing.assert_array_equal(x, y)  # rows of one colour are independent: no races
    assert r1 == pytest.approx(r2, rel=1e-12)
