r"""Working-set solvers for the Lasso and L1-regularized logistic regression.

One outer iteration (:class:`WorkingSetCD` ``step``):

1. score every feature by how close its dual constraint is to being violated,
   :math:`(\lambda\omega_j - |X_j^\top\theta|)/\|X_j\|` (celer, Massias et al. 2018, eq. 9),
   with the current support and the unpenalized features always in; keep the
   ``max(p0, 2·|support|)`` best (skglm's growth rule, Bertrand et al. 2022, Alg. 1);
2. solve the problem restricted to that working set — Lasso: cyclic coordinate descent with
   Anderson extrapolation of the iterates every 6 epochs while convergence is slow
   (Bertrand et al. 2022, Alg. 2), gap checks scheduled by the predicted gap, and on dense
   designs with ``n ≥ 8|W|`` a move to the Gram form of the working set when it pays
   (:meth:`WorkingSetCD._lasso_inner`); logistic: proximal Newton with coordinate-descent
   inner solves — until the working-set duality gap is below 0.3 × the current full gap
   (celer's inner tolerance; Lasso: 0.1 ×, and the final tolerance once no zero feature
   violates its constraint — for ``n ≥ d``, none outside the working set);
3. one pass over all features (Lasso: one numba kernel,
   :func:`~numopt.coordinate._ws_kernels.lasso_measure`): the full gradient, the dual point
   (the residual rescaled into the dual feasible set, and for the Lasso also the Anderson
   extrapolation of the last residuals, whichever has the larger dual value: dual
   extrapolation, Massias et al. 2018, §3), the duality gap, and gap-safe sphere screening
   (Ndiaye, Fercoq, Gramfort & Salmon, JMLR 2017, arXiv 1611.05780): a penalized feature
   with :math:`|X_j^\top\theta| + \rho\|X_j\| < \lambda\omega_j`, :math:`\rho` the radius
   that the gap and the dual's strong concavity give, is zero at the optimum and leaves for
   good. Logistic: the unpenalized features are first fitted to rounding (one-dimensional
   Newton, :func:`~numopt.coordinate._logistic_kernels.logistic_fit_unpenalized`; Lasso:
   exact coordinate steps, :func:`~numopt.coordinate._ws_kernels.lasso_fit_unpenalized`),
   here and before every working-set gap, since the dual point is feasible only where
   :math:`X_j^\top\theta = 0` on them; otherwise the gap is no bound (it can be negative)
   and screening unsafe.

The run stops when the relative duality gap :math:`(P(w) - D(\theta))/P(0) \le` ``tol``:
that is the meaning of ``tol`` for :func:`~numopt.coordinate.lasso`,
:func:`~numopt.coordinate.l1_logistic` and :func:`~numopt.coordinate.lasso_path`.
"""

import numpy as np
import scipy.sparse as sp

from ..backend import resolve_backend
from ..core.loop import run
from ..core.problem import ORACLES
from ..core.solver import Solver, State
from ..core.status import Status
from ..core.validate import as_float_array, check_all_finite, check_int
from ..errors import InvalidProblemError
from . import _gram_kernels as G
from . import _logistic_kernels as LK
from . import _ws_kernels as K

