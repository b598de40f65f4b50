r"""``interior_point``: a primal-dual interior-point method with a filter line search for
general smooth nonlinear programs (equalities, inequalities, bounds)."""

import math

import numpy as np
import scipy.sparse as sp

from ..core.registry import register
from ..core.solver import Solver, State
from ..core.status import Status
from ..core.validate import check_choice, check_positive
from . import _kkt, _restoration, _structured
from ._nlp import NLP

# Constants of Wächter & Biegler (2006), Math. Program. 106, "On the implementation of an
# interior-point filter line-search algorithm" (IPOPT), §2-§3 and their Table of defaults.
MU0 = 0.1  # initial barrier parameter
KAPPA_EPS = 10.0  # barrier problem solved to kappa_eps * mu before mu decreases (eq. 7)
KAPPA_MU, THETA_MU = 0.2, 1.5  # mu <- min(kappa_mu mu, mu^theta_mu) (eq. 7)
TAU_MIN = 0.99  # fraction-to-the-boundary tau = max(tau_min, 1 - mu) (eq. 8)
KAPPA_SIGMA = 1e10  # bound-multiplier safeguard (eq. 16)
S_MAX = 100.0  # scaling of the dual/complementarity errors (eq. 5)
GAMMA_THETA, GAMMA_PHI = 1e-5, 1e-8  # filter margins (eq. 18)
DELTA_SWITCH, S_THETA, S_PHI = 1.0, 1.1, 2.3  # switching condition (eq. 19)
ETA_PHI = 1e-4  # Armijo constant (eq. 20)
GAMMA_ALPHA = 0.05  # safety factor of alpha_min (eq. 23)
MAX_SOC = 4  # second-order corrections per iteration (§2.4)
KAPPA_SOC = 0.99
BOUND_PUSH = 1e-2  # kappa_1 = kappa_2 of the initial-point projection (§3.6)
BOUND_RELAX = 1e-8  # bounds relaxed by this * max(1, |bound|) (IPOPT's bound_relax_factor)
LAMBDA_MAX = 1e3  # least-squares multipliers larger than this are replaced by 0 (§3.6)
LAMBDA_RESET = 1e8  # multiplier safeguard: re-estimate when |lambda| grows past this
RESTORATION_MAX_ITER = 200
RESTORATION_REDUCTION = 0.9  # restoration ends once theta <= this * theta at its start
LSQ_REGULARIZATION = 1e-12  # shift of A A^T in the sparse least-squares multipliers
HESSIANS = ("auto", "exact", "bfgs", "sr1")
LINEAR_SOLVERS = ("auto", "direct")


