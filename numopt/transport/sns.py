r"""Sinkhorn–Newton–Sparse (SNS): Sinkhorn warm-up, then Newton with a sparsified Hessian."""

import functools
import math

import numpy as np

from ..core.status import Status
from ..core.validate import check_choice, check_int, check_real
from .base import TransportSolver
from .newton import newton_direction, null_space_projection, sparsify
from .sinkhorn import (
    LogSinkhorn,
    ScalingSinkhorn,
    exp_limit,
    kernel_exponents,
    overrelaxation_factor,
)

WARMUP = 20  # Sinkhorn iterations before Newton, Tang et al. 2024 (N1 = 20, Sec. 5)
KEEP_PER_BIN = 10  # drop_ratio=None: keep 10·max(n, m); 2-3n converges only linearly [R]
# Kept entries by mass: each Newton step drops at most DROP_RATIO x (marginal error) of plan
# mass, so the Hessian error shrinks with the gradient and the steps stay quadratic [R:
# uniform clouds n=2000 reg=1e-3, 7 -> 4 Newton steps; random assignment ~4 kept per row]
DROP_RATIO = 0.1
CG_RTOL = 1e-8  # tightest relative CG residual (numopt choice, ALGORITHMS.md §3.3c)
# inexact Newton (Dembo, Eisenstat & Steihaug 1982): far from the optimum CG stops at a
# relative residual FORCING x (marginal error / mass), at most FORCING_MAX, which keeps
# the quadratic rate and halves the CG work [R]
FORCING = 0.1
FORCING_MAX = 0.1
# CG cap per unknown: n + m (exact-arithmetic bound) stalls SNS on sharp plans, where the
# sparse Hessian is ill-conditioned (random assignment n=200: > 1300 CG steps needed) [R]
CG_ITER_PER_UNKNOWN = 10
ARMIJO_C1 = 1e-4  # sufficient-increase constant (Nocedal & Wright 2006, §3.1)
MAX_HALVINGS = 30  # backtracking halvings before the line search gives up
SLOW_RATIO = 0.5  # a Newton step that cuts the marginal error by less than 2x is "slow"
SLOW_STEPS = 2  # this many slow steps in a row double the kept entries
STUCK_RATIO = 0.9  # a step cutting the error by < 10% (non-sparse plan, e.g. clustered
STUCK_GROWTH = 4  # points) multiplies the kept entries by 4 at once [R: 10 -> 4 steps]
MERIT_SWITCH = 10.0  # switch to the marginal-error merit once slope < 10·eps·|D|
MERIT_STALL_STEPS = 3  # slow steps in a row near the rounding floor = no further progress
ROUNDING_FLOOR = 1e3  # "near the floor": marginal error < 1e3·eps·sum(a)
CG_SHIFT = 1e-10  # diagonal shift (relative to max pivot) after a CG breakdown
# Cost model of the Sinkhorn -> Newton switch, in "passes" (one exp pass over the n x m
# entries) so that the decisions, and the iteration counts, do not depend on the clock.
# At every check Sinkhorn's remaining cost is predicted from its observed contraction per
# iteration, (err_now / err_before)^(1 / iterations), extrapolated down to tol, times the
# cost of an iteration (ITER_PASSES); the Newton phase is predicted to cost NEWTON_STEPS
# steps of NEWTON_PASSES passes plus a fixed NEWTON_OVERHEAD (Python, CSR assembly, CG
# set-up; in entry-equivalents, so it weighs more on small problems). Sinkhorn goes on past
# the warm-up while it is predicted cheaper. During the Newton phase each step's cost is
# counted (line-search trials, CG iterations x the sparse product's share of a pass); after
# the first step, whose measured cost replaces the prior (optimistic where the plan is not
# nearly sparse), a Newton phase predicted above FALLBACK x Sinkhorn's remaining cost hands
# the run back to Sinkhorn, which switches to Newton again when the same test says so.
# switch="warmup" keeps the paper's rule: exactly `warmup` Sinkhorn iterations, then Newton.
# Calibration [R, 2-core box, numba 2 threads, OPENBLAS 1 thread, n = 500 .. 5000]: a
# scaling iteration (two BLAS mat-vecs) costs 0.25-0.4 of an exp pass, a log-domain
# iteration (two fused LSE passes) about 2, a Newton step 15-150 scaling iterations.
ITER_PASSES = {"sinkhorn": 0.35, "sinkhorn_log": 2.0}
NEWTON_STEPS = 8
NEWTON_PASSES = 5.0  # plan + sums, trial plan, histogram, CSR, gradient and dual
NEWTON_OVERHEAD = 4e6  # entry-equivalents per Newton step (~5 ms)
SINKHORN_OVERHEAD = 2e4  # entry-equivalents per Sinkhorn iteration (~20 us of Python)
FALLBACK = 2.0  # Sinkhorn's rate at the switch is optimistic (it slows down): a margin
CG_PASS = 2.0  # a CG product with k stored entries costs 2k/(n m) + 6(n + m)/(n m) passes
EXP_SCALINGS = 600.0  # fall back to the scaling domain only if |f|/reg, |g|/reg < 600
NEWTON_PASSES = 6
FALLBACK = 1.0
MAX_LOG_CHANGE = 50.0  # first trial step: at most e^50 change in any plan entry


