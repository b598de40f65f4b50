"""alm_sketch's structured inner solver (sketch="schur", and "auto" at scale): detection of
G = [A, E], Pearson–Wathen's matching Schur approximation, range-space PCG and MINRES
against the direct KKT solve, end-to-end runs, fallbacks and bad input."""

import numpy as np
import pytest
import scipy.sparse as sp

import numopt as no
from numopt.constrained import _kkt, _structured, alm_sketch
from numopt.problems.constrained.pde import laplacian_2d


def pde_jacobian(N, permute=False):
    L = laplacian_2d(N)
    m = L.shape[0]
    G = sp.hstack([L, sp.identity(m)], format="csr")
    if permute:  # controls first and in reverse row order, scaled: detection must not care
        E = sp.csr_matrix(sp.diags(np.linspace(-2.0, -0.5, m)))[::-1]
        G = sp.hstack([E, L], format="csr")
    return G


def test_control_split_finds_the_diagonal_block_in_any_column_order():
    G = pde_jacobian(5, permute=True)
    m = 25
    split = _structured.control_split(G)
    assert split is not None
    np.testing.assert_array_equal(split.state, np.arange(m, 2 * m))
    # column serving row i holds G[i, control[i]] = e[i], the only entry of that column
    dense = G.toarray()
    for i in range(m):
        assert dense[i, split.control[i]] == split.e[i] != 0
        assert np.count_nonzero(dense[:, split.control[i]]) == 1
    assert split.xi_lower == pytest.approx(0.25)
    assert split.xi_lower <= np.linalg.eigvalsh(dense @ dense.T)[0] + 1e-12


@pytest.mark.parametrize("G", [
    pde_jacobian(4).toarray(),  # dense: no structure looked for
    sp.csr_matrix(np.ones((3, 6))),  # no single-entry columns
    sp.hstack([laplacian_2d(3), sp.identity(9), sp.identity(9, format="csr")[:, :2]],
              format="csr"),  # n != 2m
    sp.hstack([laplacian_2d(3), sp.diags(np.r_[0.0, np.ones(8)])], format="csr"),  # e_0 = 0
    sp.csr_matrix((np.ones(2), ([0, 0], [2, 3])), shape=(2, 4)),  # row 1 has no control
])
def test_control_split_negative_cases(G):
    assert _structured.control_split(G) is None


