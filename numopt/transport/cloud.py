r"""Point clouds in place of a cost matrix: :class:`PointCloud`, its transport problem and the
log-domain Sinkhorn that runs on it with online log-sum-exps (memory O(n + m)),
ε-scaling and kernel truncation.

``sinkhorn(a, b, PointCloud(x, y), reg)`` never forms the ``n x m`` cost matrix: each
half-step is one parallel pass of :func:`numopt.transport._cloud_kernels.cloud_lse` over
tiles of points (the leaves of a k-d tree), and tiles whose every plan entry is below
``e^-T`` of the row's total are skipped (Schmitzer 2019, arXiv 1610.06519, Sec. 3.3).
"""

import functools
import math
import warnings

import numba
import numpy as np
from scipy.spatial import cKDTree

from ..core.solver import State
from ..core.validate import check_choice, check_int, check_real
from ..errors import ConvergenceWarning, InvalidProblemError
from . import _cloud_kernels
from .base import full_check
from .problem import TransportProblem, as_arrays
from .sinkhorn import LogSinkhorn, overrelaxation_factor

COSTS = ("sqeuclidean", "euclidean")
TRUNCATE = "auto"  # truncation depth from the solver's tol (CloudOps.depth)
TRUNCATION_SHARE = 0.01  # "auto": the dropped mass of a row is at most this x tol (relative)
AUTO_GAP = 2.0  # "auto": rows whose kept sum is below e^-AUTO_GAP of the guess are redone
AUTO_RELIEF = 4.0  # "auto": the first depth T sits this far below log(m / delta) ...
AUTO_RELIEF_MAX = 8.0  # ... and at most this far (CloudOps._adapt)
AUTO_DELTA = 1e-12  # "auto" outside a solve (no tol known): dropped mass bound per row
LEAF_SIZE = 128  # k-d tree leaf size = tile size of the online kernels
EPS_SCALING = 0.5  # reg shrinks by this factor per ε-scaling stage (GeomLoss's default)
MULTISCALE_MIN = 1 << 22  # multiscale="auto": from n·m = 2048^2 up
CELL_POINTS = 8  # points per grid cell of the next coarser level (2x per axis in 3-D)
GRID_REFINEMENTS = 8  # at most this many doublings of the grid for clustered clouds
TUNE_WINDOW = 5  # iterations per estimate of the contraction (over-relaxation)
OMEGA_STEP = 0.01  # smallest raise of the over-relaxation factor
OMEGA_MAX = 1.8  # cap of the adaptive factor (as sinkhorn.OMEGA_MAX; 1.95 cycled, measured)
DENSE_LIMIT = 1 << 27  # LazyPlan.toarray() refuses plans with more entries (1 GiB float64)


