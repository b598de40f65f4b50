"""The result object every numopt solver returns."""

import numpy as np
from scipy.optimize import OptimizeResult

from .status import Status


class Result(OptimizeResult):
    """Outcome of a numopt run; a :class:`scipy.optimize.OptimizeResult`, so SciPy code reads it.

    Attributes
    ----------
    x, fun, jac
        Solution, objective and gradient at ``x`` (as in SciPy).
    success, status, message
        Honest outcome; ``success`` is ``status == Status.SUCCESS``.
    nit, nfev, njev, nhev
        Iterations and oracle calls (SciPy names).
    grad_norm, time
        Final stationarity measure and wall-clock seconds.
    method, backend
        What actually ran.
    history
        Dict of equal-length NumPy arrays (``iter``, ``time``, ``fun``, ``grad_norm`` and
        family-specific extras).

    Families add fields (``plan`` for transport, ``multipliers`` for constrained problems,
    ...). A Result pickles and prints like SciPy's.

    Examples
    --------
    >>> import numopt as no
    >>> res = no.minimize(lambda x: float((x ** 2).sum()), [1.0, -2.0],
    ...                   jac=lambda x: 2 * x, method="gd")
    >>> bool(res.success), res.status, res.nit > 0
    (True, 0, True)
    """

    @property
    def status_enum(self):
        """``status`` as a :class:`numopt.Status` member."""
        return Status(self["status"])


class History:
    """Per-iteration records, turned into a dict of equal-length NumPy arrays at the end.

    Examples
    --------
    >>> from numopt.core import History
    >>> h = History()
    >>> h.append({"iter": 0, "fun": 2.0}); h.append({"iter": 1, "fun": 1.0, "step": 0.5})
    >>> h.as_arrays()["step"]
    array([nan, 0.5])
    """

    def __init__(self):
        self._rows = []

    def append(self, row):
        """Add one iteration's scalars (a dict of name -> number)."""
        self._rows.append(row)

    def __len__(self):
        return len(self._rows)

    def as_arrays(self):
        """``{name: ndarray}`` with every column the same length (missing entries are NaN)."""
        keys = []
        for row in self._rows:
            keys.extend(k for k in row if k not in keys)
        return {
            k: np.asarray([_scalar(row.get(k, np.nan)) for row in self._rows]) for k in keys
        }


def _scalar(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str):
        return value
    return float(value)
