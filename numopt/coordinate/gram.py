r"""Gram (covariance-update) coordinate descent for the Lasso when ``n > d``.

:math:`Q = X^\top X` (d × d, dense; a sparse product when ``X`` is sparse) and
:math:`q = X^\top y` are formed once per design — once per *path*, reused at every penalty —
and coordinate descent then works on the correlations :math:`g = q - Qw` alone: O(1) to test
a coordinate, O(d) to move one, O(d) for the duality gap, never O(n) (Friedman, Hastie &
Tibshirani, J. Stat. Softw. 33(1), 2010, §2.2, "covariance updates"; scikit-learn's
``precompute``). Anderson extrapolation of the iterates (Bertrand et al., NeurIPS 2022,
arXiv 2204.07826) as in the working-set solver; the gap formula is in
:mod:`numopt.coordinate._gram_kernels`. Stopping rule: relative duality gap
:math:`(P - D)/P(0) \le` ``tol``, as for :class:`~numopt.coordinate.working_set.WorkingSetCD`.
"""

import numpy as np
import scipy.sparse as sp

from ..backend import resolve_backend
from ..core.loop import run
from ..core.problem import ORACLES
from ..core.solver import Solver, State
from ..core.status import Status
from ..core.validate import check_int
from ..errors import InvalidProblemError
from . import _gram_kernels as G
from .working_set import GRAM_MAX_D, gap_fields, start_coef

EPOCHS_PER_STEP = 100  # epochs of one solver step (one history row)


class GramLasso:
    """A Lasso :class:`~numopt.coordinate.working_set.GLM` in Gram form: ``Q = XᵀX``,
    ``q = Xᵀy``, ``yy = yᵀy`` of its (row-scaled) design, formed once; ``set_penalty`` on
    the GLM changes the penalty without touching them.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.coordinate import lasso
    >>> from numopt.coordinate.working_set import GLM
    >>> from numopt.coordinate.gram import GramLasso, solve_gram
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 8)); y = X[:, 1] - 2 * X[:, 4]
    >>> glm = GLM("lasso", X, y, 0.05 * 100)       # λ = n α (numopt's sum scale)
    >>> coef, res = solve_gram(GramLasso(glm), None, tol=1e-12, max_iter=100)
    >>> res.method, bool(np.allclose(coef, lasso(X, y, 0.05, tol=1e-12)[0], atol=1e-8))
    ('gram_cd', True)
    """

    def __init__(self, glm):
        if glm.kind != "lasso":
            raise InvalidProblemError("the Gram solver is for the Lasso only.")
        design = glm.design
        X = design.X
        none = np.zeros(1, dtype=np.uint64)  # unsigned indices, as in working_set.Design
        if design.sparse:  # a sparse Gram matrix, kept as CSR (symmetric: rows = columns)
            Q = sp.csr_matrix(design.XT @ X)
            Q.sort_indices()
            diag = Q.diagonal()
            self.Q = (np.zeros((1, 1)), Q.data, Q.indices.astype(np.uint64),
                      Q.indptr.astype(np.uint64))
            self.density = Q.nnz / max(Q.shape[0] ** 2, 1)
        else:
            Q = np.ascontiguousarray(design.XT @ X, dtype=np.float64)
            diag = np.diag(Q).copy()
            self.Q = (Q, np.zeros(1), none, none)
            self.density = 1.0
        self.q = design.rmatvec(glm.y)
        self.yy = float(glm.y @ glm.y)
        self.inv_diag = np.where(diag > 0, 1.0 / np.where(diag > 0, diag, 1.0), 0.0)
        self.glm = glm
        self.counts = dict.fromkeys(ORACLES, 0)
        # resolved once per design: a path solves it at every penalty
        self.backend = resolve_backend("numba", self.q, supported=GramCD.backends,
                                       method=GramCD.name)

    @property
    def d(self):
        return self.q.size

    def reset_counts(self):
        self.counts = dict.fromkeys(ORACLES, 0)


