r"""Hessian models: curvature from gradients alone, shared by every method that needs it.

:func:`hessian_model` builds one of

* ``"bfgs"`` — dense BFGS :math:`B_{k+1} = B_k - \frac{B_k s s^\top B_k}{s^\top B_k s} +
  \frac{y y^\top}{y^\top s}` with Powell's damping (Nocedal & Wright 2006, eq. 6.19 and
  Procedure 18.2) so that :math:`B` stays positive definite on nonconvex functions;
* ``"sr1"`` — dense symmetric rank-one :math:`B_{k+1} = B_k + \frac{r r^\top}{r^\top s}`,
  :math:`r = y - B_k s`, skipped when :math:`|r^\top s| < 10^{-8}\|s\|\|r\|` (ibid., eqs.
  6.24 and 6.26); it may become indefinite, which is what lets it see saddles;
* ``"lbfgs"`` / ``"lsr1"`` — their limited-memory versions in the compact representation
  of Byrd, Nocedal & Schnabel, "Representations of quasi-Newton matrices and their use in
  limited memory methods", Math. Program. 63 (1994) 129-156: :math:`B = \delta I + U C U^\top`
  with :math:`U` of width :math:`2m` (L-BFGS, Thm. 2.3) or :math:`m` (L-SR1, eq. 5.2), and
  the inverse L-BFGS product in the compact form of Thm. 2.2;
* ``"fd"`` — Hessian-vector products by gradient differences
  :math:`\nabla^2 f(x) v \approx (\nabla f(x + h v) - \nabla f(x)) / h` (Nocedal & Wright
  2006, eq. 8.20), one gradient per product;
* a SciPy :class:`scipy.optimize.HessianUpdateStrategy` (``BFGS()``, ``SR1()``), wrapped.

Every model has ``update(s, y)`` (it skips or damps unsafe pairs itself and returns whether
the pair was used), ``observe(x, g)`` (the pair from the last observed point), ``matvec``,
``dense`` and ``eigen`` (a spectral model for the cubic and shifted subproblems: for the
compact models it lives on the :math:`(r + 1)`-dimensional space spanned by :math:`U` and
the part of the gradient outside it, so the subproblem is solved in closed form there;
Cartis, Gould & Toint, Math. Program. 127 (2011), §3; Erway & Marcia, SIAM J. Matrix Anal.
Appl. 36 (2015) for the L-SR1 eigendecomposition). The models compute on NumPy arrays.
"""

import abc
import math

import numpy as np

from ..core.validate import check_callable, check_choice, check_int
from ..errors import InvalidProblemError
from ._kernels import lbfgs_two_loop, pair_products, push_pair
from .linalg import EigenModel

KINDS = ("bfgs", "sr1", "lbfgs", "lsr1", "fd")
DEFAULT_MEMORY = 10  # pairs kept by the limited-memory models (L-BFGS-B's default m = 10)
CURVATURE_SKIP = 1e-10  # skip a BFGS pair with s'y <= this * ||s|| ||y|| (N&W 2006, §6.1)
POWELL_DAMPING = 0.2  # damp y when s'y < 0.2 s'Bs, Nocedal & Wright (2006), Procedure 18.2
SR1_SKIP = 1e-8  # skip an SR1 pair with |s'(y - Bs)| < this * ||s|| ||y - Bs||, N&W eq. 6.26
COMPACT_COND = 1e12  # L-SR1 middle matrix condition number above which old pairs are dropped
FD_STEP = math.sqrt(np.finfo(float).eps)  # relative difference step of "fd" (N&W 2006, §8.1)
PROBE_SEED = 0  # seed of the random directions of HessianModel.probe


