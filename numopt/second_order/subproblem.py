"""The cubic model at one point, built once per outer iteration and re-solved for any weight.

:class:`CubicModel` hides which subproblem solver runs (eigen, Cholesky radius, Krylov) from
the methods: ``cubic_newton`` and ``lazy_newton`` ask it for a step at weight ``M``, and
rejected trials re-use the same factorization.
"""

import math

import numpy as np

from ..core.validate import check_choice
from .base import norm
from .cubic import cubic_step_cholesky, cubic_step_eigen, model_decrease_eigen
from .krylov import cubic_step_krylov, min_eigenpair
from .linalg import EigenModel, dense_hessian

SUBPROBLEMS = ("auto", "eigen", "cholesky", "krylov")
ROUNDING = 10.0 * float(np.finfo(float).eps)  # relative size of f differences lost in rounding
LANCZOS_SEED = 0  # seed of the Lanczos start vector of the smallest-eigenpair estimate


def check_subproblem(subproblem):
    """Validate the ``subproblem=`` option."""
    return check_choice("subproblem", subproblem, SUBPROBLEMS)


def resolve_subproblem(subproblem, problem, method):
    """``"auto"`` -> ``"eigen"`` with ``hess``, ``"krylov"`` with only ``hessp``; checks the
    oracle the choice needs (``InvalidProblemError`` naming it)."""
    if subproblem == "auto":
        subproblem = "eigen" if problem.has("hess") or not problem.has("hessp") else "krylov"
    problem.require(("hessp",) if subproblem == "krylov" else ("hess",), method)
    return subproblem


class CubicModel:
    """Second-order information at one point ``x`` for the cubic subproblem.

    Parameters
    ----------
    kind : {"eigen", "cholesky", "krylov", "model"}
        ``"model"``: the spectral model of ``curvature`` (a Hessian model,
        :mod:`numopt.second_order.hessian_models`), solved like ``"eigen"``.
    problem : Problem
    x : array
        Where the Hessian (or its products) are taken.
    xp : module
    curvature : HessianModel, optional
        The Hessian model behind ``"model"``, or the products behind ``"krylov"``.

    Attributes
    ----------
    finite : bool
        False when the dense Hessian has NaN or inf entries (nothing is factored then).
    factorizations : int
        Factorizations spent so far (``eigh`` counts one, each Cholesky one).
    min_eigenvalue : float
        Smallest Hessian eigenvalue (Lanczos estimate for ``"krylov"``; computed on first
        access for ``"cholesky"``).
    """

    def __init__(self, kind, problem, x, xp, curvature=None):
        self.kind, self.xp = kind, xp
        self.factorizations = 0
        self._min_eig = None
        self.finite = True  # a non-finite Hessian-vector product shows up in the step
        if kind == "krylov":
            self.hessp = (curvature.matvec if curvature is not None
                          else lambda v: problem.hessp(x, v))
            self.dim = x.shape[0]
            return
        if kind == "model":  # a Hessian model: its spectral model, small for L-BFGS/L-SR1
            self.eigen = curvature.eigen()
            self.finite = bool(np.all(np.isfinite(self.eigen.eigenvalues)))
            self.kind, self.factorizations = "eigen", 1
            self._min_eig = self.eigen.min_eigenvalue
            return
        self.H = dense_hessian(xp, problem.hess(x))
        self.finite = bool(xp.all(xp.isfinite(self.H)))
        if kind == "eigen" and self.finite:
            self.eigen = EigenModel(xp, self.H)
            self.factorizations = 1
            self._min_eig = self.eigen.min_eigenvalue

    @property
    def min_eigenvalue(self):
        if self._min_eig is None:
            if self.kind == "krylov":
                self._min_eig, self._min_vec = min_eigenpair(self.hessp, self.dim, self.xp,
                                                             seed=LANCZOS_SEED)
            else:
                self._min_eig = float(self.xp.min(self.xp.linalg.eigvalsh(self.H)))
                self.factorizations += 1
        return self._min_eig

    @property
    def known_min_eigenvalue(self):
        """The smallest eigenvalue if already computed (no extra work), else NaN."""
        return math.nan if self._min_eig is None else self._min_eig

    def step(self, g, weight, escape=False):
        """Cubic step at weight ``M`` for gradient ``g``.

        Returns
        -------
        (s, model_value) or (None, reason)
            ``model_value`` is :math:`m(s)` without :math:`f(x)`. ``escape=True`` (Krylov
            only, where ``g`` is too small to span a useful space) steps along the
            smallest eigenvector instead.
        """
        xp = self.xp
        if self.kind == "eigen":
            g_tilde = self.eigen.rotate(g)
            s_tilde, _ = cubic_step_eigen(self.eigen.eigenvalues, g_tilde, weight)
            return (self.eigen.unrotate(s_tilde),
                    model_decrease_eigen(self.eigen.eigenvalues, g_tilde, s_tilde, weight))
        if self.kind == "cholesky":
            s, count, shift = cubic_step_cholesky(xp, self.H, g, weight)
            self.factorizations += count
            if s is None:
                return None, shift
            return s, _model_value(xp, g, xp.matmul(self.H, s), s, weight)
        if escape:
            value = self.min_eigenvalue
            radius = 2.0 * max(-value, 0.0) / weight
            s = radius * self._min_vec
            if float(xp.vecdot(g, s)) > 0.0:
                s = -s
            return s, float(xp.vecdot(g, s)) + 0.5 * value * radius ** 2 + weight / 6 * radius ** 3
        if norm(xp, g) == 0.0:
            return xp.zeros_like(g), 0.0
        s, value, _ = cubic_step_krylov(self.hessp, g, weight, xp)
        return s, value


def _model_value(xp, g, Hs, s, weight):
    r = norm(xp, s)
    return float(xp.vecdot(g, s)) + 0.5 * float(xp.vecdot(s, Hs)) + weight / 6.0 * r ** 3


def arc_ratio(fun, fun_new, model_value):
    r""":math:`\rho = (f(x) - f(x + s)) / (-m(s))`; ``nan`` when ``f(x + s)`` is not finite."""
    if not math.isfinite(fun_new):
        return math.nan
    predicted = -model_value
    return (fun - fun_new) / predicted if predicted > 0.0 else -math.inf


def rounding_accept(fun, model_value, grad_norm_new, grad_norm):
    """Accept a step whose predicted decrease is below rounding when it reduces the gradient
    (Cartis, Gould & Toint 2011 pitfall; ALGORITHMS §1.2)."""
    return below_rounding(fun, model_value) and grad_norm_new < grad_norm


def below_rounding(fun, model_value):
    """True when the predicted change ``model_value`` is below the rounding of ``f``."""
    return abs(model_value) <= ROUNDING * abs(fun)
