"""Validation of a linear system ``A x = b`` shared by :func:`sor`, :func:`ssor_cg` and
:class:`OmegaTuner`: every check raises :class:`numopt.InvalidProblemError` naming the
argument and the fix."""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..backend import resolve_backend, to_numpy
from ..core.validate import as_float_array, check_all_finite, check_not_complex, check_real
from ..errors import InvalidProblemError
from ._kernels import csr_arrays

#: relative asymmetry ``max|A - A^T| / max|A|`` above which SSOR-CG refuses a matrix
SYMMETRY_TOL = 1e-10


@dataclass(frozen=True)
class LinearSystem:
    """A validated system. ``matrix`` is SciPy CSR on the CPU backends; on the array-API
    path it is the caller's own (dense array or CuPy sparse) matrix."""

    matrix: object
    b: object
    diag: object
    backend: object

    @property
    def n(self):
        """Number of unknowns."""
        return int(self.b.shape[0])

    def csr(self):
        """``(indptr, indices, data)`` for the compiled kernels."""
        return csr_arrays(self.matrix)


def check_omega(omega, *, name="omega"):
    """``omega`` as a float in the open interval (0, 2) (Kahan: SOR diverges outside it)."""
    return check_real(name, omega, low=0.0, high=2.0, low_open=True, high_open=True)


def _is_sparse(a):
    module = type(a).__module__
    return module.startswith("scipy.sparse") or module.startswith("cupyx.scipy.sparse")


def _shape(A):
    shape = getattr(A, "shape", None)
    if shape is None:
        A = np.asarray(A)
        shape = A.shape
    return A, tuple(shape)


def as_system(A, b, x0, *, backend, method, supported, symmetric=False):
    """Validate ``A``, ``b`` and ``x0`` and return ``(LinearSystem, x0 or None)``.

    Parameters
    ----------
    A : scipy.sparse matrix, dense array_like, or CuPy / array-API array
        Square system matrix with a positive diagonal.
    b : array_like, shape (n,)
    x0 : array_like or None
    backend : str
        Requested backend (see :func:`numopt.backend.resolve_backend`).
    method : str
        Name used in messages.
    supported : tuple of str
        Backends the caller implements.
    symmetric : bool
        Also require ``A == A^T`` (SSOR-preconditioned CG).

    Raises
    ------
    InvalidProblemError
        Non-square ``A``, shape mismatch, NaN/inf entries, a zero or negative diagonal, or
        (``symmetric=True``) an unsymmetric ``A``.
    """
    A, shape = _shape(A)
    for name, value in (("A", A), ("b", b), ("x0", x0)):
        if value is not None:
            check_not_complex(name, value)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise InvalidProblemError(
            f"A must be a square matrix, got shape {shape}; {method} solves square systems "
            "A x = b (for least squares use numopt.problems.LeastSquares)."
        )
    n = shape[0]
    arrays = [a for a in (A, b, x0) if a is not None and not isinstance(a, (list, tuple))]
    resolved = resolve_backend(backend, *arrays, supported=supported, method=method)
    if resolved.name in ("numpy", "numba"):
        matrix, b, x0 = _cpu_arrays(A, b, x0, n)
        diag = matrix.diagonal()
    else:
        xp = resolved.xp
        matrix = A if _is_sparse(A) else xp.asarray(A, dtype=xp.float64)
        check_all_finite("A", matrix)
        b = _device_vector("b", b, n, xp)
        x0 = None if x0 is None else _device_vector("x0", x0, n, xp)
        diag = matrix.diagonal() if _is_sparse(matrix) else xp.linalg.diagonal(matrix)
    _check_diagonal(to_numpy(diag), method)
    if symmetric:
        _check_symmetric(matrix, method)
    return LinearSystem(matrix, b, diag, resolved), x0


def _cpu_arrays(A, b, x0, n):
    if sp.issparse(A):
        matrix = sp.csr_array(A, dtype=np.float64)
        if not matrix.has_canonical_format:
            matrix = matrix.copy()
            matrix.sum_duplicates()
    else:
        dense = as_float_array("A", A, ndim=2)
        matrix = sp.csr_array(dense)
    check_all_finite("A", matrix)
    b = _vector("b", b, n)
    x0 = None if x0 is None else _vector("x0", x0, n)
    return matrix, b, x0


def _vector(name, value, n):
    arr = as_float_array(name, value)
    if arr.shape != (n,):
        raise InvalidProblemError(
            f"{name} must have shape ({n},) to match A ({n} x {n}), got {arr.shape}; "
            "pass a flat vector with one entry per row of A."
        )
    return arr


def _device_vector(name, value, n, xp):
    arr = xp.asarray(value, dtype=xp.float64)
    if tuple(arr.shape) != (n,):
        raise InvalidProblemError(
            f"{name} must have shape ({n},) to match A ({n} x {n}), got {tuple(arr.shape)}; "
            "pass a flat vector with one entry per row of A."
        )
    if not bool(xp.all(xp.isfinite(arr))):
        raise InvalidProblemError(f"{name} contains NaN or inf entries; clean it before solving.")
    return arr


def _check_diagonal(diag, method):
    bad = np.flatnonzero(~(diag > 0))
    if bad.size:
        raise InvalidProblemError(
            f"A has {bad.size} zero or negative diagonal entries (first at row {bad[0]}: "
            f"{diag[bad[0]]!r}); {method} divides by the diagonal and converges for symmetric "
            "positive definite A. Reorder or scale the rows so the diagonal is positive "
            "(for a negative definite system solve (-A) x = -b)."
        )


def _check_symmetric(matrix, method):
    host = matrix if sp.issparse(matrix) else _host_matrix(matrix)
    diff = abs(host - host.T).max()
    scale = abs(host).max()
    if diff > SYMMETRY_TOL * scale:
        raise InvalidProblemError(
            f"A is not symmetric (max |A - A^T| = {float(diff):.3g}); {method} needs a "
            "symmetric positive definite A. Use numopt.linear.sor for unsymmetric systems."
        )


def _host_matrix(matrix):
    if _is_sparse(matrix):
        return matrix.get()
    return sp.csr_array(to_numpy(matrix))
