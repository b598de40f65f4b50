r"""Sinkhorn's algorithm in the log domain and in the scaling domain.

Both alternate exact maximisations of the entropic dual
:math:`D(f, g) = \langle a, f\rangle + \langle b, g\rangle
- \mathrm{reg}\sum_{ij} e^{(f_i + g_j - M_{ij})/\mathrm{reg}}` over ``f`` and ``g``
(Cuturi 2013, "Sinkhorn distances", arXiv 1306.0895, eq. (2)-(3); Peyré & Cuturi 2019,
"Computational Optimal Transport", arXiv 1803.00567, Remark 4.23 for the log domain).
"""

import math

from ..core.solver import State
from ..errors import InvalidProblemError
from .base import TransportSolver, full_check, row_check, sinkhorn_half_steps

OMEGA_MAX = 1.8  # cap of the over-relaxation factor of Sinkhorn iterations
EXP_LIMIT = 700.0  # |M|/reg beyond this: exp(-M/reg) leaves float64's normal range (e^±708)
EXP_LIMIT_32 = 80.0  # the same for float32 (normal range e^±87)


class LogSinkhorn(TransportSolver):
    r"""Log-domain Sinkhorn (``method="sinkhorn_log"``).

    .. math::
        f_i \leftarrow \mathrm{reg}\,\log a_i
            - \mathrm{reg}\,\mathrm{LSE}_j\big((g_j - M_{ij})/\mathrm{reg}\big),\qquad
        g_j \leftarrow \mathrm{reg}\,\log b_j
            - \mathrm{reg}\,\mathrm{LSE}_i\big((f_i - M_{ij})/\mathrm{reg}\big),

    every log-sum-exp shifted by its maximum, so any ``reg > 0`` is safe. With the numba
    backend each half-step is one fused pass over ``M``. The L1 marginal error is measured
    every ``check_every`` iterations at no extra cost (the check's row log-sum-exp is the
    next f half-step's). Peyré & Cuturi 2019, arXiv 1803.00567, Remark 4.23.

    Parameters
    ----------
    check_every : int, default 10
    tol : float, default 1e-9
    max_iter : int, default 100_000
    **kwargs
        ``max_time``, ``backend``.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> M = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> res = no.transport.sinkhorn([0.5, 0.5], [0.5, 0.5], M, 0.1, method="sinkhorn_log")
    >>> bool(res.success), np.round(res.plan.sum(axis=1), 9).tolist()
    (True, [0.5, 0.5])
    """

    name = "sinkhorn_log"

    def init(self, problem, start):
        f, g = problem.start_potentials(*start)
        error, lse = full_check(problem, f, g)
        return State(f=f, g=g, lse=lse, marginal_error=error, checked=True, nit=0,
                     phase="sinkhorn", backend=problem.backend)

    def step(self, problem, state):
        f, g = sinkhorn_half_steps(problem, state.f, state.g, state.lse)
        nit = state.nit + 1
        if nit % self.check_every and nit < self.max_iter:
            return state.replace(f=f, g=g, lse=None, checked=False, nit=nit)
        error, lse = row_check(problem, f, g)
        return state.replace(f=f, g=g, lse=lse, marginal_error=error, checked=True, nit=nit)


