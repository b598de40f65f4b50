"""The entropic transport problem: validated ``(a, b, M, reg)``, normalized to unit mass, with
zero-mass bins dropped.

Bins with zero mass carry no plan entries (``log 0`` would poison the log domain), so the
solvers see only the positive-mass rows and columns; :meth:`TransportProblem.restore_plan`
and :meth:`TransportProblem.restore_potentials` put the zero rows/columns back. The solvers
also see ``a / a.sum()`` and ``b / b.sum()``: tolerances are relative to the total mass (a
problem of total mass ``1e-12`` is solved as accurately as one of mass 1), and a gap between
the two totals that is rounding only (dtype-aware, :func:`mass_rtol`) cannot stall a run.
"""

import math

import array_api_compat
import numpy as np

from ..backend import namespace_of, resolve_backend, to_numpy
from ..core.validate import check_positive
from ..errors import InvalidProblemError
from .ops import make_ops

MASS_RTOL = 1e-8  # |sum(a) - sum(b)| allowed in float64, relative to the larger total
MASS_EPS = 1000  # ... and at least MASS_EPS x eps of the dtype (float32: 1.2e-4)


def mass_rtol(xp, dtype):
    """Relative gap allowed between ``a.sum()`` and ``b.sum()`` for arrays of ``dtype`` in
    namespace ``xp`` (rounding of a normalization only): ``max(1e-8, 1000·eps)``."""
    return max(MASS_RTOL, MASS_EPS * float(xp.finfo(dtype).eps))