class SinkhornNewtonSparse(TransportSolver):
    r"""Sinkhorn–Newton–Sparse (``method="sns"``, the default).

    Maximises the concave entropic dual
    :math:`D(f, g) = \langle a, f\rangle + \langle b, g\rangle
    - \mathrm{reg}\sum_{ij} P_{ij}`, :math:`P_{ij} = e^{(f_i + g_j - M_{ij})/\mathrm{reg}}`,
    in two stages (Tang, Shavlovsky, Rahmanian, Tardini, Thekumparampil, Xiao, Ying,
    "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations", ICLR 2024,
    arXiv 2401.12253, Algorithm 1):

    1. ``warmup`` Sinkhorn iterations: in the scaling domain when the kernel
       :math:`e^{-M/\mathrm{reg}}` is representable and the start is cold (several times
       cheaper per iteration), else in the log domain; with ``switch="cost"`` they go on
       past ``warmup`` while a cost model (Sinkhorn's observed contraction per iteration
       extrapolated to ``tol``, against the predicted Newton phase, both counted in passes
       over ``M``) says Sinkhorn is cheaper, and may finish the run;
    2. Newton steps :math:`z \leftarrow z + \alpha d`, :math:`K_s d = \mathrm{reg}\,\nabla D`,
       where :math:`K_s` keeps the exact diagonal blocks of the Hessian (eq. (5)) and the
       largest plan entries (the sparsification of Sec. 4): as many as it takes for the
       dropped ones to hold at most ``drop_ratio`` times the current marginal error of
       plan mass (numopt's rule; the paper keeps a fixed count), solved by Jacobi-PCG to a
       relative residual that tightens with the marginal error (inexact Newton);
       :math:`\alpha` by Armijo backtracking on ``D``, switching to "the marginal error
       decreases" once the predicted increase is below ``10·eps·|D|`` (floating-point
       stall). Two slow steps in a row (error cut by < 2x) double the kept count; a step
       that cuts it by less than 10% multiplies it by 4 (plans that are not nearly sparse).
       A rejected Newton step away from machine precision is replaced by one Sinkhorn
       iteration (history phase ``"sinkhorn"``), after which Newton resumes.

    Parameters
    ----------
    warmup : int, default 20
        Sinkhorn iterations before Newton (the paper's N1).
    density : float, optional
        Fraction of plan entries always kept (a floor under the mass rule); with
        ``drop_ratio=None`` the kept fraction itself (default then ``10·max(n, m)/(n m)``).
    drop_ratio : float or None, default 0.1
        Plan mass each Newton step may drop, relative to the current L1 marginal error;
        None keeps a fixed count of entries instead (the paper's rule).
    cg_rtol : float, default 1e-8
        Tightest relative residual of the CG solve (reached near the optimum).
    cg_max_iter : int, optional
        CG iteration cap; default ``10·(n + m)`` (sharp plans make the sparse Hessian
        ill-conditioned, and ``n + m`` steps then stall the Newton stage).
    c1 : float, default 1e-4
        Armijo constant.
    max_halvings : int, default 30
        Backtracking halvings per line search.
    switch : {"cost", "warmup"}, default "cost"
        When to leave Sinkhorn: ``"cost"``, numopt's cost model (Sinkhorn goes on past
        ``warmup`` while its predicted remaining cost, from its observed contraction, is
        below the Newton phase's; a first Newton step far costlier than predicted hands
        the run back to Sinkhorn); ``"warmup"``, the paper's rule (exactly ``warmup``
        Sinkhorn iterations, then Newton to the end).
    overrelax : bool, default True
        After the warm-up, scaling-domain iterations are over-relaxed with the optimal SOR
        factor for their observed contraction (Thibault et al. 2017, arXiv 1711.01851),
        dropped at the first window where it does not help.
    check_every, tol, max_iter, **kwargs
        As :class:`~numopt.transport.sinkhorn.LogSinkhorn`.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> rng = np.random.default_rng(0)
    >>> M = rng.random((60, 40))
    >>> res = no.transport.sinkhorn(np.full(60, 1 / 60), np.full(40, 1 / 40), M, 0.01,
    ...                             tol=1e-12)
    >>> bool(res.success), res.marginal_error <= 1e-12, res.nit_newton < 30
    (True, True, True)
    """

    name = "sns"

    def __init__(self, *, warmup=WARMUP, density=None, drop_ratio=DROP_RATIO, cg_rtol=CG_RTOL,
                 cg_max_iter=None, c1=ARMIJO_C1, max_halvings=MAX_HALVINGS, switch="cost",
                 overrelax=True, **kwargs):
        super().__init__(**kwargs)
        self.warmup = check_int("warmup", warmup, low=0)
        self.density = (None if density is None
                        else check_real("density", density, low=0.0, high=1.0, low_open=True))
        self.drop_ratio = (None if drop_ratio is None
                           else check_real("drop_ratio", drop_ratio, low=0.0))
        self.cg_rtol = check_real("cg_rtol", cg_rtol, low=0.0, high=1.0, low_open=True,
                                  high_open=True)
        self.cg_max_iter = check_int("cg_max_iter", cg_max_iter, low=1, allow_none=True)
        self.c1 = check_real("c1", c1, low=0.0, high=0.5, low_open=True, high_open=True)
        self.max_halvings = check_int("max_halvings", max_halvings, low=0)
        self.switch = check_choice("switch", switch, ("cost", "warmup"))
        self.overrelax = bool(overrelax)
        self.sinkhorn, self.scaling = (
            kind(check_every=self.check_every, tol=self.tol, max_iter=self.max_iter)
            for kind in (LogSinkhorn, ScalingSinkhorn))

    def init(self, problem, start):
        n, m = problem.shape
        cold = all(potential is None for potential in start)
        warm = (self.scaling if cold and max(kernel_exponents(problem)) <= exp_limit(problem)
                else self.sinkhorn)
        state = warm.init(problem, start)
        if self.density is not None:
            kept = math.ceil(self.density * n * m)
        else:
            kept = KEEP_PER_BIN * max(n, m) if self.drop_ratio is None else 0
        return state.replace(P=None, spare=None, kept=min(kept, n * m), nnz=0, slow=0,
                             floor=0, merit=False, nit_newton=0, cg_iterations=0,
                             step=math.nan, dual=math.nan, warm=warm, fast=False,
                             last_check=state.marginal_error, check_nit=0,
                             sinkhorn_rate=0.0, newton_cost=0.0, step_cost=None,
                             omega=1.0, relax=self.overrelax)

    def step(self, problem, state):
        if state.P is None and (state.nit < self.warmup or state.fast):
            if state.omega > 1.0 and self._scaling_phase(state):
                new = self._overrelaxed_step(problem, state)
            else:
                new = state.warm.step(problem, state)
            if not new.checked or (new.nit - state.check_nit < self.check_every
                                   and new.marginal_error > self.tol):
                return new  # the cost model looks at windows of check_every iterations
            rate = _contraction(state.last_check, new.marginal_error,
                                new.nit - state.check_nit)
            if state.omega > 1.0 and not rate < 0:
                # over-relaxation did not help: drop it, and measure plain Sinkhorn again
                # before the cost model decides anything
                return new.replace(omega=1.0, relax=False, fast=True,
                                   last_check=new.marginal_error, check_nit=new.nit)
            if (state.relax and state.omega == 1.0 and rate < 0 and new.nit >= self.warmup
                  and self._scaling_phase(new)):
                # the optimal SOR factor for the Gauss-Seidel rate e^rate (Young 1954), as
                # in Thibault et al. 2017 (arXiv 1711.01851, Sec. 3) for Sinkhorn
                new = new.replace(omega=overrelaxation_factor(math.exp(rate)))
                rate = math.log(new.omega - 1.0) if new.omega > 1.0 else rate
            remaining = self._sinkhorn_cost(new.warm, new.marginal_error, rate, problem)
            newton = NEWTON_STEPS * (state.step_cost or self._newton_passes(problem, 0, 0))
            fast = self.switch == "cost" and remaining <= newton
            return new.replace(fast=fast, last_check=new.marginal_error, check_nit=new.nit,
                               sinkhorn_rate=rate)
        if state.P is None:
            out = None
            if self._scaling_phase(state):  # leave the scaling domain; K's buffer holds P
                f, g = self.scaling.potentials(state)
                out, state = state.K, state.replace(u=None, v=None, K=None, Kv=None)
            else:
                f, g = state.f, state.g
            state = state.replace(**self._evaluate(problem, f, g, out))
        new = self._newton_step(problem, state)
        if new.phase != "newton" or self.converged(new) or getattr(new, "stop", None):
            return new
        cost = new.newton_cost + self._newton_passes(problem, new.cg_iterations, new.nnz,
                                                     new.trials)
        new = new.replace(newton_cost=cost)
        if new.nit_newton == 1 and self.switch == "cost":
            # the prior was optimistic (a plan that is not nearly sparse: many kept
            # entries, many CG iterations): Sinkhorn again if it is predicted cheaper
            new = new.replace(step_cost=cost)
            warm = self.scaling if self._scaling_ok(problem, new) else self.sinkhorn
            if (NEWTON_STEPS - 1) * cost > FALLBACK * self._sinkhorn_cost(
                    warm, new.marginal_error, new.sinkhorn_rate, problem):
                return self._fall_back(problem, new)
        return new

    def _newton_passes(self, problem, cg_iterations, nnz, trials=1):
        """Cost of one Newton step in passes over the ``n x m`` entries: fixed work,
        ``trials`` line-search evaluations and the CG products (``nnz`` stored entries;
        a prior of ``KEEP_PER_BIN`` per row and 30 CG iterations before any step)."""
        n, m = problem.shape
        size = n * m
        if not nnz:
            nnz, cg_iterations = KEEP_PER_BIN * max(n, m), 30
        return (NEWTON_PASSES + trials + NEWTON_OVERHEAD / size
                + cg_iterations * CG_PASS * (nnz + 3 * (n + m)) / size)

    def _sinkhorn_cost(self, warm, error, rate, problem):
        """Predicted passes for Sinkhorn (``warm``: scaling or log domain) to reach ``tol``
        from ``error`` contracting by ``e^rate`` per iteration (inf if it does not)."""
        if error <= self.tol:
            return 0.0
        if not rate < 0:
            return math.inf
        n, m = problem.shape
        per_iteration = ITER_PASSES[warm.name] + SINKHORN_OVERHEAD / (n * m)
        return math.log(self.tol / error) / rate * per_iteration

    @staticmethod
    def _scaling_ok(problem, state):
        """Whether Sinkhorn can go on in the scaling domain from ``state``'s potentials."""
        xp, reg = problem.xp, problem.reg
        return (max(kernel_exponents(problem)) <= exp_limit(problem) and max(
            float(xp.max(xp.abs(state.f))), float(xp.max(xp.abs(state.g)))) / reg
            < EXP_SCALINGS)

    def _fall_back(self, problem, state):
        """Hand the rest of the run to Sinkhorn from the Newton iterate: scaling domain
        when the kernel and the scalings are representable, else log domain."""
        xp, reg = problem.xp, problem.reg
        f, g = state.f, state.g
        common = dict(P=None, spare=None, fast=True, phase="sinkhorn",
                      check_nit=state.nit, last_check=state.marginal_error)
        if self._scaling_ok(problem, state):
            K = xp.exp(-problem.M / reg)
            u, v = xp.exp(f / reg), xp.exp(g / reg)
            problem.tally("fun", 2)  # the kernel, one product
            return state.replace(u=u, v=v, K=K, Kv=K @ v, reg=reg, warm=self.scaling,
                                 **common)
        return state.replace(lse=None, warm=self.sinkhorn, u=None, **common)

    def _overrelaxed_step(self, problem, state):
        """Over-relaxed scaling iteration (Thibault, Chizat, Dossal, Papadakis 2017,
        "Overrelaxed Sinkhorn-Knopp algorithm for regularized optimal transport", arXiv
        1711.01851, eq. (6)): ``u <- u^(1-w) (a / K v)^w``, then the same for ``v``; both
        marginals are measured (neither holds exactly), from products already made."""
        K, w = state.K, state.omega
        Kv = state.Kv if state.Kv is not None else K @ state.v
        u = state.u * (problem.a / (state.u * Kv)) ** w
        Ktu = u @ K
        v = state.v * (problem.b / (state.v * Ktu)) ** w
        Kv = K @ v
        problem.tally("fun", 2 if state.Kv is not None else 3)
        error = problem.marginal_error(u * Kv, v * Ktu)
        return state.replace(u=u, v=v, Kv=Kv, marginal_error=error, checked=True,
                             nit=state.nit + 1)

    @staticmethod
    def _scaling_phase(state):
        return getattr(state, "u", None) is not None

    def iterate(self, state):
        return (state.u, state.v) if self._scaling_phase(state) else (state.f, state.g)

    def summary(self, problem, state, f, g):
        if self._scaling_phase(state):
            return self.scaling.summary(problem, state, f, g)
        return super().summary(problem, state, f, g)

    def potentials(self, state):
        if self._scaling_phase(state):
            return self.scaling.potentials(state)
        return state.f, state.g

    def _evaluate(self, problem, f, g, out):
        """Plan, sums, dual value and marginal error at ``(f, g)`` (plan written to ``out``)."""
        xp = problem.xp
        P, rows, cols = problem.ops.plan(f, g, out)
        dual = float(xp.vecdot(problem.a, f) + xp.vecdot(problem.b, g)) - problem.reg * float(
            xp.sum(rows))
        return dict(f=f, g=g, P=P, rows=rows, cols=cols, dual=dual,
                    marginal_error=problem.marginal_error(rows, cols), checked=True)

    def _newton_step(self, problem, state):
        xp, n = problem.xp, problem.shape[0]
        grad = xp.concat([problem.a - state.rows, problem.b - state.cols])
        rhs = null_space_projection(xp, problem.reg * grad, n)
        kernels = problem.backend.name == "numba"
        mass = float(xp.sum(problem.a))
        dropped = None if self.drop_ratio is None else self.drop_ratio * state.marginal_error
        S = sparsify(xp, state.P, state.kept, dropped, kernels)
        problem.tally("hess")
        nnz = _stored(xp, S)
        rtol = max(self.cg_rtol, min(FORCING_MAX, FORCING * state.marginal_error / mass))
        max_cg = self.cg_max_iter or CG_ITER_PER_UNKNOWN * sum(problem.shape)
        solve = functools.partial(newton_direction, xp, state.rows, state.cols, S, rhs, rtol,
                                  max_cg, kernels=kernels)
        d, cg_iterations, breakdown = solve()
        if breakdown:
            shift = CG_SHIFT * float(xp.max(xp.concat([state.rows, state.cols])))
            d, extra, breakdown = solve(shift=shift)
            cg_iterations += extra
        slope = float(xp.vecdot(grad, d))
        nit = state.nit + 1
        if breakdown or not slope > 0:
            reason = "CG broke down" if breakdown else f"slope {slope:.3e} <= 0"
            return state.replace(nit=nit, stop=Status.INNER_FAILED, message=(
                f"The sparse Newton system gave no ascent direction ({reason}); raise "
                "density or warmup."))
        merit = state.merit or slope < MERIT_SWITCH * np.finfo(float).eps * abs(state.dual)
        trial = self._line_search(problem, state, d, slope, merit)
        if trial is None and merit:
            return state.replace(nit=nit, stop=Status.STALLED, message=(
                "No Newton step improves the marginal error any more (now "
                f"{state.marginal_error:.3e}): floating-point accuracy is reached."))
        if trial is None:
            # far from the optimum a Newton step can be rejected (tiny plan entries make the
            # sparse system ill-conditioned); a Sinkhorn iteration always increases the dual
            return self.sinkhorn.step(problem, state.replace(lse=None, P=None, slow=0,
                                                             phase="sinkhorn"))
        alpha, values = trial
        is_slow = values["marginal_error"] > SLOW_RATIO * state.marginal_error
        slow = state.slow + 1 if is_slow else 0
        near_floor = values["marginal_error"] < ROUNDING_FLOOR * np.finfo(float).eps * mass
        floor = state.floor + 1 if is_slow and merit and near_floor else 0
        kept, growth = state.kept, 1
        if values["marginal_error"] > STUCK_RATIO * state.marginal_error and not merit:
            growth = STUCK_GROWTH
        elif slow >= SLOW_STEPS:
            growth = 2
        if growth > 1:
            kept, slow = min(growth * max(kept, nnz), problem.shape[0] * problem.shape[1]), 0
        new = state.replace(**values, spare=state.P, nit=nit, phase="newton", step=alpha,
                            merit=merit, kept=kept, nnz=nnz, slow=slow, floor=floor,
                            cg_iterations=cg_iterations, nit_newton=state.nit_newton + 1)
        if floor >= MERIT_STALL_STEPS and not self.converged(new):
            return new.replace(stop=Status.STALLED, message=(
                f"The marginal error stays at {values['marginal_error']:.3e} over "
                f"{floor} Newton steps: floating-point accuracy is reached."))
        return new

    def _line_search(self, problem, state, d, slope, merit):
        """``(alpha, evaluated trial)`` of the first accepted halving, or None."""
        return backtrack(problem.xp, lambda f, g: self._evaluate(problem, f, g, state.spare),
                         state, d, slope, merit, self.c1, self.max_halvings, problem.reg)

    def record(self, state):
        return newton_record(super().record(state), state)

    def extra_fields(self, state):
        return dict(nit_newton=int(state.nit_newton),
                    nit_sinkhorn=int(state.nit - state.nit_newton), kept=int(state.nnz))


