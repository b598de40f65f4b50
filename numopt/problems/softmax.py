"""Multinomial (softmax) logistic regression."""

import numpy as np
import scipy.sparse as sp

from ..backend import is_device_array, namespace_of, to_numpy
from ..errors import InvalidProblemError
from .dask_data import (
    DaskOracles,
    DaskRows,
    FusedCache,
    is_dask_array,
    softmax_block,
    softmax_hvp_block,
    softmax_labels_block,
)
from .structured import StructuredProblem, check_design, column_sq_norms, dense_block


class SoftmaxRegression(StructuredProblem):
    r"""Softmax regression :math:`\sum_i [\log\sum_k e^{a_i^\top w_k} - a_i^\top w_{c_i}]
    + \tfrac{l_2}{2}\|W\|_F^2`.

    The variable is ``W`` of shape ``(n_features, n_classes)`` flattened in C order
    (``x = W.ravel()``), so coordinate ``j * n_classes + k`` is feature ``j`` of class ``k``.

    Parameters
    ----------
    A : array_like, scipy.sparse matrix or dask array, shape (m, n_features)
        A dask array chunked by rows gives one-pass dask oracles
        (:mod:`numopt.problems.dask_data`; ``problem.passes`` counts the passes).
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

    def __new__(cls, A=None, *args, **kwargs):
        if cls is SoftmaxRegression and is_dask_array(A):
            cls = DaskSoftmaxRegression
        return super().__new__(cls)

    def __init__(self, A, labels, l2=0.0, n_classes=None, name="softmax_regression"):
        self.A = check_design("A", A)
        device = not isinstance(self.A, np.ndarray) and not sp.issparse(self.A)
        labels = to_numpy(labels) if is_device_array(labels) else np.asarray(labels)
        if labels.dtype.kind not in "biuf":
            raise InvalidProblemError(
                f"labels must be integer class indices, got dtype {labels.dtype}; encode them "
                "with numpy.unique(labels, return_inverse=True)[1]."
            )
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
        onehot = np.zeros((self.A.shape[0], self.n_classes))
        onehot[np.arange(self.A.shape[0]), self.labels] = 1.0
        # on a device the one-hot targets live next to A (moved once, here)
        self._onehot = namespace_of(self.A).asarray(onehot) if device else onehot
        super().__init__(self.n_features * self.n_classes, l2=l2, name=name)

    def arrays(self):
        return (self.A,)

    def _weights(self, x):
        return namespace_of(x).reshape(x, (self.n_features, self.n_classes))

    def _scores(self, x):
        S = self.A @ self._weights(x)
        return np.asarray(S) if isinstance(S, np.matrix) else S

    def _probabilities(self, S):
        """Row-wise softmax and log-sum-exp of the scores, in their namespace."""
        xp = namespace_of(S)
        top = xp.max(S, axis=1, keepdims=True)
        E = xp.exp(S - top)
        total = xp.sum(E, axis=1, keepdims=True)
        return E / total, top + xp.log(total)

    def _smooth(self, x):
        xp = namespace_of(x)
        S = self._scores(x)
        _, lse = self._probabilities(S)
        value = xp.sum(lse) - xp.sum(S * self._onehot)
        if self.l2:
            value = value + 0.5 * self.l2 * xp.vecdot(x, x)
        return float(value)  # one host sync per value

    def _flat(self, M):
        M = np.asarray(M) if isinstance(M, np.matrix) else M
        return namespace_of(M).reshape(M, (-1,))

    def _gradient(self, x):
        P, _ = self._probabilities(self._scores(x))
        return self._flat(self.A.T @ (P - self._onehot)) + self.l2 * x

    def _hessian_vector(self, x, v):
        xp = namespace_of(x)
        P, _ = self._probabilities(self._scores(x))
        AV = self._scores(v)
        inner = P * AV - P * xp.sum(P * AV, axis=1, keepdims=True)
        return self._flat(self.A.T @ inner) + self.l2 * v

    def _hessian(self, x):
        xp = namespace_of(x)
        P, _ = self._probabilities(self._scores(x))
        A = self.A.toarray() if sp.issparse(self.A) else self.A
        d, K = self.n_features, self.n_classes
        blocks = [[(A.T * (P[:, k] * ((k == j) - P[:, j]))) @ A for j in range(K)]
                  for k in range(K)]
        H = xp.reshape(xp.stack([xp.stack(row, axis=2) for row in blocks], axis=1),
                       (d * K, d * K))
        return H + self.l2 * xp.eye(d * K, dtype=H.dtype)

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


class DaskSoftmaxRegression(DaskOracles, SoftmaxRegression):
    """:class:`SoftmaxRegression` on a dask array chunked by rows (built by
    ``SoftmaxRegression(A, labels)`` when ``A`` is a dask array)."""

    _block_task = staticmethod(softmax_block)
    _hvp_task = staticmethod(softmax_hvp_block)

    def __init__(self, A, labels, l2=0.0, n_classes=None, name="softmax_regression"):
        self.data = DaskRows(A, labels, ("A", "labels"))
        self.data.check(lambda bad: f"A or labels hold {bad} bad entries (NaN/inf in A, or "
                        "labels that are not class indices 0, 1, ..., n_classes-1: encode "
                        "them with numpy.unique(labels, return_inverse=True)[1]).",
                        softmax_labels_block)
        self.A, self.labels = self.data.A, self.data.targets
        self.n_classes = int(n_classes or self.data.max_label() + 1)
        self.n_features = self.data.shape[1]
        self._block_args = (self.n_classes,)
        self._cache = FusedCache()
        dim = self.n_features * self.n_classes
        StructuredProblem.__init__(self, dim, l2=l2, name=name, x0=np.zeros(dim))

    def coordinate_lipschitz(self):
        """Coordinate Lipschitz constants ``‖A_j‖²/2 + l2``."""
        return np.repeat(0.5 * column_sq_norms(self.A), self.n_classes) + self.l2
