r"""The Newton direction of Sinkhorn–Newton–Sparse: sparsified Hessian and Jacobi-PCG.

The dual :math:`D(f, g)` has Hessian :math:`-\frac{1}{\mathrm{reg}}K(P)` with
:math:`K(P) = \begin{pmatrix}\mathrm{diag}(P1) & P\\ P^T & \mathrm{diag}(P^T1)\end{pmatrix}`
(Tang et al. 2024, arXiv 2401.12253, Sec. 3, eq. (5)). SNS keeps the exact diagonal blocks
and the ``k`` largest entries of ``P`` off the diagonal, so :math:`K_s` stays diagonally
dominant (PSD) and the direction solves :math:`K_s d = \mathrm{reg}\,\nabla D` by conjugate
gradients with the Jacobi preconditioner ``diag(P1, P^T 1)``.
"""

import numpy as np
import scipy.sparse

from ..backend import is_numpy_namespace

DIAG_FLOOR = 1e-300  # smallest Jacobi pivot (a row whose plan underflowed to 0)


def sparsify(xp, P, kept, kernels=False):
    """The ``kept`` largest entries of ``P``: a SciPy CSR matrix for NumPy input (found with
    ``np.argpartition``, O(nm), never a full sort; with ``kernels=True`` every entry at or
    above the numba :func:`~numopt.transport._kernels.top_k_threshold`, which is as exact up
    to ties and far faster on sharp plans), else a dense masked array in ``xp``."""
    n, m = P.shape
    size = n * m
    if kept >= size:
        return P
    if kernels:
        from ._kernels import top_k_threshold

        flat = P.reshape(-1)
        threshold = top_k_threshold(flat, kept)
        index = np.flatnonzero(flat >= threshold) if threshold > 0 else np.flatnonzero(flat)
        rows, cols = np.divmod(index, m)
        return scipy.sparse.csr_matrix((flat[index], (rows, cols)), shape=(n, m))
    if is_numpy_namespace(xp):
        flat = P.reshape(-1)
        index = np.argpartition(flat, size - kept)[size - kept:]
        rows, cols = np.divmod(index, m)
        return scipy.sparse.csr_matrix((flat[index], (rows, cols)), shape=(n, m))
    flat = xp.reshape(P, (-1,))
    partition = getattr(xp, "partition", None)
    ordered = partition(flat, size - kept) if partition is not None else xp.sort(flat)
    return xp.where(P >= ordered[size - kept], P, xp.zeros_like(P))


class SparseHessian:
    """:math:`K_s + \\sigma I` as a matrix-vector product on stacked vectors ``(x, y)``.

    Parameters
    ----------
    xp : module
    rows, cols : arrays
        Exact diagonal blocks ``P1`` and ``P^T 1``.
    S : CSR matrix or array
        Kept off-diagonal entries (:func:`sparsify`).
    shift : float
        Diagonal shift :math:`\\sigma` (0 unless CG broke down).
    """

    def __init__(self, xp, rows, cols, S, shift=0.0):
        self.xp, self.rows, self.cols, self.S, self.shift = xp, rows, cols, S, shift
        self.n = rows.shape[0]
        diag = xp.concat([rows, cols]) + shift
        self.diag = xp.where(diag > DIAG_FLOOR, diag, xp.full_like(diag, DIAG_FLOOR))

    def matvec(self, z):
        x, y = z[:self.n], z[self.n:]
        top = self.rows * x + self.S @ y
        bottom = self.cols * y + (self.S.T @ x if hasattr(self.S, "tocsr") else x @ self.S)
        out = self.xp.concat([top, bottom])
        return out + self.shift * z if self.shift else out


def null_space_projection(xp, rhs, n):
    """Remove the component of ``rhs`` along the Hessian's null vector ``(1, -1)``."""
    total = rhs.shape[0]
    c = (xp.sum(rhs[:n]) - xp.sum(rhs[n:])) / total
    return xp.concat([rhs[:n] - c, rhs[n:] + c])


def newton_direction(xp, rows, cols, S, rhs, rtol, max_iter, shift=0.0, kernels=False):
    """Solve :math:`(K_s + \\sigma I) d = \\mathrm{rhs}` by Jacobi-PCG; ``kernels=True`` runs the
    numba CSR kernel (:func:`numopt.transport._kernels.pcg_csr`) when ``S`` is CSR.

    Returns ``(d, iterations, breakdown)`` as :func:`pcg`.
    """
    hessian = SparseHessian(xp, rows, cols, S, shift)
    if not (kernels and scipy.sparse.issparse(S)):
        return pcg(hessian, rhs, rtol, max_iter)
    from ._kernels import pcg_csr

    d = np.empty_like(rhs)
    iterations, breakdown = pcg_csr(S.indptr, S.indices, S.data, rows, cols, float(shift), rhs,
                                    hessian.diag, rtol, max_iter, d)
    return d, int(iterations), bool(breakdown)


def pcg(hessian, rhs, rtol, max_iter):
    """Jacobi-preconditioned conjugate gradients on ``hessian.matvec(d) = rhs`` from ``d = 0``.

    Returns
    -------
    d : array
    iterations : int
    breakdown : bool
        True when a non-positive curvature ``p^T K p <= 0`` was met (then ``d`` is the last
        iterate before it).
    """
    xp = hessian.xp
    d = xp.zeros_like(rhs)
    r = rhs
    z = r / hessian.diag
    p = z
    rz = float(xp.vecdot(r, z))
    target = rtol * float(xp.linalg.vector_norm(rhs))
    for it in range(max_iter):
        if float(xp.linalg.vector_norm(r)) <= target:
            return d, it, False
        q = hessian.matvec(p)
        curvature = float(xp.vecdot(p, q))
        if not curvature > 0:
            return d, it, True
        alpha = rz / curvature
        d = d + alpha * p
        r = r - alpha * q
        z = r / hessian.diag
        rz_new = float(xp.vecdot(r, z))
        p = z + (rz_new / rz) * p
        rz = rz_new
    return d, max_iter, False
