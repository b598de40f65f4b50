"""Base class of the structured problems: data with cheap partial derivatives."""

import numpy as np
import scipy.sparse as sp

from ..backend import is_device_array, namespace_of, to_numpy
from ..core.problem import Problem
from ..core.validate import as_float_array, check_all_finite, check_not_complex, check_real
from ..errors import InvalidProblemError


class StructuredProblem(Problem):
    r"""A problem :math:`f(x) = s(x) + \ell_1 \|x\|_1` with a smooth part :math:`s` whose
    partial (block) derivatives are cheap.

    ``fun`` is the whole objective; ``grad``, ``hess`` and ``hessp`` are those of the smooth
    part :math:`s` (``l2`` included). Methods that handle only smooth objectives refuse
    problems with ``l1 > 0`` up front. Subclasses implement the smooth oracles
    ``_smooth``, ``_gradient``, ``_hessian``, ``_hessian_vector`` and the structure
    ``partial_grad``, ``block_hess``, ``coordinate_lipschitz``.

    Parameters
    ----------
    dim : int
        Number of variables.
    l2, l1 : float, default 0
        Ridge and lasso weights (non-negative).
    name : str
        Label for reports.
    x0 : array_like, optional
        Start point; zeros in the data's array namespace by default.

    Raises
    ------
    InvalidProblemError
        Negative or non-finite weights.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> p = no.problems.LeastSquares(np.eye(2), np.ones(2), l1=0.5)
    >>> isinstance(p, no.problems.StructuredProblem), p.fun(np.ones(2)), p.smooth_fun(np.ones(2))
    (True, 1.0, 0.0)
    """

    def __init__(self, dim, *, l2=0.0, l1=0.0, name, x0=None):
        self.l2 = check_real("l2", l2, low=0.0)
        self.l1 = check_real("l1", l1, low=0.0)
        if x0 is None:
            xp = namespace_of(*self.arrays())
            x0 = xp.zeros(dim, dtype=xp.float64)
        super().__init__(self._objective, grad=self._gradient, hess=self._hessian,
                         hessp=self._hessian_vector, name=name, dim=dim, x0=x0)

    def _objective(self, x):
        value = self._smooth(x)
        if self.l1:
            xp = namespace_of(x)
            value = value + self.l1 * float(xp.sum(xp.abs(x)))
        return value

    def smooth_fun(self, x):
        """The smooth part :math:`s(x)` (uncounted; for proximal methods)."""
        return self._smooth(x)

    def arrays(self):
        """The data arrays (used to pick the backend)."""
        return ()

    def optimum(self):
        """``(x*, f*)`` when known in closed form, else ``None``."""
        return None


def check_design(name, A):
    """Validate a design matrix: 2-D, finite, non-empty, real, dense (any array library) or
    scipy.sparse."""
    check_not_complex(name, A)
    A = _check_design(name, A)
    if 0 in tuple(A.shape):
        raise InvalidProblemError(
            f"{name} is empty (shape {tuple(A.shape)}); a problem needs at least one sample "
            "(row) and one feature (column)."
        )
    return A


def _check_design(name, A):
    if sp.issparse(A):
        A = sp.csr_matrix(A, dtype=np.float64)
        check_all_finite(name, A)
        return A
    if is_device_array(A):
        xp = namespace_of(A)
        if A.ndim != 2:
            raise InvalidProblemError(f"{name} must be 2-dimensional, got shape {A.shape}.")
        A = xp.asarray(A, dtype=xp.float64)
        check_all_finite(name, A)
        return A
    return as_float_array(name, A, ndim=2)


def check_targets(name, b, rows, like):
    """Validate a target vector of length ``rows`` in the namespace of ``like``."""
    if is_device_array(b):
        xp = namespace_of(b)
        b = xp.asarray(b, dtype=xp.float64)
        check_all_finite(name, b)
    else:
        given_numpy = isinstance(b, np.ndarray)
        b = as_float_array(name, b, ndim=1)
        if not sp.issparse(like) and not isinstance(like, np.ndarray):
            if given_numpy:
                raise InvalidProblemError(
                    f"{name} is a NumPy array but the matrix is a {namespace_of(like).__name__}"
                    f" array; pass {name} from the same array library as the matrix."
                )
            b = namespace_of(like).asarray(b)
    if b.shape != (rows,):
        raise InvalidProblemError(
            f"{name} must have shape ({rows},) to match the {rows} rows of A, got {tuple(b.shape)}."
        )
    return b


def column_sq_norms(A):
    """Squared Euclidean norms of the columns of a dense or sparse matrix, as NumPy."""
    if sp.issparse(A):
        return np.asarray(A.multiply(A).sum(axis=0)).ravel()
    return to_numpy((A * A).sum(axis=0) if isinstance(A, np.ndarray)
                    else namespace_of(A).sum(A * A, axis=0))


def columns(A, idx):
    """The columns ``idx`` of ``A`` (dense NumPy or sparse CSC slice)."""
    if sp.issparse(A):
        return A.tocsc()[:, idx]
    return A[:, idx]


def dense_block(M):
    """A dense NumPy array from a dense or sparse matrix (for small blocks)."""
    return M.toarray() if sp.issparse(M) else np.asarray(M)
