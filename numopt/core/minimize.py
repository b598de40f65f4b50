"""``numopt.minimize`` (problem-object and SciPy call styles) and SciPy interop."""

import inspect
from collections.abc import Callable
from typing import Any

from scipy.optimize import OptimizeResult

from ..errors import InvalidProblemError
from .choose import choose
from .problem import Problem
from .registry import build_solver, option_names, solver_class

#: SciPy option names and the numopt option each one sets
SCIPY_OPTIONS = {"maxiter": "max_iter", "gtol": "tol", "maxfun": "max_fev", "maxfev": "max_fev"}


def minimize(fun: Any, x0: Any = None, args: tuple = (), *, method: str | None = None,
             jac: Any = None, hess: Any = None, hessp: Any = None, bounds: Any = None,
             constraints: Any = None, tol: float | None = None,
             callback: Callable[..., Any] | None = None, options: dict[str, Any] | None = None,
             backend: str = "auto", progress: bool = False, **method_options: Any) -> Any:
    """Minimize a function with a registered numopt method (chosen for you by default).

    Two call styles: ``minimize(problem, x0=None, method=...)`` with a :class:`Problem`, or
    the SciPy style ``minimize(fun, x0, jac=grad, hess=hess, bounds=..., constraints=...)``.

    Parameters
    ----------
    fun : Problem or callable
        The problem, or ``fun(x, *args) -> float``.
    x0 : array_like, shape (n,), optional
        Start point (defaults to ``problem.x0``).
    args : tuple
        Extra arguments passed to ``fun``, ``jac``, ``hess`` and ``hessp`` (SciPy style).
    method : str, optional
        A name from :func:`numopt.methods`. None (default): chosen from the oracles, bounds
        and constraints the problem declares by the decision table of
        :mod:`numopt.core.choose` (``docs/guide/choosing.md``); the result's ``chosen_by``
        names the cell.
    jac : callable or True, optional
        Gradient; ``True`` means ``fun`` returns ``(f, g)``. Finite-difference strings are
        refused: numopt never approximates a derivative silently (use a ``zo_*`` method).
    hess : callable, or {"bfgs", "sr1", "lbfgs", "lsr1", "fd"}, or HessianUpdateStrategy
        The exact Hessian, or a Hessian model for a second-order method (passed to the
        method as its ``hess=`` option).
    hessp : callable, optional
        Hessian-vector product.
    bounds : scipy.optimize.Bounds or sequence of (low, high), optional
        Simple bounds, ``None`` for an infinite side (:func:`numopt.core.bounds.as_bounds`).
    constraints : constraint or list, optional
        SciPy ``NonlinearConstraint``/``LinearConstraint``/dicts or numopt constraints
        (:func:`numopt.core.constraints.as_constraints`). A method that cannot honour the
        bounds or constraints raises :class:`InvalidProblemError` naming those that can.
    tol : float, optional
        Tolerance on the method's stationarity measure (the gradient norm, projected under
        bounds; method default 1e-8).
    callback : callable, optional
        ``callback(intermediate_result)`` after every iteration, the last included; returning
        True or raising ``StopIteration`` stops the run.
    options : dict, optional
        SciPy's options dict: ``maxiter``, ``gtol`` (numopt's ``tol``), ``maxfun``/``maxfev``
        (numopt's ``max_fev``) and ``disp`` keep their SciPy meaning; any other key is a
        method option. The same keys are accepted as keywords.
    backend : {"auto", "numpy", "numba", "cupy"}
        Array backend (see :mod:`numopt.backend`).
    progress : bool
        Show a tqdm progress bar.
    **method_options
        ``max_iter``, ``max_fev``, ``max_time``, ``disp`` (print a summary at the end, as
        SciPy), SciPy's ``maxiter``/``gtol``, and method options (``seed=`` and
        ``executor=`` for randomized methods); unknown ones raise with the valid ones.

    Returns
    -------
    Result

    Raises
    ------
    InvalidProblemError
        Unknown method or option, an option given twice, missing oracle, bad ``x0``, bounds
        or constraints the method cannot honour, or no default for the problem.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> res = no.minimize(lambda x: float(((x - 1) ** 2).sum()), np.zeros(3),
    ...                   jac=lambda x: 2 * (x - 1), hess=lambda x: 2 * np.eye(3),
    ...                   method="newton", options={"maxiter": 50})
    >>> bool(res.success), np.allclose(res.x, 1.0)
    (True, True)
    """
    options = _merge_options(options, method_options)
    disp = bool(options.pop("disp", False))
    if tol is not None:
        options = _set_once(options, "tol", tol, "tol")
    model = None
    if hess is not None and not callable(hess) and _is_hessian_model(hess):
        model, hess = hess, None
    problem = as_problem(fun, args=args, jac=jac, hess=hess, hessp=hessp, bounds=bounds,
                         constraints=constraints, dim=_length(x0))
    chosen_by = None
    if method is None:
        method, chosen_by = choose(problem, hess_model=model is not None)
    if model is not None:
        if "hess" not in option_names(solver_class(method)):
            raise InvalidProblemError(
                f"hess={model!r} is a Hessian model, but method '{method}' takes no Hessian "
                "model; name a second-order method (e.g. method='cubic_newton') or pass the "
                "exact Hessian as a callable."
            )
        options = _set_once(options, "hess", model, "hess")
    solver = build_solver(method, dict(options, backend=backend))
    res = solver.minimize(problem, x0, callback=callback, progress=progress)
    if chosen_by is not None:
        res["chosen_by"] = chosen_by
    if disp:
        _display(res)
    return res