P0 = 10  # smallest first working-set size (celer, skglm)
P0_FRACTION = 10  # default first size max(10, min(n, d)/10): measured faster for n >> d
# (sparse 10000 x 1000 at α_max/10: 1.5 ms vs 5.8 ms with 10), neutral for d >> n
GROWTH = 1  # the working set never shrinks (measured: doubling it each time is slower)
SATURATED = 0.9  # support ≥ 90 % of the working set: it grows 4x, not 2x
FAST_GROWTH = 4
ALL_ABOVE = 0.5  # a working set above half the candidates takes them all
EXTRAPOLATE_BELOW = 1e3  # dual extrapolation (a second pass) only when gap < 1e3 tol
INNER_RATIO = 0.3  # inner tolerance = INNER_RATIO × current duality gap (celer)
LASSO_FINAL_WHEN_NO_VIOLATOR = True  # Lasso: solve to the final tol once no zero feature
# violates its constraint (measured: paths 10-30 % faster, single fits neutral to 1.5x)
LASSO_INNER_RATIO = 0.1  # the Lasso's (measured on six grid cells: 0-20 % faster than
# 0.3, never slower beyond noise)
CHECK_EVERY = 10  # Lasso: epochs between working-set gap checks
MAX_EPOCHS = 50_000  # Lasso: cap on the epochs of one inner solve
MAX_NEWTON = 50  # logistic: Newton steps of one inner solve
MAX_CD = 50  # logistic: coordinate-descent epochs per Newton step (20 can stall)
NEWTON_ETA = 0.5  # logistic: inner model solve stops at this fraction of the violation
DUAL_K = K.ANDERSON_K + 1  # residuals kept for dual extrapolation
STALL = 0.999  # outer iterations on an unchanged working set must cut the best gap by
STALL_ROUNDS = 3  # 0.1 % at least once in 3 rounds, else the run ends as STALLED
SAFE_MARGIN = 1e-8  # screening test margin: rounding never removes an active feature
GRAM_MAX_D = 4000  # no Gram matrix is formed above this many features (128 MB)
GRAM_EPOCH_COST = 8  # forming X_SᵀX_S (BLAS) costs about |S|/8 coordinate-descent epochs
# over S (measured: 2000 × 200 dense, 1.93 ms = 23 epochs of 85 µs)
_EMPTY = np.empty(0)  # "no dual extrapolation candidate" for the Lasso measure kernel


class Design:
    """A design matrix prepared for column access without densification.

    ``X`` dense: kept column-major (one copy when given row-major); scipy.sparse: CSC with
    sorted indices (one conversion when given in another format). ``row_scale`` multiplies
    row ``i`` by ``row_scale[i]`` (the square roots of Lasso sample weights).
    """

    def __init__(self, X, row_scale=None):
        if sp.issparse(X):
            X = sp.csc_matrix(X, dtype=np.float64)
            check_all_finite("X", X.data)
            if row_scale is not None:
                X = sp.csc_matrix(sp.diags(row_scale) @ X)
            X.sort_indices()
            self.sparse = True
            self.X = X
            # unsigned indices: numba then skips the negative-index wraparound test on every
            # gather/scatter (measured, 10 000 × 1000 at 0.5 %: a CD epoch 39 vs 56 µs with
            # int64, 61 µs with scipy's int32; mixing signed and unsigned is slower still)
            self.data, self.indices, self.indptr = X.data, X.indices.astype(
                np.uint64), X.indptr.astype(np.uint64)
        else:
            X = as_float_array("X", X, ndim=2)
            if row_scale is not None:
                X = X * row_scale[:, None]
            X = np.asfortranarray(X)
            self.sparse = False
            self.X = X
            self.data = X.ravel(order="F")
            self.indices = self.indptr = np.zeros(1, dtype=np.uint64)  # one compiled kernel
        self.n, self.d = X.shape
        self.XT = X.T  # CSR view of the CSC arrays (no copy) / C-ordered view

    def arrays(self):
        return self.sparse, self.data, self.indices, self.indptr, self.n

    def rmatvec(self, v):
        """``Xᵀv``: one pass over the data."""
        return np.asarray(self.XT @ v).ravel()

    def matvec(self, w):
        return np.asarray(self.X @ w).ravel()

    def sq_norms(self, h=None):
        """``Σ_i h_i X_ij²`` for every column (``h = 1`` when None)."""
        if self.sparse:
            if h is None:  # one pass over the data, no X.multiply(X) copy
                return K.csc_sq_norms(self.data, self.indptr)
            sq = self.X.multiply(self.X)
            return np.asarray(sq.T @ h).ravel()
        if h is None:  # one vectorized pass (einsum on Fortran order measured 5x slower)
            return K.dense_sq_norms(self.data, self.n, self.d)
        return np.einsum("ij,ij,i->j", self.X, self.X, h)


