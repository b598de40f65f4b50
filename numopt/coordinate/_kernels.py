"""numba kernels of block coordinate descent (dense and CSC twins), over plain arrays.

Each kernel has a NumPy twin of the same name and signature in
:mod:`numopt.coordinate._reference`; the tests check one against the other, and
``backend="numpy"`` runs the reference versions.

Cost of one greedy step (Nutini, Laradji & Schmidt, JMLR 2022, §2.4 of the numopt spec):
keeping the residual ``r = Ax − b`` (or the margins ``Ax``) current costs O(n|b|) dense or
O(nnz of the block's columns) sparse, and a sparse quadratic keeps ``g = Qx − c`` current
in O(nnz of the block's columns). The full gradient ``Aᵀr`` that greedy rules and the
stopping test read costs O(nnz A) for least squares, logistic and softmax problems — the
same as a gradient step; only sparse quadratics avoid it.
"""

import numba
import numpy as np


@numba.njit(cache=True)
def column_update_dense(out, A, block, delta):
    """``out += A[:, block] @ delta`` in place (dense C-ordered ``A``, read row by row)."""
    for i in range(out.size):
        acc = 0.0
        for k in range(block.size):
            acc += A[i, block[k]] * delta[k]
        out[i] += acc


@numba.njit(cache=True)
def column_update_csc(out, indptr, indices, data, block, delta):
    """``out += A[:, block] @ delta`` in place (``A`` in CSC arrays)."""
    for k in range(block.size):
        step = delta[k]
        if step != 0.0:
            j = block[k]
            for p in range(indptr[j], indptr[j + 1]):
                out[indices[p]] += data[p] * step


@numba.njit(cache=True)
def block_dot_dense(A, w, block):
    """``A[:, block].T @ w`` (dense ``A``)."""
    out = np.zeros(block.size)
    for i in range(w.size):
        wi = w[i]
        if wi != 0.0:
            for k in range(block.size):
                out[k] += A[i, block[k]] * wi
    return out


@numba.njit(cache=True)
def block_dot_csc(indptr, indices, data, w, block):
    """``A[:, block].T @ w`` (``A`` in CSC arrays)."""
    out = np.zeros(block.size)
    for k in range(block.size):
        j = block[k]
        acc = 0.0
        for p in range(indptr[j], indptr[j + 1]):
            acc += data[p] * w[indices[p]]
        out[k] = acc
    return out


@numba.njit(cache=True)
def _find(root, i):
    while root[i] != i:
        root[i] = root[root[i]]
        i = root[i]
    return i


@numba.njit(cache=True)
def grow_forest_csr(indptr, indices, order):
    """Greedy forest: visit nodes in ``order`` and keep each one whose edges to the nodes
    already kept join distinct trees (so the induced subgraph stays a forest).

    Returns the kept nodes in visiting order. O(nnz α(n)) with union–find.
    """
    n = indptr.size - 1
    kept = np.zeros(n, dtype=np.bool_)
    root = np.arange(n)
    out = np.empty(order.size, dtype=np.int64)
    count = 0
    seen = np.empty(n, dtype=np.int64)
    for v in order:
        m = 0
        ok = True
        for p in range(indptr[v], indptr[v + 1]):
            u = indices[p]
            if u == v or not kept[u]:
                continue
            r = _find(root, u)
            for q in range(m):
                if seen[q] == r:
                    ok = False
                    break
            if not ok:
                break
            seen[m] = r
            m += 1
        if ok:
            kept[v] = True
            for q in range(m):
                root[seen[q]] = v
            out[count] = v
            count += 1
    return out[:count]


@numba.njit(cache=True)
def forest_solve_csr(indptr, indices, data, block, rhs):
    """Solve ``Q[block][:, block] z = rhs`` when the block's dependency graph is a forest.

    Gaussian elimination from the leaves to the roots along a BFS order, then back
    substitution (Gaussian belief propagation; Nutini et al. 2022, §5): O(|block|) work
    plus the block's edges. ``Q`` symmetric in CSR arrays (diagonal included).
    """
    n = indptr.size - 1
    size = block.size
    local = -np.ones(n, dtype=np.int64)
    for k in range(size):
        local[block[k]] = k
    diag = np.zeros(size)
    for k in range(size):
        v = block[k]
        for p in range(indptr[v], indptr[v + 1]):
            if indices[p] == v:
                diag[k] += data[p]
    parent = -np.ones(size, dtype=np.int64)
    weight = np.zeros(size)
    order = np.empty(size, dtype=np.int64)
    visited = np.zeros(size, dtype=np.bool_)
    head = 0
    tail = 0
    for start in range(size):
        if visited[start]:
            continue
        visited[start] = True
        order[tail] = start
        tail += 1
        while head < tail:
            k = order[head]
            head += 1
            v = block[k]
            for p in range(indptr[v], indptr[v + 1]):
                u = local[indices[p]]
                if u < 0 or u == k or visited[u]:
                    continue
                visited[u] = True
                parent[u] = k
                weight[u] = data[p]
                order[tail] = u
                tail += 1
    pivot = diag.copy()
    z = rhs.copy()
    for t in range(size - 1, -1, -1):
        k = order[t]
        p = parent[k]
        if p >= 0:
            factor = weight[k] / pivot[k]
            pivot[p] -= factor * weight[k]
            z[p] -= factor * z[k]
    for t in range(size):
        k = order[t]
        p = parent[k]
        if p >= 0:
            z[k] = (z[k] - weight[k] * z[p]) / pivot[k]
        else:
            z[k] = z[k] / pivot[k]
    return z


@numba.njit(cache=True)
def block_qp_cd(M, g, xb, l1, nonneg, max_sweeps, tol):
    """Minimize ``gᵀt + ½tᵀMt + l1‖xb + t‖₁`` (and ``xb + t ≥ 0`` when ``nonneg``) over the
    block step ``t`` by cyclic coordinate descent; returns ``(xb + t, sweeps)``.

    Stops when the largest coordinate change of a sweep is ≤ ``tol`` times the largest
    entry of ``|xb + t|`` (or 1), or after ``max_sweeps`` sweeps.
    """
    size = xb.size
    z = xb.copy()
    grad = g.copy()
    for sweep in range(max_sweeps):
        biggest = 0.0
        scale = 1.0
        for i in range(size):
            if M[i, i] <= 0.0:
                continue
            u = z[i] - grad[i] / M[i, i]
            thresh = l1 / M[i, i]
            if u > thresh:
                new = u - thresh
            elif u < -thresh:
                new = 0.0 if nonneg else u + thresh
            else:
                new = 0.0
            if nonneg and new < 0.0:
                new = 0.0
            change = new - z[i]
            if change != 0.0:
                for j in range(size):
                    grad[j] += M[j, i] * change
                z[i] = new
            biggest = max(biggest, abs(change))
            scale = max(scale, abs(new))
        if biggest <= tol * scale:
            return z, sweep + 1
    return z, max_sweeps
