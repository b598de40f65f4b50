"""Regularized binary logistic regression."""

import numpy as np
import scipy.sparse as sp

from ..backend import namespace_of, to_numpy
from ..errors import InvalidProblemError
from .dask_data import (
    DaskOracles,
    DaskRows,
    FusedCache,
    is_dask_array,
    logistic_block,
    logistic_hvp_block,
    logistic_labels_block,
)
from .structured import (
    StructuredProblem,
    check_design,
    check_targets,
    column_sq_norms,
    columns,
    dense_block,
)


class LogisticRegression(StructuredProblem):
    r"""Logistic regression
    :math:`\sum_i \log(1 + e^{-y_i a_i^\top x}) + \tfrac{l_2}{2}\|x\|^2 + l_1\|x\|_1`
    with labels :math:`y_i \in \{-1, +1\}` (a sum over samples, not a mean).

    Parameters
    ----------
    A : array_like, scipy.sparse matrix or dask array, shape (m, n)
        One sample per row. A dask array chunked by rows gives one-pass dask oracles
        (:mod:`numopt.problems.dask_data`; ``problem.passes`` counts the passes).
    y : array_like, shape (m,)
        Labels in {-1, +1}.
    l2, l1 : float, default 0

    Raises
    ------
    InvalidProblemError
        Labels outside {-1, +1} (the message says how to map 0/1 labels), bad shapes,
        NaN/inf data.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> A = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -1.0]]); y = np.array([1.0, -1.0, 1.0])
    >>> p = no.problems.LogisticRegression(A, y, l2=1.0)
    >>> bool(round(p.fun(np.zeros(2)), 6) == round(3 * np.log(2), 6))
    True
    """

    def __new__(cls, A=None, *args, **kwargs):
        if cls is LogisticRegression and is_dask_array(A):
            cls = DaskLogisticRegression
        return super().__new__(cls)

    def __init__(self, A, y, l2=0.0, l1=0.0, name="logistic_regression"):
        self.A = check_design("A", A)
        self.y = check_targets("y", y, self.A.shape[0], self.A)
        labels = np.unique(to_numpy(self.y))
        if not np.all(np.isin(labels, (-1.0, 1.0))):
            raise InvalidProblemError(
                f"y must hold labels in {{-1, +1}}, got values {labels[:5].tolist()}; map "
                "0/1 labels with y = 2 * y - 1."
            )
        super().__init__(self.A.shape[1], l2=l2, l1=l1, name=name)

    def arrays(self):
        return (self.A, self.y)

    def _margins(self, x):
        return self.y * (self.A @ x)

    def _smooth(self, x):
        xp = namespace_of(x)
        z = self._margins(x)
        value = xp.sum(xp.logaddexp(xp.zeros_like(z), -z))
        if self.l2:
            value = value + 0.5 * self.l2 * xp.vecdot(x, x)
        return float(value)  # one host sync per value

    def _sigmoid_neg(self, x):
        """``σ(−z)`` for the margins ``z``, computed without overflow."""
        xp = namespace_of(x)
        z = self._margins(x)
        return xp.exp(-xp.logaddexp(xp.zeros_like(z), z))

    def _gradient(self, x):
        return self.A.T @ (-self.y * self._sigmoid_neg(x)) + self.l2 * x

    def _curvature(self, x):
        s = self._sigmoid_neg(x)
        return s * (1.0 - s)

    def _hessian(self, x):
        w = self._curvature(x)
        A = self.A
        if sp.issparse(A):
            return (A.T @ sp.diags(w) @ A + self.l2 * sp.identity(A.shape[1])).tocsr()
        xp = namespace_of(x)
        return (A.T * w) @ A + self.l2 * xp.eye(A.shape[1], dtype=A.dtype)

    def _hessian_vector(self, x, v):
        return self.A.T @ (self._curvature(x) * (self.A @ v)) + self.l2 * v

    def partial_grad(self, x, idx):
        """Gradient entries ``idx`` of the smooth part."""
        return columns(self.A, idx).T @ (-self.y * self._sigmoid_neg(x)) + self.l2 * x[idx]

    def block_hess(self, x, idx):
        """Dense Hessian block ``A[:, idx]ᵀ diag(σ(1−σ)) A[:, idx] + l2 I``."""
        cols = columns(self.A, idx)
        w = self._curvature(x)
        weighted = cols.multiply(w[:, None]) if sp.issparse(cols) else cols * w[:, None]
        return dense_block(cols.T @ weighted) + self.l2 * np.eye(len(np.atleast_1d(idx)))

    def coordinate_lipschitz(self):
        """Coordinate Lipschitz constants ``‖A_j‖²/4 + l2``."""
        return 0.25 * column_sq_norms(self.A) + self.l2


class DaskLogisticRegression(DaskOracles, LogisticRegression):
    """:class:`LogisticRegression` on a dask array chunked by rows (built by
    ``LogisticRegression(A, y)`` when ``A`` is a dask array): value and gradient in one pass,
    value, gradient and Hessian in one pass."""

    _block_task = staticmethod(logistic_block)
    _hvp_task = staticmethod(logistic_hvp_block)

    def __init__(self, A, y, l2=0.0, l1=0.0, name="logistic_regression"):
        self.data = DaskRows(A, y, ("A", "y"))
        self.data.check(lambda bad: f"A or y holds {bad} bad entries (NaN/inf in A, or labels "
                        "outside {-1, +1}: map 0/1 labels with y = 2 * y - 1).",
                        logistic_labels_block)
        self.A, self.y = self.data.A, self.data.targets
        self._cache = FusedCache()
        StructuredProblem.__init__(self, self.data.shape[1], l2=l2, l1=l1, name=name,
                                   x0=np.zeros(self.data.shape[1]))
