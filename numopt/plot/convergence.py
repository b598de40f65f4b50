"""Convergence curves of one or several numopt results, of every family."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.validate import check_choice, check_real
from ..errors import InvalidProblemError, require

#: x-axis choices: history column (``oracle_calls`` is nfev + njev + nhev)
X_AXES = {"iter": "iteration", "time": "time [s]", "nfev": "objective evaluations",
          "oracle_calls": "oracle calls (f, ∇f, ∇²f)"}


#: default vertical axis: the first of these columns a history has (each family's stopping
#: measure: Lasso/L1 duality gap, transport marginal error, SOR relative residual, gradient
#: norm for minimization)
MEASURES = ("duality_gap", "marginal_error", "relative_residual", "residual_norm", "grad_norm")


def default_measure(history: dict) -> str:
    """The column ``convergence`` draws when ``y`` is not given.

    Examples
    --------
    >>> default_measure({"iter": [0], "marginal_error": [1.0]})
    'marginal_error'
    """
    for key in MEASURES:
        if key in history:
            return key
    raise InvalidProblemError(
        f"no stopping measure among the history columns ({', '.join(sorted(history))}); "
        "pass y= with the column to draw."
    )


def _as_list(results: Any, labels: list[str] | None) -> tuple[list, list[str]]:
    if isinstance(results, dict) and "history" not in results:
        labels = list(results) if labels is None else labels
        results = list(results.values())
    elif isinstance(results, dict):
        results = [results]
    else:
        try:
            results = list(results)
        except TypeError:
            results = [results]
    bad = [i for i, r in enumerate(results)
           if not isinstance(r, dict) or not isinstance(r.get("history"), dict)]
    if bad:
        raise InvalidProblemError(
            f"results must be numopt Results (or a list / dict of them), each with a history; "
            f"entry {bad[0]} is {type(results[bad[0]]).__name__}. Pass what numopt.minimize "
            "(or sinkhorn, sor, ...) returned."
        )
    if not results:
        raise InvalidProblemError("results is empty; pass at least one numopt Result.")
    if labels is None:
        labels = [r.get("method") or f"run {i}" for i, r in enumerate(results)]
    if len(labels) != len(results):
        raise InvalidProblemError(
            f"labels has {len(labels)} entries for {len(results)} results; give one per result."
        )
    return results, list(labels)


def _column(history: dict, key: str, f_star: float | None) -> np.ndarray:
    if key == "fun_gap":
        if f_star is None:
            raise InvalidProblemError(
                "y='fun_gap' needs the optimal value: pass f_star= (problem.f_star for the "
                "classic library)."
            )
        return np.asarray(history["fun"], dtype=float) - f_star
    if key == "oracle_calls" and "nfev" in history:
        return np.sum([np.asarray(history[k], dtype=float) for k in ("nfev", "njev", "nhev")
                       if k in history], axis=0)
    if key not in history:
        raise InvalidProblemError(
            f"history has no column {key!r}; available: {', '.join(sorted(history))}"
            + (" (and 'fun_gap' with f_star=)" if "fun" in history else "") + "."
        )
    return np.asarray(history[key], dtype=float)


def convergence(results: Any, y: str | None = None, x: str = "iter", ax: Any = None,
                labels: list[str] | None = None, logy: bool = True,
                f_star: float | None = None, logx: bool = False) -> Any:
    r"""Plot a history column of one or several results against iterations, time or calls.

    Parameters
    ----------
    results : Result, list of Result, or dict of label -> Result
        Runs to draw, one line each.
    y : str, optional
        Any history column (``grad_norm``, ``fun``, ``marginal_error``, ``residual_norm``,
        ...), or ``"fun_gap"``: :math:`f(x_k) - f^*` (needs ``f_star``). Default: each
        result's stopping measure (:data:`MEASURES`: the duality gap of the L1 solvers, the
        marginal error of transport, the relative residual of SOR, else the gradient norm),
        so results of every family plot without arguments.
    x : {"iter", "time", "nfev", "oracle_calls"}, default "iter"
        Horizontal axis: iterations, seconds, objective evaluations, or all oracle calls
        (:math:`f`, :math:`\nabla f`, :math:`\nabla^2 f`).
    ax : matplotlib Axes, optional
        Where to draw (a new figure otherwise).
    labels : list of str, optional
        Legend entries (default: each result's ``method``; the keys for a dict).
    logy : bool, default True
        Logarithmic vertical axis (non-positive values are masked, not clipped).
    f_star : float, optional
        Optimal value for ``y="fun_gap"``.
    logx : bool, default False
        Logarithmic horizontal axis (useful for oracle calls across methods).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidProblemError
        Unknown ``x``, a ``y`` column missing from a history, ``fun_gap`` without
        ``f_star``, or labels of the wrong length.
    MissingDependencyError
        matplotlib is not installed (``pip install matplotlib``: the ``plot`` extra).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numopt as no
    >>> p = no.problems.library()["rosenbrock"]
    >>> runs = [no.minimize(p, method=m) for m in ("gd", "newton")]
    >>> ax = no.plot.convergence(runs, y="fun_gap", f_star=p.f_star, x="oracle_calls")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['gd', 'newton']

    Any family's result, on its own stopping measure:

    >>> import numpy as np
    >>> a = np.full(4, 0.25); M = np.subtract.outer(np.arange(4.0), np.arange(4.0)) ** 2
    >>> ax = no.plot.convergence(no.transport.sinkhorn(a, a, M, 1.0))
    >>> ax.get_ylabel()
    'marginal_error'
    """
    check_choice("x", x, tuple(X_AXES))
    f_star = check_real("f_star", f_star, allow_none=True)
    results, labels = _as_list(results, labels)
    keys = [y or default_measure(r["history"]) for r in results]
    columns = [(_column(r["history"], x, None), _column(r["history"], key, f_star))
               for r, key in zip(results, keys, strict=True)]
    plt = require("matplotlib.pyplot", "plot", "numopt.plot")
    if ax is None:
        ax = plt.figure(figsize=(6.0, 4.0)).add_subplot()
    for (xs, ys), label in zip(columns, labels, strict=True):
        measured = ~np.isnan(ys)  # families that measure every k-th iteration leave NaN rows
        xs, ys = xs[measured], ys[measured]
        ax.plot(xs, ys, label=label, marker="." if len(xs) < 40 else None)
    if logy:
        ax.set_yscale("log", nonpositive="mask")
    if logx:
        ax.set_xscale("symlog", linthresh=1.0)  # the x columns start at 0
        ax.set_xlim(left=0.0)
    ax.set_xlabel(X_AXES[x])
    ax.set_ylabel("f(x) − f*" if y == "fun_gap" else " / ".join(dict.fromkeys(keys)))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return ax
