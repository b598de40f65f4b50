"""numba kernels of the entropic-transport solvers, over plain float64 arrays.

Every kernel makes one streaming pass over the cost matrix ``M`` (C-contiguous, ``n x m``)
and allocates nothing of size ``n x m``; ``fast_exp`` keeps the exp work vectorized. The
log-sum-exps take a shift guessed from the last Sinkhorn iteration (the log-domain
"absorption" of Schmitzer 2019, arXiv 1610.06519, applied inside the sum), so no
max pass is needed; a row or column whose guess is off by more than ``LSE_SAFE`` is redone
exactly. Rows run in parallel (``prange``); the column log-sum-exp runs in parallel over
ranges of rows with one partial sum per range. The NumPy reference of each kernel is the
backend-generic code in :mod:`numopt.transport.ops` (``ArrayApiOps``); the tests compare
the two.

Each kernel is compiled twice: with ``parallel=True`` (the names below) and serially
(``SERIAL[name]``), because a parallel region costs a thread wake-up that dominates small
problems (and grows when the cores are shared).
"""

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ..backend.threads import serial_twin

COLUMN_BLOCK = 64  # columns per parallel task in col_lse: 64 doubles = 8 cache lines per row
ROW_CHUNK = 256  # rows per col_lse chunk: 256 x 64 doubles = 128 KiB, re-read from L2
# exp(z) for z < -700 (< 1e-304) is set to 0: relative to the leading term it is far below
# rounding, and computing it would hit subnormal arithmetic (~30x slower).
EXP_FLOOR = -700.0
EXP_CEIL = 709.0  # exp(z) for z > 709 is +inf (float64 max is e^709.78)
# A sum of exp terms shifted by a guess is trusted inside (e^-600, e^600): no term
# overflowed (each is below the sum), and the terms flushed to 0 below e^EXP_FLOOR add up
# to less than 1e-26 of it for up to 10^17 terms.
LSE_SAFE = 600.0
SAFE_LOW, SAFE_HIGH = math.exp(-LSE_SAFE), math.exp(LSE_SAFE)
HIST_SHIFT = 49  # plan_histogram bins: sign, 11 exponent bits, top 3 mantissa bits
HIST_BINS = 1 << (64 - HIST_SHIFT - 1)  # non-negative values only (sign bit 0)

LOG2E = 1.4426950408889634
LN2_HI = 0.6931471803691238  # ln 2 split in two (Cody & Waite 1980) for exact reduction
LN2_LO = 1.9082149292705877e-10
ROUNDER = 6755399441055744.0  # 1.5·2^52: adding it rounds to an integer kept in the low bits
# Taylor coefficients 1/k! of e^r for |r| <= ln(2)/2: truncation error < 2e-17 (degree 13)
EXP_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(14))


@intrinsic
def _bits_to_float(typingctx, x):
    if isinstance(x, types.Integer):
        return types.float64(types.int64), lambda ctx, builder, sig, args: builder.bitcast(
            args[0], ir.DoubleType())
    return None


@intrinsic
def _float_to_bits(typingctx, x):
    if isinstance(x, types.Float):
        return types.int64(types.float64), lambda ctx, builder, sig, args: builder.bitcast(
            args[0], ir.IntType(64))
    return None


@numba.njit(inline="always", cache=True)
def fast_exp(x):
    """``exp(x)`` to 1 ulp on ``[EXP_FLOOR, EXP_CEIL]``, 0 below, inf above; branch- and
    call-free so LLVM vectorizes elementwise loops around it (no fastmath needed, which
    would break the rounding trick) (numba's ``math.exp`` is a scalar libm call,
    about 20x slower here). Range reduction ``x = k ln 2 + r`` (Cody & Waite), degree-13
    Taylor polynomial in ``r``, ``2^k`` assembled in the exponent bits."""
    y = min(max(x, EXP_FLOOR), EXP_CEIL)
    t = y * LOG2E + ROUNDER
    k = t - ROUNDER
    r = (y - k * LN2_HI) - k * LN2_LO
    c = EXP_TAYLOR
    p = c[13]
    p = c[12] + r * p
    p = c[11] + r * p
    p = c[10] + r * p
    p = c[9] + r * p
    p = c[8] + r * p
    p = c[7] + r * p
    p = c[6] + r * p
    p = c[5] + r * p
    p = c[4] + r * p
    p = c[3] + r * p
    p = c[2] + r * p
    p = c[1] + r * p
    p = c[0] + r * p
    scale = _bits_to_float((_float_to_bits(t) - _float_to_bits(ROUNDER) + 1023) << 52)
    value = p * scale
    value = 0.0 if x < EXP_FLOOR else value
    return np.inf if x > EXP_CEIL else value


