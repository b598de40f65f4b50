"""The entropic transport problem: validated ``(a, b, M, reg)`` with zero-mass bins dropped.

Bins with zero mass carry no plan entries (``log 0`` would poison the log domain), so the
solvers see only the positive-mass rows and columns; :meth:`TransportProblem.restore_plan`
and :meth:`TransportProblem.restore_potentials` put the zero rows/columns back.
"""

import numpy as np

from ..backend import namespace_of, resolve_backend, to_numpy
from ..core.validate import check_positive
from ..errors import InvalidProblemError
from .ops import make_ops

MASS_RTOL = 1e-8  # |sum(a) - sum(b)| allowed, relative to the larger total (rounding only)


class TransportProblem:
    r"""Entropic optimal transport between histograms ``a`` and ``b`` with cost ``M``.

    .. math:: \min_{P \ge 0,\ P1 = a,\ P^T 1 = b} \langle P, M\rangle
              + \mathrm{reg}\sum_{ij} P_{ij}(\log P_{ij} - 1)

    Parameters
    ----------
    a : array, shape (n,)
        Source weights, non-negative, finite.
    b : array, shape (m,)
        Target weights, non-negative, finite, with ``b.sum() == a.sum()`` up to
        ``MASS_RTOL`` (relative).
    M : array, shape (n, m)
        Finite cost matrix.
    reg : float
        Entropic regularization, > 0, on the scale of ``M``.
    backend : str
        Requested backend (``"auto"``, ``"numpy"``, ``"numba"``, ``"cupy"``).
    supported : tuple of str
        Backends the method implements.
    method : str
        Method name for error messages.

    Attributes
    ----------
    a, b, M : arrays of the reduced (positive-mass) problem, float64, in ``backend.xp``
    log_a, log_b : their logarithms
    reg : float
    backend : numopt.backend.Backend
    ops : ArrayApiOps or NumbaOps
        Dense passes over ``M`` (log-sum-exps and the plan).
    full_shape : tuple
        ``(n, m)`` of the problem as given.

    Raises
    ------
    InvalidProblemError
        Shape mismatch, NaN/inf or negative weights, unequal totals, zero total mass,
        NaN/inf in ``M``, ``reg <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.transport import TransportProblem
    >>> a = np.array([0.5, 0.5, 0.0]); b = np.array([0.25, 0.75])
    >>> p = TransportProblem(a, b, np.ones((3, 2)), 0.1, backend="numpy")
    >>> p.full_shape, p.M.shape          # the zero-mass row is dropped, restored in the plan
    ((3, 2), (2, 2))
    """

    def __init__(self, a, b, M, reg, *, backend="auto", supported=("numpy", "numba", "cupy"),
                 method=None):
        self.reg = check_positive("reg", reg)
        xp = namespace_of(a, b, M)
        a, b, M = (_as_float(xp, name, v) for name, v in (("a", a), ("b", b), ("M", M)))
        _check_shapes(a, b, M)
        for name, v in (("a", a), ("b", b), ("M", M)):
            _check_finite(xp, name, v)
        total_a, total_b = _check_weights(xp, a, "a"), _check_weights(xp, b, "b")
        if abs(total_a - total_b) > MASS_RTOL * max(total_a, total_b):
            raise InvalidProblemError(
                f"a and b must have the same total mass, got a.sum()={total_a!r} and "
                f"b.sum()={total_b!r}; normalize both (a / a.sum(), b / b.sum()) or use an "
                "unbalanced solver."
            )
        self.backend = resolve_backend(backend, a, b, M, supported=supported, method=method)
        self.xp = xp = self.backend.xp
        self.full_shape = tuple(M.shape)
        self.rows_kept = np.flatnonzero(to_numpy(a) > 0)
        self.cols_kept = np.flatnonzero(to_numpy(b) > 0)
        self.dropped = (self.rows_kept.size < a.shape[0]) or (self.cols_kept.size < b.shape[0])
        if self.dropped:
            a, b, M = self.reduce(a, 0), self.reduce(b, 1), self.reduce(self.reduce(M, 0), 1)
        self.a, self.b, self.M = a, b, M
        self.log_a, self.log_b = xp.log(a), xp.log(b)
        self.ops = make_ops(self.backend, M, self.reg)

    @property
    def shape(self):
        """``(n, m)`` of the reduced problem."""
        return tuple(self.M.shape)

    def reduce(self, x, axis):
        """Keep the positive-mass rows (``axis=0``) or columns (``axis=1``) of ``x``."""
        kept = self.rows_kept if axis == 0 else self.cols_kept
        if x.ndim == 1:
            axis = 0
        return self.xp.take(x, self.xp.asarray(kept), axis=axis)

    def _expand(self, x, axis, fill):
        """Inverse of :meth:`reduce`: re-insert dropped entries along ``axis`` as ``fill``."""
        xp = self.xp
        full = self.full_shape[axis]
        kept = self.rows_kept if axis == 0 else self.cols_kept
        position = np.full(full, kept.size)
        position[kept] = np.arange(kept.size)
        pad_shape = (1,) if x.ndim == 1 else ((1, x.shape[1]) if axis == 0 else (x.shape[0], 1))
        pad = xp.full(pad_shape, fill, dtype=xp.float64)
        along = 0 if x.ndim == 1 else axis
        return xp.take(xp.concat([x, pad], axis=along), xp.asarray(position), axis=along)

    def restore_plan(self, P):
        """The plan of the full problem (zero rows/columns for zero-mass bins)."""
        if not self.dropped:
            return P
        return self._expand(self._expand(P, 0, 0.0), 1, 0.0)

    def restore_potentials(self, f, g):
        """Full-length potentials; zero-mass bins get ``-inf`` (their plan rows are 0)."""
        if not self.dropped:
            return f, g
        return self._expand(f, 0, -np.inf), self._expand(g, 1, -np.inf)

    def start_potentials(self, f0, g0):
        """Validated warm-start potentials of the reduced problem (zeros when None)."""
        xp = self.xp
        out = []
        for name, value, axis, size in (("f0", f0, 0, self.full_shape[0]),
                                        ("g0", g0, 1, self.full_shape[1])):
            if value is None:
                out.append(xp.zeros(self.shape[axis], dtype=xp.float64))
                continue
            value = _as_float(xp, name, value)
            if value.ndim != 1 or value.shape[0] != size:
                raise InvalidProblemError(
                    f"{name} must be a vector of length {size} (one potential per "
                    f"{'row' if axis == 0 else 'column'} of M), got shape {tuple(value.shape)}."
                )
            if self.dropped:
                value = self.reduce(value, axis)
            _check_finite(xp, name, value)
            out.append(value)
        return tuple(out)

    def marginal_error(self, rows, cols):
        """L1 marginal error ``||P1 - a||_1 + ||P^T 1 - b||_1`` from the plan's sums."""
        xp = self.xp
        return float(xp.sum(xp.abs(rows - self.a)) + xp.sum(xp.abs(cols - self.b)))