class PointCloud:
    r"""Two point clouds and a ground cost, in place of a cost matrix ``M``.

    ``sinkhorn(a, b, PointCloud(x, y, cost="sqeuclidean"), reg)`` solves the problem with
    ``M[i, j] = c(x[i], y[j])`` without forming ``M``: the costs are computed on the fly,
    so memory is O((n + m)·d) instead of O(n·m).

    Parameters
    ----------
    x : array_like, shape (n, d) or (n,)
        Source points.
    y : array_like, shape (m, d) or (m,)
        Target points (same ``d``).
    cost : {"sqeuclidean", "euclidean"} or callable, default "sqeuclidean"
        :math:`\|x - y\|^2`, :math:`\|x - y\|`, or a numba-jitted function
        ``cost(u, v) -> float`` of two coordinate vectors (``numba.njit``; a plain Python
        function is jitted for you). Callable costs are never truncated (no bound).
    truncate : "auto", float or None, default "auto"
        Kernel truncation. ``"auto"``: tiles are skipped where the mass they could hold is
        provably below ``delta = 0.01 · tol`` of their row's (column's) total, all skipped
        tiles of a row together included (:class:`CloudOps`; the solve's stopping test
        accounts for it, see :class:`CloudSinkhorn`). A float ``T``: tiles whose plan
        entries are all below ``e^-T`` of their row's total are skipped (``m·e^-(T-10)``
        of relative error at worst). None computes every entry.
    leaf_size : int, default 128
        Points per tile (k-d tree leaf).

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.random((300, 2)), rng.random((200, 2))
    >>> geo = no.transport.PointCloud(x, y)
    >>> res = no.transport.sinkhorn(np.full(300, 1 / 300), np.full(200, 1 / 200), geo, 0.01)
    >>> bool(res.success), res.plan.shape, res.marginal_error <= 1e-9
    (True, (300, 200), True)
    >>> np.allclose(np.asarray(res.plan).sum(axis=0), 1 / 200)
    True
    """

    def __init__(self, x, y, cost="sqeuclidean", *, truncate=TRUNCATE, leaf_size=LEAF_SIZE):
        self.x, self.y = (_points(name, v) for name, v in (("x", x), ("y", y)))
        if self.x.shape[1] != self.y.shape[1]:
            raise InvalidProblemError(
                f"x and y must have the same number of coordinates, got x with "
                f"{self.x.shape[1]} and y with {self.y.shape[1]} columns.")
        if callable(cost):
            self.cost = cost if isinstance(cost, numba.core.registry.CPUDispatcher) else (
                numba.njit(cost))
        else:
            check_choice("cost", cost, COSTS)
            self.cost = cost
        if isinstance(truncate, str):
            self.truncate = check_choice("truncate", truncate, ("auto",))
        else:
            self.truncate = None if truncate is None else check_real("truncate", truncate,
                                                                     low=1.0)
        self.leaf_size = check_int("leaf_size", leaf_size, low=1)

    @property
    def shape(self):
        """``(n, m)``: the shape of the cost matrix this cloud stands for."""
        return (self.x.shape[0], self.y.shape[0])

    def matrix(self):
        """The dense ``n x m`` cost matrix (small clouds; tests and reference runs)."""
        if callable(self.cost):
            return np.array([[self.cost(u, v) for v in self.y] for u in self.x])
        M = ((self.x[:, None, :] - self.y[None, :, :]) ** 2).sum(-1)
        return np.sqrt(M) if self.cost == "euclidean" else M

    def __repr__(self):
        name = getattr(self.cost, "__name__", self.cost)
        return f"PointCloud(n={self.shape[0]}, m={self.shape[1]}, d={self.x.shape[1]}, " \
               f"cost={name!r})"


def _points(name, value):
    (value,) = as_arrays(**{name: value})
    try:
        value = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidProblemError(f"{name} must be a real array of points: {err}") from err
    if value.ndim == 1:
        value = value[:, None]
    if value.ndim != 2 or value.shape[0] == 0:
        raise InvalidProblemError(
            f"{name} must be an (n, d) array of points, got shape {value.shape}.")
    if not np.all(np.isfinite(value)):
        raise InvalidProblemError(f"{name} contains NaN or inf coordinates; remove them.")
    return value


class _Side:
    """One cloud sorted by the leaves of a k-d tree: points, transposed points, tile
    starts and boxes."""

    def __init__(self, points, leaf_size):
        tree = cKDTree(points, leafsize=leaf_size, balanced_tree=False, compact_nodes=False)
        leaves = []
        stack = [tree.tree]
        while stack:
            node = stack.pop()
            if node.split_dim == -1:
                leaves.append((node.start_idx, node.end_idx))
            else:
                stack.extend((node.greater, node.lesser))  # lesser first: in index order
        leaves.sort()
        self.order = tree.indices.astype(np.int64)
        self.points = np.ascontiguousarray(points[self.order])
        self.transposed = np.ascontiguousarray(self.points.T)
        self.starts = np.array([s for s, _ in leaves] + [leaves[-1][1]], dtype=np.int64)
        self.lo = np.ascontiguousarray(np.minimum.reduceat(self.points, self.starts[:-1]))
        self.hi = np.ascontiguousarray(np.maximum.reduceat(self.points, self.starts[:-1]))


