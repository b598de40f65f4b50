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

from ..backend.threads import serial_twin

#: status codes returned by :func:`sor_iterations`
CONVERGED, MAX_ITER, DIVERGED = 0, 1, 2


@numba.njit(cache=True, inline="always")
def _relaxed(x_i, s, a_ii, omega):
    """The relaxed row update from ``s = (b_i - upper sum) - lower sum``; exactly
    ``s / a_ii`` (Gauss–Seidel) when ``omega == 1``."""
    if omega == 1.0:
        return s / a_ii
    return (1.0 - omega) * x_i + s * (omega / a_ii)


@numba.njit(cache=True, inline="always")
def _split_sums(indptr, indices, data, i, b_i, x_upper, x_lower):
    """Row ``i``'s ``(b_i - sum_{j>i} a_ij x_upper[j], sum_{j<i} a_ij x_lower[j])``, kept
    apart because only the lower sum waits for this sweep's new values."""
    upper = b_i
    lower = 0.0
    for jj in range(indptr[i], indptr[i + 1]):
        j = indices[jj]
        if j > i:
            upper -= data[jj] * x_upper[j]
        elif j < i:
            lower += data[jj] * x_lower[j]
    return upper, lower


@numba.njit(cache=True)
def _sweep_rows(indptr, indices, data, diag, b, x, omega, first, stop, step):
    for i in range(first, stop, step):
        upper, lower = _split_sums(indptr, indices, data, i, b[i], x, x)
        x[i] = _relaxed(x[i], upper - lower, diag[i], omega)


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
def sor_sweep_residual(indptr, indices, data, diag, b, x, out, lower, omega, symmetric,
                       reuse_lower):
    """One sweep from ``x`` into ``out`` (``x`` untouched) that also returns ``||b - A x||``,
    the residual of the *input*, with no extra pass over ``A``.

    Row ``i`` of the forward sweep already forms ``b_i - sum_{j>i} a_ij x_j``; the residual of
    ``x`` needs only ``sum_{j<i} a_ij x_j`` besides, which is either summed in the same loop
    (``reuse_lower=False``) or read from ``lower``, where the previous forward sweep stored the
    lower sums of its output (``reuse_lower=True``; valid only when that output was not
    changed afterwards, i.e. not for SSOR). ``lower`` receives this sweep's lower sums of
    ``out``. The solver tests the residual of ``x_k`` while sweep ``k + 1`` runs (one sweep
    ahead), so ``nit`` stays the exact number of sweeps of the returned iterate.
    """
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        upper = b[i]
        low = 0.0
        if reuse_lower:
            upper, low = _split_sums(indptr, indices, data, i, b[i], x, out)
            r = upper - lower[i] - diag[i] * x[i]
        else:
            low_old = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                j = indices[jj]
                if j > i:
                    upper -= data[jj] * x[j]
                elif j < i:
                    low += data[jj] * out[j]
                    low_old += data[jj] * x[j]
            r = upper - low_old - diag[i] * x[i]
        total += r * r
        lower[i] = low
        out[i] = _relaxed(x[i], upper - low, diag[i], omega)
    if symmetric:
        _sweep_rows(indptr, indices, data, diag, b, out, omega, n - 1, -1, -1)
    return math.sqrt(total)


@numba.njit(cache=True)
def sor_iterations(indptr, indices, data, diag, b, x, omega, symmetric, rtol, atol, max_iter,
                   divergence_factor):
    """Sweeps until ``||r_k|| <= max(rtol ||b||, atol)``; returns ``(sweeps, ||r||, code)``
    with the returned iterate in ``x``.

    The same sweeps and the same stopping test as :class:`numopt.linear.SOR` (SciPy's
    ``rtol``/``atol``), without history or callback: the tuners use it to price every arm of
    a grid (hindsight regret, the ``"oracle"`` policy). ``code`` is :data:`CONVERGED`,
    :data:`MAX_ITER` or :data:`DIVERGED` (non-finite residual, or one above
    ``divergence_factor * max(||r_0||, ||b||)``). The residual test is fused into the sweep
    (:func:`sor_sweep_residual`): one sweep ahead, no extra matrix-vector product.
    """
    n = x.shape[0]
    bnorm = math.sqrt(np.sum(b * b))
    threshold = max(rtol * bnorm, atol)
    ahead = np.empty(n)
    spare = np.empty(n)
    lower = np.empty(n)
    current = x.copy()
    r0 = sor_sweep_residual(indptr, indices, data, diag, b, current, ahead, lower, omega,
                            symmetric, False)
    r = r0
    reference = max(r0, bnorm)
    k = 0
    code = MAX_ITER
    if r0 <= threshold:
        code = CONVERGED
    while code == MAX_ITER and k < max_iter:
        r = sor_sweep_residual(indptr, indices, data, diag, b, ahead, spare, lower, omega,
                               symmetric, not symmetric)
        current, ahead, spare = ahead, spare, current
        k += 1
        if not math.isfinite(r) or r > divergence_factor * reference:
            code = DIVERGED
        elif r <= threshold:
            code = CONVERGED
    x[:] = current
    return k, r, code


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


# ------------------------------------------------------------------ red–black, multi-threaded
def _rb_half(indptr, indices, data, diag, b, x, omega, rows):
    """Update the rows of one colour in place; they couple only to the other colour, so the
    rows are independent and run in parallel (``prange``)."""
    for k in numba.prange(rows.shape[0]):
        i = rows[k]
        s = b[i]
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            if j != i:
                s -= data[jj] * x[j]
        x[i] = _relaxed(x[i], s, diag[i], omega)


def _rb_sweep_residual(indptr, indices, data, diag, b, x, omega, symmetric, red, black):
    """One red–black sweep of ``x`` in place (red, black; then black, red for SSOR), then
    ``||b - A x||`` of the result, each pass parallel over rows. The same iterates as
    :class:`numopt.linear._redblack.RedBlackSystem` (red-first ordering)."""
    _rb_half(indptr, indices, data, diag, b, x, omega, red)
    _rb_half(indptr, indices, data, diag, b, x, omega, black)
    if symmetric:
        _rb_half(indptr, indices, data, diag, b, x, omega, black)
        _rb_half(indptr, indices, data, diag, b, x, omega, red)
    total = 0.0
    for i in numba.prange(x.shape[0]):
        r = b[i]
        for jj in range(indptr[i], indptr[i + 1]):
            r -= data[jj] * x[indices[jj]]
        total += r * r
    return math.sqrt(total)


#: work (stored entries of A) below which a red–black sweep runs serially: about 2 ms of one
#: thread's sweep (measured: ~0.25 stored entries per ns on the CI machine, issue 14 note)
RB_PARALLEL_MIN_NNZ = 1 << 19

_rb_half_serial = serial_twin(_rb_half)
_rb_half = numba.njit(parallel=True, cache=True)(_rb_half)
rb_sweep_residual = numba.njit(parallel=True, cache=True)(_rb_sweep_residual)


@numba.njit(cache=True)
def rb_sweep_residual_serial(indptr, indices, data, diag, b, x, omega, symmetric, red, black):
    """The serial twin of :func:`rb_sweep_residual` (same operations, one thread)."""
    _rb_half_serial(indptr, indices, data, diag, b, x, omega, red)
    _rb_half_serial(indptr, indices, data, diag, b, x, omega, black)
    if symmetric:
        _rb_half_serial(indptr, indices, data, diag, b, x, omega, black)
        _rb_half_serial(indptr, indices, data, diag, b, x, omega, red)
    return residual_norm(indptr, indices, data, b, x)
