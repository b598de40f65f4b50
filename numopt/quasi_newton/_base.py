r"""What ``bfgs`` and ``lbfgs`` share: the line-search quasi-Newton iteration, with or without
bounds.

Without bounds: :math:`d = -H_k \nabla f(x_k)` and a strong Wolfe line search
(:class:`~numopt.core.linesearch.StrongWolfe`), so every pair has :math:`s^\top y > 0`.

With bounds :math:`l \le x \le u`: a projected quasi-Newton method in the spirit of the
two-metric projection method of Bertsekas (SIAM J. Control Optim. 20, 1982), with the
quasi-Newton matrix on the free variables. The active set
:math:`A = \{i : x_i = l_i,\, g_i > 0\} \cup \{i : x_i = u_i,\, g_i < 0\}` is held
(:math:`d_A = 0`; Bertsekas' scaled gradient step there would be projected away); on the free
variables :math:`F` the direction is the subspace quasi-Newton step
:math:`d_F = -(Z^\top B Z)^{-1} g_F` (L-BFGS-B's subspace step, Byrd, Lu, Nocedal & Zhu 1995,
§5.1, without its generalized Cauchy point). When the unit step stays in the box the strong
Wolfe search runs on the segment (capped at the box); otherwise the projected arc
:math:`x(t) = P(x + t d)` is searched by backtracking until
:math:`f(x(t)) \le f(x) + c_1 \nabla f(x)^\top (x(t) - x)` (Bertsekas 1982, eq. 11). When
every variable has two finite bounds the first step is the full projected gradient step
:math:`P(x - \nabla f(x))`, as L-BFGS-B takes it (it finds many active bounds at once). The
stationarity measure is the projected-gradient norm :math:`\|x - P(x - \nabla f(x))\|`,
reported as ``grad_norm``.
"""

import abc
import math

import numpy as np

from ..core.bounds import projected_backtracking
from ..core.linesearch import ARMIJO_C1, BACKTRACK_SHRINK, WOLFE_C2, StrongWolfe
from ..core.solver import Solver, State
from ..core.status import Status

MAX_BACKTRACKS = 40  # projected-arc backtracking steps before the search fails