class TransportProblem:
    r"""Entropic optimal transport between histograms ``a`` and ``b`` with cost ``M``.

    .. math:: \min_{P \ge 0,\ P1 = a,\ P^T 1 = b} \langle P, M\rangle
              + \mathrm{reg}\sum_{ij} P_{ij}(\log P_{ij} - 1)

    Parameters
    ----------
    a : array_like, shape (n,)
        Source weights, non-negative, finite (NumPy, CuPy or any array-API array; lists,
        tuples and pandas objects are taken as NumPy).
    b : array_like, shape (m,)
        Target weights, non-negative, finite, with ``b.sum() == a.sum()`` up to
        :func:`mass_rtol` (relative).
    M : array_like, shape (n, m)
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
    a, b : arrays of the reduced (positive-mass) problem, each normalized to total 1
    M : array of the reduced problem
    log_a, log_b : their logarithms
    mass : float
        Total mass of the problem as given (the mean of ``a.sum()`` and ``b.sum()``).
    dtype : dtype
        Working floating dtype: float32 when the inputs promote to float32, else float64.
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
        a, b, M = as_arrays(a=a, b=b, M=M)
        xp = namespace_of(a, b, M)
        self.dtype = working_dtype(xp, a, b, M)
        a, b, M = (_as_float(xp, name, v, self.dtype)
                   for name, v in (("a", a), ("b", b), ("M", M)))
        _check_shapes(a, b, M)
        _check_finite(xp, "M", M)
        a, b = self._weights(xp, a, b)
        self.backend = resolve_backend(backend, a, b, M, supported=supported, method=method)
        self.xp = self.backend.xp
        self._keep_positive(a, b, (a.shape[0], b.shape[0]))
        if self.dropped:
            M = self.reduce(self.reduce(M, 0), 1)
        self.M = M
        self.ops = make_ops(self.backend, M, self.reg)

    # --- oracle work: Result.nfev / nhev and the history's columns --------------------------
    @property
    def counts(self):
        """Work of the current run (read by :func:`numopt.core.run`): ``fun`` = passes over
        the cost (log-sum-exps, kernel products, plan evaluations: ``Result.nfev``),
        ``grad = 0``, ``hess`` = sparse Hessians built (SNS: ``Result.nhev``)."""
        tally = self.__dict__.setdefault("_tally", {"fun": 0, "hess": 0})
        return {"fun": getattr(self.ops, "passes", 0) + tally["fun"], "grad": 0,
                "hess": tally["hess"]}

    def tally(self, kind, count=1):
        """Add ``count`` passes (``kind="fun"``) or Hessians (``"hess"``) made outside
        ``ops`` (kernel products of the scaling domain, SNS's Hessians)."""
        self.__dict__.setdefault("_tally", {"fun": 0, "hess": 0})[kind] += count

    def reset_counts(self):
        """Zero the counts (the loop calls it: counts are per run, as in SciPy)."""
        self._tally = {"fun": 0, "hess": 0}
        if hasattr(self.ops, "passes"):
            self.ops.passes = 0

    # --- weights: validation, normalization, zero-mass bins --------------------------------
    def _weights(self, xp, a, b):
        """Check ``a`` and ``b``; store the mass; return both normalized to total 1."""
        for name, v in (("a", a), ("b", b)):
            _check_finite(xp, name, v)
        total_a, total_b = _check_weights(xp, a, "a"), _check_weights(xp, b, "b")
        rtol = mass_rtol(xp, self.dtype)
        if abs(total_a - total_b) > rtol * max(total_a, total_b):
            raise InvalidProblemError(
                f"a and b must have the same total mass (relative {rtol:.1e} for "
                f"{self.dtype}), got a.sum()={total_a!r} and b.sum()={total_b!r}; normalize "
                "both (a / a.sum(), b / b.sum()) or use an unbalanced solver."
            )
        self.mass = 0.5 * (total_a + total_b)
        return a / total_a, b / total_b

    def _keep_positive(self, a, b, full_shape):
        xp = self.xp
        self.full_shape = tuple(int(s) for s in full_shape)
        self.rows_kept = np.flatnonzero(to_numpy(a) > 0)
        self.cols_kept = np.flatnonzero(to_numpy(b) > 0)
        self.dropped = (self.rows_kept.size < a.shape[0]) or (self.cols_kept.size < b.shape[0])
        if self.dropped:
            a, b = self.reduce(a, 0), self.reduce(b, 1)
        self.a, self.b = a, b
        self.log_a, self.log_b = xp.log(a), xp.log(b)

    @property
    def shape(self):
        """``(n, m)`` of the reduced problem."""
        return (int(self.a.shape[0]), int(self.b.shape[0]))

    @property
    def log_mass(self):
        """``reg · log(mass)``: the shift between the potentials of the normalized problem
        (what the solvers see) and those of the problem as given (added to ``f``)."""
        return self.reg * math.log(self.mass)

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
        pad = xp.full(pad_shape, fill, dtype=x.dtype)
        along = 0 if x.ndim == 1 else axis
        return xp.take(xp.concat([x, pad], axis=along), xp.asarray(position), axis=along)

    def restore_plan(self, P):
        """The plan of the full problem as given (zero rows/columns for zero-mass bins,
        scaled back to the total mass, in the working dtype)."""
        xp = self.xp
        if self.mass != 1.0:
            P = P * self.mass
        if P.dtype != self.dtype:
            P = xp.astype(P, self.dtype)
        if not self.dropped:
            return P
        return self._expand(self._expand(P, 0, 0.0), 1, 0.0)

    def restore_potentials(self, f, g):
        """Full-length potentials of the problem as given; zero-mass bins get ``-inf``
        (their plan rows are 0)."""
        xp = self.xp
        f, g = xp.astype(f + self.log_mass, self.dtype), xp.astype(g, self.dtype)
        if not self.dropped:
            return f, g
        return self._expand(f, 0, -np.inf), self._expand(g, 1, -np.inf)

    def start_potentials(self, f0, g0):
        """Validated warm-start potentials of the reduced, normalized problem (zeros when
        None); float64 except on the array-API path with float32 data."""
        xp = self.xp
        dtype = self.potential_dtype
        out = []
        for name, value, axis, size in (("f0", f0, 0, self.full_shape[0]),
                                        ("g0", g0, 1, self.full_shape[1])):
            if value is None:
                out.append(xp.zeros(self.shape[axis], dtype=dtype))
                continue
            value = _as_float(xp, name, as_arrays(**{name: value})[0], dtype)
            if value.ndim != 1 or value.shape[0] != size:
                raise InvalidProblemError(
                    f"{name} must be a vector of length {size} (one potential per "
                    f"{'row' if axis == 0 else 'column'} of M), got shape {tuple(value.shape)}."
                )
            if self.dropped:
                value = self.reduce(value, axis)
            _check_finite(xp, name, value)
            out.append(value - self.log_mass if axis == 0 else value)
        return tuple(out)

    @property
    def potential_dtype(self):
        """dtype of the potentials during the solve: the working dtype on the array-API path,
        float64 with the numba kernels (which read float32 costs but add in float64)."""
        return self.xp.float64 if self.backend.name == "numba" else self.dtype

    #: how :meth:`marginal_error` measures: ``"l1"`` (numopt's ``tol``) or ``"l2"`` (POT's
    #: ``stopThr``)
    error_norm = "l1"

    def marginal_error(self, rows, cols=None):
        """Marginal error of the normalized problem (relative to the total mass) from the
        plan's row and column sums: ``||P1 - a||_1 + ||P^T 1 - b||_1``, or with
        ``error_norm="l2"`` POT's measure, the L2 norm of the stacked violations.
        ``cols=None``: the rows only (after a g half-step the columns hold exactly)."""
        xp = self.xp
        if self.error_norm == "l2":
            total = float(xp.sum((rows - self.a) ** 2))
            if cols is not None:
                total += float(xp.sum((cols - self.b) ** 2))
            return math.sqrt(total)
        total = float(xp.sum(xp.abs(rows - self.a)))
        if cols is not None:
            total += float(xp.sum(xp.abs(cols - self.b)))
        return total

    # --- what the result needs ---------------------------------------------------------------
    def summary(self, f, g):
        """``(plan as given, rows, cols, cost)`` at the potentials ``(f, g)`` of the reduced
        problem: the restored plan, the normalized plan's row and column sums, and
        :math:`\\langle P, M\\rangle` of the problem as given."""
        P, rows, cols = self.ops.plan(f, g)
        return self.restore_plan(P), rows, cols, self._cost(P)

    def summary_scaling(self, K, u, v):
        """:meth:`summary` from the scalings of scaling-domain Sinkhorn: ``P = diag(u) K
        diag(v)``, two multiplications instead of an exp pass (``K`` is overwritten on
        NumPy: the run is over)."""
        xp = self.xp
        self.tally("fun")  # one pass builds the plan
        if isinstance(K, np.ndarray):
            P = np.multiply(K, u[:, None], out=K)
            P = np.multiply(P, v[None, :], out=P)
        else:
            P = xp.reshape(u, (-1, 1)) * K * xp.reshape(v, (1, -1))
        return self.restore_plan(P), xp.sum(P, axis=1), xp.sum(P, axis=0), self._cost(P)

    def _cost(self, P):
        """``<P, M>`` of the problem as given (no ``n x m`` temporary)."""
        xp = self.xp
        flat = xp.reshape(P, (-1,))
        cost = xp.vecdot(flat, xp.astype(xp.reshape(self.M, (-1,)), flat.dtype))
        return self.mass * float(cost)


def as_arrays(**named):
    """Lists, tuples, scalars and pandas objects as NumPy arrays; array-API arrays (NumPy,
    CuPy, ...) unchanged. Returns the values in order."""
    out = []
    for name, value in named.items():
        if not array_api_compat.is_array_api_obj(value):
            try:
                value = np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value)
            except (TypeError, ValueError) as err:
                raise InvalidProblemError(
                    f"{name} must be a real numeric array (NumPy, list, pandas), got "
                    f"{type(value).__name__}: {err}") from err
        out.append(value)
    return out


