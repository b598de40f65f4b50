"""The solver base class: ``init`` / ``step`` / ``done`` plus the shared ``minimize`` loop."""

import abc
import math
from types import SimpleNamespace

import numpy as np
from scipy.optimize import OptimizeResult

from ..backend import resolve_backend, to_device
from ..errors import InvalidProblemError
from .problem import Problem, as_start_point
from .result import Result
from .status import Status
from .validate import check_int, check_positive

_FEATURE_WORDS = {"bounds": "bounds", "equality": "equality constraints",
                  "inequality": "inequality constraints"}


class State(SimpleNamespace):
    """An iteration's state: a bag of named values (``x``, ``fun``, ``grad``, ``grad_norm``,
    ``nit`` for the unconstrained solvers, plus whatever a solver keeps).

    ``step`` returns a new State and never mutates its input, so the loop can keep the last
    finite iterate. ``stop`` (a :class:`Status`) and ``message`` let a step end the run
    (a failed line search, say) with a reason.

    Examples
    --------
    >>> from numopt import State
    >>> s = State(x=1.0, nit=0)
    >>> t = s.replace(nit=1)
    >>> s.nit, t.nit, t.stop
    (0, 1, None)
    """

    def replace(self, **changes):
        """A copy with some fields changed (``stop`` and ``message`` are reset)."""
        fields = dict(vars(self))
        fields.update(stop=None, message=None)
        fields.update(changes)
        return State(**fields)


