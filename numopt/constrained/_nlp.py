r"""The general nonlinear program seen by ``interior_point``:

.. math:: \min_x f(x)\quad\text{s.t.}\quad c_l \le c(x) \le c_u,\quad x_l \le x \le x_u,

gathered from a :class:`numopt.Problem` (its ``constraints`` tuple of
:class:`numopt.core.constraints.Constraint`, or the older ``eq=`` :class:`numopt.Equality`, and
its ``bounds`` :class:`numopt.core.bounds.Box`). All constraint blocks are stacked into one
``c`` with one Jacobian; the objective and every constraint row are scaled once at ``x0`` so
that no gradient exceeds 100 in the max-norm (the gradient-based scaling of IPOPT, Wächter &
Biegler 2006, §3.8), and the Lagrangian Hessian is exact when every oracle gives one, else a
damped-BFGS model from :mod:`numopt.second_order.hessian_models`.
"""

import numpy as np
import scipy.sparse as sp

from ..core.constraints import from_equality
from ..errors import InvalidProblemError

SCALE_MAX_GRADIENT = 100.0  # IPOPT's nlp_scaling_max_gradient
SCALE_MIN = 1e-8  # IPOPT's nlp_scaling_min_value
DENSE_MAX_SIZE = 2000  # problems with sparse Jacobians and n + m above this stay sparse


def _dense(M):
    return M.toarray() if sp.issparse(M) else np.asarray(M, dtype=np.float64)


def gather_constraints(problem):
    """The problem's constraints as a tuple of ``Constraint`` (``eq=`` converted)."""
    constraints = tuple(getattr(problem, "constraints", ()) or ())
    if not constraints and getattr(problem, "eq", None) is not None:
        return (from_equality(problem.eq),)
    return constraints


def gather_bounds(problem, n):
    """``(lower, upper)`` arrays of the problem's bounds (infinite when it has none)."""
    box = getattr(problem, "bounds", None)
    if box is None:
        return np.full(n, -np.inf), np.full(n, np.inf)
    if box.lower.shape[0] != n:
        raise InvalidProblemError(
            f"bounds have {box.lower.shape[0]} entries but x has {n} variables.")
    return np.array(box.lower, dtype=float), np.array(box.upper, dtype=float)