def _length(x0):
    """The number of variables of a 1-D start point (None when unknown or not 1-D)."""
    shape = getattr(x0, "shape", None)
    if shape is None and x0 is not None:
        try:
            shape = (len(x0),) if all(not hasattr(v, "__len__") for v in x0) else None
        except TypeError:
            shape = None
    return int(shape[0]) if shape is not None and len(shape) == 1 else None


def _merge_options(options, keywords):
    """One dict of numopt option names from SciPy's ``options=`` and the keywords."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise InvalidProblemError(
            f"options must be a dict (SciPy's options=), got {type(options).__name__}."
        )
    merged = {}
    for source in (options, keywords):
        for key, value in source.items():
            merged = _set_once(merged, SCIPY_OPTIONS.get(key, key), value, key)
    return merged


def _set_once(options, name, value, given_as):
    if name in options:
        raise InvalidProblemError(
            f"option {given_as!r} sets numopt's {name!r}, which was already given; pass it "
            "once (either in options= or as a keyword)."
        )
    return dict(options, **{name: value})


def _is_hessian_model(hess):
    from ..second_order.hessian_models import is_model_spec

    return is_model_spec(hess)


def _display(res):
    """SciPy's ``disp=True`` summary."""
    print(res.message)
    print(f"         Current function value: {res.fun:.6f}")
    print(f"         Iterations: {res.nit}")
    print(f"         Function evaluations: {res.nfev}")
    print(f"         Gradient evaluations: {res.njev}")


def as_problem(fun, *, args=(), jac=None, hess=None, hessp=None, bounds=None,
               constraints=None, dim=None):
    """A :class:`Problem` from either call style (see :func:`minimize`).

    Parameters
    ----------
    fun : Problem or callable
        Returned as is when a Problem (then no other argument may be given).
    args : tuple
        Extra arguments bound to every oracle (not to the constraints: SciPy dicts carry
        their own ``'args'``).
    jac : callable or True, optional
        Gradient, or True when ``fun`` returns ``(f, g)``.
    hess, hessp : callable, optional
    bounds, constraints : optional
        See :func:`minimize`.
    dim : int, optional
        Number of variables (scalar bounds broadcast to it).

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
        given = [n for n, v in (("jac", jac), ("hess", hess), ("hessp", hessp),
                                ("bounds", bounds), ("constraints", constraints))
                 if v is not None and not (n == "constraints" and v in ((), []))]
        if given or args:
            raise InvalidProblemError(
                f"{', '.join(given) or 'args'} given together with a numopt.Problem; put the "
                "oracles, bounds and constraints into the Problem instead."
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
                   name=getattr(fun, "__name__", "problem"), bounds=bounds,
                   constraints=constraints, dim=dim)


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


def scipy_method(name: str) -> Callable[..., Any]:
    """A callable usable as ``scipy.optimize.minimize(..., method=numopt.scipy_method(name))``.

    SciPy's ``options=`` dict is passed to the numopt method with SciPy's meaning of
    ``maxiter``, ``gtol``, ``maxfun``/``maxfev`` and ``disp`` (see :func:`minimize`);
    ``bounds`` and ``constraints`` go to the method, which honours them or refuses them
    naming the methods that can. The callback follows SciPy's convention: a callback whose
    only parameter is named ``intermediate_result`` receives an OptimizeResult, any other
    receives ``xk``.

    Parameters
    ----------
    name : str
        A registered numopt method (a SciPy name such as ``"bfgs"`` is refused with the
        numopt method to use instead).

    Returns
    -------
    callable
        ``numopt_method(fun, x0, args=(), jac=None, hess=None, hessp=None, bounds=None,
        constraints=(), callback=None, **options)`` returning a :class:`Result`.

    Raises
    ------
    InvalidProblemError
        Unknown method (at once), or bounds/constraints the method cannot honour (at call).

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
    solver_class(name)  # fail now, not inside SciPy

    def numopt_method(fun, x0, args=(), jac=None, hess=None, hessp=None, bounds=None,
                      constraints=(), callback=None, **options):
        return minimize(fun, x0, args, method=name, jac=jac, hess=hess, hessp=hessp,
                        bounds=bounds, constraints=constraints or None,
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
