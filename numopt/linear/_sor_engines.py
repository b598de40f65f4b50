"""The ways :class:`~numopt.linear.SOR` sweeps, one per backend/ordering.

Each engine has ``start(x0) -> (carry, residual_norm)``, ``sweep(carry) -> (carry,
residual_norm)`` (one sweep, never touching the input carry's current iterate) and
``solution(carry) -> x``; the residual norm is always that of ``solution(carry)``. The
solver keeps the loop logic; engines only move numbers.
"""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve_triangular

from ..backend.threads import kernel_threads, run_with_threads
from ._kernels import (
    RB_PARALLEL_MIN_NNZ,
    rb_sweep_residual,
    rb_sweep_residual_serial,
    residual_norm,
    sor_sweep_residual,
)
from ._redblack import red_black_system, two_colouring


class NumbaEngine:
    """Natural-order CSR sweep compiled with numba, with the residual test fused into the
    sweep (:func:`~numopt.linear._kernels.sor_sweep_residual`).

    The engine runs one sweep ahead: the carry is ``(x_k, x_{k+1}, spare)`` and a step sweeps
    ``x_{k+1}`` into the spare buffer, which yields ``||b - A x_{k+1}||`` on the way. The
    iterate returned with a residual is therefore always the one that residual belongs to,
    and no sweep pays an extra matrix-vector product. Three rotating buffers keep the
    previous state's iterate intact (the loop falls back to it after a non-finite step).
    """

    ahead = 1  # sweeps computed beyond the returned iterate

    def __init__(self, system, omega, symmetric):
        self.indptr, self.indices, self.data = system.csr()
        self.diag = np.ascontiguousarray(system.diag, dtype=np.float64)
        self.b = system.b
        self.omega, self.symmetric = omega, symmetric
        self.lower = np.empty_like(self.b)  # lower sums of the newest sweep's output

    def _advance(self, x, out, reuse):
        return sor_sweep_residual(self.indptr, self.indices, self.data, self.diag, self.b, x,
                                  out, self.lower, self.omega, self.symmetric, reuse)

    def start(self, x0):
        x = np.zeros_like(self.b) if x0 is None else np.array(x0, dtype=np.float64)
        ahead = np.empty_like(x)
        r0 = self._advance(x, ahead, False)
        return (x, ahead, np.empty_like(x)), r0

    def sweep(self, carry):
        x, ahead, spare = carry
        r = self._advance(ahead, spare, not self.symmetric)
        return (ahead, spare, x), r

    @staticmethod
    def solution(carry):
        return carry[0]


class ScipyEngine:
    """Natural-order SOR in matrix form, ``x <- x + M^{-1}(b - A x)`` with
    ``M = D/omega + L`` (and ``D/omega + U`` for the backward half), by SciPy's sparse
    triangular solve. The same iterates as :class:`NumbaEngine` up to rounding.

    One sweep ahead like :class:`NumbaEngine`: the residual ``b - A x_k`` that the sweep
    from ``x_k`` needs anyway is also the stopping test's, so a forward sweep costs one
    matrix-vector product (SSOR's backward half needs a second one)."""

    ahead = 1

    def __init__(self, system, omega, symmetric):
        matrix = system.matrix
        scaled = sp.diags_array(system.diag / omega)
        self.matrix, self.b = matrix, system.b
        self.lower = (sp.tril(matrix, k=-1) + scaled).tocsr()
        self.upper = (sp.triu(matrix, k=1) + scaled).tocsr() if symmetric else None

    def _advance(self, x):
        r = self.b - self.matrix @ x
        ahead = x + spsolve_triangular(self.lower, r, lower=True)
        if self.upper is not None:
            ahead = ahead + spsolve_triangular(self.upper, self.b - self.matrix @ ahead,
                                               lower=False)
        return ahead, float(np.linalg.norm(r))

    def start(self, x0):
        x = np.zeros_like(self.b) if x0 is None else np.array(x0, dtype=np.float64)
        ahead, r0 = self._advance(x)
        return (x, ahead), r0

    def sweep(self, carry):
        _, x = carry
        ahead, r = self._advance(x)
        return (x, ahead), r

    @staticmethod
    def solution(carry):
        return carry[0]


class RedBlackEngine:
    """Red–black ordering in the input's own array namespace (CuPy, array-API, NumPy)."""

    ahead = 0

    def __init__(self, system, omega, symmetric):
        self.rb = red_black_system(system)
        self.omega, self.symmetric = omega, symmetric

    def start(self, x0):
        xp = self.rb.xp
        if x0 is None:
            carry = (xp.zeros_like(self.rb.b_red), xp.zeros_like(self.rb.b_black))
        else:
            carry = self.rb.split(x0)
        return carry, self.rb.residual_norm(*carry)

    def sweep(self, carry):
        carry = self.rb.sweep(*carry, self.omega, self.symmetric)
        return carry, self.rb.residual_norm(*carry)

    def solution(self, carry):
        return self.rb.join(*carry)


class NumbaRedBlackEngine:
    """Red–black SOR on the CPU with numba, each colour's rows updated by several threads
    (:func:`~numopt.linear._kernels.rb_sweep_residual`). The thread count comes from
    :func:`numopt.backend.threads.kernel_threads`: serial (the compiled serial twin) below
    :data:`~numopt.linear._kernels.RB_PARALLEL_MIN_NNZ` stored entries or when no second
    core is free. The same iterates as :class:`RedBlackEngine` (red-first ordering)."""

    ahead = 0

    def __init__(self, system, omega, symmetric):
        colour = two_colouring(system.matrix)
        self.red = np.flatnonzero(colour == 0).astype(np.int64)
        self.black = np.flatnonzero(colour == 1).astype(np.int64)
        self.indptr, self.indices, self.data = system.csr()
        self.diag = np.ascontiguousarray(system.diag, dtype=np.float64)
        self.b = system.b
        self.omega, self.symmetric = omega, symmetric

    def start(self, x0):
        x = np.zeros_like(self.b) if x0 is None else np.array(x0, dtype=np.float64)
        return (x, np.empty_like(x)), residual_norm(self.indptr, self.indices, self.data,
                                                    self.b, x)

    def sweep(self, carry):
        x, spare = carry
        np.copyto(spare, x)
        threads = kernel_threads(self.data.size, RB_PARALLEL_MIN_NNZ)
        r = run_with_threads(rb_sweep_residual, rb_sweep_residual_serial, threads,
                             self.indptr, self.indices, self.data, self.diag, self.b, spare,
                             self.omega, self.symmetric, self.red, self.black)
        return (spare, x), r

    @staticmethod
    def solution(carry):
        return carry[0]
