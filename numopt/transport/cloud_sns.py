r"""Sinkhorn–Newton–Sparse on a :class:`~numopt.transport.PointCloud` (``method="sns"``):
the cloud's Sinkhorn as warm-up, then Newton steps whose Hessian keeps only the high-mass
plan entries, gathered tile by tile from the k-d tree (no ``n x m`` array ever exists)."""

import math

import numba
import numpy as np
import scipy.sparse

from ..core.validate import check_int, check_real
from . import _cloud_kernels
from .cloud import CloudSinkhorn
from .newton import newton_direction, null_space_projection
from .sns import (
    ARMIJO_C1,
    CG_ITER_PER_UNKNOWN,
    CG_RTOL,
    CG_SHIFT,
    FORCING,
    FORCING_MAX,
    MAX_HALVINGS,
    MERIT_SWITCH,
    SLOW_RATIO,
    STUCK_RATIO,
    WARMUP,
    backtrack,
    newton_record,
)

CUTOFF = 1e-6  # first relative threshold: entries >= CUTOFF x their row's mass are kept
CUTOFF_MIN = 1e-14  # the threshold is divided by CUTOFF_SHRINK after slow steps, down to this
CUTOFF_SHRINK = 100.0


@numba.njit(parallel=True, cache=True)
def _high_mass(X, YT, Y, f, g, starts, lo, hi, gmax, euclid, cost_fn, bounded, thr, reg,
               indptr, indices, data, fill):
    """Entries ``P_ij = exp((f_i + g_j - c_ij)/reg)`` with ``g_j - c_ij >= thr[i]``, one row
    per thread; tiles whose bound (largest ``g`` minus the cost to the tile's box, as in
    :func:`numopt.transport._cloud_kernels.cloud_lse`) is below ``thr[i]`` are skipped.
    ``fill=False`` counts them into ``indptr[i + 1]``; ``fill=True`` writes the CSR arrays."""
    n = X.shape[0]
    chunk = _cloud_kernels.CHUNK
    for i in numba.prange(n):
        cbuf = np.empty(chunk)
        x = X[i]
        t = thr[i]
        k = indptr[i] if fill else 0
        for c in range(starts.size - 1):
            if bounded and gmax[c] - _cloud_kernels._box_cost(x, lo[c], hi[c], euclid) < t:
                continue
            for s in range(starts[c], starts[c + 1], chunk):
                e = min(starts[c + 1], s + chunk)
                _cloud_kernels._tile_costs(x, YT, Y, s, e, euclid, cost_fn, cbuf)
                for jj in range(e - s):
                    h = g[s + jj] - cbuf[jj]
                    if h >= t:
                        if fill:
                            indices[k] = s + jj
                            data[k] = math.exp((f[i] + h) / reg)
                        k += 1
        if not fill:
            indptr[i + 1] = k