@pytest.mark.parametrize("permute", [False, True])
def test_matching_schur_spectrum_is_in_half_one(permute):
    G = pde_jacobian(6, permute)
    n = G.shape[1]
    d = np.random.default_rng(0).uniform(0.05, 3.0, n)
    schur = _structured.MatchingSchur(G, d, _structured.control_split(G))
    S = (G @ sp.diags(1 / d) @ G.T).toarray()
    ev = np.linalg.eigvals(np.linalg.solve(schur.dense(), S)).real
    if schur.bounded:  # Pearson & Wathen (2012): the cross term is PSD
        assert ev.min() >= 0.5 - 1e-10 and ev.max() <= 1 + 1e-10
    assert ev.min() > 0
    v = np.random.default_rng(1).standard_normal(G.shape[0])
    np.testing.assert_allclose(schur.solve(schur.dense() @ v), v, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(schur.schur(v), S @ v, rtol=1e-12)


def test_matching_schur_certifies_the_pde_sign():
    G = pde_jacobian(6)
    d = np.concatenate([np.ones(36), 0.1 * np.ones(36)])
    schur = _structured.MatchingSchur(G, d, _structured.control_split(G))
    assert schur.sigma == -1 and schur.bounded


@pytest.mark.parametrize("start", [False, True])
def test_range_space_solve_agrees_with_the_direct_kkt_solve(start):
    G = pde_jacobian(8)
    n, m = G.shape[1], G.shape[0]
    rng = np.random.default_rng(2)
    d = rng.uniform(0.1, 2.0, n)
    B = sp.diags(d, format="csr")
    K = _kkt.kkt_matrix(B, G)
    b = rng.standard_normal(n + m)
    solver = _structured.StructuredKKT.build(B, G)
    assert solver.range_space
    z0 = rng.standard_normal(n + m) if start else None
    z, steps, converged = solver.solve(K, b, 1e-12, 200, z0=z0)
    reference = _kkt.solve_kkt(K, b)
    assert converged and 0 < steps <= 40
    np.testing.assert_allclose(z, reference, rtol=1e-9, atol=1e-9 * np.abs(reference).max())
    assert np.linalg.norm(K @ z - b) <= 1e-11 * np.linalg.norm(b)


def test_minres_branch_for_a_non_diagonal_hessian_agrees_with_the_direct_solve():
    G = pde_jacobian(6)
    n, m = G.shape[1], G.shape[0]
    off = sp.diags([0.2 * np.ones(n - 1)], [1])
    B = sp.csr_matrix(sp.identity(n) + off + off.T)
    K = _kkt.kkt_matrix(B, G)
    b = np.random.default_rng(3).standard_normal(n + m)
    solver = _structured.StructuredKKT.build(B, G)
    assert not solver.range_space
    z, steps, converged = solver.solve(K, b, 1e-10, 500)
    assert converged and steps < 200
    np.testing.assert_allclose(z, _kkt.solve_kkt(K, b), atol=1e-8)


def test_range_space_solve_reports_a_cap():
    G = pde_jacobian(8)
    B = sp.identity(G.shape[1], format="csr")
    K = _kkt.kkt_matrix(B, G)
    b = np.random.default_rng(4).standard_normal(K.shape[0])
    z, steps, converged = _structured.StructuredKKT.build(B, G).solve(K, b, 1e-12, 1)
    assert not converged and steps == 1


def test_positive_diagonal():
    assert _structured.positive_diagonal(sp.diags([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert _structured.positive_diagonal(np.diag([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert _structured.positive_diagonal(sp.csr_matrix([[1.0, 0.1], [0.1, 1.0]])) is None
    assert _structured.positive_diagonal(sp.diags([1.0, 0.0])) is None


def test_weighted_multiplier_estimate_solves_its_normal_equations():
    G = pde_jacobian(6)
    n = G.shape[1]
    g = np.random.default_rng(5).standard_normal(n)
    d = np.concatenate([np.ones(36), 0.1 * np.ones(36)])
    for weights in (None, d):
        lam, steps = _structured.least_squares_multipliers(G, g, _structured.control_split(G),
                                                           weights)
        w = np.ones(n) if weights is None else d
        Gd = G.toarray()
        expected = np.linalg.solve(Gd @ np.diag(1 / w) @ Gd.T, -Gd @ (g / w))
        np.testing.assert_allclose(lam, expected, rtol=1e-8)
        assert 0 < steps <= 30


# ------------------------------------------------------------------ inside alm_sketch
@pytest.mark.parametrize("N", [5, 12])
def test_schur_inner_solver_matches_the_direct_solve_on_pde_control(N):
    ref = no.minimize(no.problems.constrained.pde_control(N), method="alm_sketch",
                      sketch="exact", tol=1e-8)
    res = no.minimize(no.problems.constrained.pde_control(N), method="alm_sketch",
                      sketch="schur", tol=1e-8)
    assert res.success and res.kkt_residual <= 1e-8 and res.nit <= 2
    np.testing.assert_allclose(res.x, ref.x, atol=1e-9)
    np.testing.assert_allclose(res.multipliers, ref.multipliers, atol=1e-8)
    steps = res.history["sketch_steps"]
    assert steps[0] > 0 and 0 < steps.sum() <= 40  # kappa(S^-1 S) <= 2: few PCG steps
    assert not res.history["capped"].any()


def test_auto_takes_schur_from_the_measured_crossover_only():
    small = no.minimize(no.problems.constrained.pde_control(8), method="alm_sketch", tol=1e-8)
    assert 3 * 64 < alm_sketch.AUTO_SCHUR_MIN_ROWS
    assert small.success and small.history["sketch_steps"].tolist() == [0, 1]  # direct
    N = 40  # 4800 KKT rows
    assert 3 * N * N >= alm_sketch.AUTO_SCHUR_MIN_ROWS
    res = no.minimize(no.problems.constrained.pde_control(N), method="alm_sketch", tol=1e-8)
    assert res.success and res.kkt_residual <= 1e-8
    assert res.history["sketch_steps"][0] > 0  # the PCG multiplier estimate ran


def test_auto_falls_back_to_the_direct_solve_when_pcg_is_capped(monkeypatch):
    monkeypatch.setattr(alm_sketch, "MAX_SCHUR_STEPS", 1)
    p = no.problems.constrained.pde_control(40)
    res = no.minimize(p, method="alm_sketch", tol=1e-8, multipliers0="zeros")
    ref = no.minimize(no.problems.constrained.pde_control(40), method="alm_sketch",
                      sketch="exact", tol=1e-8, multipliers0="zeros")
    assert res.success and not res.history["capped"].any()
    np.testing.assert_allclose(res.x, ref.x, atol=1e-9)


def structured_nonlinear(m=16):
    """min 1/2 (y - t)' Q (y - t) + 0.05 ||u||^2 s.t. L y + 0.1 y^3 + u = 1, Q tridiagonal:
    the Jacobian [L + 0.3 diag(y^2), I] keeps the structure, the Hessian is not diagonal."""
    N = int(np.sqrt(m))
    L = laplacian_2d(N) / 100.0
    t = np.linspace(-1.0, 1.0, m)
    off = sp.diags([-0.3 * np.ones(m - 1)], [1])
    Q = sp.csr_matrix(sp.identity(m) + off + off.T)

    def fun(x):
        y, u = x[:m], x[m:]
        return 0.5 * float((y - t) @ (Q @ (y - t))) + 0.05 * float(u @ u)

    def grad(x):
        return np.concatenate([Q @ (x[:m] - t), 0.1 * x[m:]])

    def hess(x):
        return sp.block_diag([Q, 0.1 * sp.identity(m)], format="csr")

    def c(x):
        y, u = x[:m], x[m:]
        return L @ y + 0.1 * y ** 3 + u - 1.0

    def jac(x):
        return sp.hstack([L + sp.diags(0.3 * x[:m] ** 2), sp.identity(m)], format="csr")

    def chess(x, lam):
        return sp.block_diag([sp.diags(0.6 * x[:m] * lam), sp.csr_matrix((m, m))],
                             format="csr")

    return no.Problem(fun, grad=grad, hess=hess, x0=np.zeros(2 * m),
                      eq=no.Equality(c, jac, hess=chess, dim_out=m), name="structured")


def test_schur_on_a_nonlinear_problem_with_a_non_diagonal_hessian():
    ref = no.minimize(structured_nonlinear(), method="alm_sketch", sketch="exact", tol=1e-9)
    res = no.minimize(structured_nonlinear(), method="alm_sketch", sketch="schur", tol=1e-9)
    assert ref.success and res.success and res.kkt_residual <= 1e-9
    np.testing.assert_allclose(res.x, ref.x, atol=1e-7)
    assert res.nit <= ref.nit + 3


def test_schur_without_the_structure_is_bad_input():
    with pytest.raises(no.InvalidProblemError, match="sketch='schur'"):
        no.minimize(no.problems.constrained.collection()["HS28"](), method="alm_sketch",
                    sketch="schur")


# ------------------------------------------------------------------ inside interior_point
def test_structured_primal_dual_system_matches_superlu():
    G = pde_jacobian(8)
    n, m = G.shape[1], G.shape[0]
    rng = np.random.default_rng(6)
    W = sp.diags(rng.uniform(0.1, 2.0, n), format="csr")
    r_d, r_p = rng.standard_normal(n), rng.standard_normal(m)
    structured = _structured.StructuredRegularizedKKT(W, G, r_d, r_p, 0.0,
                                                      _structured.control_split(G))
    direct = _kkt.SparseRegularizedKKT(W, G, r_d, r_p, 0.0)
    for got, want in zip(structured.solve(0.0), direct.solve(0.0), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-10)
    assert 0 < structured.steps <= 40
    h = rng.standard_normal(m)  # second-order correction right-hand side
    np.testing.assert_allclose(structured.solve_rhs(h), direct.solve_rhs(h), atol=1e-10)


def test_structured_primal_dual_system_falls_back_for_a_non_diagonal_hessian():
    G = pde_jacobian(6)
    n = G.shape[1]
    off = sp.diags([0.1 * np.ones(n - 1)], [1])
    W = sp.csr_matrix(sp.identity(n) + off + off.T)
    rng = np.random.default_rng(7)
    r_d, r_p = rng.standard_normal(n), rng.standard_normal(G.shape[0])
    got = _structured.StructuredRegularizedKKT(W, G, r_d, r_p, 0.0,
                                               _structured.control_split(G)).solve(0.0)
    want = _kkt.SparseRegularizedKKT(W, G, r_d, r_p, 0.0).solve(0.0)
    np.testing.assert_allclose(got[0], want[0], atol=1e-12)


def test_interior_point_structured_solver_agrees_with_direct(monkeypatch):
    calls = []
    original = _structured.range_space_solve
    monkeypatch.setattr(_structured, "range_space_solve",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    N = 40  # 4800 KKT rows: above the crossover
    runs = {solver: no.minimize(no.problems.constrained.pde_control(N), method="interior_point",
                                linear_solver=solver, tol=1e-8) for solver in ("auto", "direct")}
    assert all(r.success and r.kkt_residual <= 1e-8 for r in runs.values())
    np.testing.assert_allclose(runs["auto"].x, runs["direct"].x, atol=1e-9)
    assert runs["auto"].nit == runs["direct"].nit
    assert len(calls) >= runs["auto"].nit  # the structured path ran (direct: never)


def test_interior_point_linear_solver_bad_input():
    with pytest.raises(no.InvalidProblemError, match="linear_solver"):
        no.minimize(no.problems.constrained.pde_control(4), method="interior_point",
                    linear_solver="pcg")
