"""NumPy twins of :mod:`numopt.coordinate._kernels` (same names and signatures).

Plain, obviously-correct versions: the tests compare every kernel with its twin, and
``backend="numpy"`` runs these.
"""

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph


def column_update_dense(out, A, block, delta):
    """``out += A[:, block] @ delta`` in place (dense ``A``)."""
    out += A[:, block] @ delta


def column_update_csc(out, indptr, indices, data, block, delta):
    """``out += A[:, block] @ delta`` in place (``A`` in CSC arrays)."""
    A = sp.csc_matrix((data, indices, indptr), shape=(out.size, indptr.size - 1))
    out += A[:, block] @ delta


def block_dot_dense(A, w, block):
    """``A[:, block].T @ w`` (dense ``A``)."""
    return A[:, block].T @ w


def block_dot_csc(indptr, indices, data, w, block):
    """``A[:, block].T @ w`` (``A`` in CSC arrays)."""
    A = sp.csc_matrix((data, indices, indptr), shape=(w.size, indptr.size - 1))
    return np.asarray(A[:, block].T @ w).ravel()


def grow_forest_csr(indptr, indices, order):
    """Greedy forest in ``order``: keep a node when the kept set stays acyclic."""
    n = indptr.size - 1
    graph = sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(n, n))
    kept = []
    for v in order:
        trial = np.array(kept + [int(v)])
        sub = graph[trial][:, trial]
        sub = sp.triu(sub - sp.diags(sub.diagonal()), k=1)
        components = csgraph.connected_components(sub, directed=False)[0]
        if sub.nnz + components == trial.size:  # a forest has |V| − #components edges
            kept.append(int(v))
    return np.array(kept, dtype=np.int64)


def forest_solve_csr(indptr, indices, data, block, rhs):
    """Solve ``Q[block][:, block] z = rhs`` (dense solve; the forest structure is unused)."""
    n = indptr.size - 1
    Q = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    return np.linalg.solve(Q[block][:, block].toarray(), rhs)


def block_qp_cd(M, g, xb, l1, nonneg, max_sweeps, tol):
    """Same problem as the kernel, solved by the same cyclic coordinate descent in NumPy."""
    z = xb.astype(float).copy()
    grad = g.astype(float).copy()
    for sweep in range(max_sweeps):
        biggest, scale = 0.0, 1.0
        for i in range(z.size):
            if M[i, i] <= 0.0:
                continue
            u = z[i] - grad[i] / M[i, i]
            thresh = l1 / M[i, i]
            new = np.sign(u) * max(abs(u) - thresh, 0.0)
            if nonneg:
                new = max(new, 0.0)
            change = new - z[i]
            grad += M[:, i] * change
            z[i] = new
            biggest, scale = max(biggest, abs(change)), max(scale, abs(new))
        if biggest <= tol * scale:
            return z, sweep + 1
    return z, max_sweeps
