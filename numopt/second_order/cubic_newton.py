r"""Cubic-regularized Newton (``cubic_newton``): ARC, Nesterov–Polyak and adaptive-M modes."""

import math

from ..core.registry import register
from ..core.status import Status
from ..core.validate import check_choice, check_positive, check_real
from ..errors import InvalidProblemError
from .base import SecondOrderSolver, norm
from .subproblem import (
    CubicModel,
    arc_ratio,
    below_rounding,
    check_subproblem,
    resolve_subproblem,
    rounding_accept,
)

MODES = ("arc", "fixed", "adaptive")
ETA1 = 0.1  # successful-step threshold on rho, Cartis, Gould & Toint (2011), §2.1
ETA2 = 0.9  # very successful threshold, ibid.
ARC_WEIGHT0 = 2.0  # M0 = 2 sigma0 with sigma0 = 1 (Mishchenko's ARC code default)
ADAPTIVE_WEIGHT0 = 1.0  # M0 = 1, epfml/super-newton adaptive cubic Newton
ADAPTIVE_FLOOR = 1e-5  # M <- max(M / 2, 1e-5) after an accepted step, ibid.
WEIGHT_GROWTH = 2.0  # M <- 2 M after a rejected trial (gamma = 2 in ARC)
FAST_GROWTH_AFTER = 10  # after this many rejected trials in one iteration M grows faster:
FAST_GROWTH = 8.0  # then M <- 16 M per trial (ARC allows any gamma_2 >= gamma_1 > 1, CGT 2011)
ARC_SIGMA_MIN = 1e-8  # floor on sigma (Mishchenko's code uses 1e-16; a floor of 1e-8 keeps
# Newton-like local steps while a saddle reached with g = 0 is still escaped in < 40 trials)