class GLM:
    """A Lasso or L1-logistic instance in numopt's sum scale.

    Lasso: :math:`P(w) = \\tfrac12\\sum_i s_i(y_i - x_i^\\top w)^2 + \\lambda\\sum_j
    \\omega_j|w_j|`; logistic: :math:`P(w) = \\sum_i s_i\\log(1 + e^{-y_i x_i^\\top w}) +
    \\lambda\\sum_j\\omega_j|w_j|` (labels ±1). ``pen = λ ω``.
    """

    def __init__(self, kind, X, y, lam, weights=None, sample_weight=None):
        self.kind = kind
        y = as_float_array("y", y, ndim=1)
        n = X.shape[0]
        if y.shape != (n,):
            raise InvalidProblemError(
                f"y must have shape ({n},) to match the {n} rows of X, got {y.shape}.")
        s = None
        if sample_weight is not None:
            s = as_float_array("sample_weight", sample_weight, ndim=1)
            if s.shape != (n,) or np.any(s < 0) or not np.any(s > 0):
                raise InvalidProblemError(
                    f"sample_weight must be {n} non-negative numbers, not all zero; got "
                    f"shape {s.shape}" + (" with negative entries" if np.any(s < 0) else "")
                    + ".")
        self.total_weight = float(n if s is None else s.sum())
        if kind == "lasso":
            root = None if s is None else np.sqrt(s)
            self.design = Design(X, root)
            self.y = y if root is None else y * root
            self.s = np.ones(n)
            self.null_value = max(0.5 * float(self.y @ self.y), 1e-300)
        else:
            self.design = Design(X)
            self.y = y
            self.s = np.ones(n) if s is None else s
            self.null_value = float(self.s.sum()) * np.log(2.0)
        d = self.design.d
        if weights is None:
            omega = np.ones(d)
        else:
            omega = as_float_array("weights", weights, ndim=1)
            if omega.shape != (d,) or np.any(omega < 0):
                raise InvalidProblemError(
                    f"weights must be {d} non-negative penalty factors (one per column of X; "
                    f"0 leaves a feature unpenalized), got shape {omega.shape}"
                    + (" with negative entries" if np.any(omega < 0) else "") + ".")
        self.weights = omega
        self._weighted = np.flatnonzero(omega > 0)  # penalized features when λ > 0
        self._unweighted = np.flatnonzero(omega <= 0).astype(np.int64)
        self.set_penalty(lam)
        self.norms2 = self.design.sq_norms()
        self.norms = np.sqrt(self.norms2)
        self.inv_lc = np.where(self.norms2 > 0, 1.0 / np.where(self.norms2 > 0, self.norms2,
                                                                  1.0), 0.0)
        self.counts = dict.fromkeys(ORACLES, 0)
        self.last = None  # (w, aux, Xᵀν) of the last State built: a warm start reuses them
        self.check_hint = 0.0  # Lasso: gap²/decrease of the last inner solve (lasso_inner)

    def set_penalty(self, lam):
        """Set the penalty λ (sum scale): ``pen = λ ω``."""
        self.lam = float(lam)
        self.pen = self.lam * self.weights
        if self.lam > 0:
            self.penalized, self.free = self._weighted, self._unweighted
        else:
            self.penalized, self.free = self._weighted[:0], np.arange(
                self.weights.size, dtype=np.int64)
        self.inv_pen = 1.0 / self.pen[self.penalized]

    def reset_counts(self):
        self.counts = dict.fromkeys(ORACLES, 0)

    # -------------------------------------------------------------- values at a point
    def aux(self, w):
        """Residual ``y − Xw`` (Lasso) or margins ``Xw`` (logistic)."""
        if not np.any(w):  # a cold start: no pass over the data
            return self.y.copy() if self.kind == "lasso" else np.zeros(self.design.n)
        z = self.design.matvec(w)
        return self.y - z if self.kind == "lasso" else z

    def dual_residual(self, aux):
        """``ν`` with ``X_jᵀν = −∂f/∂w_j``: ``r`` (Lasso), ``s y σ(−y z)`` (logistic)."""
        if self.kind == "lasso":
            return aux
        nu = np.empty(aux.size)  # vectorized numba kernel: 5x NumPy's expit route
        LK.dual_residual(aux, self.y, self.s, nu)
        return nu

    def primal(self, w, aux):
        self.counts["fun"] += 1
        if self.kind == "lasso":
            loss = 0.5 * float(aux @ aux)
        else:
            terms = np.empty(aux.size)  # log(1 + e^t), t = −y z: vectorized numba kernel
            LK.losses(aux, self.y, terms)
            loss = float(self.s @ terms)
        return loss + float(self.pen @ np.abs(w))

    def dual(self, nu, corr):
        """Dual value at ``θ = c ν``, ``c`` the largest ``≤ 1`` making ``|X_jᵀθ| ≤ pen_j``
        on penalized features; returns ``(D, c)``."""
        worst = float(np.max(np.abs(corr[self.penalized]) * self.inv_pen)) if (
            self.penalized.size) else 0.0
        c = 1.0 if worst <= 1.0 else 1.0 / worst
        if self.kind == "lasso":
            return c * float(nu @ self.y) - 0.5 * c * c * float(nu @ nu), c
        ent = np.empty(nu.size)  # H(c ν y/s) per sample: vectorized numba kernel
        LK.entropies(nu, self.y, self.s, c, ent)
        return -float(self.s @ ent), c

    def radius(self, gap):
        """Gap-safe sphere radius: the dual is μ-strongly concave in ``ν`` with μ = 1
        (Lasso) or 4/max(s) (logistic), so ``‖θ − θ*‖ ≤ sqrt(2 gap/μ)``."""
        gap = max(gap, 0.0)
        if self.kind == "lasso":
            return np.sqrt(2.0 * gap)
        return np.sqrt(0.5 * gap * float(self.s.max()))

    def violation(self, w, corr):
        """``max_j dist(X_jᵀν, pen_j ∂|w_j|)``: the optimality violation (0 at the optimum)."""
        nz = w != 0
        out = np.where(nz, np.abs(corr - self.pen * np.sign(w)),
                       np.maximum(np.abs(corr) - self.pen, 0.0))
        return float(out.max()) if out.size else 0.0


