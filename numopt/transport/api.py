"""``numopt.transport.sinkhorn`` and ``sinkhorn2``: the front door of the entropic-transport
solvers, with POT's argument order and POT's keywords (``numItermax``, ``stopThr``, ``log``,
``verbose``, ``warn``, ``warmstart``) in POT's meaning."""

import warnings
from typing import Any

import numpy as np

from ..core.loop import run
from ..core.registry import option_names
from ..core.validate import check_choice, check_int, check_positive, reject_unknown
from ..errors import ConvergenceWarning, InvalidProblemError
from .cloud import CloudProblem, CloudSinkhorn, PointCloud
from .cloud_sns import CloudSinkhornNewtonSparse
from .problem import TransportProblem
from .sinkhorn import LogSinkhorn, ScalingSinkhorn
from .sns import SinkhornNewtonSparse

#: method name -> solver class
METHODS = {"sns": SinkhornNewtonSparse, "sinkhorn": ScalingSinkhorn,
           "sinkhorn_log": LogSinkhorn}
#: methods that take a :class:`~numopt.transport.PointCloud` in place of ``M``
CLOUD_METHODS = {"sinkhorn_log": CloudSinkhorn, "sns": CloudSinkhornNewtonSparse}
DEFAULT_TOL = {"float64": 1e-9, "float32": 1e-5}  # relative L1 marginal error
DEFAULT_MAX_ITER = 100_000
POT_ORDER = ("numItermax", "stopThr", "verbose", "log", "warn", "warmstart")


class KeywordOnlyError(InvalidProblemError, TypeError):
    """A parameter after ``method`` was passed by position (it is keyword-only, so that a
    POT habit such as ``sinkhorn(a, b, M, reg, "sinkhorn", 1000)`` is never reinterpreted).
    Both an :class:`~numopt.InvalidProblemError` and a ``TypeError``.

    Examples
    --------
    >>> import numopt as no
    >>> M = [[0.0, 1.0], [1.0, 0.0]]
    >>> try:
    ...     no.transport.sinkhorn([0.5, 0.5], [0.5, 0.5], M, 0.1, "sinkhorn", 1000)
    ... except TypeError as err:
    ...     print(isinstance(err, no.InvalidProblemError), "numItermax=1000" in str(err))
    True True
    """