class CloudOps:
    r"""``row_lse``/``col_lse`` of a point-cloud problem (the interface of
    :class:`~numopt.transport.ops.NumbaOps`), in the tree order of both clouds, with an
    optional ``reg`` override (ε-scaling).

    Truncation ``"auto"`` with bound ``delta`` (:meth:`set_delta`), a pass over ``m``
    points: a tile (k-d tree leaf) is skipped for a row when even its best entry (largest
    potential minus the cost to the tile's box) is below ``e^-T`` of the row's shift; the
    skipped tiles' bounds ``size · e^{best - shift}`` are added up exactly down to
    ``e^-sure``, ``sure = log(10 m / delta)``, and all tiles below that count as
    ``m·e^-sure = delta / 10`` together. A row is accepted only when this sum is at most
    ``delta`` times its kept sum (:func:`~numopt.transport._cloud_kernels.cloud_lse` redoes
    it, exactly shifted and, if needed, at depth ``sure``). So **every returned log-sum-exp
    is below the exact one by at most** ``log(1 + delta) <= delta``, and every marginal
    entry computed from it is within relative ``delta`` of the exact one (Schmitzer 2019,
    arXiv 1610.06519, Sec. 3.3, with the bound summed and tied to the tolerance). The depth
    ``T`` only sets the cost: it starts ``AUTO_RELIEF`` below the crude ``log(m / delta)``
    and follows the largest bound seen in the previous pass in the same direction (deeper
    when a row came within half of ``delta``, shallower below a twentieth).
    ``passes`` counts the passes over the cost (``Result.nfev``).
    """

    def __init__(self, source, target, cost, truncate, reg):
        self.source, self.target, self.reg = source, target, float(reg)
        self.euclid = cost == "euclidean"
        self.cost_fn = cost if callable(cost) else None
        self.cost_swapped = _swapped(cost) if callable(cost) else None
        self.truncate = truncate
        self.delta = AUTO_DELTA
        self.passes = 0
        self.relief = {}  # per direction: how far the depth T sits below log(m / delta)
        self._empty = np.empty(0)

    def set_delta(self, delta):
        """Bound of the relative mass a truncated row may drop (``truncate="auto"``)."""
        self.delta = float(delta)

    @property
    def bound(self):
        """Relative error bound of every truncated row and column sum (0: exact)."""
        return self.delta if self.truncate == "auto" and self.cost_fn is None else 0.0

    def depth(self, count, relief=AUTO_RELIEF):
        """``(T, sure, delta, gap)`` of a pass over ``count`` points (``T = inf``: no
        truncation; ``delta = inf``: no bound test, a fixed depth)."""
        if self.truncate is None or self.cost_fn is not None:
            return np.inf, np.inf, np.inf, _cloud_kernels.SAFE_GAP
        if self.truncate == "auto":
            crude = math.log(count / self.delta)
            return (max(AUTO_GAP, crude - relief), crude + math.log(10.0), self.delta,
                    AUTO_GAP)
        depth = float(self.truncate)
        return depth, depth, np.inf, _cloud_kernels.SAFE_GAP

    def _adapt(self, key, bounds):
        """Follow the largest bound of the last pass (class docstring)."""
        worst = float(bounds.max()) / self.delta if bounds.size else 0.0
        relief = self.relief.get(key, AUTO_RELIEF)
        if worst > 0.5:
            relief = max(0.0, relief - 1.0)
        elif worst < 0.05:
            relief = min(AUTO_RELIEF_MAX, relief + 0.5)
        self.relief[key] = relief

    def _lse(self, rows, cols, v, shift, reg, cost_fn, weights=None):
        out = np.empty(rows.points.shape[0])
        guess = np.full(out.size, np.nan) if shift is None else np.ascontiguousarray(shift)
        v = np.ascontiguousarray(v, dtype=np.float64)
        vmax = np.empty(cols.starts.size - 1)
        _cloud_kernels.call("tile_max", v.size // 64, v, cols.starts, vmax)
        key = id(rows)
        depth, sure, delta, gap = self.depth(v.size, self.relief.get(key, AUTO_RELIEF))
        bounds = np.empty(out.size) if delta < np.inf else self._empty
        _cloud_kernels.call(
            "cloud_lse", out.size * v.size, rows.points, cols.transposed, cols.points, v,
            guess, float(reg or self.reg), cols.starts, cols.lo, cols.hi, vmax, self.euclid,
            cost_fn, depth, sure, delta, gap, out, self._empty if weights is None else weights,
            bounds)
        if bounds.size:
            self._adapt(key, bounds)
        self.passes += 1
        return out

    def row_lse(self, g, shift=None, reg=None):
        """Row log-sum-exps of ``(g - C) / reg`` (length n)."""
        return self._lse(self.source, self.target, g, shift, reg, self.cost_fn)

    def col_lse(self, f, shift=None, reg=None):
        """Column log-sum-exps of ``(f - C) / reg`` (length m)."""
        return self._lse(self.target, self.source, f, shift, reg, self.cost_swapped)

    def row_cost(self, g, shift=None):
        """``(row LSE, plan-weighted mean cost of each row)``."""
        weights = np.empty(self.source.points.shape[0])
        lse = self._lse(self.source, self.target, g, shift, None, self.cost_fn, weights)
        return lse, weights

    def plan(self, f, g, out=None):
        """Dense ``(P, row sums, column sums)`` in tree order (small clouds only)."""
        C = _dense_cost(self)
        P = np.exp((f[:, None] + g[None, :] - C) / self.reg)
        return P, P.sum(axis=1), P.sum(axis=0)


def _dense_cost(ops):
    cloud = PointCloud(ops.source.points, ops.target.points,
                       ops.cost_fn if ops.cost_fn is not None
                       else ("euclidean" if ops.euclid else "sqeuclidean"))
    return cloud.matrix()


@functools.cache
def _swapped(cost):
    """``cost`` with its arguments swapped (the column pass), one per cost function: each
    new function recompiles the kernel."""
    @numba.njit
    def swapped(u, v):
        return cost(v, u)
    return swapped


class CloudProblem(TransportProblem):
    """:class:`~numopt.transport.problem.TransportProblem` with a :class:`PointCloud` in
    place of ``M``: both clouds sorted by the leaves of a k-d tree (the reduced problem's
    order), zero-mass points dropped, costs computed online by :class:`CloudOps`."""

    def __init__(self, a, b, cloud, reg, *, backend="auto", supported=("numba",),
                 method=None):
        from ..backend import resolve_backend

        self.reg = check_real("reg", reg, low=0.0, low_open=True)
        a, b = as_arrays(a=a, b=b)
        a, b = (np.asarray(v, dtype=np.float64) for v in (a, b))
        if a.ndim != 1 or b.ndim != 1 or a.shape[0] != cloud.shape[0] or (
                b.shape[0] != cloud.shape[1]):
            raise InvalidProblemError(
                f"a and b must be weight vectors of lengths {cloud.shape} (one weight per "
                f"point of x and of y), got shapes {a.shape} and {b.shape}.")
        self.dtype = np.float64
        self.backend = resolve_backend(backend, a, b, supported=supported, method=method)
        self.xp = self.backend.xp
        a, b = self._weights(self.xp, a, b)
        kept_x, kept_y = np.flatnonzero(a > 0), np.flatnonzero(b > 0)
        self.source = _Side(cloud.x[kept_x], cloud.leaf_size)
        self.target = _Side(cloud.y[kept_y], cloud.leaf_size)
        self.cloud = cloud
        self.full_shape = cloud.shape
        self.rows_kept = kept_x[self.source.order]
        self.cols_kept = kept_y[self.target.order]
        self.dropped = True  # the tree order is a permutation: always map back
        self.a, self.b = a[self.rows_kept], b[self.cols_kept]
        self.log_a, self.log_b = np.log(self.a), np.log(self.b)
        self.M = None
        self.ops = CloudOps(self.source, self.target, cloud.cost, cloud.truncate, self.reg)

    @property
    def potential_dtype(self):
        return np.float64

    def summary(self, f, g):
        """``(LazyPlan, rows, cols, <P, C>)`` from two online passes (no dense plan)."""
        reg = self.reg
        lse, mean_cost = self.ops.row_cost(g, shift=reg * self.log_a - f)
        rows = np.exp(f / reg + lse)
        cols = np.exp(g / reg + self.ops.col_lse(f, shift=reg * self.log_b - g))
        cost = self.mass * float(rows @ mean_cost)
        return LazyPlan(self, f, g, rows, cols), rows, cols, cost


class LazyPlan:
    """The transport plan of a point-cloud problem, never formed unless asked for.

    ``np.asarray(plan)`` / ``plan.toarray()`` builds the dense ``n x m`` plan (refused above
    ``2^27`` entries); ``plan.sum(axis)`` gives the marginals from the solve's last pass;
    ``plan.shape``, ``plan.f``, ``plan.g`` (potentials of the problem as given,
    POT convention: ``P[i, j] = exp((f[i] + g[j] - c(x[i], y[j])) / reg)``).

    Parameters
    ----------
    problem : CloudProblem
        The solved problem (tree order, mass, restoration maps).
    f, g : arrays
        Potentials of the reduced, normalized problem.
    rows, cols : arrays
        The normalized plan's row and column sums at ``(f, g)``.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> x = np.linspace(0, 1, 40)
    >>> res = no.transport.sinkhorn(np.full(40, 0.025), np.full(40, 0.025),
    ...                             no.transport.PointCloud(x, x), 0.01)
    >>> res.plan.shape, bool(np.allclose(res.plan.sum(axis=0), 0.025))
    ((40, 40), True)
    >>> bool(np.allclose(np.asarray(res.plan).sum(axis=1), 0.025))
    True
    """

    def __init__(self, problem, f, g, rows, cols):
        self._problem = problem
        self._f, self._g = f, g
        self.f, self.g = problem.restore_potentials(f, g)
        self.reg = problem.reg
        self.shape = problem.full_shape
        mass = problem.mass
        self._rows = problem._expand(rows * mass, 0, 0.0)
        self._cols = problem._expand(cols * mass, 1, 0.0)

    def sum(self, axis=None):
        """Row sums (``axis=1``), column sums (``axis=0``) or the total mass."""
        if axis is None:
            return float(self._rows.sum())
        check_choice("axis", axis, (0, 1, -1))
        return self._rows.copy() if axis in (1, -1) else self._cols.copy()

    def toarray(self):
        """The dense plan (original point order; zero rows/columns for zero-mass points)."""
        size = self.shape[0] * self.shape[1]
        if size > DENSE_LIMIT:
            raise InvalidProblemError(
                f"the plan has {size} entries (> {DENSE_LIMIT}); use plan.sum(axis), "
                "plan.f and plan.g, or a smaller cloud.")
        p = self._problem
        P, _, _ = p.ops.plan(self._f, self._g)
        return p.restore_plan(P)

    def __array__(self, dtype=None, copy=None):
        P = self.toarray()
        return P if dtype is None else P.astype(dtype)

    def __repr__(self):
        return f"LazyPlan(shape={self.shape}, mass={self.sum():.6g})"


class CloudSinkhorn(LogSinkhorn):
    r"""Log-domain Sinkhorn on a :class:`PointCloud` (``method="sinkhorn_log"`` with a point
    cloud): online log-sum-exps (:class:`CloudOps`), kernel truncation tied to ``tol``,
    a multiscale start, ε-scaling and adaptive over-relaxation.

    **Multiscale start** (Schmitzer 2019, arXiv 1610.06519, Sec. 4; Feydy et al. 2019,
    arXiv 1810.08278, GeomLoss; Feydy 2020, PhD thesis, Sec. 3.3): on large clouds both are
    bucketed into a uniform grid of about ``n / 8`` cells; the cells' weighted centroids
    carrying the cells' masses form a coarse problem at the same ``reg``, solved the same
    way (recursively, ε-scaling at the coarsest level) to ``tol``; its potentials are
    extended to the points by one log-sum-exp each (``f(x) = -reg·LSE_J((G_J - c(x, Y_J))
    /reg) + reg·log a``), and the over-relaxation factor found there starts the fine run.
    The fine level then needs a few tens of iterations (40 at n = 20 000, 3-D, reg = 0.01
    × median cost, to 1e-6) instead of hundreds.

    **ε-scaling** (Kosowsky & Yuille 1994; Schmitzer 2019, Sec. 3.2): at the coarsest level
    (or without multiscale) a cold run first makes one Sinkhorn iteration at each of
    ``reg_k = max(reg, D · eps_scaling^k)``, ``D`` the largest cost between the clouds'
    bounding boxes (history phase ``"scaling"``).

    **Over-relaxation** (Thibault et al. 2017, arXiv 1711.01851): ``f <- f + w (f_sinkhorn
    - f)``, then ``g``. The factor comes from the observed contraction ``r`` per iteration
    over windows of 5 iterations: ``theta = r`` for plain iterations and, under
    relaxation ``w``, ``theta = (r + w - 1)^2 / (r w^2)`` (Hageman & Young 1981,
    "Applied Iterative Methods", Sec. 9.5, the adaptive SOR estimate); ``w =
    2 / (1 + sqrt(1 - theta))`` (only raised, capped at 1.8: on clustered clouds a cap of
    1.95 made the factor cycle between 1.46 and 1.91), halved towards 1 when a window does
    not contract.
    On uniform clouds in the unit cube the plain contraction is ``exp(-pi^2 reg / 2)``
    (0.979 at reg = 0.0044, measured 0.979), the relaxed one 0.75.

    **Stopping test with truncation**: every truncated marginal entry is within relative
    ``delta = 0.01 · tol`` of the exact one (:class:`CloudOps`), so the exact L1 error is at
    most the measured one plus ``2·delta·(1 + measured)``; the run stops when that sum is
    ``<= tol``. The marginals are checked every iteration (free: the check's log-sum-exp is
    the next iteration's).

    Parameters
    ----------
    eps_scaling : float or None, default 0.5
        Factor between ε-scaling stages (in ``(0, 1)``); None turns ε-scaling off.
    overrelax : bool, default True
        Adaptive over-relaxation (above); False: POT's plain iteration.
    multiscale : {"auto", True, False}, default "auto"
        Coarse-to-fine start; ``"auto"`` on clouds with ``n·m >= 2^22`` and a built-in cost
        (a callable cost has no centroid rule, so never); True forces it at the finest
        level (the coarser levels decide by ``"auto"``).
    check_every : int, default 1
    tol, max_iter, **kwargs
        As :class:`~numopt.transport.sinkhorn.LogSinkhorn`.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> rng = np.random.default_rng(1)
    >>> geo = no.transport.PointCloud(rng.random((80, 2)), rng.random((60, 2)))
    >>> res = no.transport.sinkhorn(np.full(80, 1 / 80), np.full(60, 1 / 60), geo, 0.02)
    >>> res.method, bool(res.success), str(res.history["phase"][1])
    ('sinkhorn_log', True, 'scaling')
    >>> res.nfev >= 2 * res.nit
    True
    """

    name = "sinkhorn_log"
    backends = ("numba",)

    def __init__(self, *, eps_scaling=EPS_SCALING, overrelax=True, multiscale="auto",
                 check_every=1, **kwargs):
        super().__init__(check_every=check_every, **kwargs)
        self.eps_scaling = None if eps_scaling is None else check_real(
            "eps_scaling", eps_scaling, low=0.0, high=1.0, low_open=True, high_open=True)
        self.overrelax = bool(overrelax)
        if isinstance(multiscale, str):
            self.multiscale = check_choice("multiscale", multiscale, ("auto",))
        else:
            self.multiscale = bool(multiscale)

    def converged(self, state):
        if not state.checked:
            return False
        error = state.marginal_error
        return error + 2.0 * state.delta * (1.0 + error) <= self.tol

    def init(self, problem, start):
        ops = problem.ops
        ops.set_delta(TRUNCATION_SHARE * self.tol)
        ops.passes = 0
        cold = all(potential is None for potential in start)
        extra = dict(omega=1.0, relax=self.overrelax, last_check=math.inf, delta=ops.bound,
                     coarse=(), changed=False)
        start_cells = _coarse_clouds(problem) if cold and _multiscale_wanted(
            problem, self.multiscale) else None
        if start_cells is not None:
            f, g, omega, coarse = self._coarse_start(problem, *start_cells)
            error, lse = full_check(problem, f, g)
            state = State(f=f, g=g, lse=lse, marginal_error=error, checked=True, nit=0,
                          phase="sinkhorn", backend=problem.backend, schedule=(), stage=0,
                          last_reg=None)
            extra.update(omega=omega if self.overrelax else 1.0, coarse=coarse)
            return state.replace(check_nit=0, **extra)
        schedule = _schedule(problem, self.eps_scaling) if cold else []
        if not schedule:
            state = super().init(problem, start).replace(schedule=(), stage=0, last_reg=None)
        else:
            f, g = problem.start_potentials(*start)
            # not measured during the annealing (checked=False); 2 = the L1 error of no plan
            state = State(f=f, g=g, lse=None, marginal_error=2.0, checked=False, nit=0,
                          phase="scaling", backend=problem.backend, schedule=tuple(schedule),
                          stage=0, last_reg=None)
        return state.replace(check_nit=state.nit, **extra)

    def _coarse_start(self, problem, X, A, Y, B):
        """Solve the grid-cell problem ``(X, A), (Y, B)`` (recursively), extend its
        potentials to the points: ``(f, g, omega, coarse)``, ``coarse`` = ``((n, m, nit,
        passes), ...)`` per level."""
        from ..core.loop import run

        ops = problem.ops
        cloud = problem.cloud
        coarse = CloudProblem(A, B, PointCloud(X, Y, cloud.cost, truncate=cloud.truncate,
                                               leaf_size=cloud.leaf_size), problem.reg)
        solver = CloudSinkhorn(eps_scaling=self.eps_scaling, overrelax=self.overrelax,
                               multiscale="auto", check_every=self.check_every,
                               tol=self.tol, max_iter=self.max_iter,
                               max_time=None if self.max_time is None else 0.5 * self.max_time)
        with warnings.catch_warnings():  # a coarse run that stops short still warm-starts
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = run(solver, coarse, (None, None))
        F = res.f[coarse.rows_kept] - coarse.log_mass
        G = res.g[coarse.cols_kept]
        reg = problem.reg
        to_coarse = CloudOps(problem.source, coarse.target, cloud.cost, cloud.truncate, reg)
        from_coarse = CloudOps(problem.target, coarse.source, cloud.cost, cloud.truncate, reg)
        for side in (to_coarse, from_coarse):
            side.set_delta(ops.delta)
        f = reg * (problem.log_a - to_coarse.row_lse(G))
        g = reg * (problem.log_b - from_coarse.row_lse(F))
        level = (coarse.shape[0], coarse.shape[1], int(res.nit), int(res.nfev))
        return f, g, float(res.get("omega", 1.0)), (level,) + tuple(res.get("coarse", ()))

    def _relaxed_step(self, problem, state):
        """Over-relaxed log-domain iteration ``f <- f + w (f_sinkhorn - f)``, then ``g``
        (Thibault et al. 2017, arXiv 1711.01851, in the log domain); at a check both
        marginals are measured from log-sum-exps the iteration makes anyway."""
        reg, ops, w = problem.reg, problem.ops, state.omega
        f, g = state.f, state.g
        lse = state.lse if state.lse is not None else ops.row_lse(
            g, shift=reg * problem.log_a - f)
        f = f + w * (reg * (problem.log_a - lse) - f)
        col = ops.col_lse(f, shift=reg * problem.log_b - g)
        g = g + w * (reg * (problem.log_b - col) - g)
        nit = state.nit + 1
        if nit % self.check_every and nit < self.max_iter:
            return state.replace(f=f, g=g, lse=None, checked=False, nit=nit)
        lse = ops.row_lse(g, shift=reg * problem.log_a - f)
        error = problem.marginal_error(np.exp(f / reg + lse), np.exp(g / reg + col))
        return state.replace(f=f, g=g, lse=lse, marginal_error=error, checked=True, nit=nit)

    def _tune(self, state, new):
        """Adaptive over-relaxation factor from windows of ``TUNE_WINDOW`` iterations at the
        target reg (class docstring). The window right after a change of ``w`` is not
        measured (its error jumps while the modes re-balance)."""
        its = new.nit - state.check_nit
        if state.last_check < math.inf and its < TUNE_WINDOW:
            return new
        new = new.replace(last_check=new.marginal_error, check_nit=new.nit, changed=False)
        if not (new.relax and its > 0 and state.last_check < math.inf) or state.changed:
            return new
        ratio = new.marginal_error / state.last_check
        w = new.omega
        if not 0.0 < ratio < 1.0:  # a clean window that does not contract: back off
            if w <= 1.0 or ratio != ratio:
                return new
            w = 0.5 * (1.0 + w)
            return new.replace(omega=w if w > 1.05 else 1.0, relax=w > 1.05, changed=True)
        rate = ratio ** (1.0 / its)
        theta = rate if w == 1.0 else (
            (rate + w - 1.0) ** 2 / (rate * w * w) if rate > w - 1.0 else 0.0)
        best = overrelaxation_factor(theta, OMEGA_MAX) if 0.0 < theta < 1.0 else w
        if best > w + OMEGA_STEP:
            new = new.replace(omega=best, changed=True)
        return new

    def step(self, problem, state):
        if state.stage >= len(state.schedule):
            new = (self._relaxed_step(problem, state) if state.omega > 1.0
                   else super().step(problem, state))
            return self._tune(state, new) if new.checked else new
        reg = state.schedule[state.stage]
        ops, last = problem.ops, state.last_reg
        f = reg * (problem.log_a - ops.row_lse(
            state.g, shift=None if last is None else last * problem.log_a - state.f, reg=reg))
        g = reg * (problem.log_b - ops.col_lse(
            f, shift=None if last is None else last * problem.log_b - state.g, reg=reg))
        state = state.replace(f=f, g=g, nit=state.nit + 1, stage=state.stage + 1,
                              last_reg=reg)
        if state.stage < len(state.schedule):
            return state
        error, lse = full_check(problem, f, g)  # annealing done: measure at the target reg
        return state.replace(lse=lse, marginal_error=error, checked=True, phase="sinkhorn",
                             check_nit=state.nit)

    def record(self, state):
        row = super().record(state)
        row["omega"] = float(state.omega)
        return row

    def extra_fields(self, state):
        """``omega`` (the last over-relaxation factor), ``truncation_bound`` (relative
        error bound of every truncated marginal entry, 0 when exact) and ``coarse`` (the
        multiscale levels, finest first: ``(n, m, nit, passes)``)."""
        return {"omega": float(state.omega), "truncation_bound": float(state.delta),
                "coarse": tuple(state.coarse)}


def _multiscale_wanted(problem, option):
    if option is False or callable(problem.cloud.cost):
        return False
    n, m = problem.shape
    return option is True or n * m >= MULTISCALE_MIN


def _coarse_clouds(problem):
    """``(X, A, Y, B)``: both clouds bucketed into grid cells (:func:`_cells`), or None
    when the cells do not make the problem at least twice smaller."""
    src, tgt = problem.source.points, problem.target.points
    lo = np.minimum(src.min(0), tgt.min(0))
    span = float((np.maximum(src.max(0), tgt.max(0)) - lo).max()) or 1.0
    X, A = _cells(src, problem.a, lo, span)
    Y, B = _cells(tgt, problem.b, lo, span)
    if X.shape[0] * Y.shape[0] * 2 > src.shape[0] * tgt.shape[0]:
        return None
    return X, A, Y, B


def _cells(points, weights, lo, span):
    """``(weighted centroids, cell masses)`` of the non-empty cells of a uniform grid over
    the box ``lo + [0, span]^d`` holding about ``len(points) / CELL_POINTS`` points each:
    the grid starts at ``(n / CELL_POINTS)^(1/d)`` cells per axis and is refined (x2 per
    axis) while fewer than half that many cells are occupied (clustered clouds)."""
    n, d = points.shape
    target = max(1.0, n / CELL_POINTS)
    side = max(2, round(target ** (1.0 / d)))
    for _ in range(GRID_REFINEMENTS + 1):
        cell = np.minimum(((points - lo) * (side / span)).astype(np.int64), side - 1)
        _, index = np.unique(cell, axis=0, return_inverse=True)
        index = index.reshape(-1)
        count = int(index.max()) + 1
        if count >= target / 2 or 2 * count >= n:
            break
        side *= 2
    mass = np.bincount(index, weights)
    centroid = np.stack([np.bincount(index, weights * points[:, k]) for k in range(d)], 1)
    return centroid / mass[:, None], mass


def _schedule(problem, factor):
    """``reg_k = D · factor^k`` above ``reg`` (``D``: the largest cost between the boxes of
    the two clouds), then stop (the run goes on at ``reg``)."""
    if factor is None:
        return []
    src, tgt = problem.source.points, problem.target.points
    span = np.maximum(src.max(0), tgt.max(0)) - np.minimum(src.min(0), tgt.min(0))
    cost = problem.cloud.cost
    if callable(cost):
        top = float(max(abs(cost(src[0], tgt[-1])), abs(cost(src[-1], tgt[0]))))
    else:
        top = float(span @ span)
        top = math.sqrt(top) if cost == "euclidean" else top
    out, reg = [], top
    while reg > problem.reg and len(out) < 200:
        out.append(reg)
        reg *= factor
    return out
