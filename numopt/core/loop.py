"""The one iteration loop shared by every numopt solver (unconstrained, constrained,
transport, linear): budgets, callback, history, progress and non-finite detection live here
and nowhere else."""

import time

from ..errors import InvalidProblemError
from .budget import BudgetExhausted, Counts
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
    counts = _capped_counts(problem, getattr(solver, "max_fev", None))
    started = time.perf_counter()
    history = History()
    bar = progress_bar(progress, solver.max_iter, solver.name, tol=getattr(solver, "tol", None))
    try:
        try:
            state = solver.init(problem, start)
        except BudgetExhausted:
            raise InvalidProblemError(
                f"max_fev={solver.max_fev} is too small for method '{solver.name}': it needs "
                "more objective evaluations than that before its first iteration; raise "
                "max_fev."
            ) from None
        _record(history, solver, problem, state, started)
        previous = state
        status = solver.done(state)
        while status is None:
            if solver.budget_spent(problem, time.perf_counter() - started):
                status = Status.BUDGET
                break
            try:
                new = solver.step(problem, state)
            except BudgetExhausted:  # the step would pass max_fev: keep the last full iterate
                status = Status.BUDGET
                break
            previous, state = state, new
            _record(history, solver, problem, state, started)
            if progress:
                bar.update(state.nit, {"measure": solver.measure(state)})
            status = solver.done(state)
            if callback is not None and status is not Status.NONFINITE:
                # once per iteration, the last included (as SciPy); a stop request on the
                # last iteration leaves the status the method reached
                if _callback_stops(callback, solver, state) and status is None:
                    status = Status.CALLBACK_STOP
        final = state
        if status is Status.NONFINITE and previous is not state:
            final = previous.replace(nit=state.nit, message=getattr(state, "message", None))
        try:
            res = solver.result(problem, final, status, history.as_arrays(),
                                time.perf_counter() - started)
        except BudgetExhausted:  # a closing check (final gradient estimate) would pass max_fev
            status = Status.BUDGET
            res = solver.result(problem, final, status, history.as_arrays(),
                                time.perf_counter() - started)
    finally:
        bar.close()
        if counts is not None:
            counts.cap = None
    res = _name_nonfinite(res, counts, status)
    if not status.success and status is not Status.CALLBACK_STOP:
        _warn_not_converged(solver, res)  # numopt.ConvergenceWarning (issue 19, H)
    return res


def _capped_counts(problem, max_fev):
    """Swap ``problem.counts`` for a :class:`Counts` capped at ``max_fev`` (None: no cap)."""
    counts = getattr(problem, "counts", None)
    if not isinstance(counts, dict):
        return None
    capped = Counts(counts, cap=max_fev)
    try:
        problem.counts = capped
    except AttributeError:  # a read-only counts property: no cap, no tally
        return None
    return capped


def _name_nonfinite(res, counts, status):
    """A failed run whose objective returned NaN/inf says so, whatever else stopped it (a
    line search blaming the derivatives, a tolerance never met)."""
    tally = getattr(counts, "nonfinite", None)
    if status.success or status is Status.NONFINITE or not tally:
        return res
    seen = ", ".join(f"{oracle} {k} time{'s' if k > 1 else ''}" for oracle, k in tally.items())
    res["message"] = (f"NaN or inf values were returned during the run ({seen}); "
                      f"{res['message']}")
    return res


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


def _warn_not_converged(solver, result):
    """One :class:`numopt.ConvergenceWarning` per non-converged run, pointing at the user's
    line (the first frame outside numopt); silence it with ``warnings`` filters."""
    import sys
    import warnings

    from ..errors import ConvergenceWarning

    level, frame = 2, sys._getframe(1)  # stacklevel 2 is this function's caller
    while frame is not None and frame.f_globals.get("__name__", "").startswith("numopt."):
        level, frame = level + 1, frame.f_back
    warnings.warn(f"{solver.name} did not converge: {result['message']}", ConvergenceWarning,
                  stacklevel=level)