def use_gram(glm, precompute, *, path):
    """Whether ``precompute`` (True, False or "auto") selects the Gram solver for ``glm``.

    "auto": a Lasso *path* on a dense design with more samples than features and at most
    ``GRAM_MAX_D`` features (scikit-learn's rule for its paths, with a memory cap). Measured
    (issue-20 grid, one process): dense 2000 × 200 paths 4–9x faster than the working-set
    solver; single fits on independent designs 1.4–1.6x slower (forming ``XᵀX`` costs more
    than the few epochs they need), sparse 10 000 × 1000 paths 1.6x slower (a Gram update
    costs O(d), a sparse residual update O(nnz of a column))."""
    if precompute is True:
        return glm.kind == "lasso"
    if precompute is False or precompute is None:
        return False
    if precompute != "auto":
        raise InvalidProblemError(
            f"precompute must be True, False or 'auto', got {precompute!r}.")
    n, d = glm.design.n, glm.design.d
    return (path and glm.kind == "lasso" and not glm.design.sparse and n > d
            and d <= GRAM_MAX_D)


class GramCD(Solver):
    """Coordinate descent on the Gram form (module docstring); one ``step`` runs up to
    ``EPOCHS_PER_STEP`` epochs. ``converged``: relative duality gap ≤ ``tol``."""

    name = "gram_cd"
    requires = ()
    backends = ("numba",)

    def __init__(self, *, anderson=True, epochs_per_step=EPOCHS_PER_STEP, **kwargs):
        super().__init__(**kwargs)
        self.anderson = bool(anderson)
        self.epochs_per_step = check_int("epochs_per_step", epochs_per_step, low=1)

    def _state(self, gram, w, g, primal, gap, nit, **fields):
        glm = gram.glm
        return State(backend=gram.backend, x=w, aux=g, fun=primal, grad=-g,
                     grad_norm=G.gram_violation(w, g, glm.pen), gap=gap,
                     rel_gap=gap / glm.null_value, nit=nit, **fields)

    def init(self, gram, x0):
        glm = gram.glm
        d = gram.d
        w = start_coef(x0, d, (gram.inv_diag == 0) & (glm.pen > 0))
        g = np.empty(d)
        G.gram_residual(gram.Q, gram.q, w, g)
        gram.counts["grad"] += 1
        G.gram_fit_free(gram.Q, w, g, gram.inv_diag, glm.free)
        primal, gap = G.gram_gap(w, g, gram.q, gram.yy, glm.pen)
        return self._state(gram, w, g, primal, gap, 0, epochs=0, total_epochs=0,
                           extrapolated=0)

    def converged(self, state):
        return state.rel_gap <= self.tol

    def step(self, gram, state):
        glm = gram.glm
        w, g = state.x.copy(), state.aux.copy()
        tol_abs = self.tol * glm.null_value
        epochs, primal, gap, accepted = G.gram_cd(
            gram.Q, gram.q, gram.yy, w, g, glm.pen, gram.inv_diag, glm.free, tol_abs,
            self.epochs_per_step, self.anderson)
        gram.counts["fun"] += 1
        new = self._state(gram, w, g, primal, gap, state.nit + 1, epochs=int(epochs),
                          total_epochs=state.total_epochs + int(epochs),
                          extrapolated=state.extrapolated + int(accepted))
        if not (np.all(np.isfinite(w)) and np.isfinite(gap)):
            return new.replace(stop=Status.NONFINITE, message=(
                "the coefficients became NaN/inf (data too large in magnitude?)."))
        if gap > tol_abs and epochs < self.epochs_per_step:
            return new.replace(stop=Status.STALLED, message=(
                f"no coordinate moves any more at a relative duality gap of "
                f"{new.rel_gap:.3g} (rounding of the Gram matrix; use precompute=False "
                "for tighter tolerances)."))
        return new

    def record(self, state):
        return {"fun": float(state.fun), "grad_norm": float(state.grad_norm),
                "duality_gap": float(state.rel_gap), "epochs": int(state.epochs)}

    def measure(self, state):
        return float(state.rel_gap)

    def result(self, problem, state, status, history, elapsed):
        res = super().result(problem, state, status, history, elapsed)
        return gap_fields(res, state, 0)


def solve_gram(gram, x0, *, tol, max_iter, callback=None, **options):
    """Run :class:`GramCD` on a :class:`GramLasso`; returns ``(coef, result)``."""
    solver = GramCD(tol=tol, max_iter=max_iter, **options)
    res = run(solver, gram, x0, callback=callback)
    return np.asarray(res.x), res