class Solver(abc.ABC):
    """Base class of every numopt solver.

    A solver implements :meth:`init` and :meth:`step` (and, when its stopping test is not
    ``grad_norm <= tol``, :meth:`converged`). The loop in :meth:`minimize` — iteration,
    time and oracle budgets, callback, history, progress bar, non-finite detection — is
    shared by all solvers and never re-implemented.

    Parameters
    ----------
    tol : float, default 1e-8
        Stopping tolerance on the solver's stationarity measure (``grad_norm`` by default).
    max_iter : int, default 1000
        Iteration cap; reaching it ends the run with ``Status.MAX_ITER``.
    max_time : float, optional
        Wall-clock budget in seconds (``Status.BUDGET`` when exceeded).
    max_fev : int, optional
        Budget on objective evaluations (``Status.BUDGET`` when exceeded).
    backend : {"auto", "numpy", "numba", "cupy"}, default "auto"
        See :func:`numopt.backend.resolve_backend`.

    Examples
    --------
    Stepping a solver by hand (what ``minimize`` does, minus budgets and history):

    >>> import numpy as np
    >>> import numopt as no
    >>> p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x, x0=np.ones(2))
    >>> solver = no.solvers.GradientDescent(tol=1e-10)
    >>> state = solver.init(p, p.x0)
    >>> while not solver.done(state):
    ...     state = solver.step(p, state)
    >>> solver.done(state), state.grad_norm <= 1e-10
    (<Status.SUCCESS: 0>, True)
    """

    #: registry name (``numopt.minimize(..., method=name)``)
    name: str | None = None
    #: oracles the method needs; checked before the first step
    requires: tuple[str, ...] = ("fun", "grad")
    #: backends implemented; ``"cupy"`` means the backend-generic array-API path
    backends: tuple[str, ...] = ("numpy", "cupy")
    #: what the method honours among ``{"bounds", "equality", "inequality"}``; a problem
    #: declaring anything else is refused by :meth:`start` (never silently ignored)
    handles: frozenset[str] = frozenset()

    def __init__(self, *, tol=1e-8, max_iter=1000, max_time=None, max_fev=None, backend="auto"):
        self.tol = check_positive("tol", tol)
        self.max_iter = check_int("max_iter", max_iter, low=0)
        self.max_time = check_positive("max_time", max_time, allow_none=True)
        self.max_fev = check_int("max_fev", max_fev, low=1, allow_none=True)
        self.backend = backend

    # ----------------------------------------------------------------- to implement
    @abc.abstractmethod
    def init(self, problem, x0):
        """First state at ``x0`` (``problem.x0`` when None)."""

    @abc.abstractmethod
    def step(self, problem, state):
        """One iteration: a new State from ``state``."""

    def converged(self, state):
        """The method's stopping test; default ``grad_norm <= tol``."""
        return state.grad_norm <= self.tol

    # ----------------------------------------------------------------- shared
    def done(self, state):
        """``None`` while the run should go on, else the :class:`Status` that ends it."""
        if getattr(state, "stop", None) is not None:
            return state.stop
        if not self.finite(state):
            return Status.NONFINITE
        if self.converged(state):
            return Status.SUCCESS
        if state.nit >= self.max_iter:
            return Status.MAX_ITER
        return None

    def finite(self, state):
        """True while the state's measured values are finite."""
        return all(math.isfinite(v) for v in self.record(state).values()
                   if isinstance(v, float))

    def record(self, state):
        """The scalars recorded in ``history`` for this state (extend in subclasses)."""
        return {"fun": float(state.fun), "grad_norm": float(state.grad_norm)}

    def measure(self, state):
        """The one number the progress bar and ``numopt.plot`` show by default."""
        return float(state.grad_norm)

    def budget_spent(self, problem, elapsed):
        """True when the time or oracle budget is exhausted."""
        if self.max_time is not None and elapsed >= self.max_time:
            return True
        counts = getattr(problem, "counts", None)
        return self.max_fev is not None and counts is not None and counts["fun"] >= self.max_fev

    def intermediate(self, state):
        """What the callback receives: an OptimizeResult view of the state."""
        return OptimizeResult(x=state.x, fun=state.fun, grad_norm=state.grad_norm, nit=state.nit)

    def result(self, problem, state, status, history, elapsed):
        """Build the :class:`Result` of a finished run (extend in subclasses)."""
        counts = problem.counts
        return Result(
            x=state.x, fun=float(state.fun), jac=getattr(state, "grad", None),
            grad_norm=float(state.grad_norm), success=status.success, status=int(status),
            message=status.describe(getattr(state, "message", None)), nit=int(state.nit),
            nfev=counts["fun"], njev=counts["grad"], nhev=counts["hess"],
            nhpev=counts["hessp"], time=elapsed, method=self.name,
            backend=state.backend.name, history=history,
        )

    def start(self, problem, x0):
        """Check oracles, pick ``x0`` and the backend; returns ``(x0 on device, backend)``.

        Raises
        ------
        InvalidProblemError
            Missing oracle, no start point, or a start point of the wrong length.
        """
        if not isinstance(problem, Problem):
            raise InvalidProblemError(
                f"method '{self.name}' takes a numopt.Problem, got {type(problem).__name__}; "
                "build one with numopt.Problem(fun, grad=...)."
            )
        problem.require(self.requires, self.name)
        self.check_handles(problem)
        if x0 is None:
            x0 = problem.x0
        if x0 is None:
            raise InvalidProblemError(
                f"no start point: pass x0= or build problem '{problem.name}' with x0=."
            )
        x0 = as_start_point(x0)
        if problem.dim is not None and x0.shape[0] != problem.dim:
            raise InvalidProblemError(
                f"x0 has length {x0.shape[0]} but problem '{problem.name}' has dimension "
                f"{problem.dim}."
            )
        data = getattr(problem, "arrays", lambda: ())()
        # A NumPy start point follows the problem's data onto its device (it is the only
        # thing moved); any other mixture of array libraries is rejected.
        start_arrays = (x0,) if not data or not isinstance(x0, np.ndarray) else ()
        backend = resolve_backend(self.backend, *start_arrays, *data, supported=self.backends,
                                  method=self.name)
        if backend.is_gpu and any(isinstance(a, np.ndarray) for a in data):
            raise InvalidProblemError(
                f"backend='cupy' was requested but problem '{problem.name}' holds NumPy data; "
                "build the problem from CuPy arrays (cupy.asarray(A), ...) so its oracles run "
                "on the GPU, or use backend='auto'."
            )
        return to_device(x0, backend, dtype=backend.xp.float64), backend

    def check_handles(self, problem):
        """Raise :class:`InvalidProblemError` when ``problem`` declares bounds, equality or
        inequality constraints this method does not honour, naming the methods that do."""
        missing = sorted(set(getattr(problem, "declares", ())) - set(self.handles))
        if not missing:
            return
        from .registry import methods_handling

        needed = frozenset(getattr(problem, "declares", ()))
        able = methods_handling(needed)
        hint = (f"Use one of: {', '.join(able)}" if able else
                "No registered method handles all of them together")
        what = " or ".join(_FEATURE_WORDS[m] for m in missing)
        raise InvalidProblemError(
            f"method '{self.name}' does not handle {what}, which problem '{problem.name}' "
            f"declares; it would ignore them. {hint} (or drop them from the problem)."
        )

    def minimize(self, problem, x0=None, *, callback=None, progress=False):
        """Run the shared loop from ``x0`` and return a :class:`Result`.

        Parameters
        ----------
        problem : Problem
        x0 : array_like, optional
            Start point (``problem.x0`` when None).
        callback : callable, optional
            ``callback(intermediate_result)`` after every iteration; returning ``True``
            (or raising ``StopIteration``) stops the run with ``Status.CALLBACK_STOP``.
        progress : bool
            Show a tqdm progress bar.
        """
        from .loop import run

        return run(self, problem, x0, callback=callback, progress=progress)

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"