class WorkingSetCD(Solver):
    """Outer loop of the working-set solvers (see the module docstring); one ``step`` is one
    working-set iteration. ``converged``: relative duality gap ≤ ``tol``.

    ``dual_extrapolation`` (Lasso) is off by default: measured on the issue-20 grid designs
    (dense 500 × 5000 Toeplitz 0.9, sparse 10 000 × 1000 Toeplitz 0.9, α_max/100), the extra
    passes it costs outweigh the earlier stops (0.46 s vs 0.30 s, 0.61 s vs 0.44 s)."""

    name = "working_set_cd"
    requires = ()
    backends = ("numba",)

    def __init__(self, *, p0=None, screening=True, anderson=True, dual_extrapolation=False,
                 max_epochs=MAX_EPOCHS, **kwargs):
        super().__init__(**kwargs)
        self.p0 = check_int("p0", p0, low=1, allow_none=True)
        self.screening = bool(screening)
        self.anderson = bool(anderson)
        self.dual_extrapolation = bool(dual_extrapolation)
        self.max_epochs = check_int("max_epochs", max_epochs, low=1)
        self._backend = None  # resolved at the first run (a path reuses the solver)

    # ----------------------------------------------------------------- helpers
    def _measure(self, glm, w, aux, screened, extra=None, corr=None):
        """Full pass: correlations ``Xᵀν`` (``corr``: already known), the best dual point's
        ``Xᵀθ``, primal, gap, violation and screening (a new mask). Returns ``(corr,
        dual_corr, primal, gap, screened, violation, newly)``, ``newly`` the number of
        screened features with ``w_j ≠ 0``."""
        screened = screened.copy()
        if glm.kind == "lasso":  # one numba pass (NumPy reference: the GLM methods)
            have = corr is not None
            corr = np.empty(glm.design.d) if corr is None else corr
            dual_corr = np.empty(glm.design.d)
            window = np.array([self.tol, EXTRAPOLATE_BELOW * self.tol]) * glm.null_value
            primal, gap, violation, newly = K.lasso_measure(
                *glm.design.arrays(), w, aux, glm.y, glm.pen, glm.norms, corr, have,
                _EMPTY if extra is None else extra, window, dual_corr, screened,
                self.screening, SAFE_MARGIN)
            glm.counts["fun"] += 1
            glm.counts["grad"] += int(not have) + int(extra is not None)
            return corr, dual_corr, primal, gap, screened, violation, newly
        nu = glm.dual_residual(aux)
        corr = glm.design.rmatvec(nu)
        glm.counts["grad"] += 1
        primal = glm.primal(w, aux)
        dual, c = glm.dual(nu, corr)
        dual_corr = c * corr
        gap = max(primal - dual, 0.0)
        if self.screening:
            rad = glm.radius(gap)
            screened |= (glm.pen > 0) & (np.abs(dual_corr) + rad * glm.norms
                                         < (1.0 - SAFE_MARGIN) * glm.pen)
        newly = int(np.count_nonzero(screened & (w != 0)))
        return corr, dual_corr, primal, gap, screened, glm.violation(w, corr), newly

    def _fit_free(self, glm, w, aux):
        """Fit the unpenalized features exactly (in place) before a gap is taken, so that
        the dual point meets ``X_jᵀθ = 0`` on them (see
        :func:`~numopt.coordinate._logistic_kernels.logistic_fit_unpenalized`,
        :func:`~numopt.coordinate._ws_kernels.lasso_fit_unpenalized`)."""
        if glm.kind == "lasso" and glm.free.size:
            K.lasso_fit_unpenalized(*glm.design.arrays(), w, aux, glm.free, glm.inv_lc,
                                    K.MAX_FREE_SWEEPS)
        elif glm.kind != "lasso" and glm.free.size:
            LK.logistic_fit_unpenalized(*glm.design.arrays(), w, aux, glm.y, glm.s, glm.free,
                                        LK.MAX_FREE_SWEEPS)

    def _state(self, glm, w, aux, screened, nit, extra=None, corr=None, **fields):
        """The State at ``(w, aux)`` (fresh arrays, taken over and modified in place);
        ``corr`` = ``Xᵀaux`` when known (Lasso, no unpenalized feature)."""
        if glm.free.size:
            self._fit_free(glm, w, aux)
            corr = None
        corr, dual_corr, primal, gap, screened, violation, newly = self._measure(
            glm, w, aux, screened, extra, corr)
        if newly:  # screened features are zero at the optimum: put them there
            newly_mask = screened & (w != 0)
            if glm.kind == "lasso":
                aux += glm.design.matvec(np.where(newly_mask, w, 0.0))
            else:
                aux -= glm.design.matvec(np.where(newly_mask, w, 0.0))
            w[newly_mask] = 0.0
            self._fit_free(glm, w, aux)
            corr, dual_corr, primal, gap, screened, violation, _ = self._measure(
                glm, w, aux, screened)
        glm.last = (w.copy(), aux, corr)  # a warm start at this point reuses aux and corr
        return State(backend=self._backend, x=w, aux=aux, fun=primal, grad=-corr,
                     grad_norm=violation, gap=gap, rel_gap=gap / glm.null_value,
                     dual_corr=dual_corr, screened=screened, nit=nit, **fields)

    # ----------------------------------------------------------------- Solver API
    def init(self, glm, x0):
        d = glm.design.d
        w = start_coef(x0, d, (glm.norms2 == 0) & (glm.pen > 0))
        screened = np.zeros(d, dtype=bool)
        if self._backend is None:
            self._backend = resolve_backend("numba", w, supported=self.backends,
                                            method=self.name)
        last = glm.last
        if x0 is not None and last is not None and np.array_equal(w, last[0]):
            aux, corr = last[1].copy(), last[2].copy()  # a path's warm start: no pass
        else:
            aux, corr = glm.aux(w), None
        return self._state(glm, w, aux, screened, 0, corr=corr, ws_size=0, epochs=0,
                           total_epochs=0, inner_gap=np.inf, extrapolated=0,
                           best_gap=np.inf, stalls=0)

    def converged(self, state):
        return state.rel_gap <= self.tol

    def step(self, glm, state):
        w, aux = state.x.copy(), state.aux.copy()
        ws, complete, zero_violators, violators_out = self._working_set(glm, state)
        final = self.tol * glm.null_value
        # a working set holding every candidate is the whole problem: solve it to the end
        ratio = LASSO_INNER_RATIO if glm.kind == "lasso" else INNER_RATIO
        if glm.kind == "lasso" and LASSO_FINAL_WHEN_NO_VIOLATOR and not (
                violators_out if glm.design.n >= glm.design.d else zero_violators):
            complete = True  # no zero feature violates its constraint (n ≥ d: none outside
            # the working set): the support is in (n ≥ d only: with d ≫ n the violators
            # are no estimate of the support — measured, the n ≥ d test doubled dense
            # 200 × 2000 Toeplitz α_max/1000, whose intermediate sets it over-solved)
        tol_in = final if complete else max(ratio * state.gap, 0.1 * final)
        arrays = glm.design.arrays()
        extra = corr = None
        if glm.kind == "lasso":
            epochs, inner_gap, accepted, corr, res_buf = self._lasso_inner(
                glm, ws, w, aux, tol_in, complete)
            if res_buf.shape[0] and epochs >= DUAL_K and not glm.free.size:
                extra = _extrapolate_residual(res_buf, epochs)
        else:
            newton, inner_gap, epochs = LK.logistic_inner(
                *arrays, w, aux, glm.y, glm.s, ws, glm.pen, tol_in, MAX_NEWTON, MAX_CD,
                NEWTON_ETA, self.anderson)
            glm.counts["hess"] += int(newton)
            accepted = 0
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(aux))):
            return state.replace(nit=state.nit + 1, stop=Status.NONFINITE,
                                 message="the coefficients became NaN/inf in the inner solve "
                                         "(data too large in magnitude?).")
        new = self._state(glm, w, aux, state.screened, state.nit + 1, extra=extra, corr=corr,
                          ws_size=int(ws.size), epochs=int(epochs),
                          total_epochs=state.total_epochs + int(epochs), inner_gap=inner_gap,
                          extrapolated=state.extrapolated + int(accepted),
                          best_gap=state.best_gap, stalls=state.stalls)
        best = min(state.best_gap, state.gap)
        stalls = state.stalls + 1 if (new.gap >= STALL * best and ws.size <= state.ws_size) else 0
        new.best_gap, new.stalls = best, stalls  # new is this step's own State
        if stalls >= STALL_ROUNDS:
            return new.replace(stop=Status.STALLED, message=(
                f"no progress in {STALL_ROUNDS} outer iterations at a relative duality gap of "
                f"{new.rel_gap:.3g} (the inner solver cannot decrease the objective further "
                "in floating point)."))
        return new

    def _lasso_inner(self, glm, ws, w, aux, tol_in, complete):
        """The Lasso's inner solve on ``ws`` (``w``, ``aux`` in place): coordinate descent
        (:func:`~numopt.coordinate._ws_kernels.lasso_inner`), moved to the Gram form of
        ``ws`` when that pays (:func:`_gram_pays`, :func:`_gram_pays_now`). Returns
        ``(epochs, gap, accepted_extrapolations, corr, res_buf)``: ``corr`` is ``Xᵀr`` when
        ``ws`` is every feature and the last check saw the final residual, else None;
        ``res_buf`` the residual record for dual extrapolation (empty: none)."""
        arrays = glm.design.arrays()
        res_buf = np.empty((DUAL_K if self.dual_extrapolation else 0, glm.design.n))
        corr = np.empty(glm.design.d)

        def descend(max_epochs):
            epochs, gap, accepted, glm.check_hint = K.lasso_inner(
                *arrays, w, aux, glm.y, ws, glm.inv_lc, glm.pen, tol_in, max(max_epochs, 1),
                CHECK_EVERY, self.anderson, res_buf, corr, glm.check_hint)
            return epochs, gap, accepted

        if not (complete and _gram_pays(glm, ws)):
            epochs, gap, accepted = descend(self.max_epochs)
        else:  # rent: as many epochs as the Gram matrix costs, then measure the rate over
            # two Anderson cycles (a rate between extrapolations misses their jumps)
            epochs, gap, accepted = descend(ws.size // GRAM_EPOCH_COST)
            if gap > tol_in:
                probe, probe_gap, more_accepted = descend(2 * (K.ANDERSON_K + 1))
                epochs, accepted = epochs + probe, accepted + more_accepted
                if probe_gap > tol_in:
                    if _gram_pays_now(glm, ws, gap, probe_gap, tol_in, probe):  # buy
                        more, probe_gap, more_accepted = _gram_inner(
                            glm, ws, w, aux, tol_in, self.max_epochs - epochs, self.anderson)
                        res_buf = res_buf[:0]  # the residual record ends here
                        corr = None
                    else:
                        more, probe_gap, more_accepted = descend(self.max_epochs - epochs)
                    epochs, accepted = epochs + more, accepted + more_accepted
                gap = probe_gap
        if ws.size < glm.design.d:
            corr = None  # known on the working set only
        return epochs, gap, accepted, corr, res_buf

    def _working_set(self, glm, state):
        """``(ws, complete, zero_violators, violators_out)``: the working set (sorted),
        whether it holds every candidate, and the number of zero features that violate
        their constraint, all and outside the working set."""
        score = np.empty(glm.design.d)
        zero_violator = np.empty(glm.design.d, dtype=np.bool_)
        candidates, nnz, violators, zero_violators = K.working_set_scores(
            state.x, glm.pen, glm.norms, -state.grad, state.dual_corr, state.screened, score,
            zero_violator)
        p0 = self.p0 or max(P0, min(glm.design.n, glm.design.d) // P0_FRACTION)
        size = max(p0, 2 * nnz, GROWTH * state.ws_size)
        if state.ws_size and nnz >= SATURATED * state.ws_size:
            # the support filled the set: grow faster, but not past 2n (an L1 solution in
            # general position has at most n non-zeros)
            size = max(size, min(FAST_GROWTH * state.ws_size, 2 * glm.design.n))
        if glm.kind == "lasso" and not state.ws_size and glm.design.n >= glm.design.d:
            # Lasso, n ≥ d, first working set: at least the features violating their
            # constraint now (an estimate of the support); when that is most of them, the
            # first inner solve takes everything (measured, sparse 10 000 × 1000 at
            # α_max/100: one outer iteration instead of three, 2.5 vs 3.2 ms)
            size = max(size, violators)
        if size >= ALL_ABOVE * candidates:
            size = candidates  # nearly everything: one pass per epoch is as cheap
        size = min(size, candidates)
        if size == 0:
            return np.zeros(0, dtype=np.int64), True, zero_violators, zero_violators
        ws = K.working_set_select(score, size)
        inside = int(np.count_nonzero(zero_violator[ws]))
        return ws, size == candidates, zero_violators, zero_violators - inside

    # ----------------------------------------------------------------- recording
    def record(self, state):
        return {"fun": float(state.fun), "grad_norm": float(state.grad_norm),
                "duality_gap": float(state.rel_gap), "ws_size": int(state.ws_size),
                "epochs": int(state.epochs), "screened": int(np.count_nonzero(state.screened))}

    def measure(self, state):
        return float(state.rel_gap)

    def result(self, problem, state, status, history, elapsed):
        res = super().result(problem, state, status, history, elapsed)
        return gap_fields(res, state, int(np.count_nonzero(state.screened)))


def start_coef(x0, d, zero):
    """The first coefficients: ``x0`` checked (zeros when None), a copy, 0 where ``zero``
    (penalized all-zero columns: the penalty decides)."""
    w = np.zeros(d) if x0 is None else np.array(x0, dtype=np.float64)
    if w.shape != (d,) or not np.all(np.isfinite(w)):
        raise InvalidProblemError(
            f"x0 must be {d} finite numbers (a warm start for the coefficients), got "
            f"shape {w.shape}.")
    w[zero] = 0.0
    return w


def gap_fields(res, state, screened):
    """The duality-gap solvers' extra :class:`~numopt.core.result.Result` fields."""
    res["duality_gap"] = float(state.rel_gap)
    res["gap"] = float(state.gap)
    res["epochs"] = int(state.total_epochs)
    res["screened"] = screened
    res["extrapolated"] = int(state.extrapolated)
    return res


def _gram_pays(glm, ws):
    """Whether the final inner solve of the Lasso on ``ws`` may move to the Gram form after
    ``|ws|/GRAM_EPOCH_COST`` epochs (as many as forming ``X_wsᵀX_ws`` costs; then
    :func:`_gram_pays_now` decides): dense design, ``8|ws| ≤ n`` (a Gram epoch, O(|ws|²),
    then costs at most an eighth of a residual epoch, O(|ws| n)), ``|ws| ≤ GRAM_MAX_D``.
    Only the final solve (to the run's tolerance): a loose intermediate one rarely runs
    long enough to repay the matrix, and the next working set would need another."""
    return (not glm.design.sparse and 8 * ws.size <= glm.design.n
            and GRAM_EPOCH_COST <= ws.size <= GRAM_MAX_D)


def _gram_pays_now(glm, ws, start_gap, gap, tol_in, epochs):
    """After ``epochs`` epochs took the gap from ``start_gap`` to ``gap``: do the epochs
    still needed at that linear rate, at ``1 − |ws|/n`` of their cost saved each on the
    Gram form, repay forming it (``|ws|/GRAM_EPOCH_COST`` epochs) twice over? (The rate
    misses later extrapolation jumps, so it overestimates the epochs left: measured on
    dense 2000 × 200 Toeplitz 0.9, α_max/100, 34 predicted where 25 were run.)"""
    rate = (gap / start_gap) ** (1.0 / epochs) if 0.0 < gap < start_gap else 1.0
    remaining = np.log(gap / tol_in) / max(-np.log(rate), 1e-12)
    return remaining * (1.0 - ws.size / glm.design.n) > 2.0 * ws.size / GRAM_EPOCH_COST


def _gram_inner(glm, ws, w, aux, tol_in, max_epochs, anderson):
    """Finish the working-set problem by coordinate descent on its Gram form (Friedman,
    Hastie & Tibshirani 2010; :func:`~numopt.coordinate._gram_kernels.gram_cd`) from the
    current ``w``, to the working-set gap ``tol_in``; ``w`` and the residual ``aux`` are
    updated in place (the residual recomputed, ``y − X_ws w_ws``, so no Gram rounding
    reaches the outer gap). Returns ``(epochs, gap, accepted_extrapolations)``."""
    X_ws = glm.design.X[:, ws]
    Q = X_ws.T @ X_ws  # C-ordered: row j = column j (symmetric)
    q = X_ws.T @ glm.y
    sub = w[ws]
    g = q - Q @ sub
    pen = glm.pen[ws]
    none = np.zeros(1, dtype=np.uint64)
    epochs, _, gap, accepted = G.gram_cd(
        (np.ascontiguousarray(Q), np.zeros(1), none, none), q, float(glm.y @ glm.y), sub, g,
        pen, glm.inv_lc[ws], np.flatnonzero(pen <= 0).astype(np.int64), tol_in,
        max(max_epochs, 1), anderson)
    w[ws] = sub
    aux[:] = glm.y - X_ws @ sub
    return epochs, gap, accepted


def _extrapolate_residual(res_buf, epochs):
    """Anderson extrapolation of the last ``K+1`` stored residuals (dual extrapolation,
    Massias, Gramfort & Salmon 2018, eq. 11); None when the system is singular."""
    rows = res_buf.shape[0]
    order = [(epochs + t) % rows for t in range(rows)]  # oldest first
    buf = res_buf[order]
    c = K.anderson_weights(buf)
    if c.size == 0:
        return None
    return c @ buf[1:]


def solve(glm, x0, *, tol=None, max_iter=None, callback=None, solver=None, **options):
    """Run :class:`WorkingSetCD` (``solver``, or one built from ``tol``, ``max_iter`` and
    ``options``) on a :class:`GLM`; returns ``(coef, result)``."""
    if solver is None:
        solver = WorkingSetCD(tol=tol, max_iter=max_iter, **options)
    res = run(solver, glm, x0, callback=callback)
    return np.asarray(res.x), res
