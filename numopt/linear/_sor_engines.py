"""The three ways :class:`~numopt.linear.SOR` sweeps, one per backend/ordering.

Each engine has ``start(x0) -> (carry, residual_norm)``, ``sweep(carry) -> (carry,
residual_norm)`` (one sweep, never touching the input carry's current iterate) and
``solution(carry) -> x``. The solver keeps the loop logic; engines only move numbers.
"""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve_triangular

from ._kernels import residual_norm, sor_step
from ._redblack import red_black_system


class NumbaEngine:
    """Natural-order CSR sweep compiled with numba, double-buffered: a sweep copies the
    current iterate into the spare buffer and updates it in place."""

    def __init__(self, system, omega, symmetric):
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
        r = sor_step(self.indptr, self.indices, self.data, self.diag, self.b, spare,
                     self.omega, self.symmetric)
        return (spare, x), r

    @staticmethod
    def solution(carry):
        return carry[0]


class ScipyEngine:
    """Natural-order SOR in matrix form, ``x <- x + M^{-1}(b - A x)`` with
    ``M = D/omega + L`` (and ``D/omega + U`` for the backward half), by SciPy's sparse
    triangular solve. The same iterates as :class:`NumbaEngine` up to rounding."""

    def __init__(self, system, omega, symmetric):
        matrix = system.matrix
        scaled = sp.diags_array(system.diag / omega)
        self.matrix, self.b = matrix, system.b
        self.lower = (sp.tril(matrix, k=-1) + scaled).tocsr()
        self.upper = (sp.triu(matrix, k=1) + scaled).tocsr() if symmetric else None

    def start(self, x0):
        x = np.zeros_like(self.b) if x0 is None else np.array(x0, dtype=np.float64)
        return x, float(np.linalg.norm(self.b - self.matrix @ x))

    def sweep(self, x):
        x = x + spsolve_triangular(self.lower, self.b - self.matrix @ x, lower=True)
        if self.upper is not None:
            x = x + spsolve_triangular(self.upper, self.b - self.matrix @ x, lower=False)
        return x, float(np.linalg.norm(self.b - self.matrix @ x))

    @staticmethod
    def solution(x):
        return x


class RedBlackEngine:
    """Red–black ordering in the input's own array namespace (CuPy, array-API, NumPy)."""

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
