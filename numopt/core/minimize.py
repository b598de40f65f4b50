"""``numopt.minimize`` (problem-object and SciPy call styles) and SciPy interop."""

import inspect

from scipy.optimize import OptimizeResult

from ..errors import InvalidProblemError
from .problem import Problem
from .registry import build_solver

DEFAULT_METHOD = "lazy_newton"


def minimize(fun, x0=None, args=(), *, method=DEFAULT_METHOD, jac=None, hess=None, hessp=None,
             tol=1e-8, max_iter=1000, backend="auto", callback=None, progress=False, **options):
    """Minimize a function with a registered numopt method.

    Two call styles: ``minimize(problem, x0=None, method=...)`` with a :class:`Problem`, or
    the SciPy style ``minimize(fun, x0, jac=grad, hess=hess, method=...)``.

    Parameters
    ----------
    fun : Problem or callable
        The problem, or ``fun(x, *args) -> float``.
    x0 : array_like, shape (n,), optional
        Start point (defaults to ``problem.x0``).
    args : tuple
        Extra arguments passed to ``fun``, ``jac``, ``hess`` and ``hessp`` (SciPy style).
    method : str, default "lazy_newton"
        A name from :func:`numopt.methods`.
    jac : callable or True, optional
        Gradient; ``True`` means ``fun`` returns ``(f, g)``. Finite-difference strings are
        refused: numopt never approximates a derivative silently (use a ``zo_*`` method).
    hess, hessp : callable, optional
        Hessian and Hessian-vector product.
    tol : float, default 1e-8
        Tolerance on the method's stationarity measure.
    max_iter : int, default 1000
        Iteration cap.
    backend : {"auto", "numpy", "numba", "cupy"}
        Array backend (see :mod:`numopt.backend`).
    callback : callable, optional
        ``callback(intermediate_result)``; returning True stops the run.
    progress : bool
        Show a tqdm progress bar.
    **options
        Method options (``seed=`` and ``executor=`` for randomized methods); unknown ones
        raise with the list of valid ones.

    Returns
    -------
    Result

    Raises
    ------
    InvalidProblemError
        Unknown method or option, missing oracle, bad ``x0``.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> res = no.minimize(lambda x: float(((x - 1) ** 2).sum()), np.zeros(3),
    ...                   jac=lambda x: 2 * (x - 1), hess=lambda x: 2 * np.eye(3),
    ...                   method="newton")
    >>> bool(res.success), np.allclose(res.x, 1.0)
    (True, True)
    """
    problem = as_problem(fun, args=args, jac=jac, hess=hess, hessp=hessp)
    solver = build_solver(method, dict(options, tol=tol, max_iter=max_iter, backend=backend))
    return solver.minimize(problem, x0, callback=callback, progress=progress)


def as_problem(fun, *, args=(), jac=None, hess=None, hessp=None):
    """A :class:`Problem` from either call style (see :func:`minimize`).

    Parameters
    ----------
    fun : Problem or callable
        Returned as is when a Problem (then no other argument may be given).
    args : tuple
        Extra arguments bound to every oracle.
    jac : callable or True, optional
        Gradient, or True when ``fun`` returns ``(f, g)``.
    hess, hessp : callable, optional

    Returns
    -------
    Problem

    Raises
    ------
    InvalidProblemError
        Oracles given together with a Problem, a finite-difference ``jac`` string, or a
        non-callable ``hess``.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.core import as_problem
    >>> p = as_problem(lambda x, a: (float(a * x @ x), 2 * a * x), args=(3.0,), jac=True)
    >>> p.fun(np.ones(2)), p.grad(np.ones(2))
    (6.0, array([6., 6.]))
    """
    if isinstance(fun, Problem):
        given = [n for n, v in (("jac", jac), ("hess", hess), ("hessp", hessp)) if v is not None]
        if given or args:
            raise InvalidProblemError(
                f"{', '.join(given) or 'args'} given together with a numopt.Problem; put the "
                "oracles into the Problem instead."
            )
        return fun
    if not callable(fun):
        raise InvalidProblemError(
            f"fun must be a numopt.Problem or a callable, got {type(fun).__name__}."
        )
    if isinstance(jac, str) or (jac is not None and not callable(jac) and jac is not True):
        raise InvalidProblemError(
            f"jac={jac!r}: numopt does not approximate gradients silently; pass the gradient "
            "as a callable, jac=True if fun returns (f, g), or use a zeroth-order method "
            "('zo_gd', ...)."
        )
    for name, oracle in (("hess", hess), ("hessp", hessp)):
        if oracle is not None and not callable(oracle):
            raise InvalidProblemError(
                f"{name} must be a callable, got {type(oracle).__name__}; numopt takes exact "
                "second derivatives (quasi-Newton updates are not accepted here)."
            )
    if jac is True:
        fun, jac = _split_value_and_grad(fun)
    bind = (lambda f: f) if not args else (lambda f: None if f is None else _bind_args(f, args))
    return Problem(bind(fun), grad=bind(jac), hess=bind(hess), hessp=bind(hessp),
                   name=getattr(fun, "__name__", "problem"))