def hessian_model(spec, n, *, memory=DEFAULT_MEMORY, grad=None, damping=True):
    r"""A Hessian model of dimension ``n`` from a name or a SciPy update strategy.

    Parameters
    ----------
    spec : {"bfgs", "sr1", "lbfgs", "lsr1", "fd"} or scipy.optimize.HessianUpdateStrategy
        Which model (see the module docstring). A SciPy strategy object is copied, so the
        caller's object is never modified.
    n : int
        Dimension.
    memory : int, default 10
        Pairs kept by ``"lbfgs"`` and ``"lsr1"``.
    grad : callable, optional
        ``grad(x) -> (n,)``; required by ``"fd"`` (the products difference it).
    damping : bool, default True
        Powell damping of ``"bfgs"`` (False: pairs with small curvature are skipped instead).

    Returns
    -------
    HessianModel

    Raises
    ------
    InvalidProblemError
        Unknown name, or ``"fd"`` without ``grad``.

    Examples
    --------
    The secant equation :math:`B_{k+1} s = y` holds after each update:

    >>> import numpy as np
    >>> A = np.array([[3.0, 1.0], [1.0, 2.0]])
    >>> model = hessian_model("lbfgs", 2)
    >>> s = np.array([1.0, 0.5]); accepted = model.update(s, A @ s)
    >>> accepted, np.allclose(model.matvec(s), A @ s)
    (True, True)
    """
    n = check_int("n", n, low=1)
    if _is_scipy_strategy(spec):
        return ScipyHessian(spec, n)
    check_choice("hess", spec, KINDS)
    if spec == "bfgs":
        return DenseBFGS(n, damping=damping)
    if spec == "sr1":
        return DenseSR1(n)
    memory = check_int("memory", memory, low=1)
    if spec == "lbfgs":
        return LimitedBFGS(n, memory, damping=damping)
    if spec == "lsr1":
        return LimitedSR1(n, memory)
    if grad is None:
        raise InvalidProblemError(
            "hess='fd' differences gradients and needs grad=; build the problem with grad= "
            "(jac= in the SciPy-style call).")
    return FiniteDifferenceHessian(n, check_callable("grad", grad, allow_none=False))


def is_model_spec(hess):
    """True when ``hess`` names a Hessian model (a string or a SciPy update strategy)."""
    return isinstance(hess, str) or _is_scipy_strategy(hess)


def _is_scipy_strategy(obj):
    from scipy.optimize import HessianUpdateStrategy

    return isinstance(obj, HessianUpdateStrategy)


class HessianModel(abc.ABC):
    """Base of the Hessian models: pair bookkeeping, ``observe``, ``probe`` and ``eigen``.

    Attributes
    ----------
    n : int
    pairs, skipped : int
        Pairs used and pairs refused (or damped to zero effect) so far.
    """

    kind = None
    positive_definite = False  # True when the model is positive definite by construction

    def __init__(self, n):
        self.n = n
        self.pairs = 0
        self.skipped = 0
        self._x = None
        self._g = None

    def observe(self, x, g):
        """Record the point ``x`` with gradient ``g``; updates with the pair from the last
        observed point. Returns whether a pair was used."""
        x, g = np.asarray(x, dtype=float), np.asarray(g, dtype=float)
        used = False
        if self._x is not None:
            s = x - self._x
            if np.any(s != 0.0):
                used = self.update(s, g - self._g)
        self._x, self._g = x.copy(), g.copy()
        return used

    def probe(self, grad, x, g, count, scale=None):
        r"""Feed ``count`` difference pairs :math:`(h d_i, \nabla f(x + h d_i) - g)` along
        seeded random orthonormal directions (for a curvature check where :math:`g = 0`
        carries none); returns the lowest curvature seen, :math:`\min_i s_i^\top y_i /
        s_i^\top s_i` (a Rayleigh quotient of the Hessian, meaningful even for models that
        skip such pairs)."""
        count = min(int(count), self.n)
        rng = np.random.default_rng(PROBE_SEED)
        basis, _ = np.linalg.qr(rng.standard_normal((self.n, count)))
        h = FD_STEP * max(1.0, float(np.linalg.norm(x))) if scale is None else scale
        lowest = math.inf
        for i in range(count):
            s = h * basis[:, i]
            y = np.asarray(grad(x + s), dtype=float) - g
            lowest = min(lowest, float(s @ y) / (h * h))
            self.update(s, y)
        return lowest

    def eigen(self):
        """A spectral model (``eigenvalues`` ascending, ``rotate``, ``unrotate``,
        ``shifted_step``, ``min_eigenvalue``) of the current matrix."""
        import array_api_compat.numpy as xp

        return EigenModel(xp, self.dense())

    @abc.abstractmethod
    def update(self, s, y):
        """Use the pair ``(s, y)`` (or skip/damp it); returns whether it was used."""

    @abc.abstractmethod
    def matvec(self, v):
        """:math:`B v`."""

    @abc.abstractmethod
    def dense(self):
        """:math:`B` as an ``(n, n)`` array."""

    def _count(self, used):
        if used:
            self.pairs += 1
        else:
            self.skipped += 1
        return used


class DenseBFGS(HessianModel):
    r"""Dense BFGS with Powell damping; keeps :math:`B` and :math:`H = B^{-1}`.

    :math:`B_0 = I` until the first pair, then :math:`B_0 = (y^\top y / s^\top y) I`
    (Nocedal & Wright 2006, eq. 6.20, applied to :math:`B`). With ``damping``, a pair with
    :math:`s^\top y < 0.2\, s^\top B s` uses :math:`r = \theta y + (1 - \theta) B s`
    (Procedure 18.2), so :math:`s^\top r = 0.2\, s^\top B s > 0`; without it such pairs are
    skipped when :math:`s^\top y \le 10^{-10} \|s\|\|y\|`.
    """

    kind = "bfgs"
    positive_definite = True

    def __init__(self, n, damping=True):
        super().__init__(n)
        self.damping = damping
        self.reset()

    def reset(self):
        """Back to :math:`B = H = I` (the next pair rescales)."""
        self.B, self.H = np.eye(self.n), np.eye(self.n)
        self.pairs, self.delta = 0, 1.0

    def update(self, s, y):
        sy = float(s @ y)
        if self.pairs == 0:
            scale = float(y @ y) / sy if sy > 0.0 else 1.0
            self.B, self.H = scale * np.eye(self.n), np.eye(self.n) / scale
        if sy > 0.0:
            self.delta = float(y @ y) / sy  # scale of the newest pair (two-metric steps)
        Bs = self.B @ s
        sBs = float(s @ Bs)
        if self.damping and sy < POWELL_DAMPING * sBs:
            theta = (1.0 - POWELL_DAMPING) * sBs / (sBs - sy)
            y = theta * y + (1.0 - theta) * Bs
            sy = float(s @ y)
        if not sy > CURVATURE_SKIP * float(np.linalg.norm(s) * np.linalg.norm(y)):
            return self._count(False)
        self.B += np.outer(y, y) / sy - np.outer(Bs, Bs) / sBs
        rho = 1.0 / sy
        Hy = self.H @ y
        # H+ = (I - rho s y') H (I - rho y s') + rho s s' (N&W 2006, eq. 6.17), expanded
        self.H += (rho * rho * float(y @ Hy) + rho) * np.outer(s, s) - rho * (
            np.outer(Hy, s) + np.outer(s, Hy))
        return self._count(True)

    def matvec(self, v):
        """:math:`B v`."""
        return self.B @ v

    def solve(self, v):
        """:math:`B^{-1} v`."""
        return self.H @ v

    def reduced_solve(self, v, free):
        r""":math:`(Z^\top B Z)^{-1} Z^\top v` on the ``free`` variables, zero elsewhere
        (the quasi-Newton step of the free subspace, Byrd, Lu, Nocedal & Zhu 1995, §5)."""
        out = np.zeros_like(v)
        out[free] = np.linalg.solve(self.B[np.ix_(free, free)], v[free])
        return out

    def dense(self):
        """:math:`B` (a copy)."""
        return self.B.copy()


class DenseSR1(HessianModel):
    r"""Dense SR1: :math:`B \leftarrow B + r r^\top / (r^\top s)`, :math:`r = y - Bs`, skipped
    when :math:`|r^\top s| < 10^{-8}\|s\|\|r\|` (Nocedal & Wright 2006, eq. 6.26).
    :math:`B_0 = (y^\top y / s^\top y) I` from the first pair when :math:`s^\top y > 0`."""

    kind = "sr1"

    def __init__(self, n):
        super().__init__(n)
        self.B = np.eye(n)

    def update(self, s, y):
        if self.pairs == 0:
            sy = float(s @ y)
            if sy > 0.0:
                self.B = (float(y @ y) / sy) * np.eye(self.n)
        r = y - self.B @ s
        rs = float(r @ s)
        if not abs(rs) >= SR1_SKIP * float(np.linalg.norm(s) * np.linalg.norm(r)) or rs == 0.0:
            return self._count(False)
        self.B += np.outer(r, r) / rs
        return self._count(True)

    def matvec(self, v):
        """:math:`B v`."""
        return self.B @ v

    def dense(self):
        """:math:`B` (a copy)."""
        return self.B.copy()


class _LimitedMemory(HessianModel):
    """Pairs kept as rows of ``S`` and ``Y`` (oldest first)."""

    def __init__(self, n, memory):
        super().__init__(n)
        self.memory = memory
        self.S = np.empty((memory, n))
        self.Y = np.empty((memory, n))
        self.k = 0  # pairs stored
        self.delta = 1.0  # B0 = delta I

    def _push(self, s, y):
        """Store the pair, dropping the oldest when full."""
        self.k = push_pair(self.S, self.Y, self.k, np.ascontiguousarray(s, dtype=float),
                           np.ascontiguousarray(y, dtype=float))

    def _drop_oldest(self):
        k = self.k
        self.S[:k - 1], self.Y[:k - 1] = self.S[1:k], self.Y[1:k]
        self.k = k - 1

    def inner_products(self):
        """``(S Y^T, S S^T)`` of the stored pairs (full matrices, computed afresh)."""
        S, Y = self.S[:self.k], self.Y[:self.k]
        return S @ Y.T, S @ S.T

    @abc.abstractmethod
    def compact(self):
        r""":math:`(\delta, U, C)` with :math:`B = \delta I + U C U^\top`, :math:`U` of shape
        ``(n, r)``."""

    def matvec(self, v):
        """:math:`B v` from the compact form (:math:`O(nm)`)."""
        delta, U, C = self.compact()
        if U.shape[1] == 0:
            return delta * v
        return delta * v + U @ (C @ (U.T @ v))

    def dense(self):
        """:math:`B` as an ``(n, n)`` array (small ``n`` only)."""
        delta, U, C = self.compact()
        return delta * np.eye(self.n) + U @ C @ U.T

    def eigen(self):
        """The spectral model on the small space (see :class:`LowRankEigenModel`)."""
        return LowRankEigenModel(*self.compact())


