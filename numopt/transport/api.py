"""``numopt.transport.sinkhorn``: the front door of the entropic-transport solvers."""

from ..core.loop import run
from ..core.registry import option_names
from ..core.validate import check_choice, reject_unknown
from .problem import TransportProblem
from .sinkhorn import LogSinkhorn, ScalingSinkhorn
from .sns import SinkhornNewtonSparse

#: method name -> solver class
METHODS = {"sns": SinkhornNewtonSparse, "sinkhorn": ScalingSinkhorn,
           "sinkhorn_log": LogSinkhorn}


def sinkhorn(a, b, M, reg, method="sns", tol=1e-9, max_iter=100_000, backend="auto",
             progress=False, *, callback=None, f0=None, g0=None, **options):
    r"""Entropic optimal transport between ``a`` and ``b`` (POT's ``ot.sinkhorn`` arguments).

    Solves

    .. math:: \min_{P \ge 0,\ P1 = a,\ P^T 1 = b}\ \langle P, M\rangle
              + \mathrm{reg}\sum_{ij} P_{ij}(\log P_{ij} - 1)

    through its dual in the potentials ``f``, ``g``; the plan is
    :math:`P_{ij} = \exp((f_i + g_j - M_{ij})/\mathrm{reg})` (POT's convention). Runs stop
    when the L1 marginal error :math:`\|P1 - a\|_1 + \|P^T1 - b\|_1 \le` ``tol``.

    Parameters
    ----------
    a : array_like, shape (n,)
        Source weights (>= 0, finite). Zero-mass bins are dropped for the solve and
        restored as zero rows of the plan.
    b : array_like, shape (m,)
        Target weights (>= 0, finite), same total as ``a`` (relative 1e-8).
    M : array_like, shape (n, m)
        Finite cost matrix.
    reg : float
        Entropic regularization (> 0) on the scale of ``M``.
    method : {"sns", "sinkhorn", "sinkhorn_log"}, default "sns"
        ``"sns"``: Sinkhorn–Newton–Sparse (Tang et al. 2024, arXiv 2401.12253), fast to high
        accuracy at small ``reg``; ``"sinkhorn_log"``: log-domain Sinkhorn, safe for any
        ``reg``; ``"sinkhorn"``: scaling-domain Sinkhorn–Knopp (Cuturi 2013, arXiv
        1306.0895), fastest per iteration, refused when ``max(M)/reg > 700``.
    tol : float, default 1e-9
        Target L1 marginal error.
    max_iter : int, default 100_000
        Iteration cap (Sinkhorn and Newton iterations together).
    backend : {"auto", "numpy", "numba", "cupy"}, default "auto"
        ``auto``: numba kernels for NumPy input; the array-API path for CuPy and other
        array-API arrays (results stay in that library).
    progress : bool, default False
        Show a tqdm progress bar.
    callback : callable, optional
        ``callback(intermediate)`` after each iteration (fields ``f``, ``g``, ``nit``,
        ``phase``, ``marginal_error``); a true return stops the run.
    f0, g0 : array_like, optional
        Warm-start potentials (lengths n and m, POT convention).
    **options
        Method options: ``check_every`` (10), ``max_time``; for ``"sns"`` also ``warmup``
        (20), ``density`` (``10·max(n, m)/(n m)``), ``cg_rtol`` (1e-8), ``cg_max_iter``
        (10·(n + m)), ``c1`` (1e-4), ``max_halvings`` (30).

    Returns
    -------
    Result
        ``plan``, ``f``, ``g`` (``-inf`` on zero-mass bins), ``cost`` (:math:`\langle P, M
        \rangle`), ``fun`` (dual objective), ``marginal_error`` (re-evaluated from the final
        potentials), ``nit``, ``success``, ``status``, ``message``, ``time``, ``method``,
        ``backend``, ``history`` (``iter``, ``time``, ``phase``, ``marginal_error`` at each
        check; SNS adds ``fun``, ``kept``, ``step``, ``cg_iterations``) and, for SNS,
        ``nit_sinkhorn``, ``nit_newton``, ``kept``.

    Raises
    ------
    InvalidProblemError
        Negative or NaN weights, unequal totals, shape mismatch, NaN/inf in ``M``,
        ``reg <= 0``, unknown method or option; for ``"sinkhorn"``, a kernel that under- or
        overflows.
    BackendUnavailableError
        A requested backend that cannot run here.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> x = np.linspace(0, 1, 50)
    >>> M = (x[:, None] - x[None, :]) ** 2
    >>> a = np.full(50, 1 / 50)
    >>> res = no.transport.sinkhorn(a, a, M, 1e-3)
    >>> bool(res.success), res.plan.shape, res.marginal_error <= 1e-9
    (True, (50, 50), True)
    """
    check_choice("method", method, tuple(METHODS))
    cls = METHODS[method]
    reject_unknown("option", options, [o for o in option_names(cls)
                                       if o not in ("tol", "max_iter", "backend", "max_fev")])
    solver = cls(tol=tol, max_iter=max_iter, backend=backend, **options)
    problem = TransportProblem(a, b, M, reg, backend=backend, supported=cls.backends,
                               method=method)
    return run(solver, problem, (f0, g0), callback=callback, progress=progress)
