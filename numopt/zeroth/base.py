"""What every zeroth-order solver shares: options, the query evaluator, window-averaged
stationarity estimates and the final coordinate check."""

import math

import numpy as np

from ..core.solver import Solver
from ..core.status import Status
from ..core.validate import check_int
from ..errors import InvalidProblemError
from .estimators import RANDOM_ESTIMATORS, check_estimator_options, estimate
from .evaluate import Evaluator, check_executor

WINDOW = 5  # iterations averaged in the noisy stationarity estimate (ALGORITHMS.md §6.7)
FINAL_CHECK = (Status.SUCCESS, Status.MAX_ITER, Status.STALLED, Status.LINE_SEARCH_FAILED)


class ZerothOrderSolver(Solver):
    """Base of the ``zo_*`` methods: only ``fun`` is needed; every query is counted in
    ``problem.counts["fun"]`` (``nfev``), line-search probes and the final check included.

    Parameters
    ----------
    estimator : str
        Gradient estimator (see :func:`numopt.zeroth.estimate_grad`); default per method.
    num_dirs : int, default 1
        Random directions per estimate.
    mu : float, optional
        Smoothing radius (default: cancellation-safe, see :func:`default_mu`); with a noisy
        ``f`` take it well above the noise scale.
    seed : int or numpy.random.Generator, optional
        Seed of every random draw; the same seed gives the same result with or without an
        executor.
    executor : concurrent.futures.Executor, optional
        Evaluates the queries of one estimate in parallel (dask ``client.get_executor()``).
    batched : bool, default False
        The objective takes a ``k x d`` array and returns ``k`` values.
    jvp : callable, optional
        ``jvp(x, v) -> float`` for ``estimator="jvp"`` (forward gradients); counted in
        ``result.njvp``.
    window : int, default 5
        Iterations averaged in the stationarity estimate ``grad_norm`` (random estimators;
        the deterministic ``coordinate``/``forward`` estimates are used as they are).
    **kwargs
        ``tol``, ``max_iter``, ``max_time``, ``max_fev``, ``backend`` (see
        :class:`numopt.Solver`).
    """

    requires = ("fun",)
    backends = ("numpy",)
    default_estimator = "gaussian"

    def __init__(self, *, estimator=None, num_dirs=1, mu=None, seed=None, executor=None,
                 batched=False, jvp=None, window=WINDOW, **kwargs):
        super().__init__(**kwargs)
        self.estimator, self.num_dirs, self.mu = check_estimator_options(
            estimator or self.default_estimator, num_dirs, mu, None, jvp)
        if seed is not None and not isinstance(seed, np.random.Generator):
            seed = check_int("seed", seed, low=0)
        self.seed, self.batched, self.jvp = seed, bool(batched), jvp
        self.executor = check_executor(executor)
        self.window = check_int("window", window, low=1)

    # ------------------------------------------------------------------ helpers
    def begin(self, problem, x0):
        """``(x, backend, rng)`` at the start of a run (checks the estimator against d)."""
        x, backend = self.start(problem, x0)
        check_estimator_options(self.estimator, self.num_dirs, self.mu, x.shape[0], self.jvp)
        return x, backend, np.random.default_rng(self.seed)

    def evaluator(self, problem):
        """An :class:`Evaluator` of the user's objective counting into ``problem.counts``."""
        return Evaluator(problem.oracle("fun"), executor=self.executor, batched=self.batched,
                         counts=problem.counts)

    def estimate(self, problem, x, rng, *, fx=None, mu=None, estimator=None, num_dirs=None):
        """A gradient estimate at ``x`` with the solver's options (overridable)."""
        estimator = estimator or self.estimator
        return estimate(self.evaluator(problem), x, estimator,
                        num_dirs=num_dirs or self.num_dirs, mu=self.mu if mu is None else mu,
                        rng=rng if estimator in RANDOM_ESTIMATORS else None, fx=fx, jvp=self.jvp)

    def window_norm(self, norms, norm_sq):
        """``(norms, grad_norm)``: the last ``window`` squared-norm estimates and the root of
        their mean."""
        size = self.window if self.estimator in RANDOM_ESTIMATORS else 1  # exact: no average
        norms = (*norms, max(norm_sq, 0.0))[-size:]
        return norms, math.sqrt(sum(norms) / len(norms))

    def result(self, problem, state, status, history, elapsed):
        """Adds a final coordinate estimate of the gradient (2d queries, counted) as ``jac``
        and ``grad_norm`` unless the budget is spent or the run ended on a non-finite value;
        ``njvp`` counts ``jvp`` calls."""
        if status in FINAL_CHECK:
            state = self.final_check(problem, state)
        res = super().result(problem, state, status, history, elapsed)
        res["njvp"] = problem.counts.get("jvp", 0)
        return res

    def final_check(self, problem, state):
        """The state with ``grad``/``grad_norm`` from a central coordinate estimate."""
        est = estimate(self.evaluator(problem), state.x, "coordinate")
        message = getattr(state, "message", None)
        if not np.all(np.isfinite(est.grad)):
            return state.replace(message=_join(message, "The final coordinate gradient "
                                               "check met a non-finite value; grad_norm is the "
                                               "running estimate."))
        return state.replace(grad=est.grad, grad_norm=math.sqrt(est.norm_sq),
                             message=message)


def nonfinite_stop(state, what):
    """A state that ends the run because a query returned NaN or inf."""
    return state.replace(nit=state.nit + 1, fun=math.nan, grad_norm=math.nan,
                         stop=Status.NONFINITE,
                         message=f"The objective returned NaN or inf during {what}.")


def require_option(method, name, value, hint):
    """Raise :class:`InvalidProblemError` when a required option is missing."""
    if value is None:
        raise InvalidProblemError(f"method '{method}' needs the option {name}=; {hint}.")
    return value


def _join(first, second):
    return f"{first} {second}" if first else second
