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

    ``print(res)`` is compact: the history shows as its columns and length.

    >>> print(res)  # doctest: +ELLIPSIS
            x: [...]
    ...
      history: {iter, time, fun, grad_norm, ...} (... rows)
    """

    @property
    def status_enum(self):
        """``status`` as a :class:`numopt.Status` member."""
        return Status(self["status"])

    def __repr__(self):
        """Compact: scalars in full, long vectors and matrices summarized, ``history`` as its
        column names and length (the arrays stay in ``res.history``)."""
        if not self:
            return f"{type(self).__name__}()"
        width = max(len(str(k)) for k in self)
        return "\n".join(f"{str(k):>{width}}: {_brief(v, width + 2)}" for k, v in self.items())

    __str__ = __repr__


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


def _brief(value, indent):
    """One short line (or a few, for small arrays) describing a result field."""
    if isinstance(value, dict) and value and all(
            hasattr(v, "shape") for v in value.values()):
        rows = len(next(iter(value.values())))
        return f"{{{', '.join(map(str, value))}}} ({rows} rows)"
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, np.ndarray) and len(shape) > 0:
        return f"<{type(value).__name__} of shape {tuple(shape)}>"
    if isinstance(value, np.ndarray) and value.ndim > 1:
        return f"<array of shape {value.shape}, {value.dtype}>"
    if isinstance(value, np.ndarray):
        text = np.array2string(value, threshold=8, edgeitems=3, precision=6)
        return text.replace("\n", "\n" + " " * indent)
    return repr(value)


_PLAIN = (float, int, bool, str)


def _scalar(value):
    if type(value) in _PLAIN:  # the common case, first: History rows are mostly floats
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str):
        return value
    return float(value)