def high_mass_entries(problem, f, g, lse, cutoff):
    """CSR matrix (tree order) of the plan entries at ``(f, g)`` holding at least ``cutoff``
    of their row's mass (``lse``: the row log-sum-exps of ``(g - C)/reg``)."""
    ops, reg = problem.ops, problem.reg
    rows, cols = ops.source, ops.target
    vmax = np.empty(cols.starts.size - 1)
    _cloud_kernels.call("tile_max", g.size // 64, g, cols.starts, vmax)
    thr = reg * (lse + math.log(cutoff))
    n = rows.points.shape[0]
    indptr = np.zeros(n + 1, dtype=np.int64)
    args = (rows.points, cols.transposed, cols.points, f, g, cols.starts, cols.lo, cols.hi,
            vmax, ops.euclid, ops.cost_fn, ops.cost_fn is None, thr, reg)
    _high_mass(*args, indptr, np.empty(0, np.int64), np.empty(0), False)
    np.cumsum(indptr, out=indptr)
    indices, data = np.empty(indptr[-1], dtype=np.int64), np.empty(indptr[-1])
    _high_mass(*args, indptr, indices, data, True)
    return scipy.sparse.csr_matrix((data, indices.astype(np.int32), indptr),
                                   shape=(n, g.size))


class CloudSinkhornNewtonSparse(CloudSinkhorn):
    r"""Sinkhorn–Newton–Sparse on a point cloud (``method="sns"`` with a
    :class:`~numopt.transport.PointCloud`).

    Tang, Shavlovsky, Rahmanian, Tardini, Thekumparampil, Xiao, Ying, "Accelerating
    Sinkhorn Algorithm with Sparse Newton Iterations", ICLR 2024, arXiv 2401.12253,
    Algorithm 1, without a cost matrix:

    1. the cloud's Sinkhorn (:class:`~numopt.transport.cloud.CloudSinkhorn`: multiscale
       start, ε-scaling, over-relaxation, truncated online log-sum-exps) until ``warmup``
       iterations past the ε-scaling stages (or to ``tol``);
    2. Newton steps on the dual, :math:`K_s d = \mathrm{reg}\,\nabla D` (eq. (5)), where
       :math:`K_s` keeps the exact diagonal blocks (the marginals, from the online
       log-sum-exps) and, off the diagonal, the plan entries holding at least ``cutoff``
       of their row's mass, gathered from the k-d tree's tiles whose bound allows such an
       entry (:func:`high_mass_entries`); solved by Jacobi-PCG
       (:func:`~numopt.transport.newton.newton_direction`) to a relative residual that
       tightens with the marginal error. The step length comes from Armijo backtracking
       on the dual, switching to "the marginal error decreases" once the predicted
       increase is below the dual's rounding and truncation noise; dual and marginals are
       the exact online kernels' (truncation bounded by ``0.01·tol``), so the reported
       error is the true one. Two slow steps (error cut by < 2x), or one that cuts it by
       < 10%, divide ``cutoff`` by 100 (more entries). A step the line search rejects is
       replaced by one Sinkhorn iteration (history phase ``"sinkhorn"``).

    Parameters
    ----------
    warmup : int, default 20
        Sinkhorn iterations (after the ε-scaling stages) before Newton.
    cutoff : float, default 1e-6
        First relative threshold of the kept plan entries (per row).
    cg_rtol : float, default 1e-8
        Tightest relative CG residual.
    cg_max_iter : int, optional
        CG cap; default ``10·(n + m)``.
    c1 : float, default 1e-4
        Armijo constant.
    max_halvings : int, default 30
        Backtracking halvings per line search.
    eps_scaling, overrelax, multiscale, check_every, tol, max_iter, **kwargs
        As :class:`~numopt.transport.cloud.CloudSinkhorn`.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> rng = np.random.default_rng(0)
    >>> geo = no.transport.PointCloud(rng.random((200, 2)), rng.random((150, 2)))
    >>> res = no.transport.sinkhorn(np.full(200, 1 / 200), np.full(150, 1 / 150), geo,
    ...                             0.002, method="sns", tol=1e-9)
    >>> bool(res.success), res.marginal_error <= 1e-9, res.nit_newton > 0, res.nhev > 0
    (True, True, True, True)
    """

    name = "sns"

    def __init__(self, *, warmup=WARMUP, cutoff=CUTOFF, cg_rtol=CG_RTOL, cg_max_iter=None,
                 c1=ARMIJO_C1, max_halvings=MAX_HALVINGS, **kwargs):
        super().__init__(**kwargs)
        self.warmup = check_int("warmup", warmup, low=0)
        self.cutoff = check_real("cutoff", cutoff, low=0.0, high=1.0, low_open=True)
        self.cg_rtol = check_real("cg_rtol", cg_rtol, low=0.0, high=1.0, low_open=True,
                                  high_open=True)
        self.cg_max_iter = check_int("cg_max_iter", cg_max_iter, low=1, allow_none=True)
        self.c1 = check_real("c1", c1, low=0.0, high=0.5, low_open=True, high_open=True)
        self.max_halvings = check_int("max_halvings", max_halvings, low=0)

    def init(self, problem, start):
        state = super().init(problem, start)
        return state.replace(newton=False, nit_newton=0, nnz=0, cut=self.cutoff, slow=0,
                             rows=None, cols=None, dual=math.nan, step=math.nan,
                             cg_iterations=0)

    def step(self, problem, state):
        if not state.newton:
            new = super().step(problem, state)
            start = new.nit - len(new.schedule)
            if new.stage >= len(new.schedule) and new.checked and start >= self.warmup:
                new = new.replace(newton=True)
            return new
        if state.rows is None:
            state = state.replace(**self._evaluate(problem, state.f, state.g))
        return self._newton_step(problem, state)

    def _evaluate(self, problem, f, g):
        """Row log-sum-exps, marginals, dual value and marginal error at ``(f, g)``."""
        reg, ops = problem.reg, problem.ops
        lse = ops.row_lse(g, shift=reg * problem.log_a - f)
        rows = np.exp(f / reg + lse)
        cols = np.exp(g / reg + ops.col_lse(f, shift=reg * problem.log_b - g))
        dual = float(problem.a @ f + problem.b @ g) - reg * float(rows.sum())
        return dict(f=f, g=g, lse=lse, rows=rows, cols=cols, dual=dual, checked=True,
                    marginal_error=problem.marginal_error(rows, cols))

    def _newton_step(self, problem, state):
        n, m = problem.shape
        reg = problem.reg
        grad = np.concatenate([problem.a - state.rows, problem.b - state.cols])
        rhs = null_space_projection(np, reg * grad, n)
        S = high_mass_entries(problem, state.f, state.g, state.lse, state.cut)
        problem.tally("hess")
        problem.tally("fun")  # the gathering pass (truncated like a log-sum-exp)
        rtol = max(self.cg_rtol, min(FORCING_MAX, FORCING * state.marginal_error))
        max_cg = self.cg_max_iter or CG_ITER_PER_UNKNOWN * (n + m)
        d, its, breakdown = newton_direction(np, state.rows, state.cols, S, rhs, rtol, max_cg,
                                             kernels=True)
        if breakdown:
            shift = CG_SHIFT * float(max(state.rows.max(), state.cols.max()))
            d, extra, breakdown = newton_direction(np, state.rows, state.cols, S, rhs, rtol,
                                                   max_cg, shift=shift, kernels=True)
            its += extra
        slope = float(grad @ d)
        trial = None if breakdown or not slope > 0 else self._search(problem, state, d, slope)
        if trial is None:  # one Sinkhorn iteration always increases the dual
            new = CloudSinkhorn.step(self, problem, state)
            return new.replace(rows=None, phase="sinkhorn")
        alpha, values = trial
        error = values["marginal_error"]
        slow = state.slow + 1 if error > SLOW_RATIO * state.marginal_error else 0
        cut = state.cut
        if slow >= 2 or error > STUCK_RATIO * state.marginal_error:
            cut, slow = max(CUTOFF_MIN, cut / CUTOFF_SHRINK), 0
        return state.replace(**values, nit=state.nit + 1, phase="newton", step=alpha,
                             nit_newton=state.nit_newton + 1, nnz=S.nnz, cut=cut, slow=slow,
                             cg_iterations=its)

    def _search(self, problem, state, d, slope):
        """:func:`~numopt.transport.sns.backtrack` with the exact online dual; the merit
        switches to the marginal error once the predicted increase is below the dual's
        rounding and truncation noise: ``(alpha, evaluated trial)`` or None."""
        reg = problem.reg
        noise = MERIT_SWITCH * (np.finfo(float).eps * abs(state.dual) + reg * state.delta)
        trial = backtrack(np, lambda f, g: self._evaluate(problem, f, g), state, d, slope,
                          slope < noise, self.c1, self.max_halvings, reg)
        if trial is not None:
            trial[1].pop("trials")
        return trial

    def record(self, state):
        return newton_record(super().record(state), state)

    def extra_fields(self, state):
        """As :class:`~numopt.transport.cloud.CloudSinkhorn`, plus ``nit_newton``,
        ``nit_sinkhorn`` and ``kept`` (stored off-diagonal entries of the last Hessian)."""
        return dict(super().extra_fields(state), nit_newton=int(state.nit_newton),
                    nit_sinkhorn=int(state.nit - state.nit_newton), kept=int(state.nnz))