class QuasiNewtonSolver(Solver):
    """Base of ``bfgs`` and ``lbfgs``: subclasses build the Hessian model (``new_model``)."""

    requires = ("fun", "grad")
    backends = ("numpy",)
    handles = frozenset({"bounds"})

    def __init__(self, *, c1=ARMIJO_C1, c2=WOLFE_C2, **kwargs):
        super().__init__(**kwargs)
        self.line_search = StrongWolfe(c1=c1, c2=c2)
        self.c1 = self.line_search.c1

    @abc.abstractmethod
    def new_model(self, n):
        """A fresh Hessian model of dimension ``n`` with ``solve``, ``reduced_solve``,
        ``update``, ``reset``, ``pairs`` and ``delta``."""

    def init(self, problem, x0):
        x, backend = self.start(problem, x0)
        box = getattr(problem, "bounds", None)
        note = None
        if box is not None and not box.contains(x):
            note = (f"x0 was outside the bounds (largest violation {box.violation(x):.3g}) and "
                    "was projected onto them.")
            x = box.project(x)
        g = problem.grad(x)
        # every variable bounded on both sides: the first step is the full projected
        # gradient step, as L-BFGS-B takes it for such boxes (Byrd, Lu, Nocedal & Zhu 1995)
        boxed = box is not None and bool(np.all(np.isfinite(box.lower))
                                         and np.all(np.isfinite(box.upper)))
        return State(x=x, fun=problem.fun(x), grad=g, grad_norm=_stationarity(box, x, g),
                     nit=0, backend=backend, model=self.new_model(x.shape[0]), box=box,
                     step=0.0, note=note, boxed=boxed)

    def finite(self, state):
        return math.isfinite(state.fun) and math.isfinite(state.grad_norm)

    def step(self, problem, state):
        model, box = state.model, state.box
        d, max_step = self._direction(state)
        slope = float(state.grad @ d)
        if not slope < 0.0 or model.pairs == 0:
            model.reset()
            d, max_step = self._direction(state)
            slope = float(state.grad @ d)
        first = 1.0 if model.pairs or state.boxed else min(1.0, 1.0 / math.sqrt(float(d @ d)))
        found = self._search(problem, state, d, slope, first, max_step)
        if found is None and (model.pairs or state.boxed):  # restart: a short gradient step
            model.reset()
            d, max_step = self._direction(state)
            slope = float(state.grad @ d)
            found = self._search(problem, state, d, slope,
                                 min(1.0, 1.0 / math.sqrt(float(d @ d))), max_step)
        if found is None:
            return state.replace(nit=state.nit + 1, stop=Status.LINE_SEARCH_FAILED, message=(
                f"No step along the quasi-Newton direction satisfied the line search (slope "
                f"{slope:.2e}, grad_norm {state.grad_norm:.2e})."))
        x_new, f_new, g_new, t = found
        s = x_new - state.x
        if not np.any(s):
            return state.replace(nit=state.nit + 1, stop=Status.STALLED, message=(
                f"The accepted step no longer changes x (grad_norm {state.grad_norm:.2e})."))
        model.update(s, g_new - state.grad)
        return State(x=x_new, fun=f_new, grad=g_new, grad_norm=_stationarity(box, x_new, g_new),
                     nit=state.nit + 1, backend=state.backend, model=model, box=box, step=t,
                     note=state.note, boxed=state.boxed)

    def _direction(self, state):
        """``(d, max_step)``: the quasi-Newton direction (on the free variables under
        bounds) and the largest step keeping ``x + t d`` in the box (``inf`` without)."""
        model, box, g = state.model, state.box, state.grad
        if box is None:
            return -model.solve(g), math.inf
        x = state.x
        active = box.active(x, g)  # at a bound and held there by the gradient
        if not active.any():
            d = -model.solve(g)
        else:
            d = -model.reduced_solve(g, ~active)
        return d, box.max_step(x, d)

    def _search(self, problem, state, d, slope, first, max_step):
        """``(x_new, f_new, g_new, t)`` or ``None`` when no acceptable step was found."""
        x = state.x
        if max_step >= first:
            trials = {}

            def phi_dphi(t):
                x_t = x + t * d
                f_t = problem.fun(x_t)
                g_t = problem.grad(x_t)
                trials[t] = (x_t, g_t)
                return f_t, float(g_t @ d)

            t, f_new, _ = self.line_search.search(phi_dphi, state.fun, slope, first, max_step)
            if t is None:
                return None
            x_new, g_new = trials[t]
            if state.box is not None and t >= max_step:
                x_new = state.box.project(x_new)  # land exactly on the bound
                f_new, g_new = problem.fun(x_new), problem.grad(x_new)
            return x_new, f_new, g_new, t
        return self._projected_arc(problem, state, d, first)

    def _projected_arc(self, problem, state, d, t):
        """Backtrack on :math:`P(x + t d)` (Bertsekas 1982, eq. 11)."""
        found = projected_backtracking(problem.fun, state.box, state.x, state.fun, state.grad,
                                       d, t, c1=self.c1, shrink=BACKTRACK_SHRINK,
                                       max_steps=MAX_BACKTRACKS)
        if found is None:
            return None
        x_new, f_new, t = found
        return x_new, f_new, problem.grad(x_new), t

    def record(self, state):
        return {"fun": float(state.fun), "grad_norm": float(state.grad_norm),
                "step": float(state.step)}

    def result(self, problem, state, status, history, elapsed):
        res = super().result(problem, state, status, history, elapsed)
        if state.note:
            res["message"] = f"{res['message']} {state.note}"
        return res


def _stationarity(box, x, g):
    """``||g||``, or the projected-gradient norm ``||x - P(x - g)||`` under bounds."""
    if box is None:
        return math.sqrt(float(g @ g))
    r = box.projected_gradient(x, g)
    return math.sqrt(float(r @ r))
