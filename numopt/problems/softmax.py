"""Multinomial (softmax) logistic regression."""

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp, softmax

from ..errors import InvalidProblemError
from .structured import StructuredProblem, check_design, column_sq_norms, dense_block


class SoftmaxRegression(StructuredProblem):
    r"""Softmax regression :math:`\sum_i [\log\sum_k e^{a_i^\top w_k} - a_i^\top w_{c_i}]
    + \tfrac{l_2}{2}\|W\|_F^2`.

    The variable is ``W`` of shape ``(n_features, n_classes)`` flattened in C order
    (``x = W.ravel()``), so coordinate ``j * n_classes + k`` is feature ``j`` of class ``k``.

    Parameters
    ----------
    A : array_like or scipy.sparse matrix, shape (m, n_features)
    labels : array_like of int, shape (m,)
        Class indices ``0 .. n_classes-1``.
    l2 : float, default 0
    n_classes : int, optional
        Defaults to ``labels.max() + 1``.

    Raises
    ------
    InvalidProblemError
        Non-integer or negative labels, bad shapes, NaN/inf data.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> A = np.eye(3); p = no.problems.SoftmaxRegression(A, [0, 1, 2], l2=1.0)
    >>> p.dim, bool(round(p.fun(np.zeros(p.dim)), 6) == round(3 * np.log(3), 6))
    (9, True)
    """

    def __init__(self, A, labels, l2=0.0, n_classes=None, name="softmax_regression"):
        self.A = check_design("A", A)
        labels = np.asarray(labels)
        if labels.shape != (self.A.shape[0],):
            raise InvalidProblemError(
                f"labels must have shape ({self.A.shape[0]},), got {labels.shape}."
            )
        if labels.size and (not np.all(np.equal(np.mod(labels, 1), 0)) or labels.min() < 0):
            raise InvalidProblemError(
                "labels must be class indices 0, 1, ..., n_classes-1; encode them with "
                "numpy.unique(labels, return_inverse=True)[1]."
            )
        self.labels = labels.astype(np.int64)
        self.n_classes = int(n_classes or self.labels.max() + 1)
        self.n_features = self.A.shape[1]
        self._onehot = np.zeros((self.A.shape[0], self.n_classes))
        self._onehot[np.arange(self.A.shape[0]), self.labels] = 1.0
        super().__init__(self.n_features * self.n_classes, l2=l2, name=name)

    def arrays(self):
        return (self.A,)

    def _weights(self, x):
        return x.reshape(self.n_features, self.n_classes)

    def _scores(self, x):
        return np.asarray(self.A @ self._weights(x))

    def _smooth(self, x):
        S = self._scores(x)
        return float(logsumexp(S, axis=1).sum() - (S * self._onehot).sum()) + 0.5 * self.l2 * float(
            x @ x)

    def _gradient(self, x):
        P = softmax(self._scores(x), axis=1)
        return np.asarray(self.A.T @ (P - self._onehot)).ravel() + self.l2 * x

    def _hessian_vector(self, x, v):
        P = softmax(self._scores(x), axis=1)
        AV = np.asarray(self.A @ self._weights(v))
        inner = P * AV - P * (P * AV).sum(axis=1, keepdims=True)
        return np.asarray(self.A.T @ inner).ravel() + self.l2 * v

    def _hessian(self, x):
        P = softmax(self._scores(x), axis=1)
        A = self.A.toarray() if sp.issparse(self.A) else self.A
        d, K = self.n_features, self.n_classes
        H = np.empty((d, K, d, K))
        for k in range(K):
            for l in range(K):
                w = P[:, k] * ((k == l) - P[:, l])
                H[:, k, :, l] = (A.T * w) @ A
        return H.reshape(d * K, d * K) + self.l2 * np.eye(d * K)

    def partial_grad(self, x, idx):
        """Gradient entries ``idx`` (flattened feature-class coordinates)."""
        return self._gradient(x)[idx]

    def block_hess(self, x, idx):
        """Dense Hessian block on the coordinates ``idx``."""
        idx = np.atleast_1d(idx)
        E = np.zeros((self.dim, idx.size))
        E[idx, np.arange(idx.size)] = 1.0
        return dense_block(np.column_stack([self._hessian_vector(x, E[:, j])[idx]
                                            for j in range(idx.size)]))

    def coordinate_lipschitz(self):
        """Coordinate Lipschitz constants ``‖A_j‖²/2 + l2`` (the softmax Hessian bound)."""
        return np.repeat(0.5 * column_sq_norms(self.A), self.n_classes) + self.l2