def row_lse(M, g, shift, reg, out):
    """``out[i] = LSE_j((g[j] - M[i, j]) / reg)``.

    ``shift[i]`` is a guess of ``reg * out[i]`` (the last Sinkhorn iteration's, NaN for
    none). Where the guess holds the shifted sum in ``(e^-LSE_SAFE, e^LSE_SAFE)`` the row
    takes one pass; elsewhere it is redone with the row maximum as the shift (exact for
    any input, one more pass over the row, which is still in L1 cache).
    """
    n, m = M.shape
    inv = 1.0 / reg
    for i in numba.prange(n):
        terms = np.empty(m)
        peak = shift[i]
        total = _shifted_row_sum(M[i], g, peak, inv, terms) if math.isfinite(peak) else 0.0
        if not SAFE_LOW < total < SAFE_HIGH:
            peak = g[0] - M[i, 0]
            for j in range(1, m):
                peak = max(peak, g[j] - M[i, j])
            total = _shifted_row_sum(M[i], g, peak, inv, terms)
        out[i] = peak * inv + math.log(total)


@numba.njit(inline="always", cache=True)
def _shifted_row_sum(row, g, shift, inv, terms):
    for j in range(row.size):  # elementwise, so it vectorizes without fastmath
        terms[j] = fast_exp((g[j] - row[j] - shift) * inv)
    return _sum(terms)


@numba.njit(inline="always", cache=True)
def _sum(x):
    """Sum with four accumulators (breaks the add latency chain; order fixed, no fastmath)."""
    s0 = s1 = s2 = s3 = 0.0
    n4 = x.size // 4 * 4
    for k in range(0, n4, 4):
        s0 += x[k]
        s1 += x[k + 1]
        s2 += x[k + 2]
        s3 += x[k + 3]
    for k in range(n4, x.size):
        s0 += x[k]
    return (s0 + s1) + (s2 + s3)