def backtrack(xp, evaluate, state, d, slope, merit, c1, max_halvings, reg):
    """Armijo backtracking on the dual from ``state`` along ``d = (d_f, d_g)``:
    ``(alpha, evaluate(f + alpha d_f, g + alpha d_g) with "trials")`` of the first halving
    whose dual rises by ``c1·alpha·slope`` (with ``merit``: or whose marginal error drops),
    or None. The first trial changes no plan entry by more than ``e^MAX_LOG_CHANGE``
    (nearly flat dual directions, e.g. mass moving between clusters, give huge Newton
    steps that overflow every halving)."""
    n = state.f.shape[0]
    longest = float(xp.max(xp.abs(d))) / reg
    alpha = min(1.0, MAX_LOG_CHANGE / longest) if longest > 0 else 1.0
    for trial in range(max_halvings + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # a too-long trial overflows
            values = evaluate(state.f + alpha * d[:n], state.g + alpha * d[n:])
        if values["dual"] >= state.dual + c1 * alpha * slope or (
                merit and values["marginal_error"] < state.marginal_error):
            return alpha, dict(values, trials=trial + 1)
        alpha *= 0.5
    return None


def newton_record(row, state):
    """``row`` (a history row) with the Newton step's columns when ``state`` made one."""
    if state.phase == "newton":
        row.update(fun=state.dual, kept=int(state.nnz), step=float(state.step),
                   cg_iterations=int(state.cg_iterations))
    return row


def _stored(xp, S):
    """Number of off-diagonal entries the sparsified Hessian keeps."""
    nnz = getattr(S, "nnz", None)
    return int(nnz) if nnz is not None else int(xp.count_nonzero(S))


def _contraction(before, after, iterations):
    """Log of the observed error contraction per iteration (``0`` when it did not shrink)."""
    if iterations <= 0 or not 0 < after < before:
        return 0.0
    return math.log(after / before) / iterations