def working_dtype(xp, *arrays):
    """float32 when the floating inputs promote to float32 (and nothing is float64), else
    float64 (integers, booleans and lists count as float64)."""
    kinds = [a.dtype for a in arrays if xp.isdtype(a.dtype, "real floating")]
    if kinds and all(k == xp.float32 for k in kinds):
        return xp.float32
    return xp.float64


def _as_float(xp, name, value, dtype):
    try:
        return xp.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise InvalidProblemError(
            f"{name} must be a real numeric array, got {type(value).__name__}: {err}"
        ) from err


def _check_shapes(a, b, M):
    _check_vectors(a, b)
    if M.ndim != 2 or tuple(M.shape) != (a.shape[0], b.shape[0]):
        raise InvalidProblemError(
            f"M must have shape (len(a), len(b)) = ({a.shape[0]}, {b.shape[0]}), got "
            f"{tuple(M.shape)}; build M[i, j] as the cost from source bin i to target bin j."
        )


def _check_vectors(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise InvalidProblemError(
            f"a and b must be 1-D weight vectors, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}; pass flat histograms (x.ravel()); for several targets "
            "solve one problem per column of b."
        )
    if a.shape[0] == 0 or b.shape[0] == 0:
        raise InvalidProblemError("a and b must not be empty; pass at least one bin each.")


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
    total = float(xp.sum(xp.astype(w, xp.float64)))
    if total <= 0:
        raise InvalidProblemError(f"{name} has zero total mass; give at least one bin weight > 0.")
    return total