class LimitedBFGS(_LimitedMemory):
    r"""L-BFGS in compact form (Byrd, Nocedal & Schnabel 1994).

    :math:`B = \delta I - W K^{-1} W^\top`, :math:`W = [\delta S^\top, Y^\top]`,
    :math:`K = \begin{bmatrix}\delta S^\top S & L\\ L^\top & -D\end{bmatrix}` (Thm. 2.3;
    :math:`L` the strictly lower part of :math:`S^\top Y`, :math:`D` its diagonal), and
    :math:`B^{-1} v` by the two-loop recursion (a numba kernel; the compact inverse of
    Thm. 2.2 is its NumPy reference, :meth:`solve_compact`) with
    :math:`H_0 = \gamma I`, :math:`\gamma = 1/\delta = s^\top y / y^\top y` of the newest
    pair. With ``damping`` (the default of :func:`hessian_model`, for methods without a
    Wolfe line search) Powell's damping applies as in :class:`DenseBFGS`; the ``lbfgs``
    method's Wolfe search makes it unnecessary there. Pairs with
    :math:`s^\top y \le 10^{-10}\|s\|\|y\|` are skipped (the matrix stays positive definite).
    """

    kind = "lbfgs"
    positive_definite = True

    def __init__(self, n, memory=DEFAULT_MEMORY, damping=False):
        super().__init__(n, memory)
        self.damping = damping
        self.rho = np.empty(memory)  # 1 / s_i'y_i, oldest first
        self._K = None

    def update(self, s, y):
        s = np.ascontiguousarray(s, dtype=float)
        y = np.ascontiguousarray(y, dtype=float)
        sy, yy, ss = pair_products(s, y)
        if self.damping and self.k:  # Powell: y <- theta y + (1 - theta) B s if s'y < 0.2 s'Bs
            Bs = self.matvec(s)
            sBs = float(s @ Bs)
            if sy < POWELL_DAMPING * sBs:
                theta = (1.0 - POWELL_DAMPING) * sBs / (sBs - sy)
                y = theta * y + (1.0 - theta) * Bs
                sy, yy, ss = pair_products(s, y)
        if not sy > CURVATURE_SKIP * math.sqrt(ss * yy):
            return self._count(False)
        k = self.k
        if k == self.memory:
            self.rho[:-1] = self.rho[1:]
            k -= 1
        self.rho[k] = 1.0 / sy
        self.k = push_pair(self.S, self.Y, self.k, s, y)
        self.delta = yy / sy
        self._K = None
        return self._count(True)

    def reset(self):
        """Forget every pair (back to :math:`B = I`)."""
        self.k, self.delta, self.pairs = 0, 1.0, 0
        self._K = None

    def _middle(self):
        """:math:`K` of Thm. 2.3 (cached until the next update)."""
        if self._K is None:
            SY, SS = self.inner_products()
            L = np.tril(SY, -1)
            self._K = np.block([[self.delta * SS, L], [L.T, -np.diag(np.diag(SY))]])
        return self._K

    def reduced_solve(self, v, free):
        r""":math:`(Z^\top B Z)^{-1} Z^\top v` on the ``free`` variables (a boolean mask),
        zero elsewhere: the subspace step of L-BFGS-B (Byrd, Lu, Nocedal & Zhu, SIAM J. Sci.
        Comput. 16, 1995, §5.1) by the Sherman-Morrison-Woodbury formula
        :math:`\delta^{-1} v - \delta^{-2} W_F (\delta^{-1} W_F^\top W_F - K)^{-1} W_F^\top v`,
        :math:`O(|F| m^2)`."""
        out = np.zeros_like(v)
        delta = self.delta
        if self.k == 0:
            out[free] = v[free] / delta
            return out
        k = self.k
        WF = np.concatenate([delta * self.S[:k][:, free], self.Y[:k][:, free]])
        vF = v[free]
        small = (WF @ WF.T) / delta - self._middle()
        out[free] = vF / delta - (np.linalg.solve(small, WF @ vF) @ WF) / (delta * delta)
        return out

    def solve(self, v):
        r""":math:`B^{-1} v` by the two-loop recursion (a numba kernel, :math:`4mn` flops)."""
        out = np.empty(self.n)
        lbfgs_two_loop(self.S, self.Y, self.rho, self.k, 1.0 / self.delta,
                       np.ascontiguousarray(v, dtype=float), out)
        return out

    def solve_compact(self, v):
        r""":math:`B^{-1} v` by the compact inverse of Thm. 2.2 (the NumPy reference of
        :meth:`solve`): :math:`\gamma v + S^\top R^{-\top}((D + \gamma Y^\top Y) R^{-1} S v
        - \gamma Y v) - \gamma Y^\top R^{-1} S v`."""
        k = self.k
        gamma = 1.0 / self.delta
        if k == 0:
            return gamma * v
        S, Y = self.S[:k], self.Y[:k]
        SY, _ = self.inner_products()
        R_inv = np.linalg.inv(np.triu(SY))
        w = R_inv @ (S @ v)
        z = np.diag(SY) * w + gamma * ((Y @ Y.T) @ w - Y @ v)
        return gamma * v + (z @ R_inv) @ S - gamma * (w @ Y)

    def compact(self):
        k, delta = self.k, self.delta
        if k == 0:
            return delta, np.zeros((self.n, 0)), np.zeros((0, 0))
        U = np.concatenate([delta * self.S[:k], self.Y[:k]]).T
        return delta, U, -np.linalg.inv(self._middle())


