"""Optional tqdm progress bar for long runs.

The bar measures the way to the tolerance on a log scale: with :math:`m_0` the first
stationarity measure seen (``solver.measure``: gradient norm, marginal error, residual,
...) and :math:`m` the current one, it stands at
:math:`\\log(m_0/m) / \\log(m_0/\\mathrm{tol})`, in percent; the postfix shows the measure and
the iteration against ``max_iter``. So a Sinkhorn run with ``max_iter=100_000`` that converges
in 2 000 iterations fills its bar, rather than sitting at 2 %. Without a tolerance the bar
counts iterations against ``max_iter``.
"""

from __future__ import annotations

import math

from ..errors import require


class _NoBar:
    def update(self, nit, postfix):
        pass

    def close(self):
        pass


class _TqdmBar:
    def __init__(self, max_iter, desc, tol):
        tqdm = require("tqdm.auto", "progress", "progress=True").tqdm
        self._tol = tol if tol is not None and tol > 0 else None
        self._max_iter = max_iter
        total = 100 if self._tol is not None else max_iter
        unit = "%" if self._tol is not None else "it"
        self._bar = tqdm(total=total, desc=desc, unit=unit, leave=False, dynamic_ncols=True,
                         bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt}{unit} [{elapsed}{postfix}]")
        self._first = None

    def position(self, nit, measure):
        """Where the bar should stand: percent of the log-scale way from the first measure to
        ``tol`` (never backwards), or the iteration count without a tolerance."""
        if self._tol is None:
            return nit
        if measure is None or not math.isfinite(measure):
            return self._bar.n
        if self._first is None:
            self._first = max(measure, self._tol)
        if measure <= self._tol:
            return 100
        span = math.log(self._first / self._tol)
        done = math.log(self._first / measure) / span if span > 0 else 0.0
        return max(self._bar.n, min(99, int(100 * done)))

    def update(self, nit, postfix):
        measure = (postfix or {}).get("measure")
        target = self.position(nit, measure)
        if target > self._bar.n:
            self._bar.update(target - self._bar.n)
        shown = {k: f"{v:.3g}" for k, v in (postfix or {}).items()}
        shown["iter"] = f"{nit}/{self._max_iter}"
        self._bar.set_postfix(shown, refresh=False)

    def close(self):
        self._bar.close()


def progress_bar(enabled, total, desc, tol=None):
    """A bar with ``update(nit, postfix)``/``close()``; a no-op object when not enabled.

    Parameters
    ----------
    enabled : bool
    total : int
        The iteration cap (``max_iter``), shown beside the bar.
    desc : str
        Label (the method name).
    tol : float, optional
        The solver's tolerance on its measure; the bar then shows log-scale progress to it.

    Raises
    ------
    MissingDependencyError
        ``enabled`` is true and tqdm is not installed.

    Examples
    --------
    >>> bar = progress_bar(True, 100_000, "sinkhorn", tol=1e-9)
    >>> [bar.position(k, m) for k, m in [(1, 1.0), (50, 1e-3), (900, 1e-6), (2000, 1e-10)]]
    [0, 33, 66, 100]
    >>> bar.close()
    """
    return _TqdmBar(total, desc, tol) if enabled else _NoBar()
