"""Regularized linear least squares."""

import numpy as np
import scipy.sparse as sp

from ..backend import namespace_of
from .dask_data import (
    DaskOracles,
    DaskRows,
    FusedCache,
    check_finite,
    is_dask_array,
    least_squares_block,
    least_squares_hvp_block,
)
from .structured import (
    StructuredProblem,
    check_design,
    check_targets,
    column_sq_norms,
    columns,
    dense_block,
)


class LeastSquares(StructuredProblem):
    r"""Least squares :math:`\tfrac12\|Ax-b\|^2 + \tfrac{l_2}{2}\|x\|^2 + l_1\|x\|_1`
    (a sum, not a mean, as in Nutini, Laradji & Schmidt, JMLR 2022).

    Parameters
    ----------
    A : array_like, scipy.sparse matrix or dask array, shape (m, n)
        A dask array chunked by rows gives one-pass dask oracles
        (:mod:`numopt.problems.dask_data`; ``problem.passes`` counts the passes).
    b : array_like, shape (m,)
    l2, l1 : float, default 0
        Ridge and lasso weights.

    Raises
    ------
    InvalidProblemError
        Non-2-D ``A``, ``b`` of the wrong length, NaN/inf data, negative weights.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> A = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]); b = np.array([1.0, 2.0, 2.0])
    >>> p = no.problems.LeastSquares(A, b)
    >>> x_star, f_star = p.optimum()
    >>> np.allclose(p.grad(x_star), 0)
    True
    """

    def __new__(cls, A=None, *args, **kwargs):
        if cls is LeastSquares and is_dask_array(A):
            cls = DaskLeastSquares
        return super().__new__(cls)

    def __init__(self, A, b, l2=0.0, l1=0.0, name="least_squares"):
        self.A = check_design("A", A)
        self.b = check_targets("b", b, self.A.shape[0], self.A)
        super().__init__(self.A.shape[1], l2=l2, l1=l1, name=name)

    def arrays(self):
        return (self.A, self.b)

    def _residual(self, x):
        return self.A @ x - self.b

    def _smooth(self, x):
        xp = namespace_of(x)
        r = self._residual(x)
        value = 0.5 * xp.vecdot(r, r)
        if self.l2:
            value = value + 0.5 * self.l2 * xp.vecdot(x, x)
        return float(value)  # one host sync per value

    def _gradient(self, x):
        return self.A.T @ self._residual(x) + self.l2 * x

    def _hessian(self, x):
        A = self.A
        if sp.issparse(A):
            return (A.T @ A + self.l2 * sp.identity(A.shape[1])).tocsr()
        xp = namespace_of(x)
        return A.T @ A + self.l2 * xp.eye(A.shape[1], dtype=A.dtype)

    def _hessian_vector(self, x, v):
        return self.A.T @ (self.A @ v) + self.l2 * v

    def partial_grad(self, x, idx):
        """Gradient entries ``idx`` of the smooth part, ``A[:, idx]ᵀ(Ax − b) + l2 x[idx]``."""
        return columns(self.A, idx).T @ self._residual(x) + self.l2 * x[idx]

    def block_hess(self, x, idx):
        """Dense block ``A[:, idx]ᵀ A[:, idx] + l2 I`` of the Hessian."""
        cols = columns(self.A, idx)
        return dense_block(cols.T @ cols) + self.l2 * np.eye(len(np.atleast_1d(idx)))

    def coordinate_lipschitz(self):
        """Coordinate-wise Lipschitz constants of the gradient, ``‖A_j‖² + l2``."""
        return column_sq_norms(self.A) + self.l2

    def optimum(self):
        """``(x*, f*)`` for ``l1 = 0`` (normal equations), else ``None``."""
        if self.l1 or not isinstance(self.A, np.ndarray):
            return None
        n = self.A.shape[1]
        lhs = self.A.T @ self.A + self.l2 * np.eye(n)
        x_star = np.linalg.lstsq(lhs, self.A.T @ self.b, rcond=None)[0]
        return x_star, self._objective(x_star)


class DaskLeastSquares(DaskOracles, LeastSquares):
    """:class:`LeastSquares` on a dask array chunked by rows (built by ``LeastSquares(A, b)``
    when ``A`` is a dask array): one pass per value+gradient, and ``AᵀA`` computed in one
    pass and kept (the Hessian is constant)."""

    _constant_hessian = True
    _block_task = staticmethod(least_squares_block)
    _hvp_task = staticmethod(least_squares_hvp_block)

    def __init__(self, A, b, l2=0.0, l1=0.0, name="least_squares"):
        self.data = DaskRows(A, b, ("A", "b"))
        check_finite(self.data, ("A", "b"))
        self.A, self.b = self.data.A, self.data.targets
        self._cache, self._gram = FusedCache(), None
        StructuredProblem.__init__(self, self.data.shape[1], l2=l2, l1=l1, name=name,
                                   x0=np.zeros(self.data.shape[1]))
