"""Transport kernels and backends: numba vs the NumPy reference, the array-API path, and
hypothesis properties of returned plans."""

import warnings

import array_api_compat
import array_api_strict as xps
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from numopt import ConvergenceWarning, Status
from numopt.backend import to_numpy
from numopt.transport import sinkhorn
from numopt.transport.newton import (
    SparseHessian,
    newton_direction,
    null_space_projection,
    pcg,
    sparsify,
)
from numopt.transport.ops import ArrayApiOps, NumbaOps, ShiftedSumOps


def instance(n, m, seed):
    rng = np.random.default_rng(seed)
    M = rng.random((n, m))
    return M, rng.standard_normal(n) * 0.01, rng.standard_normal(m) * 0.01


@pytest.mark.parametrize("reg", [1.0, 0.01, 1 / 1200])
@pytest.mark.parametrize("shape", [(7, 130), (65, 3), (1, 1), (600, 70), (300, 250)])
def test_numba_kernels_match_numpy_reference(reg, shape):
    """(300, 250) is above ``PARALLEL_MIN_ENTRIES``: the parallel kernels, not the serial
    twins (whose numba cache entries once overwrote the parallel ones)."""
    M, f, g = instance(*shape, seed=sum(shape))
    fast = NumbaOps(M, reg)
    ref = ArrayApiOps(np, M, reg)
    np.testing.assert_allclose(fast.row_lse(g), ref.row_lse(g), rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(fast.col_lse(f), ref.col_lse(f), rtol=1e-13, atol=1e-12)
    buffer = np.empty(shape)
    for got, want in zip(fast.plan(f, g, buffer), ref.plan(f, g), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
    assert fast.plan(f, g, buffer)[0] is buffer


@pytest.mark.parametrize("shape", [(40, 30), (300, 250)])
@pytest.mark.parametrize("offset", [0.0, 0.3, 5.0, -5.0, np.nan])
def test_shifted_log_sum_exps_are_exact_for_any_guess(shape, offset):
    """The shift guess only saves a pass: good, poor (off by 5/reg = 5000 > LSE_SAFE in
    either direction, so the exact fallback runs) and missing guesses give the same LSE."""
    reg = 1e-3
    M, f, g = instance(*shape, seed=5)
    fast, ref = NumbaOps(M, reg), ArrayApiOps(np, M, reg)
    row, col = ref.row_lse(g), ref.col_lse(f)
    rng = np.random.default_rng(0)
    row_guess = reg * row + offset + 1e-3 * rng.standard_normal(row.size)
    col_guess = reg * col + offset + 1e-3 * rng.standard_normal(col.size)
    np.testing.assert_allclose(fast.row_lse(g, shift=row_guess), row, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(fast.col_lse(f, shift=col_guess), col, rtol=1e-13, atol=1e-12)


def test_kernels_are_safe_where_exp_underflows():
    M = np.array([[0.0, 1.0, 2.0], [5.0, 0.0, 1.0]])
    ops = NumbaOps(M, 1e-3)
    np.testing.assert_allclose(ops.row_lse(np.zeros(3)), [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(ops.col_lse(np.zeros(2)), [0.0, 0.0, -1000.0], atol=1e-12)


@pytest.mark.parametrize("method", ["sns", "sinkhorn", "sinkhorn_log"])
def test_numpy_numba_and_array_api_paths_agree(method):
    rng = np.random.default_rng(7)
    n, m = 30, 20
    M = rng.random((n, m))
    a, b = np.full(n, 1 / n), np.full(m, 1 / m)
    a[3] = 0.0
    a /= a.sum()
    results = {be: sinkhorn(a, b, M, 0.02, method=method, tol=1e-12, backend=be)
               for be in ("numpy", "numba")}
    strict = sinkhorn(xps.asarray(a), xps.asarray(b), xps.asarray(M), 0.02, method=method,
                      tol=1e-12)
    assert strict.backend == "array_api_strict"
    assert type(strict.plan).__module__.startswith("array_api_strict")
    results["strict"] = strict
    for name, res in results.items():
        assert res.success, (name, res.message)
    ref = results["numpy"].plan
    for name in ("numba", "strict"):
        np.testing.assert_allclose(to_numpy(results[name].plan), ref, atol=1e-10, rtol=0)


def test_sparsify_keeps_largest_entries_and_exact_diagonal():
    P = np.random.default_rng(0).random((20, 15))
    S = sparsify(np, P, 30)
    assert S.nnz == 30 and S.data.min() >= np.sort(P.ravel())[-30]
    dense = np.asarray(sparsify(xps, xps.asarray(P), 30))
    np.testing.assert_array_equal(dense, S.toarray())
    assert sparsify(np, P, 300) is P


@pytest.mark.parametrize("dropped", [None, 0.0, 1e-3, 0.05])
def test_histogram_threshold_keeps_enough_entries_and_drops_little_mass(dropped):
    """numba's histogram threshold against the exact sort: both keep >= kept entries and
    drop <= dropped mass; the histogram keeps at most one bin (<= 12.5% wide) more."""
    rng = np.random.default_rng(2)
    P = np.exp(-rng.random((300, 260)) * 40) / 1e4
    P[:5] = 0.0
    kept = 2000
    exact = sparsify(np, P, kept, dropped)
    fast = sparsify(np, P, kept, dropped, kernels=True)
    for S in (exact, fast):
        assert S.nnz >= kept and S.has_canonical_format
        np.testing.assert_array_equal(S.toarray()[S.toarray() > 0], P[S.toarray() > 0])
        if dropped is not None:
            assert P.sum() - S.sum() <= dropped * (1 + 1e-12) + 1e-15
    assert fast.nnz >= exact.nnz
    assert fast.data.min() >= exact.data.min() / 1.125 * (1 - 1e-12)
    if dropped is None:  # the count rule alone: exactly kept (no ties here)
        assert exact.nnz == kept


def test_parallel_csr_pcg_matches_numpy_reference():
    rng = np.random.default_rng(3)
    n, m = 400, 300
    P = rng.random((n, m)) ** 6 / (n * m)
    S = sparsify(np, P, 80_000, kernels=True)  # above PARALLEL_MIN_ENTRIES: parallel CG
    assert S.nnz >= 80_000
    rows, cols = P.sum(1), P.sum(0)
    rhs = null_space_projection(np, rng.standard_normal(n + m) * 1e-4, n)
    fast = newton_direction(np, rows, cols, S, rhs, 1e-10, 2000, kernels=True)
    ref = newton_direction(np, rows, cols, S, rhs, 1e-10, 2000)
    assert not fast[2] and not ref[2] and abs(fast[1] - ref[1]) <= 2
    np.testing.assert_allclose(fast[0], ref[0], rtol=1e-7, atol=1e-9 * np.abs(ref[0]).max())
    residual = SparseHessian(np, rows, cols, S).matvec(fast[0]) - rhs
    assert np.linalg.norm(null_space_projection(np, residual, n)) <= 1e-9 * np.linalg.norm(rhs)


def test_pcg_solves_projected_newton_system():
    rng = np.random.default_rng(1)
    P = rng.random((6, 4))
    rows, cols = P.sum(1), P.sum(0)
    K = np.block([[np.diag(rows), P], [P.T, np.diag(cols)]])
    rhs = null_space_projection(np, rng.standard_normal(10), 6)
    d, iterations, breakdown = pcg(SparseHessian(np, rows, cols, P), rhs, 1e-12, 50)
    assert not breakdown and iterations <= 10
    np.testing.assert_allclose(K @ d, rhs, atol=1e-10)
    assert abs(rhs[:6].sum() - rhs[6:].sum()) < 1e-14


weights = st.lists(st.sampled_from([0.0, 0.1, 0.5, 1.0, 3.0]), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(a=weights, b=weights, seed=st.integers(0, 2**16),
       reg=st.sampled_from([0.5, 0.1, 0.05]),
       method=st.sampled_from(["sns", "sinkhorn_log", "sinkhorn"]))
@example(a=[0.1, 0.1], b=[0.1, 0.1], seed=392, reg=0.05, method="sinkhorn_log")  # slow kernel
def test_plans_have_right_marginals_and_are_nonnegative(a, b, seed, reg, method):
    a, b = np.asarray(a), np.asarray(b)
    if a.sum() == 0:
        a[0] = 1.0
    if b.sum() == 0:
        b[-1] = 1.0
    a, b = a / a.sum(), b / b.sum()
    M = np.random.default_rng(seed).random((a.size, b.size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = sinkhorn(a, b, M, reg, method=method, tol=1e-10, max_iter=20_000)
    if method == "sns":
        assert res.success, res.message
    elif not res.success:
        # Sinkhorn's contraction can be arbitrarily slow (a nearly degenerate kernel at
        # small reg): the budget may run out, but honestly, and still with a finite error
        # that the plan's marginals agree with
        assert res.status == Status.MAX_ITER and "sns" in res.message, res.message
    tol = 1e-10 if res.success else res.marginal_error
    assert res.plan.shape == (a.size, b.size)
    assert np.all(res.plan >= 0) and np.all(np.isfinite(res.plan))
    assert np.all(res.plan[a == 0] == 0) and np.all(res.plan[:, b == 0] == 0)
    np.testing.assert_allclose(res.plan.sum(1), a, atol=max(1e-9, 2 * tol))
    np.testing.assert_allclose(res.plan.sum(0), b, atol=max(1e-9, 2 * tol))
    assert res.marginal_error <= tol


@pytest.mark.gpu
@pytest.mark.parametrize("method", ["sns", "sinkhorn", "sinkhorn_log"])
def test_cupy_path_matches_numpy(method):
    cp = pytest.importorskip("cupy")
    from numopt.backend import cupy_status

    if not cupy_status()[0]:
        pytest.skip(cupy_status()[1])
    rng = np.random.default_rng(8)
    M = rng.random((300, 200))
    a, b = np.full(300, 1 / 300), np.full(200, 1 / 200)
    ref = sinkhorn(a, b, M, 0.01, method=method, tol=1e-12)
    res = sinkhorn(cp.asarray(a), cp.asarray(b), cp.asarray(M), 0.01, method=method, tol=1e-12)
    assert res.success and res.backend == "cupy" and isinstance(res.plan, cp.ndarray)
    np.testing.assert_allclose(cp.asnumpy(res.plan), ref.plan, atol=1e-10, rtol=0)


def _reference_shifted_sum(v, M, shift, inv, axis):
    """What the CuPy reduction kernel computes, in the inputs' namespace (with temporaries)."""
    xp = array_api_compat.array_namespace(M)
    with np.errstate(over="ignore"):  # a poor guess overflows here as on the GPU (then inf)
        return xp.sum(xp.exp((v - M - shift) * inv), axis=axis)


@pytest.mark.parametrize("offset", [0.0, 0.2, 5.0, -5.0])
def test_shifted_sum_ops_match_exact_log_sum_exps(offset):
    """The GPU path's logic (guess, range check, exact fallback) on array_api_strict."""
    reg = 1e-3
    M, f, g = instance(40, 30, seed=6)
    M, f, g = (xps.asarray(v) for v in (M, f, g))
    exact = ArrayApiOps(xps, M, reg)
    shifted = ShiftedSumOps(xps, M, reg, _reference_shifted_sum)
    row, col = exact.row_lse(g), exact.col_lse(f)
    for got, want in ((shifted.row_lse(g, shift=reg * row + offset), row),
                      (shifted.col_lse(f, shift=reg * col + offset), col),
                      (shifted.row_lse(g), row)):
        assert type(got).__module__.startswith("array_api_strict")
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-13, atol=1e-11)


@pytest.mark.parametrize("method", ["sns", "sinkhorn_log"])
def test_solvers_on_the_shifted_sum_path_agree_with_numpy(method, monkeypatch):
    """Whole runs on the GPU path's ops (CuPy's kernel replaced by its reference)."""
    from numopt.transport import problem as problem_module

    monkeypatch.setattr(problem_module, "make_ops", lambda backend, M, reg: ShiftedSumOps(
        backend.xp, M, reg, _reference_shifted_sum))
    rng = np.random.default_rng(9)
    M = rng.random((35, 25))
    a, b = np.full(35, 1 / 35), np.full(25, 1 / 25)
    ref = sinkhorn(a, b, M, 0.005, method=method, tol=1e-12, backend="numpy")
    res = sinkhorn(xps.asarray(a), xps.asarray(b), xps.asarray(M), 0.005, method=method,
                   tol=1e-12)
    assert res.success and ref.success
    np.testing.assert_allclose(to_numpy(res.plan), ref.plan, atol=1e-10, rtol=0)