@register
class CubicNewton(SecondOrderSolver):
    r"""Cubic-regularized Newton (adaptive by default); reaches second-order stationary points.

    Each iteration minimises the cubic model

    .. math::

        m_k(s) = \nabla f(x_k)^\top s + \tfrac12 s^\top \nabla^2 f(x_k) s
                 + \tfrac{M_k}{6}\|s\|^3

    globally (hard case included) with one Hessian factorization, re-used by every rejected
    trial. ``mode``:

    * ``"arc"`` (default): adaptive cubic regularization (Cartis, Gould & Toint, Math.
      Program. 127, 2011, Alg. 2.1 with :math:`\sigma = M/2`):
      :math:`\rho = (f(x) - f(x+s)) / (-m(s))`; accept if :math:`\rho \ge \eta_1`;
      if :math:`\rho > \eta_2`, :math:`\sigma \leftarrow \max(\min(\sigma/2, \|g(x+s)\|), 10^{-8})`
      (Mishchenko's ARC code, konstmish/opt_methods);
      a rejected trial doubles :math:`\sigma`.
    * ``"fixed"``: Nesterov & Polyak (Math. Program. 108, 2006, eq. 2.6) with a user
      :math:`M \ge L_2` (the Hessian's Lipschitz constant); every step accepted.
    * ``"adaptive"``: accept iff :math:`f(x + s) \le f(x) + m(s)`, then
      :math:`M \leftarrow \max(M/2, 10^{-5})`; else :math:`M \leftarrow 2M` (Doikov,
      Mishchenko & Nesterov, arXiv 2208.05888, epfml/super-newton).

    Stops when :math:`\|\nabla f\| \le` ``tol`` **and** the smallest Hessian eigenvalue is
    :math:`\ge -`\ ``curvature_tol`` (second-order stationarity); from a saddle with zero
    gradient the hard-case step moves along the negative-curvature direction.
    ``result.min_eigenvalue`` reports it.

    Parameters
    ----------
    mode : {"arc", "fixed", "adaptive"}, default "arc"
    cubic_weight : float, optional
        :math:`M_0` (``"fixed"``: :math:`M`, required). Defaults: 2 (ARC's
        :math:`\sigma_0 = 1`) and 1 (``"adaptive"``).
    eta1, eta2 : float, default 0.1, 0.9
        ARC thresholds, :math:`0 < \eta_1 \le \eta_2 < 1`.
    subproblem : {"auto", "eigen", "cholesky", "krylov"}, default "auto"
        Cubic-subproblem solver: ``"eigen"`` (one ``eigh``, :math:`O(d)` per trial, exact
        hard case), ``"cholesky"`` (Newton on the radius; reports the hard case as
        ``INNER_FAILED``), ``"krylov"`` (Lanczos; needs only ``hessp``). ``"auto"`` picks
        ``"eigen"`` when ``hess`` exists, else ``"krylov"``.
    hess : callable, {"bfgs", "sr1", "lbfgs", "lsr1", "fd"} or HessianUpdateStrategy, optional
        Where curvature comes from (default: the problem's ``hess``, else ``hessp``). A
        Hessian model (:mod:`numopt.second_order.hessian_models`) needs only ``fun`` and
        ``grad``; with ``"lbfgs"``/``"lsr1"`` the cubic subproblem is solved in closed form
        through the secular equation on the :math:`(2m + 1)`-dimensional space of the compact
        representation (Cartis, Gould & Toint 2011, §3 with a quasi-Newton model), and at a
        first-order point ``memory`` gradient differences probe for negative curvature, so
        ``"sr1"``/``"lsr1"`` escape strict saddles from gradients alone (BFGS models are
        positive definite and cannot see them). ``"fd"`` uses Lanczos on gradient-difference
        products.
    memory : int, default 10
        Pairs kept by ``"lbfgs"``/``"lsr1"`` (and probe directions at a first-order point).
    curvature_tol : float, optional
        Second-order tolerance (default :math:`\sqrt{\mathrm{tol}}`, the Nesterov–Polyak
        scaling :math:`\lambda_{min} \ge -O(\sqrt{\epsilon})`).
    max_trials : int, default 40
        Rejected trials per iteration before ``INNER_FAILED``.
    **kwargs
        ``tol``, ``max_iter``, ``max_time``, ``max_fev``, ``backend``.

    Examples
    --------
    From the saddle of :math:`x^2 - y^2 + y^4/4` (zero gradient) to a minimiser:

    >>> import numpy as np
    >>> import numopt as no
    >>> p = no.Problem(lambda z: z[0]**2 - z[1]**2 + z[1]**4 / 4,
    ...                grad=lambda z: np.array([2 * z[0], -2 * z[1] + z[1]**3]),
    ...                hess=lambda z: np.diag([2.0, -2.0 + 3 * z[1]**2]))
    >>> res = no.minimize(p, np.zeros(2), method="cubic_newton")
    >>> bool(res.success), np.round(np.abs(res.x), 6), res.min_eigenvalue > 0
    (True, array([0.      , 1.414214]), True)

    The same from gradients alone, with an L-SR1 model:

    >>> res = no.minimize(p.fun, np.zeros(2), jac=p.grad, method="cubic_newton", hess="lsr1")
    >>> bool(res.success), res.nhev, bool(abs(res.fun + 1.0) < 1e-10)
    (True, 0, True)
    """

    name = "cubic_newton"
    requires = ("fun", "grad")
    needs = "fun, grad, hess or hessp"  # what `numopt methods` shows: a Hessian is needed

    def __init__(self, *, mode="arc", cubic_weight=None, eta1=ETA1, eta2=ETA2,
                 subproblem="auto", **kwargs):
        super().__init__(**kwargs)
        self.mode = check_choice("mode", mode, MODES)
        if mode == "fixed" and cubic_weight is None:
            raise InvalidProblemError(
                "mode='fixed' needs cubic_weight=M, an upper bound on the Hessian's Lipschitz "
                "constant; or use mode='arc' / 'adaptive', which adapt M.")
        default = ARC_WEIGHT0 if mode == "arc" else ADAPTIVE_WEIGHT0
        self.cubic_weight = check_positive("cubic_weight", default if cubic_weight is None
                                           else cubic_weight)
        self.eta1 = check_real("eta1", eta1, low=0.0, high=1.0, low_open=True, high_open=True)
        self.eta2 = check_real("eta2", eta2, low=self.eta1, high=1.0, high_open=True)
        self.subproblem = check_subproblem(subproblem)

    def init(self, problem, x0):
        if self.hess is None:
            kind = resolve_subproblem(self.subproblem, problem, self.name)
        else:  # the subproblem of a Hessian model: products ("fd") or its spectral model
            kind = "krylov" if isinstance(self.hess, str) and self.hess == "fd" else "model"
        state = self.start_state(problem, x0, kind=kind, model=None, weight=self.cubic_weight,
                                 min_eigenvalue=math.nan, trials=0)
        return self._check_curvature(problem, state)

    def converged(self, state):
        return state.grad_norm <= self.tol and state.min_eigenvalue >= -self.curvature_tol

    def step(self, problem, state):
        xp = state.backend.xp
        model = state.model or CubicModel(state.kind, problem, state.x, xp, state.curvature)
        if not model.finite:
            return self.failed(state, status=Status.NONFINITE, message=(
                f"The Hessian at iteration {state.nit} has NaN or inf entries."))
        before = model.factorizations
        escape = state.grad_norm <= self.tol and state.kind == "krylov"
        weight, trials = state.weight, 0
        while trials < self.max_trials:
            trials += 1
            s, value = model.step(state.grad, weight, escape=escape)
            if s is None:
                return self.failed(state, f"Cubic subproblem failed: {value}.",
                                   factorizations=self._count(state, model, before))
            x_new = state.x + s
            fun_new = problem.fun(x_new)
            accepted, weight_next = self._decide(problem, state, x_new, fun_new, value, weight)
            if accepted:
                new = self.moved(problem, state, x_new, fun_new, weight=weight_next,
                                 trials=trials, model=None,
                                 min_eigenvalue=model.known_min_eigenvalue,
                                 factorizations=self._count(state, model, before))
                return self._check_curvature(problem, new)
            weight = weight_next
            if trials >= FAST_GROWTH_AFTER:  # M far too small (a stale quasi-Newton model,
                weight *= FAST_GROWTH  # say): reach the right scale in a few trials
        if below_rounding(state.fun, value):
            return self.failed(state, status=Status.STALLED, message=(
                f"The model decrease is below the rounding of f (grad_norm "
                f"{state.grad_norm:.2e})."), factorizations=self._count(state, model, before))
        return self.failed(state, factorizations=self._count(state, model, before), message=(
            f"{self.max_trials} cubic trials rejected (M reached {weight:.3g}); the derivatives "
            "may be inconsistent with the objective."))

    def _decide(self, problem, state, x_new, fun_new, value, weight):
        """``(accepted, next weight)`` for one trial, by mode."""
        if self.mode == "fixed":
            return True, weight  # no adaptivity: a non-finite point ends the run (NONFINITE)
        if self.mode == "adaptive":
            if math.isfinite(fun_new) and fun_new <= state.fun + value:
                return True, max(weight / 2.0, ADAPTIVE_FLOOR)
            return False, weight * WEIGHT_GROWTH
        rho = arc_ratio(state.fun, fun_new, value)
        if not rho >= self.eta1 and math.isfinite(fun_new) and rounding_accept(
                state.fun, value, norm(state.backend.xp, problem.grad(x_new)), state.grad_norm):
            rho = self.eta1
        if rho > self.eta2:
            grad_norm_new = norm(state.backend.xp, problem.grad(x_new))
            return True, 2.0 * max(min(weight / 4.0, grad_norm_new), ARC_SIGMA_MIN)
        if rho >= self.eta1:
            return True, weight
        return False, weight * WEIGHT_GROWTH

    def _check_curvature(self, problem, state):
        """At a first-order stationary point, factor the Hessian there (kept for the next
        step) so that :meth:`converged` can test second-order stationarity."""
        if getattr(state, "stop", None) is not None or state.grad_norm > self.tol:
            return state
        if state.curvature is not None:  # g carries no curvature here: probe around x
            lowest = state.curvature.probe(problem.grad, state.x, state.grad, self.memory)
            if getattr(state.curvature, "positive_definite", False) and \
                    lowest < -self.curvature_tol:  # seen, but the model cannot follow it
                return state.replace(stop=Status.SADDLE, message=(
                    f"Gradient differences at this first-order point show curvature "
                    f"{lowest:.3g}, which the positive definite hess={self.hess!r} model "
                    "cannot follow; use hess='lsr1' or 'sr1'."))
        model = CubicModel(state.kind, problem, state.x, state.backend.xp, state.curvature)
        if not model.finite:
            return state.replace(stop=Status.NONFINITE, message=(
                f"The Hessian at iteration {state.nit} has NaN or inf entries."))
        value = model.min_eigenvalue
        return state.replace(model=model, min_eigenvalue=value,
                             factorizations=state.factorizations + model.factorizations)

    @staticmethod
    def _count(state, model, before):
        fresh = state.model is None
        return state.factorizations + model.factorizations - (0 if fresh else before)

    def record(self, state):
        return dict(super().record(state), cubic_weight=state.weight, trials=state.trials,
                    min_eigenvalue=state.min_eigenvalue)

    def result(self, problem, state, status, history, elapsed):
        res = super().result(problem, state, status, history, elapsed)
        res["min_eigenvalue"] = float(state.min_eigenvalue)
        return res
