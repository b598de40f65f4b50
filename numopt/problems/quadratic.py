"""Convex quadratics (including graph / label-propagation quadratics)."""

import numpy as np
import scipy.sparse as sp

from ..backend import namespace_of
from ..errors import InvalidProblemError
from .structured import StructuredProblem, check_design, check_targets, dense_block


class Quadratic(StructuredProblem):
    r"""Quadratic :math:`\tfrac12 x^\top Q x - c^\top x` with symmetric :math:`Q`; its
    minimizer solves :math:`Qx = c` when :math:`Q` is positive definite.

    Parameters
    ----------
    Q : array_like or scipy.sparse matrix, shape (n, n)
        Symmetric matrix.
    c : array_like, shape (n,)
    l1 : float, default 0

    Raises
    ------
    InvalidProblemError
        Non-square or non-symmetric ``Q``, ``c`` of the wrong length, NaN/inf data.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> p = no.problems.Quadratic(np.diag([1.0, 4.0]), np.array([1.0, 2.0]))
    >>> p.optimum()[0]
    array([1. , 0.5])
    """

    def __init__(self, Q, c, l1=0.0, name="quadratic"):
        self.Q = check_design("Q", Q)
        n = self.Q.shape[0]
        if self.Q.shape != (n, n):
            raise InvalidProblemError(f"Q must be square, got shape {self.Q.shape}.")
        asym = abs(self.Q - self.Q.T).max() if sp.issparse(self.Q) else float(
            namespace_of(self.Q).max(abs(self.Q - self.Q.T)) if n else 0.0)
        scale = abs(self.Q).max() if n else 0.0
        if asym > 1e-10 * max(1.0, float(scale)):
            raise InvalidProblemError(
                "Q must be symmetric (|Q - Qᵀ| up to 1e-10 relative); pass (Q + Q.T) / 2."
            )
        self.c = check_targets("c", c, n, self.Q)
        super().__init__(n, l1=l1, name=name)

    def arrays(self):
        return (self.Q, self.c)

    def _smooth(self, x):
        xp = namespace_of(x)
        return 0.5 * float(xp.vecdot(x, self.Q @ x)) - float(xp.vecdot(self.c, x))

    def _gradient(self, x):
        return self.Q @ x - self.c

    def _hessian(self, x):
        return self.Q

    def _hessian_vector(self, x, v):
        return self.Q @ v

    def partial_grad(self, x, idx):
        """Gradient entries ``idx``: ``Q[idx] x − c[idx]``."""
        rows = self.Q[idx] if not sp.issparse(self.Q) else self.Q.tocsr()[idx]
        return np.asarray(rows @ x).ravel() - self.c[idx]

    def block_hess(self, x, idx):
        """Dense block ``Q[idx][:, idx]``."""
        Q = self.Q.tocsr() if sp.issparse(self.Q) else self.Q
        return dense_block(Q[idx][:, idx])

    def coordinate_lipschitz(self):
        """Coordinate Lipschitz constants: the diagonal of ``Q``."""
        return np.asarray(self.Q.diagonal()).copy()

    def optimum(self):
        """``(x*, f*)`` for ``l1 = 0`` and positive-definite ``Q``, else ``None``."""
        if self.l1:
            return None
        Q = dense_block(self.Q) if sp.issparse(self.Q) else self.Q
        try:
            np.linalg.cholesky(Q)
        except np.linalg.LinAlgError:
            return None
        x_star = np.linalg.solve(Q, np.asarray(self.c))
        return x_star, self._objective(x_star)