def _as_float(xp, name, value):
    try:
        return xp.asarray(value, dtype=xp.float64)
    except (TypeError, ValueError) as err:
        raise InvalidProblemError(
            f"{name} must be a real numeric array, got {type(value).__name__}: {err}"
        ) from err


def _check_shapes(a, b, M):
    if a.ndim != 1 or b.ndim != 1:
        raise InvalidProblemError(
            f"a and b must be 1-D weight vectors, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}; pass flat histograms (x.ravel())."
        )
    if a.shape[0] == 0 or b.shape[0] == 0:
        raise InvalidProblemError("a and b must not be empty; pass at least one bin each.")
    if M.ndim != 2 or tuple(M.shape) != (a.shape[0], b.shape[0]):
        raise InvalidProblemError(
            f"M must have shape (len(a), len(b)) = ({a.shape[0]}, {b.shape[0]}), got "
            f"{tuple(M.shape)}; build M[i, j] as the cost from source bin i to target bin j."
        )


def _check_finite(xp, name, v):
    if not bool(xp.all(xp.isfinite(v))):
        raise InvalidProblemError(
            f"{name} contains NaN or inf entries; replace or remove them before solving "
            "(for forbidden transports use a large finite cost)."
        )


def _check_weights(xp, w, name):
    if bool(xp.any(w < 0)):
        raise InvalidProblemError(
            f"{name} has negative entries; transport weights must be >= 0 (clip or shift "
            "the histogram)."
        )
    total = float(xp.sum(w))
    if total <= 0:
        raise InvalidProblemError(f"{name} has zero total mass; give at least one bin weight > 0.")
    return total