def sinkhorn(a: Any, b: Any, M: Any, reg: float, method: str | None = None, *positional: Any,
             tol: float | None = None, max_iter: int | None = None, backend: str = "auto",
             progress: bool = False, callback: Any = None, f0: Any = None, g0: Any = None,
             numItermax: int | None = None, stopThr: float | None = None, verbose: bool = False,
             log: bool = False, warn: bool = True, warmstart: Any = None,
             **options: Any) -> Any:
    r"""Entropic optimal transport between ``a`` and ``b`` (POT's ``ot.sinkhorn`` arguments).

    Solves

    .. math:: \min_{P \ge 0,\ P1 = a,\ P^T 1 = b}\ \langle P, M\rangle
              + \mathrm{reg}\sum_{ij} P_{ij}(\log P_{ij} - 1)

    through its dual in the potentials ``f``, ``g``; the plan is
    :math:`P_{ij} = \exp((f_i + g_j - M_{ij})/\mathrm{reg})` (POT's convention). Runs stop
    when the L1 marginal error :math:`\|P1 - a\|_1 + \|P^T1 - b\|_1 \le` ``tol`` times the
    total mass (or, with POT's ``stopThr``, on POT's measure).

    Every parameter after ``method`` is keyword-only: a sixth positional argument (POT's
    ``numItermax``) raises :class:`KeywordOnlyError` instead of being read as something else.

    Parameters
    ----------
    a : array_like, shape (n,)
        Source weights (>= 0, finite): NumPy, CuPy or array-API arrays, lists, pandas
        Series. Zero-mass bins are dropped for the solve and restored as zero rows.
    b : array_like, shape (m,)
        Target weights (>= 0, finite), same total as ``a`` (relative ``max(1e-8,
        1000·eps)`` of the dtype: 1.2e-4 for float32); the solver sees both normalized.
    M : array_like, shape (n, m), or PointCloud
        Finite cost matrix, or a :class:`~numopt.transport.PointCloud` whose costs are
        computed on the fly (O(n + m) memory; ``method="sinkhorn_log"`` or ``"sns"``).
    reg : float
        Entropic regularization (> 0) on the scale of ``M``.
    method : {"sns", "sinkhorn", "sinkhorn_log"}, optional
        Default ``"sns"`` for a matrix, ``"sinkhorn_log"`` for a point cloud.
        ``"sns"``: Sinkhorn–Newton–Sparse (Tang et al. 2024, arXiv 2401.12253), fast to high
        accuracy at small ``reg``; ``"sinkhorn_log"``: log-domain Sinkhorn, safe for any
        ``reg``; ``"sinkhorn"``: scaling-domain Sinkhorn–Knopp (Cuturi 2013, arXiv
        1306.0895), fastest per iteration, refused when ``max(M)/reg > 700`` (80 in float32).
    tol : float, optional
        Target L1 marginal error relative to the total mass; default 1e-9 (1e-5 for
        float32 data).
    max_iter : int, default 100_000
        Iteration cap (Sinkhorn and Newton iterations together).
    backend : {"auto", "numpy", "numba", "cupy"}, default "auto"
        ``auto``: numba kernels for NumPy input; the array-API path for CuPy and other
        array-API arrays (results stay in that library).
    progress : bool, default False
        Show a tqdm progress bar.
    callback : callable, optional
        ``callback(intermediate)`` after each iteration (fields ``f``, ``g``, ``nit``,
        ``phase``, ``marginal_error``, ``checked``); a true return stops the run.
    f0, g0 : array_like, optional
        Warm-start potentials (lengths n and m, POT convention).
    numItermax : int, optional
        POT's name for ``max_iter`` (give one of the two).
    stopThr : float, optional
        POT's tolerance, on POT's measure: stop when the L2 norm of the marginal violation
        (absolute, not relative to the mass) is ``<= stopThr``; replaces ``tol``.
    verbose : bool, default False
        Print POT's ``It. | Err`` table at each check.
    log : bool, default False
        Return ``(plan, log)`` as POT does instead of the :class:`~numopt.Result`.
    warn : bool, default True
        Warn (:class:`numopt.ConvergenceWarning`) when the run does not converge.
    warmstart : tuple of arrays, optional
        POT's warm start ``(log_u, log_v)`` = ``(f / reg, g / reg)`` (give it or
        ``f0``/``g0``).
    **options
        Method options: ``check_every`` (10), ``max_time``; for ``"sns"`` also ``warmup``
        (20), ``density`` (``10·max(n, m)/(n m)``), ``cg_rtol`` (1e-8), ``cg_max_iter``
        (10·(n + m)), ``c1`` (1e-4), ``max_halvings`` (30); for point clouds
        ``eps_scaling`` (0.5).

    Returns
    -------
    Result
        ``plan`` (a :class:`~numopt.transport.cloud.LazyPlan` for point clouds), ``f``,
        ``g`` (``-inf`` on zero-mass bins), ``cost`` (:math:`\langle P, M \rangle`, what POT's
        ``sinkhorn2`` returns), ``entropic_cost`` (the regularized objective above at the
        returned plan), ``fun`` (dual objective), ``marginal_error`` (absolute, re-evaluated
        from the final potentials), ``nit``, ``success``, ``status``, ``message``, ``time``,
        ``method``, ``backend``, ``history`` (``iter``, ``time``, ``phase``,
        ``marginal_error`` relative to the mass at each check; SNS adds ``fun``, ``kept``,
        ``step``, ``cg_iterations``) and, for SNS, ``nit_sinkhorn``, ``nit_newton``,
        ``kept``. With ``log=True``: ``(plan, log)``, ``log`` with POT's keys ``err`` (the
        error at each check, absolute), ``niter``, ``u``, ``v``, ``log_u``, ``log_v``, plus
        ``cost``, ``entropic_cost`` and ``result`` (the full Result).

    Raises
    ------
    KeywordOnlyError
        A parameter after ``method`` passed by position.
    InvalidProblemError
        Negative or NaN weights, unequal totals, shape mismatch, NaN/inf in ``M``,
        ``reg <= 0``, unknown method or option, a numopt keyword together with its POT
        twin; for ``"sinkhorn"``, a kernel that under- or overflows.
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
    >>> P, log = no.transport.sinkhorn(a, a, M, 1e-2, "sinkhorn", numItermax=500,
    ...                                stopThr=1e-9, log=True)          # POT's keywords
    >>> sorted(k for k in log if k in ("err", "niter", "u", "v")), log["err"][-1] <= 1e-9
    (['err', 'niter', 'u', 'v'], True)
    """
    if positional:
        names = ", ".join(f"{name}={value!r}" for name, value in
                          zip(POT_ORDER, positional, strict=False))
        raise KeywordOnlyError(
            f"sinkhorn() takes at most 5 positional arguments (a, b, M, reg, method), got "
            f"{5 + len(positional)}: every parameter after method is keyword-only. In POT "
            f"the extra arguments would mean {names}; pass them by name, e.g. "
            f"sinkhorn(a, b, M, reg, {method!r}, numItermax=...)."
        )
    res = _solve(a, b, M, reg, method, tol=tol, max_iter=max_iter, backend=backend,
                 progress=progress, callback=callback, f0=f0, g0=g0, numItermax=numItermax,
                 stopThr=stopThr, verbose=verbose, warn=warn, warmstart=warmstart,
                 options=options)
    return (res.plan, pot_log(res, reg)) if log else res