class ScalingSinkhorn(TransportSolver):
    r"""Scaling-domain Sinkhorn–Knopp (``method="sinkhorn"``).

    With :math:`K = e^{-M/\mathrm{reg}}`: :math:`u \leftarrow a / (K v)`,
    :math:`v \leftarrow b / (K^T u)`; potentials :math:`f = \mathrm{reg}\log u`,
    :math:`g = \mathrm{reg}\log v`. Two matrix-vector products per iteration (BLAS), so it
    is the fastest per iteration, and the marginal error is checked after every iteration
    for free (the check's ``K v`` is the next iteration's). ``K`` underflows once
    ``max(M)/reg`` passes about 700:
    such problems are refused up front (use ``"sinkhorn_log"`` or ``"sns"``). Cuturi 2013,
    arXiv 1306.0895, Algorithm 1.

    Parameters
    ----------
    check_every : int, default 10
        Accepted for symmetry with the log domain; every iteration is checked here.
    tol : float, default 1e-9
    max_iter : int, default 100_000
    **kwargs
        ``max_time``, ``backend``.

    Raises
    ------
    InvalidProblemError
        ``max(M)/reg > 700`` (kernel underflow) or ``-min(M)/reg > 700`` (overflow).

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> M = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> res = no.transport.sinkhorn([0.5, 0.5], [0.5, 0.5], M, 0.1, method="sinkhorn")
    >>> bool(res.success), round(res.cost, 6)
    (True, 4.5e-05)
    """

    name = "sinkhorn"

    def init(self, problem, start):
        xp, reg = problem.xp, problem.reg
        high, low = kernel_exponents(problem)
        limit = exp_limit(problem)
        if max(high, low) > limit:
            which = "underflows to 0" if high > limit else "overflows to inf"
            kind = "float32" if limit == EXP_LIMIT_32 else "float64"
            raise InvalidProblemError(
                f"method='sinkhorn' cannot solve this problem: the kernel exp(-M/reg) {which} "
                f"in {kind} (max(M)/reg = {high:.4g}, -min(M)/reg = {low:.4g}, limit "
                f"{limit:g}); use method='sinkhorn_log' or method='sns' (log domain), "
                "or a larger reg."
            )
        f, g = problem.start_potentials(*start)
        f, g = xp.astype(f, problem.dtype), xp.astype(g, problem.dtype)
        K = xp.exp(-problem.M / reg)
        u, v = xp.exp(f / reg), xp.exp(g / reg)
        Kv = K @ v
        cols = v * (u @ K)
        problem.tally("fun", 3)  # the kernel, two products
        error = problem.marginal_error(u * Kv, cols)
        return State(u=u, v=v, K=K, Kv=Kv, reg=reg, marginal_error=error, checked=True,
                     nit=0, phase="sinkhorn", backend=problem.backend)

    def step(self, problem, state):
        K = state.K
        Kv = state.Kv if state.Kv is not None else K @ state.v
        u = problem.a / Kv
        v = problem.b / (u @ K)
        nit = state.nit + 1
        # every iteration is checked: the check's K v is the next iteration's, so it costs
        # O(n), not a mat-vec (POT checks every 10th, at the price of an extra product)
        Kv = K @ v
        problem.tally("fun", 2 if state.Kv is not None else 3)
        error = problem.marginal_error(u * Kv)
        return state.replace(u=u, v=v, Kv=Kv, marginal_error=error, checked=True, nit=nit)

    def iterate(self, state):
        return state.u, state.v

    def summary(self, problem, state, f, g):
        return problem.summary_scaling(state.K, state.u, state.v)

    def potentials(self, state):
        xp = state.backend.xp
        return state.reg * xp.log(state.u), state.reg * xp.log(state.v)


def exp_limit(problem):
    """Largest ``|M|/reg`` whose kernel ``exp(-M/reg)`` is representable in the problem's
    working dtype (``EXP_LIMIT`` for float64, ``EXP_LIMIT_32`` for float32)."""
    return EXP_LIMIT_32 if problem.dtype == problem.xp.float32 else EXP_LIMIT


def kernel_exponents(problem):
    """``(max(M)/reg, -min(M)/reg)``: the kernel ``exp(-M/reg)`` is representable in
    float64 when both are at most ``EXP_LIMIT``."""
    xp, reg = problem.xp, problem.reg
    return float(xp.max(problem.M)) / reg, -float(xp.min(problem.M)) / reg


def overrelaxation_factor(contraction, cap=OMEGA_MAX):
    """Optimal SOR factor for iterations that contract the error by ``contraction`` < 1 per
    step: ``2 / (1 + sqrt(1 - contraction))`` (Young 1954), as used for Sinkhorn by Thibault,
    Chizat, Dossal & Papadakis 2017 (arXiv 1711.01851, Sec. 3), capped at ``OMEGA_MAX``.

    Parameters
    ----------
    contraction : float
        Observed error ratio per iteration, in ``(0, 1)``.
    cap : float, default OMEGA_MAX (1.8)
        Largest factor returned.

    Returns
    -------
    float

    Examples
    --------
    >>> from numopt.transport.sinkhorn import overrelaxation_factor
    >>> round(overrelaxation_factor(0.75), 3)
    1.333
    """
    return min(cap, 2.0 / (1.0 + math.sqrt(1.0 - contraction)))
