"""The accept-or-stop part of a line-search iteration, shared by ``gd`` and ``newton``."""

from ..core.solver import State
from ..core.status import Status


def line_search_step(problem, state, line_search, direction, slope, first_step, **fields):
    """Search along ``direction`` and return the next State (or a stopping one).

    Parameters
    ----------
    problem : Problem
    state : State
        Current iterate with ``x``, ``fun``, ``grad_norm``, ``nit``, ``backend``.
    line_search : Armijo
    direction : array
        Descent direction ``d`` (``slope = gradᵀd < 0``).
    slope : float
        Directional derivative at ``t = 0``.
    first_step : float
        First trial step.
    **fields
        Extra State fields for the next iterate (``step`` is added automatically).

    Returns
    -------
    State
        The new iterate; or ``state`` with ``stop=LINE_SEARCH_FAILED`` when no step is
        acceptable, or ``stop=STALLED`` when the accepted step no longer changes ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> from numopt.core.linesearch import Armijo
    >>> p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x)
    >>> s = no.solvers.GradientDescent().init(p, np.ones(2))
    >>> nxt = line_search_step(p, s, Armijo(), -s.grad, -s.grad_norm ** 2, 1.0)
    >>> nxt.x, nxt.step
    (array([0., 0.]), 0.5)
    """
    xp = state.backend.xp
    x = state.x
    t, value = line_search.search(
        lambda t: problem.fun(x + t * direction), state.fun, slope, first_step,
        dphi=lambda t: float(xp.vecdot(problem.grad(x + t * direction), direction)))
    if t is None:
        return state.replace(
            nit=state.nit + 1, stop=Status.LINE_SEARCH_FAILED,
            message=f"No step along the search direction gave sufficient decrease (slope "
                    f"{slope:.2e}).")
    x_new = x + t * direction
    if bool(xp.all(x_new == x)):
        return state.replace(
            nit=state.nit + 1, stop=Status.STALLED,
            message=f"The accepted step ({t:.1e}) no longer changes x at grad_norm "
                    f"{state.grad_norm:.2e}: tol is below the attainable accuracy, or the "
                    "gradient is inconsistent with the objective (check it against finite "
                    "differences).")
    g_new = problem.grad(x_new)
    return State(x=x_new, fun=value, grad=g_new,
                 grad_norm=float(xp.linalg.vector_norm(g_new)), nit=state.nit + 1, step=t,
                 backend=state.backend, **fields)
