"""Plots of omega-tuning runs (:class:`numopt.linear.OmegaTuner`)."""

import numpy as np

from ..core.validate import check_int
from ..errors import InvalidProblemError, require


def _reports(runs, labels):
    if isinstance(runs, dict):
        labels = list(runs) if labels is None else labels
        runs = list(runs.values())
    elif not isinstance(runs, (list, tuple)):
        runs = [runs]
    reports = [r.report() if hasattr(r, "report") else r for r in runs]
    for r in reports:
        if not hasattr(r, "cumulative_cost"):
            raise InvalidProblemError(
                f"expected OmegaTuner or TuningReport objects, got {type(r).__name__}; pass "
                "tuners or tuner.report() results.")
    if labels is None:
        labels = [r.policy for r in reports]
    if len(labels) != len(reports):
        raise InvalidProblemError(
            f"labels has {len(labels)} entries for {len(reports)} runs; give one per run.")
    return reports, list(labels)


def cumulative_cost(reports_or_tuners, labels=None, ax=None, references=None, logy=False):
    """Cumulative iterations against the instance index, one line per tuning run.

    Parameters
    ----------
    reports_or_tuners : OmegaTuner, TuningReport, list of them, or dict label -> one
        Runs to draw.
    labels : list of str, optional
        Legend entries (default: each run's policy; the keys for a dict).
    ax : matplotlib Axes, optional
        Where to draw (a new figure otherwise).
    references : dict of str -> array_like, optional
        Per-instance costs of baselines (best fixed omega, instance-optimal, ...), drawn
        dashed as their cumulative sums.
    logy : bool, default False
        Logarithmic vertical axis.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidProblemError
        Objects that are not tuning runs, or labels of the wrong length.
    MissingDependencyError
        matplotlib is not installed (``pip install matplotlib``: the ``plot`` extra).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numopt as no
    >>> tuner = no.linear.OmegaTuner("fixed", omegas=[1.5])
    >>> for A, b, c in no.problems.shifted_laplacian_sequence(5, grid=5):
    ...     _ = tuner.solve(A, b)
    >>> ax = no.plot.cumulative_cost({"omega = 1.5": tuner})
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['omega = 1.5']
    """
    reports, labels = _reports(reports_or_tuners, labels)
    plt = require("matplotlib.pyplot", "plot", "numopt.plot")
    if ax is None:
        ax = plt.figure(figsize=(6.0, 4.0)).add_subplot()
    for report, label in zip(reports, labels, strict=True):
        ax.plot(np.arange(1, report.iterations.size + 1), report.cumulative_cost, label=label)
    for label, costs in (references or {}).items():
        costs = np.asarray(costs, dtype=float)
        ax.plot(np.arange(1, costs.size + 1), np.cumsum(costs), linestyle="--", label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("instance")
    ax.set_ylabel("cumulative iterations")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def chosen_omega(reports_or_tuners, labels=None, ax=None, window=25):
    """Moving average of the omega each run played, against the instance index.

    Parameters
    ----------
    reports_or_tuners, labels, ax
        As for :func:`cumulative_cost`.
    window : int, default 25
        Moving-average window (1 draws the raw choices).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numopt as no
    >>> tuner = no.linear.OmegaTuner("tsallis_inf", seed=0)
    >>> for A, b, c in no.problems.shifted_laplacian_sequence(6, grid=5):
    ...     _ = tuner.solve(A, b)
    >>> no.plot.chosen_omega(tuner, window=3).get_ylabel()
    'omega (moving average)'
    """
    window = check_int("window", window, low=1)
    reports, labels = _reports(reports_or_tuners, labels)
    plt = require("matplotlib.pyplot", "plot", "numopt.plot")
    if ax is None:
        ax = plt.figure(figsize=(6.0, 4.0)).add_subplot()
    for report, label in zip(reports, labels, strict=True):
        width = min(window, report.omega.size)
        smooth = np.convolve(report.omega, np.ones(width) / width, mode="valid")
        ax.plot(np.arange(width, report.omega.size + 1), smooth, label=label)
    ax.set_xlabel("instance")
    ax.set_ylabel("omega (moving average)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax
