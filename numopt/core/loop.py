"""The one iteration loop shared by every numopt solver (unconstrained, constrained,
transport, linear): budgets, callback, history, progress and non-finite detection live here
and nowhere else."""

import time

from .progress import progress_bar
from .result import History
from .status import Status


def run(solver, problem, start, *, callback=None, progress=False):
    """Iterate ``solver`` on ``problem`` from ``start`` until ``solver.done`` says stop.

    Parameters
    ----------
    solver : Solver
    problem : object
        Whatever the solver's ``init``/``step`` take (a :class:`numopt.Problem` for the
        minimization methods).
    start : object
        Start passed to ``solver.init`` (``x0``, warm-start potentials, ...).
    callback : callable, optional
        ``callback(solver.intermediate(state))``; a true return value or ``StopIteration``
        ends the run with ``Status.CALLBACK_STOP``.
    progress : bool
        Show a tqdm progress bar (needs the ``progress`` extra).

    Notes
    -----
    A problem with ``reset_counts`` has its oracle counters zeroed first, so ``Result.nfev``
    and friends count this run only, even when one problem object is solved several times.

    Returns
    -------
    Result
        Built by ``solver.result``; after a non-finite step it holds the last finite state.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> from numopt.core import run
    >>> p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x)
    >>> res = run(no.solvers.GradientDescent(max_iter=3, tol=1e-30), p, np.ones(2))
    >>> res.nit, len(res.history["iter"]), res.message
    (1, 2, 'Optimization terminated successfully.')
    """
    if hasattr(problem, "reset_counts"):
        problem.reset_counts()  # oracle counts (Result.nfev, ...) are per run, as in SciPy
    started = time.perf_counter()
    history = History()
    bar = progress_bar(progress, solver.max_iter, solver.name)
    try:
        state = solver.init(problem, start)
        _record(history, solver, problem, state, started)
        previous = state
        status = solver.done(state)
        while status is None:
            if solver.budget_spent(problem, time.perf_counter() - started):
                status = Status.BUDGET
                break
            previous, state = state, solver.step(problem, state)
            _record(history, solver, problem, state, started)
            if progress:
                bar.update(state.nit, {"measure": solver.measure(state)})
            status = solver.done(state)
            if status is None and callback is not None and _callback_stops(callback, solver, state):
                status = Status.CALLBACK_STOP
    finally:
        bar.close()
    final = state
    if status is Status.NONFINITE and previous is not state:
        final = previous.replace(nit=state.nit, message=getattr(state, "message", None))
    return solver.result(problem, final, status, history.as_arrays(),
                         time.perf_counter() - started)


def _callback_stops(callback, solver, state):
    try:
        return bool(callback(solver.intermediate(state)))
    except StopIteration:
        return True


def _record(history, solver, problem, state, started):
    row = {"iter": state.nit, "time": time.perf_counter() - started}
    row.update(solver.record(state))
    counts = getattr(problem, "counts", None)
    if counts is not None:
        row.update(nfev=counts["fun"], njev=counts["grad"], nhev=counts["hess"])
    history.append(row)
