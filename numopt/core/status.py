"""The one status enum every numopt solver reports through."""

from enum import IntEnum


class Status(IntEnum):
    """Why a run ended. ``Result.success`` is ``status is Status.SUCCESS``.

    The integer values are the ``status`` codes of :class:`numopt.Result` (0 is success, as in
    SciPy). Members are always truthy, so ``while not solver.done(state)`` reads naturally:
    ``done`` returns a member when the run should stop and ``None`` otherwise.

    Examples
    --------
    >>> from numopt import Status
    >>> bool(Status.SUCCESS), int(Status.SUCCESS)
    (True, 0)
    >>> Status.MAX_ITER.describe()
    'Maximum number of iterations reached; raise max_iter or loosen tol.'
    """

    SUCCESS = 0
    MAX_ITER = 1
    BUDGET = 2
    NONFINITE = 3
    STALLED = 4
    CALLBACK_STOP = 5
    INNER_FAILED = 6
    LINE_SEARCH_FAILED = 7
    INFEASIBLE = 8
    SINGULAR = 9
    DIVERGED = 10
    SADDLE = 11

    def __bool__(self):
        return True

    @property
    def success(self):
        """True only for :attr:`SUCCESS`."""
        return self is Status.SUCCESS

    def describe(self, detail=None):
        """The user-facing message: the cause and the fix, with an optional detail first."""
        base = _MESSAGES[self]
        return f"{detail} {base}" if detail else base


_MESSAGES = {
    Status.SUCCESS: "Optimization terminated successfully.",
    Status.MAX_ITER: "Maximum number of iterations reached; raise max_iter or loosen tol.",
    Status.BUDGET: "Time or oracle-call budget exhausted; raise max_time / max_fev.",
    Status.NONFINITE: (
        "A non-finite value (NaN or inf) appeared; the result holds the last finite iterate. "
        "Check the objective's domain and scaling, or start closer to a solution."
    ),
    Status.STALLED: (
        "No further progress is possible in floating point; the requested tol may be below "
        "the attainable accuracy for this problem."
    ),
    Status.CALLBACK_STOP: "Stopped by the callback.",
    Status.INNER_FAILED: (
        "An inner solver (linear system, subproblem) failed; see the detail and consider a "
        "different method or more inner iterations."
    ),
    Status.LINE_SEARCH_FAILED: (
        "The line search found no acceptable step; the derivatives may be inconsistent with "
        "the objective (check them against finite differences)."
    ),
    Status.INFEASIBLE: "The constraints appear inconsistent (no feasible point found).",
    Status.SINGULAR: "A singular matrix was met where a nonsingular one is required.",
    Status.DIVERGED: "The iteration diverged; reduce the step or change the parameters.",
    Status.SADDLE: (
        "saddle point: the Hessian has a negative eigenvalue; the gradient vanishes but this "
        "is not a minimizer. Restart from a perturbed point or use a method that follows "
        "negative curvature (cubic_newton, trust-region)."
    ),
}