class LimitedSR1(_LimitedMemory):
    r"""L-SR1 in compact form: :math:`B = \delta I + \Psi M^{-1}\Psi^\top`,
    :math:`\Psi = Y - \delta S`, :math:`M = D + L + L^\top - \delta S^\top S` (Byrd, Nocedal
    & Schnabel 1994, eq. 5.2). A new pair is skipped by the SR1 rule against the current
    matrix; old pairs are dropped while :math:`M` is numerically singular (condition number
    above :math:`10^{12}`). :math:`\delta = y^\top y / s^\top y` of the first pair with
    positive curvature and then fixed, so that the pairs stay consistent with one
    :math:`B_0`."""

    kind = "lsr1"

    def __init__(self, n, memory=DEFAULT_MEMORY):
        super().__init__(n, memory)
        self._middle = None
        self._scaled = False

    def update(self, s, y):
        sy = float(s @ y)
        if not self._scaled and sy > 0.0:
            self.delta, self._scaled = float(y @ y) / sy, True
            self._middle = None
        r = y - self.matvec(s)
        rs = float(r @ s)
        if not abs(rs) >= SR1_SKIP * float(np.linalg.norm(s) * np.linalg.norm(r)) or rs == 0.0:
            return self._count(False)
        self._push(s, y)
        self._middle = None
        while self.k > 0 and self._middle_matrix() is None:
            self._drop_oldest()
        return self._count(True)

    def _middle_matrix(self):
        if self._middle is None:
            k = self.k
            SY, SS = self.inner_products()
            M = np.tril(SY) + np.tril(SY, -1).T - self.delta * SS
            if k and not np.linalg.cond(M) < COMPACT_COND:
                return None
            self._middle = np.linalg.inv(M) if k else np.zeros((0, 0))
        return self._middle

    def compact(self):
        if self.k == 0:
            return self.delta, np.zeros((self.n, 0)), np.zeros((0, 0))
        M_inv = self._middle_matrix()
        return self.delta, (self.Y[:self.k] - self.delta * self.S[:self.k]).T, M_inv


class FiniteDifferenceHessian(HessianModel):
    r"""Hessian-vector products by forward gradient differences at the observed point:
    :math:`B v = (\nabla f(x + h v) - \nabla f(x)) / h`, :math:`h = \sqrt{\epsilon}
    \max(1, \|x\|) / \|v\|` (Nocedal & Wright 2006, eq. 8.20). ``update(s, y)`` moves the
    point by ``s`` and its gradient by ``y``; ``dense`` takes ``n`` products and
    symmetrizes. Each product costs one gradient (counted by the problem)."""

    kind = "fd"

    def __init__(self, n, grad):
        super().__init__(n)
        self.grad = grad
        self.products = 0

    def observe(self, x, g):
        self._x, self._g = np.asarray(x, dtype=float).copy(), np.asarray(g, dtype=float).copy()
        return True

    def update(self, s, y):
        self._x, self._g = self._x + s, self._g + y
        return True

    def probe(self, grad, x, g, count, scale=None):
        """Nothing to gather (every product is a fresh difference): NaN."""
        self.observe(x, g)
        return math.nan

    def matvec(self, v):
        """:math:`B v` (one gradient)."""
        if self._x is None:
            raise InvalidProblemError("the 'fd' Hessian model has no point yet; call observe.")
        v = np.asarray(v, dtype=float)
        vnorm = float(np.linalg.norm(v))
        if vnorm == 0.0:
            return np.zeros_like(v)
        h = FD_STEP * max(1.0, float(np.linalg.norm(self._x))) / vnorm
        self.products += 1
        return (np.asarray(self.grad(self._x + h * v), dtype=float) - self._g) / h

    def dense(self):
        """:math:`\\tfrac12 (B + B^\\top)` from ``n`` products along the coordinates."""
        columns = np.column_stack([self.matvec(e) for e in np.eye(self.n)])
        return 0.5 * (columns + columns.T)


class ScipyHessian(HessianModel):
    """A :class:`scipy.optimize.HessianUpdateStrategy` (``BFGS()``, ``SR1()``, ...) behind
    the model interface (a copy of the caller's object, initialized as a Hessian)."""

    kind = "scipy"

    def __init__(self, strategy, n):
        import copy

        super().__init__(n)
        self.strategy = copy.deepcopy(strategy)
        self.strategy.initialize(n, "hess")

    def update(self, s, y):
        self.strategy.update(np.asarray(s, dtype=float), np.asarray(y, dtype=float))
        return self._count(True)

    def matvec(self, v):
        """:math:`B v`."""
        return self.strategy.dot(v)

    def dense(self):
        """:math:`B` as an array."""
        return np.array(self.strategy.get_matrix(), dtype=float)


