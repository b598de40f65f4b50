r"""Simple bounds :math:`l \le x \le u` (the ``bounds=`` argument of every minimization method).

One data model for all families: :func:`as_bounds` turns what a user passes (``None``, a
``scipy.optimize.Bounds`` or a sequence of ``(low, high)`` pairs with ``None`` for infinite)
into a :class:`Box` with float ``lower``/``upper`` arrays of length n, or ``None`` when
nothing is bounded. A method that honours bounds uses :meth:`Box.project` and measures
stationarity by the projected gradient :math:`\|x - P(x - \nabla f(x))\|` (Bertsekas 1982;
Nocedal & Wright 2006, eq. 16.71 for the bound-constrained case).
"""

import numbers

import numpy as np

from ..errors import InvalidProblemError


class Box:
    r"""The box :math:`\{x : l \le x \le u\}` with :math:`l_i \in [-\infty, \infty)`,
    :math:`u_i \in (-\infty, \infty]`.

    Parameters
    ----------
    lower, upper : array_like, shape (n,)
        Bounds (``-inf``/``inf`` for none); ``lower <= upper`` in every coordinate.

    Attributes
    ----------
    lower, upper : ndarray, shape (n,)
    n : int
        Number of variables.

    Raises
    ------
    InvalidProblemError
        Shapes that differ, NaN entries, or ``lower > upper`` somewhere.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.core.bounds import Box
    >>> box = Box([0.0, -np.inf], [1.0, 2.0])
    >>> box.project(np.array([3.0, -5.0]))
    array([ 1., -5.])
    >>> box.contains(np.array([0.5, 2.0])), box.contains(np.array([1.5, 0.0]))
    (True, False)
    >>> box.projected_gradient(np.array([1.0, 0.0]), np.array([-2.0, 3.0]))
    array([0., 3.])
    """

    def __init__(self, lower, upper):
        lower = _bound_array("lower", lower)
        upper = _bound_array("upper", upper)
        if lower.shape != upper.shape:
            raise InvalidProblemError(
                f"bounds: lower has {lower.size} entries but upper has {upper.size}; give one "
                "(low, high) pair per variable."
            )
        bad = np.flatnonzero(lower > upper)
        if bad.size:
            i = int(bad[0])
            raise InvalidProblemError(
                f"bounds: lower > upper for {bad.size} variable(s), first at index {i} "
                f"({lower[i]} > {upper[i]}); swap or fix those (low, high) pairs."
            )
        self.lower, self.upper = lower, upper
        self.lower.flags.writeable = False
        self.upper.flags.writeable = False

    @property
    def n(self):
        """Number of variables."""
        return self.lower.shape[0]

    @property
    def is_bounded(self):
        """True when at least one bound is finite."""
        return bool(np.any(np.isfinite(self.lower)) or np.any(np.isfinite(self.upper)))

    def project(self, x):
        """The point of the box nearest to ``x`` (componentwise clipping)."""
        xp = _namespace(x)
        if xp is np:
            return np.minimum(np.maximum(x, self.lower), self.upper)
        lower, upper = xp.asarray(self.lower), xp.asarray(self.upper)
        return xp.minimum(xp.maximum(x, lower), upper)

    def contains(self, x, tol=0.0):
        """True when ``lower - tol <= x <= upper + tol`` in every coordinate."""
        x = np.asarray(x, dtype=np.float64)
        return bool(np.all(x >= self.lower - tol) and np.all(x <= self.upper + tol))

    def violation(self, x):
        """Largest bound violation ``max(lower - x, x - upper, 0)`` (0 when inside)."""
        x = np.asarray(x, dtype=np.float64)
        if x.size == 0:
            return 0.0
        return float(max(0.0, np.max(self.lower - x), np.max(x - self.upper)))

    def projected_gradient(self, x, g):
        r""":math:`x - P(x - g)`: zero exactly at first-order stationary points of
        :math:`\min f` over the box (for :math:`g = \nabla f(x)`); its norm is the
        stationarity measure reported as ``grad_norm`` under bounds."""
        return x - self.project(x - g)

    def active(self, x, g=None, tol=0.0):
        """Mask of variables at a bound (and, given ``g``, held there by the gradient:
        at the lower bound with ``g > 0`` or at the upper bound with ``g < 0``)."""
        at_lower = x <= self.lower + tol
        at_upper = x >= self.upper - tol
        if g is None:
            return at_lower | at_upper
        return (at_lower & (g > 0)) | (at_upper & (g < 0))

    def max_step(self, x, d):
        """Largest ``t >= 0`` with ``x + t d`` in the box (``inf`` when unlimited)."""
        x, d = np.asarray(x, dtype=np.float64), np.asarray(d, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(d > 0, (self.upper - x) / d, np.inf)
            down = np.where(d < 0, (self.lower - x) / d, np.inf)
        limit = np.minimum(up, down)
        return float(max(0.0, np.min(limit))) if limit.size else np.inf

    def to_scipy(self):
        """The same box as a ``scipy.optimize.Bounds``."""
        from scipy.optimize import Bounds

        return Bounds(np.array(self.lower), np.array(self.upper))

    def __eq__(self, other):
        return (isinstance(other, Box) and np.array_equal(self.lower, other.lower)
                and np.array_equal(self.upper, other.upper))

    __hash__ = None

    def __reduce__(self):
        return (Box, (np.array(self.lower), np.array(self.upper)))

    def __repr__(self):
        return f"Box(lower={self.lower!r}, upper={self.upper!r})"


def projected_backtracking(fun, box, x, f0, g, d, step, *, c1=1e-4, shrink=0.5,
                           max_steps=40):
    r"""Backtracking on the projected arc :math:`x(t) = P(x + t d)` until
    :math:`f(x(t)) \le f(x) + c_1 \nabla f(x)^T (x(t) - x)` (Bertsekas 1982, eq. 11; Nocedal
    & Wright 2006, §16.7).

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float`` (non-finite values count as rejections).
    box : Box
    x, g, d : ndarray
        The point (in the box), the gradient (or its estimate) there, the direction.
    f0 : float
        ``fun(x)``.
    step : float
        First trial ``t``.
    c1, shrink, max_steps
        Sufficient-decrease constant, contraction factor, trials before giving up.

    Returns
    -------
    (x_new, f_new, t) or None
        None when no trial decreased ``f`` enough (or the arc does not leave ``x``).

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.core.bounds import Box, projected_backtracking
    >>> box = Box([0.0, 0.0], [np.inf, np.inf])
    >>> f = lambda x: float(((x + 1.0) ** 2).sum())
    >>> x = np.array([1.0, 1.0]); g = 2 * (x + 1.0)
    >>> x_new, f_new, t = projected_backtracking(f, box, x, f(x), g, -g, 1.0)
    >>> x_new, f_new
    (array([0., 0.]), 2.0)
    """
    import math

    t = step
    for _ in range(max_steps):
        x_new = box.project(x + t * d)
        decrease = float(g @ (x_new - x))
        if decrease >= 0.0 and not np.any(x_new != x):
            return None  # the arc is stuck at x: no descent along d inside the box
        f_new = fun(x_new)
        if math.isfinite(f_new) and f_new <= f0 + c1 * decrease and decrease < 0.0:
            return x_new, f_new, t
        t *= shrink
    return None


def as_bounds(bounds, n):
    """A :class:`Box` from what a user passed as ``bounds=``, or ``None`` for no bounds.

    Parameters
    ----------
    bounds : None, Box, scipy.optimize.Bounds, or sequence of (low, high)
        ``None`` (no bounds); a ``Bounds(lb, ub)`` (scalars broadcast to n); or n pairs with
        ``None`` (or ``±inf``) meaning unbounded on that side. A box with no finite entry is
        returned as ``None`` (nothing to honour).
    n : int or None
        Number of variables (from ``x0``); None accepts any length of pairs.

    Returns
    -------
    Box or None

    Raises
    ------
    InvalidProblemError
        Wrong type, wrong number of pairs, a pair that is not ``(low, high)``, NaN bounds, or
        ``low > high``; the message names ``bounds`` and the fix.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.optimize import Bounds
    >>> from numopt.core.bounds import as_bounds
    >>> as_bounds([(0, None), (None, 1.0)], 2).lower
    array([  0., -inf])
    >>> as_bounds(Bounds(0.0, 1.0), 3).upper
    array([1., 1., 1.])
    >>> as_bounds([(None, None)] * 2, 2) is None
    True
    """
    if bounds is None:
        return None
    if isinstance(bounds, Box):
        box = bounds
    elif _is_scipy_bounds(bounds):
        box = _from_scipy(bounds, n)
    elif isinstance(bounds, (str, bytes, numbers.Number)) or not hasattr(bounds, "__len__"):
        raise InvalidProblemError(
            f"bounds must be a scipy.optimize.Bounds or a sequence of (low, high) pairs, got "
            f"{type(bounds).__name__}; e.g. bounds=[(0, None)] * n."
        )
    else:
        box = _from_pairs(bounds)
    if n is not None and box.n != n:
        raise InvalidProblemError(
            f"bounds has {box.n} (low, high) pair(s) but x has {n} variables; give one pair "
            "per variable (bounds=[(low, high)] * n)."
        )
    return box if box.is_bounded else None


def gives_dimension(bounds):
    """True when ``bounds`` fixes the number of variables (pairs, a Box, or a
    ``scipy.optimize.Bounds`` with array entries), False for scalar ``Bounds``."""
    if _is_scipy_bounds(bounds):
        return np.size(bounds.lb) > 1 or np.size(bounds.ub) > 1
    return bounds is not None


def _is_scipy_bounds(bounds):
    from scipy.optimize import Bounds

    return isinstance(bounds, Bounds)


def _from_scipy(bounds, n):
    lb = np.asarray(bounds.lb, dtype=np.float64)
    ub = np.asarray(bounds.ub, dtype=np.float64)
    if n is not None:
        try:
            lb, ub = np.broadcast_to(lb, (n,)).copy(), np.broadcast_to(ub, (n,)).copy()
        except ValueError as err:
            raise InvalidProblemError(
                f"bounds: scipy Bounds with lb of shape {lb.shape} and ub of shape {ub.shape} "
                f"do not fit x with {n} variables; give scalars or length-{n} arrays."
            ) from err
    return Box(np.atleast_1d(lb), np.atleast_1d(ub))


def _from_pairs(pairs):
    lower, upper = [], []
    for i, pair in enumerate(pairs):
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise InvalidProblemError(
                f"bounds[{i}] = {pair!r} is not a (low, high) pair; use None for an infinite "
                "side, e.g. (0, None)."
            )
        lo, hi = pair
        lower.append(-np.inf if lo is None else _bound_scalar(f"bounds[{i}][0]", lo))
        upper.append(np.inf if hi is None else _bound_scalar(f"bounds[{i}][1]", hi))
    return Box(np.array(lower, dtype=np.float64), np.array(upper, dtype=np.float64))


def _bound_scalar(name, value):
    try:
        value = float(value)
    except (TypeError, ValueError) as err:
        raise InvalidProblemError(
            f"{name} = {value!r} is not a number; use a real bound or None for infinite."
        ) from err
    if np.isnan(value):
        raise InvalidProblemError(f"{name} is NaN; use None (or ±inf) for an infinite bound.")
    return value


def _bound_array(name, value):
    try:
        arr = np.array(value, dtype=np.float64).reshape(-1) if np.ndim(value) <= 1 else None
    except (TypeError, ValueError) as err:
        raise InvalidProblemError(
            f"bounds {name} must be real numbers (±inf for none), got {value!r}."
        ) from err
    if arr is None:
        raise InvalidProblemError(f"bounds {name} must be 1-dimensional, got {np.shape(value)}.")
    if np.any(np.isnan(arr)):
        raise InvalidProblemError(
            f"bounds {name} contains NaN; use ±inf (or None in a pair) for an infinite bound."
        )
    return arr


def _namespace(x):
    if isinstance(x, np.ndarray):
        return np
    from ..backend import namespace_of

    return namespace_of(x)