@register
class InteriorPoint(Solver):
    r"""Primal-dual interior-point method with a filter line search, for
    :math:`\min_x f(x)` s.t. :math:`c_l \le c(x) \le c_u`, :math:`x_l \le x \le x_u`.

    The algorithm of IPOPT (Wächter & Biegler, Math. Program. 106, 2006, DOI
    10.1007/s10107-004-0559-y), written for small and medium dense problems:
    inequality rows get slacks :math:`s` with :math:`c_I(x) - s = 0`, :math:`c_l \le s \le c_u`;
    all bounds enter a log barrier with parameter :math:`\mu` (decreased by the monotone
    Fiacco–McCormick rule, eq. 7). Each iteration solves the primal-dual Newton system

    .. math:: \begin{pmatrix} W + \Sigma + \delta_w I & A^\top\\ A & -\delta_c I\end{pmatrix}
              \begin{pmatrix}\Delta w\\ \Delta\lambda\end{pmatrix} =
              -\begin{pmatrix}\nabla\varphi_\mu + A^\top\lambda\\ h\end{pmatrix}

    with **inertia correction** (§3.1): :math:`\delta_w` grows until the matrix has exactly
    ``n`` positive and ``m`` negative eigenvalues, and :math:`\delta_c > 0` regularizes a
    rank-deficient Jacobian (so degenerate constraints such as HS61's at its start, or
    redundant equalities, do not stop the run). Steps follow the fraction-to-the-boundary
    rule and the **filter line search** (§2.3) with second-order corrections (§2.4). When the
    line search fails, a **feasibility restoration** phase minimizes
    :math:`\tfrac12\|h(w)\|^2` by Levenberg–Marquardt steps scaled to the bounds
    (Coleman & Li 1996); if it ends at a point where :math:`\|c\|` is stationary but nonzero,
    the run ends with ``Status.INFEASIBLE`` ("‖c‖ is stationary at a nonzero value").
    Least-squares multipliers (§3.6) are the start, and re-estimated whenever
    :math:`\|\lambda\|_\infty` exceeds 1e8 (the multiplier safeguard). Objective and
    constraints are scaled at ``x0`` so that no gradient entry exceeds 100 (§3.8).

    Parameters
    ----------
    hessian : {"auto", "exact", "bfgs", "sr1"}, default "auto"
        Lagrangian Hessian: exact when the objective and every nonlinear constraint provide
        one (linear constraints need none), else a quasi-Newton model of the whole
        Lagrangian Hessian from :func:`numopt.second_order.hessian_models.hessian_model`.
    mu0 : float, default 0.1
        Initial barrier parameter.
    linear_solver : {"auto", "direct"}, default "auto"
        ``"direct"``: SuperLU / dense LDLᵀ for every primal-dual system. ``"auto"``: the same,
        except for a sparse Jacobian with a distributed-control structure
        :math:`A = [A_y\;\;E]` (``E`` diagonal) from 3 000 KKT rows while the Hessian
        block is a positive diagonal: range-space PCG with Pearson & Wathen's (2012)
        matching Schur approximation, to the rounding level of the residual
        (:class:`numopt.constrained._structured.StructuredRegularizedKKT`; also for the
        least-squares multipliers).
    **kwargs
        ``tol`` (default 1e-8: scaled optimality error, eq. 5), ``max_iter``, ``max_time``,
        ``max_fev``.

    Returns
    -------
    Result
        Adds ``multipliers`` (one per constraint row, Lagrangian
        :math:`f + \lambda^\top c - z_l^\top(x - x_l) + z_u^\top(x - x_u)`),
        ``bound_multipliers`` (:math:`z_l - z_u` for the variables),
        ``constraint_violation`` (2-norm of all violations), ``kkt_residual``
        (:math:`\|(\nabla_x\mathcal{L}, \text{violation})\|_2`, user units), ``barrier``
        (:math:`\mu`); ``jac`` is :math:`\nabla f`, ``grad_norm``
        :math:`\|\nabla_x\mathcal{L}\|`; ``history`` adds ``kkt_residual``,
        ``constraint_violation``, ``mu``,
        ``step_size``, ``delta_w`` (inertia shift), ``restoration``.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> from numopt.core.constraints import Constraint
    >>> parabola = Constraint(lambda x: np.array([x[0] ** 2 - x[1]]), -np.inf, 0.0,
    ...                       jac=lambda x: np.array([[2 * x[0], -1.0]]),
    ...                       hess=lambda x, v: v[0] * np.diag([2.0, 0.0]))
    >>> p = no.Problem(lambda x: float((x[0] - 2) ** 2 + (x[1] - 1) ** 2),
    ...                grad=lambda x: np.array([2 * (x[0] - 2), 2 * (x[1] - 1)]),
    ...                hess=lambda x: 2 * np.eye(2), x0=np.zeros(2), bounds=[(0, 5)] * 2,
    ...                constraints=[parabola, Constraint.linear([[1.0, 1.0]], -np.inf, 2.0)])
    >>> res = no.minimize(p, method="interior_point")
    >>> bool(res.success), np.round(res.x, 6).tolist()
    (True, [1.0, 1.0])
    """

    name = "interior_point"
    requires = ("fun", "grad")
    backends = ("numpy",)
    handles = frozenset({"bounds", "equality", "inequality"})

    def __init__(self, *, hessian="auto", mu0=MU0, linear_solver="auto", **kwargs):
        super().__init__(**kwargs)
        self.hessian = check_choice("hessian", hessian, HESSIANS)
        self.mu0 = check_positive("mu0", mu0)
        self.linear_solver = check_choice("linear_solver", linear_solver, LINEAR_SOLVERS)

    # ------------------------------------------------------------------ set-up
    def init(self, problem, x0):
        x, backend = self.start(problem, x0)
        x = np.asarray(x, dtype=float)
        nlp = NLP(problem, x, self.hessian)
        n, m = nlp.n, nlp.m
        eq = nlp.cl == nlp.cu
        ineq = np.flatnonzero(~eq)
        # bounds of w = (x, s), relaxed a little (IPOPT's bound_relax_factor)
        lower = np.concatenate([nlp.xl, nlp.cl[ineq]])
        upper = np.concatenate([nlp.xu, nlp.cu[ineq]])
        lower = lower - BOUND_RELAX * np.maximum(1.0, np.abs(lower))
        upper = upper + BOUND_RELAX * np.maximum(1.0, np.abs(upper))
        has_l, has_u = np.isfinite(lower), np.isfinite(upper)
        c = nlp.c(x)
        w = _push_inside(np.concatenate([x, c[ineq]]), lower, upper, has_l, has_u)
        x = w[:n]
        ctx = _Context(nlp, n, m, eq, ineq, lower, upper, has_l, has_u,
                       structured=self.linear_solver == "auto")
        self._ctx = ctx
        zl, zu = has_l.astype(float), has_u.astype(float)
        f, g, c, J = nlp.f(x), nlp.grad(x), nlp.c(x), nlp.jac(x)
        lam = ctx.least_squares_multipliers(g, J, zl, zu)
        theta0 = ctx.theta(c, w)
        mu = self.mu0 if ctx.bounded else 0.0
        state = State(x=x, w=w, lam=lam, zl=zl, zu=zu, mu=mu, f=f, g=g, c=c, J=J, nit=0,
                      backend=backend, filter=[], theta_max=1e4 * max(1.0, theta0),
                      theta_min=1e-4 * max(1.0, theta0), delta_w_last=0.0, delta_w=0.0,
                      step_size=0.0, restoration=False)
        return self._finish(state)

    def _finish(self, state):
        """Add the derived measures (objective, optimality errors) to a state."""
        ctx = self._ctx
        pieces = ctx.optimality_pieces(state)
        error, grad_l = ctx.optimality_error(pieces, 0.0), pieces[3]
        grad_x = grad_l[:ctx.n] / ctx.nlp.f_scale
        violation = ctx.nlp.violation(state.x)
        fun = state.f / ctx.nlp.f_scale
        fields = {"stop": None, "message": None, **vars(state)}
        fields.update(fun=fun, grad=state.g / ctx.nlp.f_scale,
                      grad_norm=float(np.linalg.norm(grad_x)),
                      error=error, constraint_violation=violation,
                      kkt_residual=float(math.hypot(np.linalg.norm(grad_x), violation)))
        return State(**fields)

    def converged(self, state):
        return state.error <= self.tol

    # ------------------------------------------------------------------ one iteration
    def step(self, problem, state):
        ctx, nit = self._ctx, state.nit + 1
        mu, filt = state.mu, state.filter
        self._nonfinite_trials = False
        if ctx.bounded:  # monotone barrier update (eq. 7), possibly several times
            mu_min = self.tol / 10.0
            pieces = ctx.optimality_pieces(state)
            while ctx.optimality_error(pieces, mu) <= KAPPA_EPS * mu and mu > mu_min:
                mu = max(mu_min, min(KAPPA_MU * mu, mu ** THETA_MU))
                filt = []
        state = state.replace(mu=mu, filter=filt)
        H = ctx.hessian(state)
        if not (_kkt.finite(H) and _kkt.finite(state.J)):
            return state.replace(nit=nit, stop=Status.NONFINITE, message=(
                f"The Lagrangian Hessian or the constraint Jacobian at iteration {nit} has "
                "NaN or inf entries."))
        system = ctx.newton_system(state, H)
        solved = system.solve(state.delta_w_last)
        if solved is None:
            return self._restore(problem, state, nit, "the KKT matrix could not be corrected")
        dw, dlam, delta_w = solved
        dzl, dzu = ctx.bound_multiplier_steps(state, dw)
        accepted = self._line_search(state, system, dw)
        if accepted is None:
            return self._restore(problem, state.replace(delta_w_last=delta_w), nit,
                                 "the filter line search found no acceptable step")
        alpha, w_new, f_new, c_new, filt = accepted
        alpha_z = ctx.max_step(np.concatenate([state.zl, state.zu]),
                               np.concatenate([dzl, dzu]), state.mu)
        zl, zu = state.zl + alpha_z * dzl, state.zu + alpha_z * dzu
        lam = state.lam + alpha * dlam
        return self._accept(state, w_new, f_new, c_new, lam, zl, zu, nit=nit, filter=filt,
                            step_size=alpha, delta_w=delta_w, delta_w_last=delta_w,
                            restoration=False)

    def _accept(self, state, w, f, c, lam, zl, zu, **fields):
        ctx = self._ctx
        x = w[:ctx.n]
        g, J = ctx.nlp.grad(x), ctx.nlp.jac(x)
        if ctx.model is not None:  # quasi-Newton pair of the Lagrangian gradient (new lambda)
            ctx.model.update(x - state.x, (g + J.T @ lam) - (state.g + state.J.T @ lam))
        zl, zu = ctx.safeguard(w, zl, zu, state.mu)
        if not np.all(np.abs(lam) <= LAMBDA_RESET):  # multiplier safeguard
            lam = ctx.least_squares_multipliers(g, J, zl, zu)
        new = state.replace(x=x, w=w, f=f, c=c, g=g, J=J, lam=lam, zl=zl, zu=zu, **fields)
        return self._finish(new)

    # ------------------------------------------------------------------ filter line search
    def _line_search(self, state, system, dw):
        ctx, mu = self._ctx, state.mu
        w, theta = state.w, ctx.theta(state.c, state.w)
        phi = ctx.barrier(state.f, w, mu)
        slope = float(ctx.barrier_gradient(state.g, w, mu) @ dw)
        alpha_max = ctx.max_step_primal(w, dw, mu)
        if slope < 0:
            alpha_min = GAMMA_ALPHA * min(GAMMA_THETA, GAMMA_PHI * theta / -slope,
                                          DELTA_SWITCH * theta ** S_THETA / (-slope) ** S_PHI)
        else:
            alpha_min = GAMMA_ALPHA * GAMMA_THETA
        if not theta:
            alpha_min = GAMMA_ALPHA * 1e-12 if slope < 0 else alpha_min
        tiny = np.max(np.abs(dw) / (1.0 + np.abs(w))) < 10 * np.finfo(float).eps
        self._nonfinite_trials = False
        alpha = alpha_max
        first = True
        while alpha >= alpha_min or tiny:
            trial = self._trial(w + alpha * dw, mu)
            if tiny:
                if theta > self.tol:  # no progress possible on the violation: restore
                    return None
                return (alpha, *trial[:3], state.filter)
            verdict = self._filter_test(state, trial, theta, phi, slope, alpha)
            if verdict is not None:
                return (alpha, *trial[:3], verdict)
            self._nonfinite_trials = first and not math.isfinite(trial[4]) or (
                self._nonfinite_trials and not math.isfinite(trial[4]))
            if first and trial[3] >= theta and theta > 0:  # second-order correction (§2.4)
                found = self._second_order_correction(state, system, dw, alpha, trial, theta,
                                                      phi, slope)
                if found is not None:
                    return found
            first = False
            alpha *= 0.5
        return None

    def _trial(self, w, mu):
        ctx = self._ctx
        x = w[:ctx.n]
        with np.errstate(all="ignore"):
            f, c = ctx.nlp.f(x), ctx.nlp.c(x)
        if not (math.isfinite(f) and np.all(np.isfinite(c))):
            return w, math.inf, c, math.inf, math.inf
        return w, f, c, ctx.theta(c, w), ctx.barrier(f, w, mu)

    def _filter_test(self, state, trial, theta, phi, slope, alpha):
        """The new filter when the trial point is acceptable (eqs. 18-21), else None."""
        _, _, _, theta_t, phi_t = trial
        if not (math.isfinite(phi_t) and theta_t < state.theta_max):
            return None
        if any(theta_t >= tj and phi_t >= pj for tj, pj in state.filter):
            return None
        switching = slope < 0 and alpha * (-slope) ** S_PHI > DELTA_SWITCH * theta ** S_THETA
        if theta <= state.theta_min and switching:
            if phi_t <= phi + ETA_PHI * alpha * slope:
                return state.filter  # f-type iteration: filter unchanged
            return None
        if theta_t <= (1 - GAMMA_THETA) * theta or phi_t <= phi - GAMMA_PHI * theta:
            return [*state.filter, ((1 - GAMMA_THETA) * theta, phi - GAMMA_PHI * theta)]
        return None

    def _second_order_correction(self, state, system, dw, alpha, trial, theta, phi, slope):
        ctx = self._ctx
        h_soc = alpha * ctx.residual(state.c, state.w)
        theta_old = theta
        for _ in range(MAX_SOC):
            h_soc = h_soc + ctx.residual(trial[2], trial[0])
            solved = system.solve_rhs(h_soc)
            if solved is None:
                return None
            dw_soc = solved
            alpha_soc = ctx.max_step_primal(state.w, dw_soc, state.mu)
            trial = self._trial(state.w + alpha_soc * dw_soc, state.mu)
            verdict = self._filter_test(state, trial, theta, phi, slope, alpha)
            if verdict is not None:
                return (alpha_soc, *trial[:3], verdict)
            if trial[3] > KAPPA_SOC * theta_old:
                return None
            theta_old = trial[3]
        return None

    # ------------------------------------------------------------------ restoration
    def _restore(self, problem, state, nit, reason):
        """Feasibility restoration: Levenberg–Marquardt on ``||h(w)||^2 / 2`` inside the
        bounds until the point is acceptable to the filter with ``theta`` reduced by 10%."""
        ctx = self._ctx
        w, c, J = state.w.copy(), state.c, state.J
        theta_start = ctx.theta(c, w)
        if self._nonfinite_trials:
            return state.replace(nit=nit, stop=Status.NONFINITE, message=(
                f"The objective or the constraints returned NaN or inf at every trial point of "
                f"iteration {nit} ({reason})."))
        if theta_start <= self.tol:
            return state.replace(nit=nit, stop=Status.LINE_SEARCH_FAILED, message=(
                f"At a feasible point {reason}; the derivatives may be inconsistent with the "
                "functions (check them against finite differences)."))
        phi_start = ctx.barrier(state.f, w, state.mu)
        filt = [*state.filter, ((1 - GAMMA_THETA) * theta_start, phi_start - GAMMA_PHI
                                * theta_start)]

        def evaluate(v):
            c_v = ctx.nlp.c(v[:ctx.n])
            return ctx.residual(c_v, v), ctx.constraint_jacobian(ctx.nlp.jac(v[:ctx.n]))

        def done(v, h):
            theta = float(np.sum(np.abs(h)))
            if theta <= self.tol:
                return True
            phi = ctx.barrier(ctx.nlp.f(v[:ctx.n]), v, state.mu)
            acceptable = not any(theta >= tj and phi >= pj for tj, pj in filt)
            return theta <= RESTORATION_REDUCTION * theta_start and acceptable

        hessian = None
        if ctx.nlp.exact_constraint_hessians and not ctx.nlp.sparse:
            def hessian(v, h, A):
                H = A.T @ A
                H[:ctx.n, :ctx.n] += ctx.nlp.constraint_hessian(v[:ctx.n], h)
                return H

        out = _restoration.restore(
            w, ctx.residual(c, w), ctx.constraint_jacobian(J), evaluate, done=done,
            scaling=ctx.affine_scaling, max_step=lambda v, d: ctx.max_step_primal(v, d, 0.0),
            hessian=hessian, max_iter=RESTORATION_MAX_ITER, tol=self.tol,
            objective_gradient=lambda v: ctx.barrier_gradient(ctx.nlp.grad(v[:ctx.n]), v,
                                                              state.mu))
        steps = out.steps
        stop, message = None, None
        if out.status == "infeasible":
            stop, message = Status.INFEASIBLE, _restoration.infeasible_message(out, reason)
        elif out.status == "stalled":
            stop, message = Status.LINE_SEARCH_FAILED, (
                f"Feasibility restoration (after {reason}) could not reduce ||c|| = "
                f"{out.h_norm:.3e} further.")
        w = out.w
        c, J = ctx.nlp.c(w[:ctx.n]), ctx.nlp.jac(w[:ctx.n])
        f = ctx.nlp.f(w[:ctx.n])
        g = ctx.nlp.grad(w[:ctx.n])
        zl, zu = ctx.safeguard(w, state.zl, state.zu, state.mu)
        lam = ctx.least_squares_multipliers(g, J, zl, zu)
        if ctx.theta(c, w) <= self.tol:
            filt = []
        if ctx.model is not None:  # the restoration path says nothing about curvature
            ctx.model = ctx.new_model()
        new = self._accept(state, w, f, c, lam, zl, zu, nit=nit + steps, filter=filt,
                           step_size=0.0, delta_w=state.delta_w, restoration=True)
        return new if stop is None else new.replace(stop=stop, message=message)

    # ------------------------------------------------------------------ reporting
    def record(self, state):
        return {"fun": float(state.fun), "grad_norm": state.grad_norm,
                "kkt_residual": state.kkt_residual,
                "constraint_violation": state.constraint_violation, "mu": float(state.mu),
                "step_size": float(state.step_size), "delta_w": float(state.delta_w),
                "restoration": bool(state.restoration)}

    def measure(self, state):
        return state.kkt_residual

    def intermediate(self, state):
        res = super().intermediate(state)
        res.update(kkt_residual=state.kkt_residual,
                   constraint_violation=state.constraint_violation)
        return res

    def result(self, problem, state, status, history, elapsed):
        res = super().result(problem, state, status, history, elapsed)
        ctx = self._ctx
        n = ctx.n
        counts = {}
        for block in ctx.nlp.blocks:
            for key, value in block.counts.items():
                counts[key] = counts.get(key, 0) + value
        res.update(multipliers=ctx.nlp.unscale_multipliers(state.lam),
                   bound_multipliers=(state.zl[:n] - state.zu[:n]) / ctx.nlp.f_scale,
                   constraint_violation=state.constraint_violation,
                   kkt_residual=state.kkt_residual, barrier=float(state.mu),
                   constraint_counts=counts)
        return res


