"""Smooth parts of the structured problems, seen from block coordinate descent.

A model keeps an auxiliary vector current as blocks move — the residual ``Ax − b`` (least
squares), the scores ``Ax`` (logistic, softmax) or the gradient ``Qx − c`` (quadratics) —
so block gradients, objective values and line-search trials cost O(n|b|) instead of a
pass over the data. It also supplies the curvature the rules and updates need: coordinate
constants ``L_i``, the Gershgorin diagonal bound ``d_i`` (``∇²f ⪯ diag(d)``, computed on
first use: it costs a pass over ``|A|``), blocks
``M_bb`` of a global Hessian upper bound ``M`` and exact Hessian blocks.

Oracle counts: each objective value adds one to ``problem.counts["fun"]``, each full
gradient one to ``"grad"``, each Hessian block one to ``"hess"``.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, logsumexp, softmax

from ..errors import InvalidProblemError
from ..problems import LeastSquares, LogisticRegression, Quadratic, SoftmaxRegression
from . import _kernels, _reference

STRUCTURE = ("partial_grad", "block_hess", "coordinate_lipschitz")


class _Columns:
    """A data matrix kept for column access (dense C-contiguous or CSC arrays)."""

    def __init__(self, A, kernels):
        self.sparse = sp.issparse(A)
        self.kernels = kernels
        self.A = sp.csc_matrix(A) if self.sparse else np.ascontiguousarray(A, dtype=np.float64)
        if self.sparse:
            self.A.sort_indices()
        self.AT = self.A.T.tocsr() if self.sparse else self.A.T

    def add(self, out, block, delta):
        """``out + A[:, block] @ delta`` as a new vector (``out`` is not modified)."""
        out = out.copy()
        if self.sparse:
            self.kernels.column_update_csc(out, self.A.indptr, self.A.indices, self.A.data,
                                           block, delta)
        else:
            self.kernels.column_update_dense(out, self.A, block, delta)
        return out

    def dot(self, w, block):
        """``A[:, block].T @ w``."""
        if self.sparse:
            return self.kernels.block_dot_csc(self.A.indptr, self.A.indices, self.A.data, w,
                                              block)
        return self.kernels.block_dot_dense(self.A, w, block)

    def rmatvec(self, w):
        """``Aᵀw`` (a full pass over the data)."""
        return np.asarray(self.AT @ w).ravel()

    def cols(self, block):
        """Dense ``A[:, block]``."""
        cols = self.A[:, block]
        return cols.toarray() if self.sparse else cols

    def gram(self, block, weights=None):
        """Dense ``A_bᵀ diag(weights) A_b``."""
        cols = self.cols(block)
        return cols.T @ (cols if weights is None else cols * weights[:, None])

    def gershgorin(self):
        """``|A|ᵀ|A| 1`` ≥ the absolute row sums of ``AᵀA`` (a diagonal bound on it)."""
        absolute = abs(self.A)
        return np.asarray(absolute.T @ np.asarray(absolute.sum(axis=1)).ravel()).ravel()

    def sq_norms(self):
        """Squared column norms."""
        if self.sparse:
            return np.asarray(self.A.multiply(self.A).sum(axis=0)).ravel()
        return np.einsum("ij,ij->j", self.A, self.A)


class Model:
    """Base: counts oracle calls on ``problem`` and holds ``l2``."""

    quadratic = False  # True when the smooth part is quadratic (``update="exact"`` allowed)
    sparse_graph = None  # CSR matrix of a sparse quadratic (message passing)

    def __init__(self, problem):
        self.problem = problem
        self.l2 = float(getattr(problem, "l2", 0.0))
        self.dim = problem.dim

    def count(self, oracle):
        self.problem.counts[oracle] += 1


class LinearModel(Model):
    """Least squares and binary logistic regression: aux = ``Ax`` (minus ``b`` for LS)."""

    def __init__(self, problem, kernels):
        super().__init__(problem)
        self.columns = _Columns(problem.A, kernels)
        self.logistic = isinstance(problem, LogisticRegression)
        self.quadratic = not self.logistic
        self.scale = 0.25 if self.logistic else 1.0  # Hessian bound M = scale·AᵀA + l2 I
        self.target = np.asarray(problem.y if self.logistic else problem.b, dtype=np.float64)
        self.lipschitz = self.scale * self.columns.sq_norms() + self.l2

    def diag_bound(self):
        return self.scale * self.columns.gershgorin() + self.l2

    def init(self, x):
        aux = np.asarray(self.columns.A @ x).ravel()
        return aux if self.logistic else aux - self.target

    def smooth(self, x, aux):
        self.count("fun")
        ridge = 0.5 * self.l2 * float(x @ x)
        if self.logistic:
            return float(-log_expit(self.target * aux).sum()) + ridge
        return 0.5 * float(aux @ aux) + ridge

    def weights(self, aux):
        """``∂f/∂(Ax)`` per sample: ``r`` (LS) or ``−y σ(−y Ax)`` (logistic)."""
        return -self.target * expit(-self.target * aux) if self.logistic else aux

    def grad(self, x, aux):
        self.count("grad")
        return self.columns.rmatvec(self.weights(aux)) + self.l2 * x

    def block_grad(self, x, aux, block):
        return self.columns.dot(self.weights(aux), block) + self.l2 * x[block]

    def moved(self, aux, block, delta):
        return self.columns.add(aux, block, delta)

    def bound_block(self, block):
        return self.scale * self.columns.gram(block) + self.l2 * np.eye(block.size)

    def bound_matvec(self, block, values):
        """``M v`` for ``v`` supported on ``block`` with entries ``values``."""
        out = self.scale * self.columns.rmatvec(self.columns.add(
            np.zeros(self.target.size), block, values))
        out[block] += self.l2 * values
        return out

    def hess_block(self, x, aux, block):
        self.count("hess")
        if not self.logistic:
            return self.bound_block(block)
        s = expit(-self.target * aux)
        return self.columns.gram(block, s * (1.0 - s)) + self.l2 * np.eye(block.size)


class SoftmaxModel(Model):
    """Softmax regression: aux = scores ``AW`` (m × K); coordinate ``j·K + k`` is ``W[j, k]``.

    Hessian bound: Böhning's ``½(I − 11ᵀ/K) ⊗ AᵀA`` (spec §2.6).
    """

    def __init__(self, problem, kernels):
        super().__init__(problem)
        self.columns = _Columns(problem.A, kernels)
        self.K = problem.n_classes
        self.onehot = problem._onehot
        factor = 0.5 * (1.0 - 1.0 / self.K)
        self.lipschitz = np.repeat(factor * self.columns.sq_norms(), self.K) + self.l2

    def diag_bound(self):
        return np.repeat((1.0 - 1.0 / self.K) * self.columns.gershgorin(), self.K) + self.l2

    def init(self, x):
        return np.asarray(self.columns.A @ x.reshape(-1, self.K))

    def smooth(self, x, aux):
        self.count("fun")
        return float(logsumexp(aux, axis=1).sum() - (aux * self.onehot).sum()) + (
            0.5 * self.l2 * float(x @ x))

    def grad(self, x, aux):
        self.count("grad")
        residual = softmax(aux, axis=1) - self.onehot
        return np.asarray(self.columns.AT @ residual).ravel() + self.l2 * x

    def block_grad(self, x, aux, block):
        residual = softmax(aux, axis=1) - self.onehot
        feature, cls = np.divmod(block, self.K)
        return np.einsum("ib,ib->b", self.columns.cols(feature), residual[:, cls]) + (
            self.l2 * x[block])

    def moved(self, aux, block, delta):
        aux = aux.copy()
        feature, cls = np.divmod(block, self.K)
        for k in np.unique(cls):
            mine = cls == k
            aux[:, k] = self.columns.add(aux[:, k].copy(), feature[mine], delta[mine])
        return aux

    def _kron_block(self, block, class_matrix):
        feature, cls = np.divmod(block, self.K)
        return self.columns.gram(feature) * class_matrix[np.ix_(cls, cls)]

    def bound_block(self, block):
        coupling = 0.5 * (np.eye(self.K) - 1.0 / self.K)
        return self._kron_block(block, coupling) + self.l2 * np.eye(block.size)

    def bound_matvec(self, block, values):
        V = np.zeros((self.dim // self.K, self.K))
        feature, cls = np.divmod(block, self.K)
        V[feature, cls] = values
        AV = np.asarray(self.columns.A @ V)
        AV = 0.5 * (AV - AV.mean(axis=1, keepdims=True))
        out = np.asarray(self.columns.AT @ AV).ravel()
        out[block] += self.l2 * values
        return out

    def hess_block(self, x, aux, block):
        self.count("hess")
        P = softmax(aux, axis=1)
        feature, cls = np.divmod(block, self.K)
        cols = self.columns.cols(feature)
        weighted = cols * P[:, cls]
        same = cls[:, None] == cls[None, :]
        return (weighted.T @ cols) * same - weighted.T @ weighted + self.l2 * np.eye(block.size)


class QuadraticModel(Model):
    """Quadratic ``½xᵀQx − cᵀx``: aux = the gradient ``Qx − c``, kept current in
    O(nnz of the block's columns) — no full gradient is ever recomputed."""

    quadratic = True

    def __init__(self, problem, kernels):
        super().__init__(problem)
        self.columns = _Columns(problem.Q, kernels)  # Q symmetric: columns are rows
        self.c = np.asarray(problem.c, dtype=np.float64)
        Q = sp.csr_matrix(problem.Q)
        Q.sort_indices()
        self.sparse_graph = Q
        self.lipschitz = np.asarray(Q.diagonal(), dtype=np.float64)

    def diag_bound(self):
        return np.asarray(abs(self.sparse_graph).sum(axis=1)).ravel()

    def init(self, x):
        return np.asarray(self.columns.A @ x).ravel() - self.c

    def smooth(self, x, aux):
        self.count("fun")
        return 0.5 * float(x @ aux) - 0.5 * float(self.c @ x)

    def grad(self, x, aux):
        return aux

    def block_grad(self, x, aux, block):
        return aux[block]

    def moved(self, aux, block, delta):
        return self.columns.add(aux, block, delta)

    def bound_block(self, block):
        Q = self.sparse_graph
        return Q[block][:, block].toarray()

    def bound_matvec(self, block, values):
        return self.columns.add(np.zeros(self.dim), block, values)

    def hess_block(self, x, aux, block):
        self.count("hess")
        return self.bound_block(block)


def build_model(problem, backend_name):
    """The model of a structured problem.

    Raises
    ------
    InvalidProblemError
        A problem without the coordinate structure (``partial_grad``, ``block_hess``,
        ``coordinate_lipschitz``) of :mod:`numopt.problems`.
    """
    kernels = _kernels if backend_name == "numba" else _reference
    for cls, model in ((LeastSquares, LinearModel), (LogisticRegression, LinearModel),
                       (SoftmaxRegression, SoftmaxModel), (Quadratic, QuadraticModel)):
        if isinstance(problem, cls):
            return model(problem, kernels)
    missing = [name for name in STRUCTURE if not hasattr(problem, name)]
    what = f"lacks {', '.join(missing)}" if missing else "is not one of them"
    raise InvalidProblemError(
        f"method 'bcd' needs a structured problem from numopt.problems (LeastSquares, "
        f"LogisticRegression, SoftmaxRegression, Quadratic); problem '{problem.name}' {what}. "
        "Build one of those, or use a full-gradient method such as 'gd' or 'newton'."
    )
