"""What every zeroth-order solver shares: options, the query evaluator, window-averaged
stationarity estimates and the final coordinate check."""

import math

import numpy as np

from ..core.solver import Solver
from ..core.status import Status
from ..core.validate import check_int
from ..errors import InvalidProblemError
from .estimators import (
    COORDINATE_WISE,
    RANDOM_ESTIMATORS,
    Estimate,
    check_estimator_options,
    default_mu,
    estimate,
)
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

    def estimate(self, problem, x, rng, *, fx=None, mu=None, estimator=None, num_dirs=None,
                 box=None):
        """A gradient estimate at ``x`` with the solver's options (overridable).

        With a ``box`` (:class:`numopt.core.bounds.Box`) the coordinate-wise estimators query
        only points inside it: a forward difference that would cross a bound is taken
        backwards, and central differences become such one-sided ones where either side
        would cross (SciPy's ``approx_derivative`` does the same)."""
        estimator = estimator or self.estimator
        mu = self.mu if mu is None else mu
        if box is not None and estimator in COORDINATE_WISE:
            return bounded_estimate(self.evaluator(problem), x, box, estimator, mu, fx)
        return estimate(self.evaluator(problem), x, estimator,
                        num_dirs=num_dirs or self.num_dirs, mu=mu,
                        rng=rng if estimator in RANDOM_ESTIMATORS else None, fx=fx, jvp=self.jvp)

    def start_in_box(self, problem, x):
        """``(x, box, note)``: ``x`` projected onto the problem's bounds when this method
        honours them (``note`` says so when ``x`` moved), else ``(x, None, None)``."""
        box = getattr(problem, "bounds", None) if "bounds" in self.handles else None
        if box is None or box.contains(x):
            return x, box, None
        note = (f"x0 was outside the bounds (largest violation {box.violation(x):.3g}) and "
                "was projected onto them.")
        return box.project(x), box, note

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
        """The state with ``grad``/``grad_norm`` from a central coordinate estimate (under
        bounds: inward differences and the projected-gradient norm)."""
        box = getattr(state, "box", None)
        if box is None:
            est = estimate(self.evaluator(problem), state.x, "coordinate")
        else:
            est = bounded_estimate(self.evaluator(problem), state.x, box, "coordinate", None,
                                   None)
        message = _join(getattr(state, "message", None), getattr(state, "note", None))
        if not np.all(np.isfinite(est.grad)):
            return state.replace(message=_join(message, "The final coordinate gradient "
                                               "check met a non-finite value; grad_norm is the "
                                               "running estimate."))
        return state.replace(grad=est.grad, grad_norm=stationarity(box, state.x, est),
                             message=message)


def stationarity(box, x, est):
    """``sqrt(norm_sq)`` of an estimate, or the projected-gradient norm
    ``||x - P(x - g)||`` under bounds."""
    if box is None:
        return math.sqrt(max(est.norm_sq, 0.0))
    r = box.projected_gradient(x, est.grad)
    return math.sqrt(float(r @ r))


def bounded_estimate(evaluate, x, box, estimator, mu, fx):
    """A coordinate-wise estimate (``"forward"`` or central ``"coordinate"``) whose queries
    stay in ``box``, as SciPy's ``approx_derivative`` with bounds: a forward step that would
    cross the upper bound is taken backwards; a central difference that would cross a bound
    becomes the one-sided second-order formula :math:`(-3 f_0 + 4 f(x + h e_i) - f(x + 2h
    e_i)) / (2h)` with ``h`` pointing into the box (Nocedal & Wright 2006, §8.1).

    Returns
    -------
    Estimate
    """
    d = x.shape[0]
    h = default_mu(estimator, x) if mu is None else np.full(d, float(mu))
    up, down = box.upper - x, x - box.lower
    central = estimator == "coordinate"
    reach = 2.0 * h if central else h  # one-sided steps of the central scheme go 2h deep
    fits = (h <= up) & (h <= down) if central else h <= up
    inward = np.where(up >= down, 1.0, -1.0)  # the side with more room
    step = np.where(fits, h, inward * np.minimum(reach, np.maximum(up, down)) / (
        2.0 if central else 1.0))
    step = (x + step) - x  # the step actually taken in floating point
    eye = np.eye(d)
    points = [x[None, :]] if fx is None else []
    if central:
        one_sided = ~fits
        points += [x + step[:, None] * eye, x - np.where(fits, step, -step)[:, None] * eye]
        # rows: x + h e_i, then x - h e_i (central) or x + 2h e_i (one-sided)
        points[-1] = np.where(one_sided[:, None], x + 2.0 * step[:, None] * eye, points[-1])
    else:
        points += [x + step[:, None] * eye]
    values = evaluate(np.vstack(points))
    if fx is None:
        fx, values = float(values[0]), values[1:]
    if central:
        plus, second = values[:d], values[d:]
        grad = np.where(fits, (plus - second) / (2.0 * step),
                        (-3.0 * fx + 4.0 * plus - second) / (2.0 * step))
    else:
        grad = (values - fx) / step
    return Estimate(grad=grad, norm_sq=float(grad @ grad), fx=fx, derivatives=grad)


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
    return f"{first} {second}" if first and second else (first or second)