def col_lse(M, f, shift, reg, parts, partial, out):
    """``out[j] = LSE_i((f[i] - M[i, j]) / reg)`` shifted by the guess ``shift[j]`` of
    ``reg * out[j]``, in one streaming pass over ``M``: ``parts`` ranges of rows in
    parallel, each adding its exp terms into its own row of ``partial`` (``parts x m``),
    summed at the end. Returns how many columns left ``(e^-LSE_SAFE, e^LSE_SAFE)``; those
    need :func:`col_lse_exact`.
    """
    n, m = M.shape
    inv = 1.0 / reg
    for part in numba.prange(parts):
        acc = partial[part]
        acc[:] = 0.0
        for i in range(part * n // parts, (part + 1) * n // parts):
            fi = f[i]
            for j in range(m):  # elementwise over j: vectorizes
                acc[j] += fast_exp((fi - M[i, j] - shift[j]) * inv)
    unsafe = 0
    for j in range(m):
        total = 0.0
        for part in range(parts):
            total += partial[part, j]
        if SAFE_LOW < total < SAFE_HIGH:
            out[j] = shift[j] * inv + math.log(total)
        else:
            unsafe += 1
    return unsafe


def col_lse_exact(M, f, reg, out):
    """``out[j] = LSE_i((f[i] - M[i, j]) / reg)``, exact for any input: blocks of columns in
    parallel, rows in chunks of ``ROW_CHUNK`` whose max is taken first (the chunk stays in
    cache for the exp pass), the running sum rescaled once per chunk."""
    n, m = M.shape
    inv = 1.0 / reg
    nblocks = (m + COLUMN_BLOCK - 1) // COLUMN_BLOCK
    for block in numba.prange(nblocks):
        j0 = block * COLUMN_BLOCK
        width = min(m, j0 + COLUMN_BLOCK) - j0
        peak = np.full(width, -np.inf)
        total = np.zeros(width)
        chunk_peak = np.empty(width)
        for i0 in range(0, n, ROW_CHUNK):
            i1 = min(n, i0 + ROW_CHUNK)
            chunk_peak[:] = peak
            for i in range(i0, i1):
                for jj in range(width):
                    chunk_peak[jj] = max(chunk_peak[jj], (f[i] - M[i, j0 + jj]) * inv)
            for jj in range(width):
                total[jj] *= fast_exp(peak[jj] - chunk_peak[jj])
                peak[jj] = chunk_peak[jj]
            for i in range(i0, i1):
                for jj in range(width):
                    total[jj] += fast_exp((f[i] - M[i, j0 + jj]) * inv - peak[jj])
        for jj in range(width):
            out[j0 + jj] = peak[jj] + math.log(total[jj])


def plan_rows(M, f, g, reg, plan, rows):
    """``plan[i, j] = exp((f[i] + g[j] - M[i, j]) / reg)`` and ``rows[i] = sum_j plan[i, j]``."""
    n, m = M.shape
    inv = 1.0 / reg
    for i in numba.prange(n):
        fi = f[i]
        for j in range(m):
            plan[i, j] = fast_exp((fi + g[j] - M[i, j]) * inv)
        rows[i] = _sum(plan[i])



def pcg_csr(indptr, indices, data, rows, cols, shift, rhs, diag, rtol, max_iter, bounds, d):
    """Jacobi-PCG on ``(K_s + shift I) d = rhs`` from ``d = 0``, where
    ``K_s = [[diag(rows), S], [S^T, diag(cols)]]`` and ``S`` is CSR, projected off the null
    vector ``(1, -1)`` (same iteration as :func:`numopt.transport.newton.pcg`, its NumPy
    reference). The product with ``K_s``
    runs in parallel over the row ranges ``bounds`` (balanced by stored entries), each
    range adding its ``S^T x`` terms into its own row of a ``parts x m`` buffer; vector
    updates are fused loops with no allocation per iteration. Returns
    ``(iterations, breakdown)``; ``d`` is written in place.
    """
    size, n, m = rhs.size, rows.size, cols.size
    parts = bounds.size - 1
    partial = np.empty((parts, m))
    r = rhs.copy()
    p = r / diag
    _project(p, n)
    q = np.empty(size)
    z = np.empty(size)
    rz = 0.0
    bnorm = 0.0
    for t in range(size):
        d[t] = 0.0
        rz += r[t] * p[t]
        bnorm += rhs[t] * rhs[t]
    target = rtol * rtol * bnorm
    rnorm = bnorm
    for it in range(max_iter):
        if rnorm <= target:
            return it, False
        for part in numba.prange(parts):  # q = (K_s + shift I) p
            acc = partial[part]
            acc[:] = 0.0
            for i in range(bounds[part], bounds[part + 1]):
                pi = p[i]
                total = (rows[i] + shift) * pi
                for k in range(indptr[i], indptr[i + 1]):
                    total += data[k] * p[n + indices[k]]
                    acc[indices[k]] += data[k] * pi
                q[i] = total
        curvature = 0.0
        for t in range(n):
            curvature += p[t] * q[t]
        for j in range(m):
            total = (cols[j] + shift) * p[n + j]
            for part in range(parts):
                total += partial[part, j]
            q[n + j] = total
            curvature += p[n + j] * total
        if not curvature > 0.0:
            return it, True
        _project(q, n)
        alpha = rz / curvature
        rz_new = 0.0
        rnorm = 0.0
        for t in range(size):
            d[t] += alpha * p[t]
            r[t] -= alpha * q[t]
            z[t] = r[t] / diag[t]
            rz_new += r[t] * z[t]
            rnorm += r[t] * r[t]
        _project(z, n)
        beta = rz_new / rz
        for t in range(size):
            p[t] = z[t] + beta * p[t]
        rz = rz_new
    return max_iter, False


@numba.njit(inline="always", cache=True)
def _project(v, n):
    """Remove from ``v`` its component along the null vector ``(1, -1)`` of the Hessian."""
    c = (v[:n].sum() - v[n:].sum()) / v.size
    v[:n] -= c
    v[n:] += c


def plan_histogram(values, parts, counts, masses):
    """Count and mass of the non-negative ``values`` per bin ``bits >> HIST_SHIFT`` (binary
    exponent and top mantissa bits: bins ordered like the values, at most 12.5% wide), in
    ``parts`` slices in parallel, slice ``p`` into ``counts[p]`` and ``masses[p]``. One
    pass, O(size), unaffected by the zero or subnormal entries that slow a partition of a
    sharp plan tenfold."""
    size = values.size
    for part in numba.prange(parts):
        count, mass = counts[part], masses[part]
        count[:] = 0
        mass[:] = 0.0
        for t in range(part * size // parts, (part + 1) * size // parts):
            v = np.float64(values[t])  # float32 plans: bins of the float64 value
            b = _float_to_bits(v) >> HIST_SHIFT
            count[b] += 1
            mass[b] += v


def csr_above(P, threshold):
    """``(indptr, indices, data)`` of the entries of ``P`` at or above ``threshold`` (CSR,
    int32 indices), in two row-parallel passes: count per row, then fill."""
    n, m = P.shape
    indptr = np.zeros(n + 1, dtype=np.int64)
    for i in numba.prange(n):
        count = 0
        for j in range(m):
            count += P[i, j] >= threshold
        indptr[i + 1] = count
    for i in range(n):
        indptr[i + 1] += indptr[i]
    indices = np.empty(indptr[n], dtype=np.int32)
    data = np.empty(indptr[n])
    for i in numba.prange(n):
        k = indptr[i]
        for j in range(m):
            if P[i, j] >= threshold:
                indices[k] = j
                data[k] = P[i, j]
                k += 1
    return indptr, indices, data


_KERNELS = (row_lse, col_lse, col_lse_exact, plan_rows, pcg_csr, plan_histogram, csr_above)
#: serial twins of the kernels, for problems below ``PARALLEL_MIN_ENTRIES``
SERIAL = {k.__name__: serial_twin(k) for k in _KERNELS}
PARALLEL_MIN_ENTRIES = 1 << 16  # n*m below this runs serially (thread start-up > work)
(row_lse, col_lse, col_lse_exact, plan_rows, pcg_csr, plan_histogram, csr_above) = (
    numba.njit(parallel=True, cache=True)(k) for k in _KERNELS)