def sinkhorn2(a, b, M, reg, method=None, *positional, log=False, **kwargs):
    r"""POT's ``ot.sinkhorn2``: the transport cost :math:`\langle P, M\rangle` of the entropic
    plan (POT's value; the regularized objective is ``log["entropic_cost"]`` or
    :func:`sinkhorn`'s ``Result.entropic_cost``).

    Parameters
    ----------
    a, b, M, reg, method
        As :func:`sinkhorn` (``b`` one histogram; for several targets call it per column).
    log : bool, default False
        Return ``(cost, log)`` (``log`` as :func:`sinkhorn` with ``log=True``).
    **kwargs
        Every keyword of :func:`sinkhorn` (POT's and numopt's).

    Returns
    -------
    float or (float, dict)

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> M = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> round(no.transport.sinkhorn2([0.5, 0.5], [0.5, 0.5], M, 0.1), 6)
    4.5e-05
    """
    if positional:
        sinkhorn(a, b, M, reg, method, *positional)  # raises KeywordOnlyError
    res = sinkhorn(a, b, M, reg, method, **kwargs)
    return (res.cost, pot_log(res, reg)) if log else res.cost


def _solve(a, b, M, reg, method, *, tol, max_iter, backend, progress, callback, f0, g0,
           numItermax, stopThr, verbose, warn, warmstart, options):
    cloud = isinstance(M, PointCloud)
    table = CLOUD_METHODS if cloud else METHODS
    if method is None:
        method = "sinkhorn_log" if cloud else "sns"
    if cloud and method in METHODS and method not in CLOUD_METHODS:
        raise InvalidProblemError(
            f"method={method!r} needs a cost matrix; a PointCloud runs with "
            "method='sinkhorn_log' or 'sns' (online log-sum-exps, O(n + m) memory), or pass "
            "M=cloud.matrix() for a small cloud.")
    check_choice("method", method, tuple(table))
    cls = table[method]
    reject_unknown("option", options, [o for o in option_names(cls)
                                       if o not in ("tol", "max_iter", "backend", "max_fev")])
    max_iter = _twin("max_iter", max_iter, "numItermax", numItermax, DEFAULT_MAX_ITER)
    max_iter = check_int("max_iter", max_iter, low=0)
    if warmstart is not None:
        if f0 is not None or g0 is not None:
            raise InvalidProblemError("give warmstart (POT's (log_u, log_v)) or f0/g0, not "
                                      "both.")
        if not isinstance(warmstart, (tuple, list)) or len(warmstart) != 2:
            raise InvalidProblemError("warmstart must be a pair (log_u, log_v) of vectors, as "
                                      "in POT; numopt's own warm start is f0=, g0=.")
        reg = check_positive("reg", reg)
        f0, g0 = (reg * np.asarray(w, dtype=float) for w in warmstart)
    if cloud:
        problem = CloudProblem(a, b, M, reg, backend=backend, supported=cls.backends,
                               method=method)
    else:
        problem = TransportProblem(a, b, M, reg, backend=backend, supported=cls.backends,
                                   method=method)
    if stopThr is not None:
        if tol is not None:
            raise InvalidProblemError("give tol (numopt's L1 marginal error, relative to the "
                                      "mass) or stopThr (POT's L2 measure), not both.")
        problem.error_norm = "l2"
        tol = check_positive("stopThr", stopThr) / problem.mass
    elif tol is None:
        tol = DEFAULT_TOL["float32" if problem.dtype == problem.xp.float32 else "float64"]
    solver = cls(tol=tol, max_iter=max_iter, backend=backend, **options)
    if verbose:
        print("{:5s}|{:12s}".format("It.", "Err") + "\n" + "-" * 19)
        callback = _verbose(callback, problem.mass)
    with warnings.catch_warnings():
        if not warn:
            warnings.simplefilter("ignore", ConvergenceWarning)
        return run(solver, problem, (f0, g0), callback=callback, progress=progress)


def _twin(name, value, pot_name, pot_value, default):
    if value is not None and pot_value is not None:
        raise InvalidProblemError(f"give {name} or its POT name {pot_name}, not both.")
    if value is None and pot_value is None:
        return default
    return value if value is not None else pot_value


def _verbose(callback, mass):
    def report(r):
        if r.checked:
            print(f"{r.nit:5d}|{r.marginal_error * mass:8e}|")
        return callback(r) if callback is not None else False
    return report


def pot_log(res, reg):
    """POT's ``log`` dictionary of a :class:`~numopt.Result` (``err``, ``niter``, ``u``,
    ``v``, ``log_u``, ``log_v``) plus ``cost``, ``entropic_cost`` and ``result``.

    ``err`` holds the error at each check in the run's measure (POT's L2 with ``stopThr``,
    else L1), absolute; ``niter`` is the number of iterations made."""
    errors = np.asarray(res.history["marginal_error"], dtype=float)
    errors = errors[~np.isnan(errors)] * res.mass
    log_u, log_v = res.f / reg, res.g / reg
    return {"err": [float(e) for e in errors], "niter": int(res.nit), "log_u": log_u,
            "log_v": log_v, "u": _exp(log_u), "v": _exp(log_v), "cost": res.cost,
            "entropic_cost": res.entropic_cost, "result": res}


def _exp(x):
    if isinstance(x, np.ndarray):
        with np.errstate(under="ignore", over="ignore"):
            return np.exp(x)
    from ..backend import namespace_of

    return namespace_of(x).exp(x)
