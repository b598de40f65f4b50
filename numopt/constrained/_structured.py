r"""Factorization-free-of-:math:`S` inner solver of ``alm_sketch`` (``sketch="schur"``) for
Jacobians with a *distributed-control* structure.

When the constraint Jacobian splits, after a column permutation, as
:math:`G = [A\;\; E]` with :math:`A` square (``m x m``, the "state" columns) and :math:`E`
diagonal and nonsingular (``m`` columns with one nonzero each, one per row: the "control"
columns) — the structure of every distributed-control PDE problem, found here from the
sparsity of ``G`` alone — and the Hessian block is approximated by a positive diagonal
:math:`D = \operatorname{diag}(D_y, D_u)`, the Schur complement

.. math:: S = G D^{-1} G^\top = \hat A\hat A^\top + M M^\top,\qquad
          \hat A = A D_y^{-1/2},\quad M = E D_u^{-1/2} \text{ (diagonal)},

is approximated by the *matching* factorization of Pearson & Wathen (Numer. Linear Algebra
Appl. 19:816–829, 2012):

.. math:: \hat S = (\hat A + \sigma M)(\hat A + \sigma M)^\top,

with the sign :math:`\sigma = \pm 1` that makes the cross term
:math:`\sigma(\hat A M + M\hat A^\top)` positive semidefinite; then
:math:`\lambda(\hat S^{-1} S) \subset [\tfrac12, 1]` (``bounded`` below: checked by
Gershgorin's theorem; without it the preconditioner is still SPD, only unbounded). Applying
:math:`\hat S^{-1}` costs one sparse LU of the ``m x m`` matrix :math:`\hat A + \sigma M`
(for a PDE, a 5-point-sized matrix) and two triangular-solve pairs, so :math:`S` itself is
never formed nor factorized.

* ``D`` exactly the (diagonal, positive) Hessian: the KKT system is solved in the range
  space — preconditioned CG (the shared :func:`numopt.core.linalg.cg`) on
  :math:`S\lambda = G D^{-1} b_x - b_\lambda`, then :math:`x = D^{-1}(b_x - G^\top\lambda)`;
  the KKT residual of the pair equals the CG residual, so CG stops on the paper's accuracy
  test directly (checked on the true KKT residual, with refinement steps if rounding hides
  it).
* otherwise: MINRES on the KKT matrix with the block-diagonal preconditioner
  :math:`\operatorname{diag}(D, \hat S)` (Murphy, Golub & Wathen 2000 with Pearson–Wathen's
  :math:`\hat S`), :func:`numopt.constrained._krylov.minres_solve`.
"""

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..core.linalg import cg
from . import _kkt, _krylov

MAX_REFINEMENTS = 4  # range-space CG passes (the first + refinements on the true residual)
ROUNDING = 16  # residual target floor: ROUNDING * eps * || |K| |z| + |b| ||
EPS = float(np.finfo(float).eps)


class ControlSplit:
    """Columns of ``G = [A, E]``: ``state`` (``m`` columns of ``A``), ``control`` (column of
    ``E`` serving row ``i`` at position ``i``) and ``e`` (``E``'s diagonal).

    Attributes
    ----------
    xi_lower : float
        :math:`\\min_i e_i^2 \\le \\lambda_{\\min}(G G^\\top)` (since
        :math:`GG^\\top = AA^\\top + EE^\\top`): a free LICQ bound.
    """

    def __init__(self, state, control, e):
        self.state, self.control, self.e = state, control, e
        self.xi_lower = float(np.min(e * e))


def control_split(G):
    r"""Detect :math:`G = [A\;\;E]` (up to a column permutation) with :math:`E` diagonal and
    nonsingular and :math:`A` square, from the sparsity of ``G`` (O(nnz)).

    Parameters
    ----------
    G : scipy.sparse matrix, shape (m, n)

    Returns
    -------
    ControlSplit or None
        None when ``G`` is dense, some row has no column with a single nonzero, or the
        remaining columns are not ``m`` (``n != 2 m``).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> G = sp.csr_matrix([[2.0, 1.0, 3.0, 0.0], [1.0, 2.0, 0.0, -1.0]])
    >>> s = control_split(G)
    >>> s.state.tolist(), s.control.tolist(), s.e.tolist()
    ([0, 1], [2, 3], [3.0, -1.0])
    >>> control_split(sp.csr_matrix([[1.0, 1.0], [1.0, -1.0]])) is None
    True
    """
    if not sp.issparse(G):
        return None
    m, n = G.shape
    if m == 0 or n != 2 * m:
        return None
    G = sp.csc_matrix(G)
    G.eliminate_zeros()
    counts = np.diff(G.indptr)
    single = np.flatnonzero(counts == 1)
    rows = G.indices[G.indptr[single]]
    # the first single-entry column of each row serves it
    order = np.lexsort((single, rows))
    rows, single = rows[order], single[order]
    first = np.ones(rows.shape[0], dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    rows, single = rows[first], single[first]
    if rows.shape[0] != m:
        return None
    control = np.empty(m, dtype=np.int64)
    control[rows] = single
    is_state = np.ones(n, dtype=bool)
    is_state[control] = False
    state = np.flatnonzero(is_state)
    e_full = np.empty(m)
    e_full[rows] = G.data[G.indptr[single]]
    if state.shape[0] != m or not np.all(np.isfinite(e_full)) or np.any(e_full == 0):
        return None
    return ControlSplit(state, control, e_full)


def positive_diagonal(B):
    """The diagonal of ``B`` when ``B`` is exactly diagonal with positive entries, else None."""
    if sp.issparse(B):
        coo = sp.coo_matrix(B)
        off = (coo.row != coo.col) & (coo.data != 0)
        if np.any(off):
            return None
        diag = B.diagonal()
    else:
        B = np.asarray(B, dtype=float)
        diag = np.diag(B)
        if np.count_nonzero(B - np.diag(diag)):
            return None
    return diag if np.all(diag > 0) else None


def _gershgorin_sign(C):
    """+1 / -1 when the symmetric part of ``C`` is positive / negative semidefinite by
    Gershgorin's theorem, 0 when neither is certified."""
    sym = sp.csr_matrix((C + C.T) * 0.5)
    diag = sym.diagonal()
    radius = np.asarray(abs(sym).sum(axis=1)).ravel() - np.abs(diag)
    if np.all(diag >= radius):
        return 1
    if np.all(-diag >= radius):
        return -1
    return 0


class MatchingSchur:
    r"""Pearson–Wathen's :math:`\hat S = (\hat A + \sigma M)(\hat A + \sigma M)^\top` for
    :math:`S = G D^{-1} G^\top` and a :class:`ControlSplit` of ``G``.

    Attributes
    ----------
    sigma : int
        The sign of the matching term.
    bounded : bool
        True when :math:`\lambda(\hat S^{-1}S)\subset[1/2, 1]` is certified (the cross term
        is semidefinite by Gershgorin).

    Raises
    ------
    RuntimeError
        :math:`\hat A + \sigma M` is exactly singular (SuperLU).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> from numopt.problems.constrained.pde import laplacian_2d
    >>> L = laplacian_2d(8); m = L.shape[0]
    >>> G = sp.hstack([L, sp.identity(m)], format="csr")
    >>> d = np.concatenate([np.ones(m), 0.1 * np.ones(m)])
    >>> P = MatchingSchur(G, d, control_split(G))
    >>> S = (G @ sp.diags(1 / d) @ G.T).toarray()
    >>> ev = np.linalg.eigvals(np.linalg.solve(P.dense(), S)).real
    >>> P.sigma, P.bounded, bool(ev.min() >= 0.5 - 1e-9 and ev.max() <= 1 + 1e-9)
    (-1, True, True)
    """

    def __init__(self, G, d, split):
        self.G = sp.csr_matrix(G)
        self.G_abs = abs(self.G)
        self.d = np.asarray(d, dtype=float)
        self.split = split
        G = sp.csc_matrix(G)
        A = G[:, split.state] @ sp.diags(1.0 / np.sqrt(self.d[split.state]))
        M = split.e / np.sqrt(self.d[split.control])
        sign = _gershgorin_sign(A @ sp.diags(M))
        if sign == 0:  # not certified: the sign of the trace of the cross term
            sign = 1 if float(A.diagonal() @ M) >= 0 else -1
        self.sigma, self.bounded = sign, _gershgorin_sign(sign * (A @ sp.diags(M))) == 1
        self.F = sp.csc_matrix(A + sign * sp.diags(M))
        with np.errstate(all="ignore"):
            self._lu = spla.splu(self.F, permc_spec="MMD_AT_PLUS_A")

    def solve(self, r):
        r""":math:`\hat S^{-1} r` (two triangular-solve pairs)."""
        return self._lu.solve(self._lu.solve(r), trans="T")

    def schur(self, v):
        """:math:`S v = G D^{-1} G^\\top v` (two sparse products, :math:`S` never formed)."""
        return self.G @ ((self.G.T @ v) / self.d)

    def dense(self):
        """:math:`\\hat S` as a dense array (small problems, tests)."""
        F = self.F.toarray()
        return F @ F.T


def range_space_solve(G, d, b, schur, rtol, max_steps, z0=None):
    r"""Solve the KKT system :math:`[D, G^\top; G, 0] z = b` (``D = diag(d)``) to
    :math:`\|Kz - b\| \le` ``rtol`` :math:`\|b\|` by CG on the Schur complement.

    Each pass solves for the correction of the current residual (refinement), so a start
    ``z0`` (or rounding in one pass) is handled the same way. The target is floored at the
    rounding level of the residual itself, ``ROUNDING * eps * || |K| |z| + |b| ||`` (no
    solver, direct ones included, can certify less; on the PDE problem at N = 256 that level
    is about 1e-12 ||b||, above the 1e-13 the accuracy test asks for).

    Returns
    -------
    z : array
    steps : int
        CG iterations (products with :math:`S`).
    converged : bool
    """
    import array_api_compat.numpy as xp

    n = d.shape[0]
    G, G_abs = schur.G, schur.G_abs
    b_norm = float(np.linalg.norm(b))
    z = np.zeros_like(b) if z0 is None else np.array(z0, dtype=float)
    steps = 0

    def residual_and_target():
        r = b - np.concatenate([d * z[:n] + G.T @ z[n:], G @ z[:n]])
        scale = np.abs(b) + np.concatenate([d * np.abs(z[:n]) + G_abs.T @ np.abs(z[n:]),
                                            G_abs @ np.abs(z[:n])])
        target = max(rtol * b_norm, ROUNDING * EPS * float(np.linalg.norm(scale)))
        return r, float(np.linalg.norm(r)), target

    for _ in range(MAX_REFINEMENTS):
        r, r_norm, target = residual_and_target()
        if r_norm <= target or steps >= max_steps:
            return z, steps, bool(r_norm <= target)
        rx, rl = r[:n], r[n:]
        rhs = G @ (rx / d) - rl
        rhs_norm = float(np.linalg.norm(rhs))
        lam = np.zeros_like(rl)
        if rhs_norm > 0.0:
            # the KKT residual of the pair is (0, S lam - rhs): stop CG there
            lam, its, broke = cg(xp, schur.schur, schur.solve, rhs,
                                 min(target / rhs_norm, 0.5), max_steps - steps)
            steps += its
            if broke and its == 0:
                return z, steps, False
        z[n:] += lam
        z[:n] += (rx - G.T @ lam) / d
    _, r_norm, target = residual_and_target()
    return z, steps, bool(r_norm <= target)


def minres_operator(B, schur):
    r"""The preconditioner :math:`\operatorname{diag}(D, \hat S)^{-1}` as a LinearOperator
    (``D = diag(|B_ii|)`` floored, :func:`numopt.constrained._krylov.floored_diagonal`)."""
    n, m = B.shape[0], schur.G.shape[0]
    inverse = 1.0 / schur.d

    def apply(v):
        return np.concatenate([inverse * v[:n], schur.solve(v[n:])])

    return spla.LinearOperator((n + m, n + m), matvec=apply, dtype=np.float64)


class SchurCache:
    r"""The last :class:`MatchingSchur`, reused while ``G`` (same object, same entries) and
    ``d`` are unchanged: linear constraints with a constant Hessian diagonal factorize
    :math:`\hat A + \sigma M` once per run."""

    def __init__(self):
        self._key, self._schur = None, None

    def get(self, G, d, split):
        """The :class:`MatchingSchur` of ``(G, d)``, built (and stored) when not cached."""
        key = self._key
        if key is not None and key[0] is G and np.array_equal(key[1], d) and np.array_equal(
                key[2], G.data):
            return self._schur
        schur = MatchingSchur(G, d, split)
        self._key, self._schur = (G, np.array(d), np.array(G.data)), schur
        return schur


class StructuredKKT:
    r"""The ``sketch="schur"`` inner solver for one KKT matrix ``[B, G^T; G, 0]``: range-space
    PCG when ``B`` is diagonal and positive, MINRES with :math:`\operatorname{diag}(D,\hat S)`
    otherwise. Build with :meth:`build` (None when ``G`` lacks the structure or
    :math:`\hat A + \sigma M` is singular).
    """

    def __init__(self, B, G, split, exact_diagonal, cache=None):
        self.B, self.split = B, split
        self.range_space = exact_diagonal is not None
        d = exact_diagonal if self.range_space else _krylov.floored_diagonal(B)
        self.schur = (cache or SchurCache()).get(G, d, split)

    @classmethod
    def build(cls, B, G, split=None, cache=None):
        """The solver for ``[B, G^T; G, 0]``, or None (no structure, singular factor)."""
        split = split or control_split(G)
        if split is None:
            return None
        try:
            return cls(B, G, split, positive_diagonal(B), cache=cache)
        except RuntimeError:
            return None

    def solve(self, K, b, rtol, max_steps, z0=None):
        """``(z, steps, converged)`` with ``||K z - b|| <= rtol ||b||`` when converged."""
        if self.range_space:
            return range_space_solve(self.schur.G, self.schur.d, b, self.schur, rtol,
                                     max_steps, z0=z0)
        # MINRES stops on the preconditioned residual; when the true one is still above the
        # target, continue from z with the inner tolerance lowered by the observed gap
        operator = minres_operator(self.B, self.schur)
        b_norm = float(np.linalg.norm(b))
        z, steps, inner = z0, 0, rtol
        for _ in range(MAX_REFINEMENTS):
            z, done, converged = _krylov.minres_solve(K, b, operator, inner, max_steps - steps,
                                                      x0=z)
            steps += done
            if converged or steps >= max_steps:
                return z, steps, converged
            gap = float(np.linalg.norm(K @ z - b)) / (rtol * b_norm)
            inner = inner / (2.0 * gap)
        return z, steps, bool(np.linalg.norm(K @ z - b) <= rtol * b_norm)


def least_squares_multipliers(G, g, split, d=None, cache=None, rtol=1e-10):
    r"""The multiplier estimate :math:`\arg\min_\lambda\|g + G^\top\lambda\|_{D^{-1}}`
    (``D = diag(d)``, default ``I``: the least-squares estimate) by PCG on
    :math:`GD^{-1}G^\top\lambda = -GD^{-1}g` with :math:`\hat S`, to relative residual
    ``rtol`` (a start estimate). With ``d`` the Hessian diagonal this is the multiplier of
    the range-space step, and the factorization is shared with the first KKT solve through
    ``cache``. Returns ``(lam, steps)``, ``lam`` None when PCG fails (the caller then
    factorizes :math:`GG^\top`)."""
    import array_api_compat.numpy as xp

    d = np.ones(G.shape[1]) if d is None else np.asarray(d, dtype=float)
    try:
        schur = (cache or SchurCache()).get(G, d, split)
    except RuntimeError:
        return None, 0
    rhs = -(schur.G @ (g / d))
    if not np.any(rhs):
        return np.zeros(G.shape[0]), 0
    max_iter = max(100, G.shape[0] // 10)
    lam, its, broke = cg(xp, schur.schur, schur.solve, rhs, rtol, max_iter)
    if broke or its >= max_iter or not np.all(np.isfinite(lam)):
        return None, its
    return lam, its


AUTO_MIN_ROWS = 3_000  # KKT rows from which the structured solve beats the sparse direct one
# on the PDE control problem (measured crossover, issue 15; alm_sketch's sketch="auto" and
# interior_point's linear_solver="auto")
EXACT_RTOL = 1e-14  # "exact" structured solves: floored at the rounding level of the residual


class StructuredRegularizedKKT(_kkt.SparseRegularizedKKT):
    r""":class:`numopt.constrained._kkt.SparseRegularizedKKT` (interior point's primal-dual
    system) solved by range-space PCG with Pearson–Wathen's :math:`\hat S` while
    :math:`W` is a positive diagonal (no Hessian shift needed: the inertia is right) and
    :math:`A` has the :class:`ControlSplit` structure: the residual is driven to its rounding
    level, so the step is the direct solve's. Falls back to SuperLU (and the curvature-test
    inertia correction) when PCG does not get there.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> W = sp.diags([1.0, 2.0], format="csr"); A = sp.csr_matrix([[1.0, 3.0]])
    >>> split = control_split(A)
    >>> dw, dlam, delta_w = StructuredRegularizedKKT(W, A, np.zeros(2), np.array([-1.0]),
    ...                                              0.0, split).solve(0.0)
    >>> np.round(dw, 6).tolist(), delta_w
    ([0.181818, 0.272727], 0.0)
    """

    def __init__(self, W, A, r_d, r_p, mu, split):
        super().__init__(W, A, r_d, r_p, mu)
        self.split, self._schur, self.steps = split, None, 0

    def _range_space(self, r_p):
        b = -np.concatenate([self.r_d, r_p])
        z, steps, converged = range_space_solve(self._schur.G, self._schur.d, b, self._schur,
                                                EXACT_RTOL, MAX_STRUCTURED_STEPS)
        self.steps += steps
        return z if converged and np.all(np.isfinite(z)) else None

    def solve(self, delta_w_last):
        d = positive_diagonal(self.W)
        if d is not None:
            try:
                self._schur = MatchingSchur(self.A, d, self.split)
            except RuntimeError:
                self._schur = None
            z = None if self._schur is None else self._range_space(self.r_p)
            if z is not None:
                return z[:self.N], z[self.N:], 0.0
        self._schur = None
        return super().solve(delta_w_last)

    def solve_rhs(self, r_p):
        if self._schur is None:
            return super().solve_rhs(r_p)
        z = self._range_space(r_p)
        return None if z is None else z[:self.N]


MAX_STRUCTURED_STEPS = 1_000  # PCG steps of one structured interior-point solve


def regularized_kkt(W, A, r_d, r_p, mu, structured=True):
    """:class:`StructuredRegularizedKKT` when ``structured``, ``A`` is sparse with a
    :class:`ControlSplit` and the system has at least ``AUTO_MIN_ROWS`` rows; else
    :func:`numopt.constrained._kkt.regularized_kkt`."""
    if structured and sp.issparse(A) and sum(A.shape) >= AUTO_MIN_ROWS:
        split = control_split(A)
        if split is not None:
            return StructuredRegularizedKKT(W, A, r_d, r_p, mu, split)
    return _kkt.regularized_kkt(W, A, r_d, r_p, mu)
