"""``zo_frank_wolfe``: projection-free, gradient-free Frank–Wolfe with momentum-averaged
estimates (Sahu, Zaheer & Kar)."""

import math

import numpy as np

from ..core.registry import register
from ..core.solver import State
from ..errors import InvalidProblemError
from .base import ZerothOrderSolver, nonfinite_stop, require_option
from .estimators import RANDOM_ESTIMATORS, default_mu, estimate
from .lmo import Box, as_lmo

SCHEDULE_SHIFT = 8.0  # t + 8 in every schedule of Sahu et al. (ALGORITHMS.md §6.4)
STEP_NUMERATOR = 2.0  # gamma_t = 2 / (t + 8)
AVERAGING_NUMERATOR = 4.0  # rho_t = 4 / (... (t + 8)^(2/3))
SMOOTHING_NUMERATOR = 2.0  # c_t = 2 ... / (... (t + 8)^(1/3))


@register
class ZOFrankWolfe(ZerothOrderSolver):
    r"""Zeroth-order stochastic Frank–Wolfe over a compact convex set C.

    Each iteration t = 0, 1, ... (Sahu, Zaheer & Kar 2019, Algorithm 1):

    1. :math:`g_t` = gradient estimate at :math:`x_t` with smoothing :math:`c_t`: one
       Gaussian direction (RDSA, ``estimator="gaussian"``, ``num_dirs=1``), m directions
       (I-RDSA, ``num_dirs=m``) or all coordinates (KWSA, ``"coordinate"``/``"forward"``);
    2. momentum averaging :math:`d_t = (1 - \rho_t) d_{t-1} + \rho_t g_t` (:math:`d_{-1} =
       g_0`);
    3. :math:`v_t = \mathrm{LMO}_C(d_t)`, :math:`x_{t+1} = (1 - \gamma_t) x_t + \gamma_t v_t`.

    Schedules (convex case): :math:`\gamma_t = 2/(t+8)`; RDSA :math:`\rho_t =
    4/(d^{1/3}(t+8)^{2/3})`, :math:`c_t = 2/(d^{3/2}(t+8)^{1/3})`; I-RDSA :math:`\rho_t =
    4/((1+d/m)^{1/3}(t+8)^{2/3})`, :math:`c_t = 2\sqrt m/(d^{3/2}(t+8)^{1/3})`; KWSA
    :math:`\rho_t = 4/(t+8)^{2/3}`, :math:`c_t = 2/(d^{1/2}(t+8)^{1/3})`. :math:`c_t` is kept
    above the cancellation-safe :func:`default_mu`, and a fixed ``mu`` replaces the schedule.
    The primal gap decays as :math:`O(d^{1/3}/T^{1/3})` for convex smooth f (the paper's
    main theorem for RDSA, abstract). ``grad_norm`` is the window average of the Frank–Wolfe gap
    :math:`\langle d_t, x_t - \mathrm{LMO}(d_t)\rangle` (with :math:`g_t` in place of
    :math:`d_t` for the accurate coordinate-wise estimators; the average :math:`d_t` of
    zig-zagging estimates underestimates the gap); the run stops when it is ``<= tol``, and the
    result's ``grad_norm`` is the gap of a final coordinate estimate (2d queries).
    Every iteration also queries :math:`f(x_t)` when the estimator did not (counted).

    Parameters
    ----------
    constraint : LinearMinimizationOracle or str
        ``Simplex(r)``, ``L1Ball(r)``, ``L2Ball(r)``, ``Box(lower, upper)``,
        ``NuclearBall(r, shape)`` from :mod:`numopt.zeroth`, or ``"simplex"``, ``"l1"``,
        ``"l2"`` (radius 1). Required unless the problem has bounds, all finite: then C is
        that box (``bounds=`` and ``constraint=`` together are refused). ``x0`` must lie in
        the set (``constraint.center(d)`` is one such point).
    estimator, num_dirs, mu, seed, executor, batched, jvp, window, **kwargs
        See :class:`numopt.zeroth.base.ZerothOrderSolver` (default ``"gaussian"``, RDSA).

    Raises
    ------
    InvalidProblemError
        No ``constraint``, or ``x0`` outside it.

    References
    ----------
    Sahu, Zaheer & Kar, "Towards gradient free and projection free stochastic optimization",
    AISTATS 2019, arXiv 1810.03233, Algorithm 1 (schedules as recalled in ALGORITHMS.md
    §6.4, not re-read in the paper body).

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> target = np.array([0.2, 0.5, 0.3])
    >>> res = no.minimize(lambda x: float(((x - target) ** 2).sum()), np.full(3, 1 / 3),
    ...                   method="zo_frank_wolfe", constraint="simplex", estimator="coordinate",
    ...                   tol=1e-2, seed=0)
    >>> bool(res.success), bool(np.allclose(res.x, target, atol=0.02))
    (True, True)
    """

    name = "zo_frank_wolfe"

    handles = frozenset({"bounds"})  # finite bounds, as the set C = Box(lower, upper)

    def __init__(self, *, constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.constraint = None if constraint is None else as_lmo(constraint)

    def init(self, problem, x0):
        x, backend, rng = self.begin(problem, x0)
        lmo = self.feasible_set(problem)
        if not lmo.contains(x):
            raise InvalidProblemError(
                f"x0 lies outside the constraint set {type(lmo).__name__}; start "
                f"from a feasible point such as x0=constraint.center({x.shape[0]})."
            )
        est, fx = self.estimate_at(problem, x, rng, 0)
        gap = self.gap(est.grad, x, lmo)
        return State(x=x, fun=fx, grad=est.grad, direction=est.grad, grad_norm=gap,
                     gaps=(gap,), nit=0, rng=rng, backend=backend, lmo=lmo)

    def feasible_set(self, problem):
        """The set C: ``constraint=``, or the problem's bounds when they are all finite."""
        box = getattr(problem, "bounds", None)
        if box is not None and self.constraint is not None:
            raise InvalidProblemError(
                f"method '{self.name}' needs one set, but got both constraint= and the "
                f"problem's bounds; pass constraint=numopt.zeroth.Box(lower, upper) alone, or "
                "drop constraint= to use the bounds.")
        if box is not None:
            if not (np.all(np.isfinite(box.lower)) and np.all(np.isfinite(box.upper))):
                raise InvalidProblemError(
                    f"method '{self.name}' needs a compact set: every bound finite (got "
                    "infinite ones); give finite (low, high) pairs, or use 'zo_gd' for "
                    "unbounded sides.")
            return Box(box.lower, box.upper)
        return as_lmo(require_option(
            self.name, "constraint", self.constraint,
            "pass a set such as numopt.zeroth.L1Ball(radius) or constraint='simplex', or "
            "finite bounds="))

    def step(self, problem, state):
        t, x, direction = state.nit, state.x, state.direction
        if not np.all(np.isfinite(direction)):
            return nonfinite_stop(state, "the gradient estimate")
        vertex = state.lmo(direction)
        gamma = STEP_NUMERATOR / (t + SCHEDULE_SHIFT)
        x_new = (1.0 - gamma) * x + gamma * vertex
        est, fx = self.estimate_at(problem, x_new, state.rng, t + 1)
        rho = self.averaging(t + 1, x.shape[0])
        direction = (1.0 - rho) * direction + rho * est.grad
        gaps = (*state.gaps, self.gap(self.gap_direction(est.grad, direction), x_new,
                                      state.lmo))
        gaps = gaps[-self.window:]
        return state.replace(x=x_new, fun=fx, grad=est.grad, direction=direction,
                             grad_norm=sum(gaps) / len(gaps), gaps=gaps, nit=t + 1)

    # ------------------------------------------------------------------ schedules
    def estimate_at(self, problem, x, rng, t):
        """``(estimate, f(x))`` with the smoothing schedule :math:`c_t`."""
        est = self.estimate(problem, x, rng, mu=self.smoothing(t, x))
        fx = est.fx if est.fx is not None else self.evaluator(problem).one(x)
        return est, fx

    def smoothing(self, t, x):
        """:math:`c_t` (or the fixed ``mu``), never below the cancellation-safe radius."""
        if self.mu is not None:
            return self.mu
        d, m = x.shape[0], self.num_dirs
        base = (t + SCHEDULE_SHIFT) ** (1.0 / 3.0)
        if self.estimator in ("coordinate", "forward"):
            c = SMOOTHING_NUMERATOR / (math.sqrt(d) * base)
        else:
            c = SMOOTHING_NUMERATOR * math.sqrt(m) / (d ** 1.5 * base)
        return np.maximum(c, default_mu(self.estimator, x))

    def averaging(self, t, d):
        """:math:`\\rho_t` of RDSA / I-RDSA / KWSA (at most 1)."""
        base = (t + SCHEDULE_SHIFT) ** (2.0 / 3.0)
        if self.estimator in ("coordinate", "forward"):
            scale = 1.0
        elif self.num_dirs == 1:
            scale = d ** (1.0 / 3.0)
        else:
            scale = (1.0 + d / self.num_dirs) ** (1.0 / 3.0)
        return min(1.0, AVERAGING_NUMERATOR / (scale * base))

    def gap_direction(self, grad, direction):
        """The direction the stopping gap uses: the estimate itself for the deterministic
        (coordinate-wise) estimators, the averaged direction for the random ones."""
        return direction if self.estimator in RANDOM_ESTIMATORS else grad

    def gap(self, direction, x, lmo):
        """Frank–Wolfe gap :math:`\\langle d, x - \\mathrm{LMO}(d)\\rangle` (>= 0)."""
        return float(direction @ (x - lmo(direction)))

    def final_check(self, problem, state):
        est = estimate(self.evaluator(problem), state.x, "coordinate")
        if not np.all(np.isfinite(est.grad)):
            return state
        return state.replace(grad=est.grad, grad_norm=self.gap(est.grad, state.x, state.lmo),
                             message=getattr(state, "message", None))