def _push_inside(w, lower, upper, has_l, has_u):
    """Project the start strictly inside the bounds (Wächter & Biegler 2006, eq. 36)."""
    width = upper - lower
    with np.errstate(invalid="ignore"):
        push_l = np.minimum(BOUND_PUSH * np.maximum(1.0, np.abs(lower)), BOUND_PUSH * width)
        push_u = np.minimum(BOUND_PUSH * np.maximum(1.0, np.abs(upper)), BOUND_PUSH * width)
    w = np.where(has_l, np.maximum(w, lower + np.where(has_l, push_l, 0.0)), w)
    return np.where(has_u, np.minimum(w, upper - np.where(has_u, push_u, 0.0)), w)


class _Context:
    """Fixed data of one run: the NLP, the slack layout, the bounds of ``w = (x, s)``."""

    def __init__(self, nlp, n, m, eq, ineq, lower, upper, has_l, has_u, structured=True):
        self.nlp, self.n, self.m, self.eq, self.ineq = nlp, n, m, eq, ineq
        self.structured = structured
        self.N = n + ineq.shape[0]
        self.lower, self.upper, self.has_l, self.has_u = lower, upper, has_l, has_u
        self.bounded = bool(np.any(has_l) or np.any(has_u))
        self.n_bounds = int(has_l.sum() + has_u.sum())
        self._lower0 = np.where(has_l, lower, 0.0)
        self._upper0 = np.where(has_u, upper, 0.0)
        self.model = None if nlp.exact_hessian else self.new_model()
        self.target = np.where(eq, nlp.cl, 0.0)

    # -------------------------------------------------------------- constraints of w
    def residual(self, c, w):
        """``h(w)``: ``c_E - c_l`` on equality rows, ``c_I - s`` on inequality rows."""
        h = c - self.target
        h[self.ineq] -= w[self.n:]
        return h

    def theta(self, c, w):
        return float(np.sum(np.abs(self.residual(c, w))))

    def constraint_jacobian(self, J):
        """``A = [J, -P]`` (``P`` places the slacks on the inequality rows)."""
        if self.nlp.sparse:
            slack = sp.csr_matrix((-np.ones(self.ineq.shape[0]),
                                   (self.ineq, np.arange(self.ineq.shape[0]))),
                                  shape=(self.m, self.N - self.n))
            return sp.hstack([sp.csr_matrix(J), slack], format="csr")
        A = np.zeros((self.m, self.N))
        A[:, :self.n] = J
        A[self.ineq, self.n + np.arange(self.ineq.shape[0])] = -1.0
        return A

    def multiplier_gradient(self, J, lam):
        """``A^T lam``."""
        out = np.empty(self.N)
        out[:self.n] = J.T @ lam
        out[self.n:] = -lam[self.ineq]
        return out

    # -------------------------------------------------------------- barrier pieces
    def gaps(self, w):
        """Distances to the lower and upper bounds (1 where there is no bound)."""
        return (np.where(self.has_l, w - self._lower0, 1.0),
                np.where(self.has_u, self._upper0 - w, 1.0))

    def barrier(self, f, w, mu):
        if not mu:
            return f
        dl, du = self.gaps(w)
        if np.any(dl[self.has_l] <= 0) or np.any(du[self.has_u] <= 0):
            return math.inf
        return float(f - mu * (np.sum(np.log(dl[self.has_l])) + np.sum(np.log(du[self.has_u]))))

    def barrier_gradient(self, g, w, mu):
        grad = np.zeros(self.N)
        grad[:self.n] = g
        if mu:
            dl, du = self.gaps(w)
            grad -= np.where(self.has_l, mu / dl, 0.0)
            grad += np.where(self.has_u, mu / du, 0.0)
        return grad

    def optimality_pieces(self, state):
        """What the optimality error needs, computed once per iterate: the scaled
        stationarity and feasibility errors, the products ``gap * z`` and ``s_c``."""
        grad_l = self.multiplier_gradient(state.J, state.lam)
        grad_l[:self.n] += state.g
        grad_l += state.zu - state.zl
        dl, du = self.gaps(state.w)
        z_sum = float(np.abs(state.zl).sum() + np.abs(state.zu).sum())
        s_d = max(S_MAX, (float(np.abs(state.lam).sum()) + z_sum)
                  / max(1, self.m + self.n_bounds)) / S_MAX
        s_c = max(S_MAX, z_sum / max(1, self.n_bounds)) / S_MAX
        h = self.residual(state.c, state.w)
        base = max(float(np.abs(grad_l).max()) / s_d if grad_l.size else 0.0,
                   float(np.abs(h).max()) if h.size else 0.0)
        products = np.concatenate([(dl * state.zl)[self.has_l], (du * state.zu)[self.has_u]])
        return base, products, s_c, grad_l

    def optimality_error(self, pieces, mu):
        """Scaled optimality error of the barrier problem (eq. 5) from
        :meth:`optimality_pieces`."""
        base, products, s_c, _ = pieces
        if not products.size:
            return base
        return max(base, float(np.abs(products - mu).max()) / s_c)

    def max_step_primal(self, w, dw, mu):
        """Fraction-to-the-boundary step (eq. 15a), at most 1."""
        tau = max(TAU_MIN, 1.0 - mu)
        dl, du = self.gaps(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            lim_l = np.where(self.has_l & (dw < 0), -tau * dl / dw, np.inf)
            lim_u = np.where(self.has_u & (dw > 0), tau * du / dw, np.inf)
        return float(min(1.0, np.min(lim_l, initial=np.inf), np.min(lim_u, initial=np.inf)))

    def max_step(self, z, dz, mu):
        """Fraction-to-the-boundary step of the bound multipliers (eq. 15b)."""
        tau = max(TAU_MIN, 1.0 - mu)
        mask = np.concatenate([self.has_l, self.has_u]) & (dz < 0)
        if not np.any(mask):
            return 1.0
        return float(min(1.0, np.min(-tau * z[mask] / dz[mask])))

    def bound_multiplier_steps(self, state, dw):
        dl, du = self.gaps(state.w)
        mu = state.mu
        dzl = np.where(self.has_l, mu / dl - state.zl - state.zl / dl * dw, 0.0)
        dzu = np.where(self.has_u, mu / du - state.zu + state.zu / du * dw, 0.0)
        return dzl, dzu

    def safeguard(self, w, zl, zu, mu):
        """Keep ``z_i * gap_i`` within ``[mu / kappa_sigma, kappa_sigma mu]`` (eq. 16)."""
        if not mu:
            return zl, zu
        dl, du = self.gaps(w)
        zl = np.where(self.has_l, np.clip(zl, mu / (KAPPA_SIGMA * dl), KAPPA_SIGMA * mu / dl),
                      0.0)
        zu = np.where(self.has_u, np.clip(zu, mu / (KAPPA_SIGMA * du), KAPPA_SIGMA * mu / du),
                      0.0)
        return zl, zu

    def affine_scaling(self, w, grad):
        """Coleman–Li scaling: ``sqrt(min(1, distance to the bound the step heads for))``."""
        dl, du = self.gaps(w)
        toward = np.where(grad > 0, np.where(self.has_l, dl, np.inf),
                          np.where(self.has_u, du, np.inf))
        return np.sqrt(np.minimum(1.0, toward))

    # -------------------------------------------------------------- multipliers, Hessian
    def least_squares_multipliers(self, g, J, zl, zu):
        """``argmin ||grad f - z_l + z_u + A^T lam||`` (§3.6), zero when it is large."""
        if not self.m:
            return np.zeros(0)
        target = -(np.concatenate([g, np.zeros(self.N - self.n)]) - zl + zu)
        A = self.constraint_jacobian(J)
        split = _structured.control_split(A) if self.structured and self.nlp.sparse and sum(
            A.shape) >= _structured.AUTO_MIN_ROWS else None
        lam = None if split is None else _structured.least_squares_multipliers(
            A, -target, split)[0]
        if lam is None and self.nlp.sparse:  # normal equations (A A^T + eps I) lam = A target,
            # one sparse LU
            gram = (A @ A.T + LSQ_REGULARIZATION * sp.identity(self.m)).tocsc()
            try:
                lam = _kkt.SparseLU(gram).solve(A @ target)
            except RuntimeError:
                return np.zeros(self.m)
        elif lam is None:
            lam = np.linalg.lstsq(A.T, target, rcond=None)[0]
        return lam if np.max(np.abs(lam)) <= LAMBDA_MAX else np.zeros(self.m)

    def new_model(self):
        """A fresh quasi-Newton model of the Lagrangian Hessian (shared Hessian models)."""
        from ..second_order.hessian_models import hessian_model

        return hessian_model(self.nlp.hessian_kind, self.n)

    def hessian(self, state):
        if self.model is not None:
            return self.model.dense()
        return self.nlp.lagrangian_hessian(state.x, state.lam)

    def newton_system(self, state, H):
        dl, du = self.gaps(state.w)
        sigma = (np.where(self.has_l, state.zl / dl, 0.0)
                 + np.where(self.has_u, state.zu / du, 0.0))
        if self.nlp.sparse:
            W = sp.block_diag([sp.csr_matrix(H), sp.csr_matrix((self.N - self.n,) * 2)],
                              format="csr") + sp.diags(sigma)
        else:
            W = np.zeros((self.N, self.N))
            W[:self.n, :self.n] = H
            W[np.diag_indices(self.N)] += sigma
        A = self.constraint_jacobian(state.J)
        grad_phi = self.barrier_gradient(state.g, state.w, state.mu)
        r_d = grad_phi + self.multiplier_gradient(state.J, state.lam)
        return _structured.regularized_kkt(W, A, r_d, self.residual(state.c, state.w),
                                           state.mu, structured=self.structured)
