"""Regularized linear least squares."""

import numpy as np
import scipy.sparse as sp

from ..backend import namespace_of
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
    A : array_like or scipy.sparse matrix, shape (m, n)
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
        return 0.5 * float(xp.vecdot(r, r)) + 0.5 * self.l2 * float(xp.vecdot(x, x))

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