class LowRankEigenModel:
    r"""The spectrum of :math:`B = \delta I + U C U^\top` on a small space.

    With the thin QR :math:`U = QR` and :math:`R C R^\top = V \Lambda V^\top`,
    :math:`B = \delta I + P \Lambda P^\top`, :math:`P = QV` orthonormal: eigenvalues
    :math:`\delta + \Lambda_i` on :math:`\mathrm{range}(P)` and :math:`\delta` on its
    complement (Erway & Marcia 2015; Burdakov, Gong, Zikrin & Yuan, Math. Prog. Comp. 9,
    2017). :meth:`rotate` maps a gradient to :math:`r + 1` coordinates — :math:`P^\top g`
    and the norm of its part outside :math:`\mathrm{range}(P)` — where any shifted or cubic
    subproblem :math:`\min g^\top s + \tfrac12 s^\top B s + \tfrac M6\|s\|^3` is diagonal, so
    the secular equation is solved on :math:`r + 1` numbers
    (:func:`~numopt.second_order.cubic.cubic_step_eigen`); :meth:`unrotate` maps the step
    back. Same interface as :class:`~numopt.second_order.linalg.EigenModel`.

    Examples
    --------
    >>> import numpy as np
    >>> U = np.array([[1.0], [0.0], [0.0]]); model = LowRankEigenModel(2.0, U, np.array([[-3.0]]))
    >>> model.eigenvalues, model.min_eigenvalue
    (array([-1.,  2.]), -1.0)
    """

    def __init__(self, delta, U, C):
        n, r = U.shape
        self.delta = float(delta)
        if r:
            Q, R = np.linalg.qr(U)
            lam, V = np.linalg.eigh(R @ C @ R.T)
            P, values = Q @ V, self.delta + lam
        else:
            P, values = np.zeros((n, 0)), np.zeros(0)
        self.full = P.shape[1] >= n  # range(P) is everything: no complement coordinate
        if not self.full:
            values = np.append(values, self.delta)
        self.order = np.argsort(values, kind="stable")
        self.eigenvalues = values[self.order]
        self.min_eigenvalue = float(self.eigenvalues[0])
        self.P = P
        self._perp = None

    def rotate(self, g):
        """Coordinates of ``g`` in the sorted eigenbasis (host vector of length r + 1)."""
        g = np.asarray(g, dtype=float)
        c = self.P.T @ g
        if not self.full:
            rest = g - self.P @ c
            norm = float(np.linalg.norm(rest))
            gnorm = float(np.linalg.norm(g))
            if norm > 1e-12 * max(gnorm, 1e-300):
                self._perp = rest / norm
            else:
                norm, self._perp = 0.0, None
            c = np.append(c, norm)
        return c[self.order]

    def unrotate(self, s_tilde):
        """The step ``s`` of coordinates ``s_tilde`` (after :meth:`rotate` of the gradient)."""
        coords = np.empty_like(s_tilde)
        coords[self.order] = s_tilde
        r = self.P.shape[1]
        s = self.P @ coords[:r]
        if not self.full and coords[r] != 0.0:
            s = s + coords[r] * self._complement_direction()
        return s

    def shifted_step(self, g, shift):
        r""":math:`-(B + \lambda I)^{-1} g`; ``None`` if :math:`B + \lambda I` is not positive
        definite."""
        if self.min_eigenvalue + shift <= 0.0:
            return None
        return self.unrotate(-self.rotate(g) / (self.eigenvalues + shift))

    def _complement_direction(self):
        if self._perp is None:  # g has no part outside range(P): any unit vector there
            n = self.P.shape[0]
            v = np.random.default_rng(PROBE_SEED).standard_normal(n)
            for _ in range(2):  # twice is enough (Kahan's "twice is enough")
                v = v - self.P @ (self.P.T @ v)
            self._perp = v / np.linalg.norm(v)
        return self._perp
