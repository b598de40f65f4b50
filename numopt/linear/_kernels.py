"""Compiled SOR / SSOR kernels on CSR arrays (natural, lexicographic order).

Every kernel works in place on plain arrays (``indptr``, ``indices``, ``data`` of a CSR
matrix, its diagonal ``diag``, the right-hand side ``b`` and the iterate ``x``), so it
compiles once and is cached on disk. The row update is

.. math:: x_i \\leftarrow (1-\\omega)\\,x_i + \\frac{\\omega}{a_{ii}}\\Big(
          \\big(b_i - \\textstyle\\sum_{j>i} a_{ij}x_j\\big) - \\sum_{j<i} a_{ij}x_j\\Big).

The two partial sums are kept apart because only the lower one waits for this sweep's new
values, and ``omega / a_ii`` is formed off that dependency chain; this makes the sweep
latency-bound on fewer operations than PyAMG's single sum and division
(``amg_core.sor_gauss_seidel``). ``omega == 1`` takes the Gauss–Seidel update
``x_i = (...) / a_ii`` exactly. Pure-Python "gold" versions live in
``tests/test_linear_sor_kernels.py``.
"""

import math

import numba
import numpy as np

#: status codes returned by :func:`sor_iterations`
CONVERGED, MAX_ITER, DIVERGED = 0, 1, 2


@numba.njit(cache=True)
def _sweep_rows(indptr, indices, data, diag, b, x, omega, first, stop, step):
    for i in range(first, stop, step):
        upper = b[i]
        lower = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            if j > i:
                upper -= data[jj] * x[j]
            elif j < i:
                lower += data[jj] * x[j]
        if omega == 1.0:
            x[i] = (upper - lower) / diag[i]
        else:
            x[i] = (1.0 - omega) * x[i] + (upper - lower) * (omega / diag[i])


@numba.njit(cache=True)
def sor_sweep(indptr, indices, data, diag, b, x, omega, symmetric):
    """One SOR sweep in place: forward (rows 0..n-1), then backward too when ``symmetric``."""
    n = x.shape[0]
    _sweep_rows(indptr, indices, data, diag, b, x, omega, 0, n, 1)
    if symmetric:
        _sweep_rows(indptr, indices, data, diag, b, x, omega, n - 1, -1, -1)


@numba.njit(cache=True)
def residual_norm(indptr, indices, data, b, x):
    """``||b - A x||_2`` for CSR ``A``."""
    total = 0.0
    for i in range(x.shape[0]):
        r = b[i]
        for jj in range(indptr[i], indptr[i + 1]):
            r -= data[jj] * x[indices[jj]]
        total += r * r
    return math.sqrt(total)


@numba.njit(cache=True)
def sor_step(indptr, indices, data, diag, b, x, omega, symmetric):
    """One sweep in place followed by the new residual norm (one call, one dispatch)."""
    sor_sweep(indptr, indices, data, diag, b, x, omega, symmetric)
    return residual_norm(indptr, indices, data, b, x)


@numba.njit(cache=True)
def sor_iterations(indptr, indices, data, diag, b, x, omega, symmetric, tol, max_iter,
                   divergence_factor):
    """Sweeps in place until ``||r_k|| < tol ||r_0||``; returns ``(sweeps, ||r||, code)``.

    The same sweeps and the same stopping test as :class:`numopt.linear.SOR`, without
    history or callback: the tuners use it to price every arm of a grid (hindsight regret,
    the ``"oracle"`` policy). ``code`` is :data:`CONVERGED`, :data:`MAX_ITER` or
    :data:`DIVERGED` (non-finite residual, or one above ``divergence_factor * ||r_0||``).
    """
    r0 = residual_norm(indptr, indices, data, b, x)
    r = r0
    if r0 == 0.0:
        return 0, r, CONVERGED
    for k in range(1, max_iter + 1):
        r = sor_step(indptr, indices, data, diag, b, x, omega, symmetric)
        if not math.isfinite(r) or r > divergence_factor * r0:
            return k, r, DIVERGED
        if r < tol * r0:
            return k, r, CONVERGED
    return max_iter, r, MAX_ITER


@numba.njit(cache=True)
def ssor_apply(indptr, indices, data, diag, r, omega, out):
    """``out = M^{-1} r`` for ``M = (D + wU) D^{-1} (D + wL) / (w (2 - w))`` in place.

    The authors' factor order (``ssor_pcg.m``): a backward solve with ``D + wU``, a scaling
    by ``D``, a forward solve with ``D + wL``, times ``w (2 - w)``.
    """
    n = r.shape[0]
    for i in range(n - 1, -1, -1):
        s = r[i]
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            if j > i:
                s -= omega * data[jj] * out[j]
        out[i] = s / diag[i]
    for i in range(n):
        out[i] *= diag[i]
    scale = omega * (2.0 - omega)
    for i in range(n):
        s = out[i]
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            if j < i:
                s -= omega * data[jj] * out[j]
        out[i] = s / diag[i]
    for i in range(n):
        out[i] *= scale


@numba.njit(cache=True)
def csr_matvec(indptr, indices, data, x, out):
    """``out = A x`` for CSR ``A`` in place."""
    for i in range(x.shape[0]):
        s = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            s += data[jj] * x[indices[jj]]
        out[i] = s


def csr_arrays(matrix):
    """``(indptr, indices, data)`` of a SciPy CSR matrix with one index dtype (int32 when it
    fits, so the kernels compile once)."""
    index_dtype = np.int32 if matrix.nnz < np.iinfo(np.int32).max else np.int64
    return (np.asarray(matrix.indptr, dtype=index_dtype),
            np.asarray(matrix.indices, dtype=index_dtype),
            np.asarray(matrix.data, dtype=np.float64))