def _bind_args(f, args):
    def bound(*xs):
        return f(*xs, *args)

    bound.__name__ = getattr(f, "__name__", "fun")
    return bound


def _split_value_and_grad(fun_and_grad):
    """``fun, grad`` from a function returning ``(f, g)``; one evaluation serves both."""
    memo = {}

    def evaluate(x, *args):
        key = (x.tobytes() if hasattr(x, "tobytes") else bytes(memoryview(x)), args)
        if memo.get("key") != key:
            memo["key"], memo["value"] = key, fun_and_grad(x, *args)
        return memo["value"]

    def fun(x, *args):
        return evaluate(x, *args)[0]

    def grad(x, *args):
        return evaluate(x, *args)[1]

    fun.__name__ = getattr(fun_and_grad, "__name__", "fun")
    return fun, grad


def scipy_method(name):
    """A callable usable as ``scipy.optimize.minimize(..., method=numopt.scipy_method(name))``.

    SciPy's ``options=`` dict is passed to the numopt method (``maxiter`` is accepted as an
    alias of ``max_iter``). The callback follows SciPy's convention: a callback whose only
    parameter is named ``intermediate_result`` receives an OptimizeResult, any other receives
    ``xk``.

    Parameters
    ----------
    name : str
        A registered numopt method.

    Returns
    -------
    callable
        ``numopt_method(fun, x0, args=(), jac=None, hess=None, hessp=None, bounds=None,
        constraints=(), callback=None, **options)`` returning a :class:`Result`.

    Raises
    ------
    InvalidProblemError
        Unknown method (at once), or bounds/constraints passed through SciPy (at call).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.optimize
    >>> import numopt as no
    >>> res = scipy.optimize.minimize(lambda x: float((x ** 2).sum()), np.ones(2),
    ...                               jac=lambda x: 2 * x, hess=lambda x: 2 * np.eye(2),
    ...                               method=no.scipy_method("newton"))
    >>> bool(res.success)
    True
    """
    from .registry import solver_class

    solver_class(name)  # fail now, not inside SciPy

    def numopt_method(fun, x0, args=(), jac=None, hess=None, hessp=None, bounds=None,
                      constraints=(), callback=None, **options):
        if bounds is not None or constraints not in ((), None, []):
            raise InvalidProblemError(
                f"numopt method '{name}' handles neither bounds nor constraints through "
                "scipy.optimize.minimize; use numopt.minimize with numopt.Equality instead."
            )
        if "maxiter" in options:
            options["max_iter"] = options.pop("maxiter")
        options.pop("disp", None)
        return minimize(fun, x0, args, method=name, jac=jac, hess=hess, hessp=hessp,
                        callback=_scipy_callback(callback), **options)

    numopt_method.__name__ = f"numopt_{name}"
    numopt_method.__doc__ = f"numopt method '{name}' in SciPy's custom-method protocol."
    return numopt_method


def _scipy_callback(callback):
    if callback is None:
        return None
    params = set(inspect.signature(callback).parameters)
    if params == {"intermediate_result"}:
        return lambda intermediate: callback(intermediate_result=OptimizeResult(intermediate))
    return lambda intermediate: callback(intermediate.x)