class NLP:
    """Scaled oracles of ``min f s.t. cl <= c(x) <= cu, xl <= x <= xu``.

    Parameters
    ----------
    problem : Problem
    x0 : ndarray
        Point where the scaling factors are computed.
    hessian : {"auto", "exact", "bfgs", "sr1"}
        ``"auto"``: exact when the objective has ``hess`` and every nonlinear constraint has
        ``hess``, else ``"bfgs"``.

    Attributes
    ----------
    n, m : int
        Variables and stacked constraint rows.
    cl, cu : ndarray
        Scaled constraint bounds.
    xl, xu : ndarray
        Variable bounds.
    f_scale : float
    c_scale : ndarray
    exact_hessian : bool
    sparse : bool
        Jacobian and Hessians kept ``scipy.sparse`` (a sparse Jacobian and n + m above
        2000); the KKT systems are then factorized by SuperLU.
    """

    def __init__(self, problem, x0, hessian="auto"):
        self.problem = problem
        self.blocks = gather_constraints(problem)
        self.n = n = x0.shape[0]
        self.xl, self.xu = gather_bounds(problem, n)
        values = [np.asarray(b.fun(x0), dtype=float).reshape(-1) for b in self.blocks]
        sizes = [v.shape[0] for v in values]
        self.slices, start = [], 0
        for size in sizes:
            self.slices.append(slice(start, start + size))
            start += size
        self.m = start
        for block in self.blocks:
            if not block.has_jac:
                raise InvalidProblemError(
                    f"constraint '{block.name}' has no Jacobian; pass jac= (a callable) or "
                    "jac='2-point' for finite differences.")
        lb = [np.broadcast_to(b.lb, (s,)) for b, s in zip(self.blocks, sizes, strict=True)]
        ub = [np.broadcast_to(b.ub, (s,)) for b, s in zip(self.blocks, sizes, strict=True)]
        cl = np.concatenate(lb) if lb else np.zeros(0)
        cu = np.concatenate(ub) if ub else np.zeros(0)
        self.linear = all(b.is_linear for b in self.blocks)
        has_c_hess = all(b.has_hess for b in self.blocks)
        if hessian == "auto":
            hessian = "exact" if problem.has("hess") and has_c_hess else "bfgs"
        if hessian == "exact" and not (problem.has("hess") and has_c_hess):
            raise InvalidProblemError(
                "hessian='exact' needs hess= on the objective and on every nonlinear "
                "constraint; use hessian='bfgs' (the default when they are missing).")
        self.exact_hessian = hessian == "exact"
        self.exact_constraint_hessians = has_c_hess
        self.hessian_kind = hessian
        # gradient-based scaling at x0 (IPOPT, Wächter & Biegler 2006, §3.8)
        g0 = np.asarray(problem.grad(x0), dtype=float)
        gmax = float(np.max(np.abs(g0))) if n else 0.0
        self.f_scale = max(SCALE_MIN, min(1.0, SCALE_MAX_GRADIENT / gmax)) if gmax > 0 else 1.0
        raw = [b.jac(x0) for b in self.blocks]
        self.sparse = any(sp.issparse(J) for J in raw) and n + self.m > DENSE_MAX_SIZE
        if self.sparse and not self.exact_hessian:
            raise InvalidProblemError(
                f"a sparse problem with n + m = {n + self.m} needs exact Hessians in "
                "method 'interior_point' (a quasi-Newton model would be a dense n x n "
                "matrix); pass hess= on the objective and the constraints, or use "
                "method='alm_sketch'.")
        J0 = self._raw_jac(x0)
        if self.m and self.sparse:
            rows = np.asarray(abs(J0).max(axis=1).todense()).ravel()
        if self.m:
            if not self.sparse:
                rows = np.max(np.abs(J0), axis=1) if n else np.zeros(self.m)
            with np.errstate(divide="ignore"):
                scale = np.where(rows > 0, SCALE_MAX_GRADIENT / rows, 1.0)
            self.c_scale = np.clip(scale, SCALE_MIN, 1.0)
        else:
            self.c_scale = np.ones(0)
        self.cl, self.cu = cl * self.c_scale, cu * self.c_scale

    # ------------------------------------------------------------------ raw oracles
    def _raw_c(self, x):
        if not self.blocks:
            return np.zeros(0)
        return np.concatenate([np.asarray(b.fun(x), dtype=float).reshape(-1)
                               for b in self.blocks])

    def _raw_jac(self, x):
        if not self.blocks:
            return sp.csr_matrix((0, self.n)) if getattr(self, "sparse", False) else np.zeros(
                (0, self.n))
        if getattr(self, "sparse", False):
            return sp.vstack([sp.csr_matrix(b.jac(x)) for b in self.blocks], format="csr")
        return np.vstack([_dense(b.jac(x)).reshape(-1, self.n) for b in self.blocks])

    # ------------------------------------------------------------------ scaled oracles
    def f(self, x):
        return self.f_scale * self.problem.fun(x)

    def grad(self, x):
        return self.f_scale * np.asarray(self.problem.grad(x), dtype=float)

    def c(self, x):
        return self.c_scale * self._raw_c(x)

    def jac(self, x):
        if self.sparse:
            return sp.diags(self.c_scale) @ self._raw_jac(x)
        return self.c_scale[:, None] * self._raw_jac(x)

    def _matrix(self, M):
        return sp.csr_matrix(M) if self.sparse else _dense(M)

    def lagrangian_hessian(self, x, lam):
        r"""Exact :math:`\nabla^2 f + \sum_i \lambda_i \nabla^2 c_i` (scaled)."""
        return self.f_scale * self._matrix(self.problem.hess(x)) + self.constraint_hessian(x, lam)

    def constraint_hessian(self, x, v):
        r""":math:`\sum_i v_i \nabla^2 c_i` of the scaled constraints (exact Hessians only)."""
        H = sp.csr_matrix((self.n, self.n)) if self.sparse else np.zeros((self.n, self.n))
        weights = self.c_scale * v
        for block, rows in zip(self.blocks, self.slices, strict=True):
            if block.is_linear or not np.any(weights[rows]):
                continue
            Hc = block.hess(x, weights[rows])
            if Hc is not None:
                H = H + self._matrix(Hc)
        return H

    def unscale_multipliers(self, lam):
        """Multipliers of the user's (unscaled) constraints."""
        return lam * self.c_scale / self.f_scale

    def violation(self, x):
        """``max(cl - c, c - cu, xl - x, x - xu, 0)`` in the user's units, elementwise
        2-norm over all rows."""
        c = self._raw_c(x)
        cl, cu = self.cl / self.c_scale, self.cu / self.c_scale
        parts = [np.maximum(0.0, cl - c), np.maximum(0.0, c - cu),
                 np.maximum(0.0, self.xl - x), np.maximum(0.0, x - self.xu)]
        return float(np.linalg.norm(np.concatenate(parts)))
