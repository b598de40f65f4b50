"""numba kernels of the entropic-transport solvers, over plain float64 arrays.

Every kernel makes exactly one pass over the cost matrix ``M`` (C-contiguous, ``n x m``)
and allocates nothing of size ``n x m``. Rows run in parallel (``prange``); the column
log-sum-exp runs in parallel over blocks of columns with an online (running-max) sum, so
it too reads ``M`` once, row by row. The NumPy reference of each kernel is the
backend-generic code in :mod:`numopt.transport.ops` (``ArrayApiOps``); the tests compare
the two.
"""

import math

import numba
import numpy as np

COLUMN_BLOCK = 64  # columns per parallel task in col_lse: 64 doubles = 8 cache lines per row
# exp(z) for z < -700 (< 1e-304) is skipped or set to 0: relative to the leading term it is
# far below rounding, and computing it would hit subnormal arithmetic (~30x slower).
EXP_FLOOR = -700.0


@numba.njit(parallel=True, cache=True)
def row_lse(M, g, reg, out):
    """``out[i] = LSE_j((g[j] - M[i, j]) / reg)`` with a per-row max shift."""
    n, m = M.shape
    inv = 1.0 / reg
    for i in numba.prange(n):
        peak = -np.inf
        for j in range(m):
            v = g[j] - M[i, j]
            if v > peak:
                peak = v
        total = 0.0
        for j in range(m):
            z = (g[j] - M[i, j] - peak) * inv
            if z > EXP_FLOOR:
                total += math.exp(z)
        out[i] = peak * inv + math.log(total)


@numba.njit(parallel=True, cache=True)
def col_lse(M, f, reg, out):
    """``out[j] = LSE_i((f[i] - M[i, j]) / reg)``, one pass over ``M`` (online max shift)."""
    n, m = M.shape
    inv = 1.0 / reg
    nblocks = (m + COLUMN_BLOCK - 1) // COLUMN_BLOCK
    for block in numba.prange(nblocks):
        j0 = block * COLUMN_BLOCK
        width = min(m, j0 + COLUMN_BLOCK) - j0
        peak = np.full(width, -np.inf)
        total = np.zeros(width)
        for i in range(n):
            fi = f[i]
            for jj in range(width):
                v = (fi - M[i, j0 + jj]) * inv
                z = v - peak[jj]
                if z > 0.0:
                    total[jj] = (total[jj] * math.exp(-z) if -z > EXP_FLOOR else 0.0) + 1.0
                    peak[jj] = v
                elif z > EXP_FLOOR:
                    total[jj] += math.exp(z)
        for jj in range(width):
            out[j0 + jj] = peak[jj] + math.log(total[jj])


@numba.njit(parallel=True, cache=True)
def plan_rows(M, f, g, reg, plan, rows):
    """``plan[i, j] = exp((f[i] + g[j] - M[i, j]) / reg)`` and ``rows[i] = sum_j plan[i, j]``."""
    n, m = M.shape
    inv = 1.0 / reg
    for i in numba.prange(n):
        fi = f[i]
        total = 0.0
        for j in range(m):
            z = (fi + g[j] - M[i, j]) * inv
            p = math.exp(z) if z > EXP_FLOOR else 0.0
            plan[i, j] = p
            total += p
        rows[i] = total
