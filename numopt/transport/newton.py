r"""The Newton direction of Sinkhorn–Newton–Sparse: sparsified Hessian and Jacobi-PCG.

The dual :math:`D(f, g)` has Hessian :math:`-\frac{1}{\mathrm{reg}}K(P)` with
:math:`K(P) = \begin{pmatrix}\mathrm{diag}(P1) & P\\ P^T & \mathrm{diag}(P^T1)\end{pmatrix}`
(Tang et al. 2024, arXiv 2401.12253, Sec. 3, eq. (5)). SNS keeps the exact diagonal blocks
and the ``k`` largest entries of ``P`` off the diagonal, so :math:`K_s` stays diagonally
dominant (PSD) and the direction solves :math:`K_s d = \mathrm{reg}\,\nabla D` by conjugate
gradients with the Jacobi preconditioner ``diag(P1, P^T 1)``.
"""

import array_api_compat
import numpy as np
import scipy.sparse

from ..backend import is_numpy_namespace
from ..backend.threads import kernel_threads, run_with_threads
from ..core.linalg import cg

DEVICE_CHECK_EVERY = 8  # CG iterations between two host reads on a device (CuPy)
DIAG_FLOOR = 1e-300  # smallest Jacobi pivot (a row whose plan underflowed to 0)


def sparsify(xp, P, kept, dropped_mass=None, kernels=False):
    """Keep the largest entries of ``P``: at least ``kept`` of them and, when
    ``dropped_mass`` is given, enough that the entries dropped hold at most that much plan
    mass (with ``dropped_mass=None`` exactly ``kept`` entries, up to ties).

    Returns ``P`` itself when everything is kept; otherwise a CSR matrix (SciPy for NumPy,
    ``cupyx.scipy.sparse`` for CuPy) or, in a namespace without sparse matrices, ``P`` with
    the dropped entries zeroed. ``kernels=True`` (NumPy input) finds the threshold from a
    histogram of the entries (:func:`~numopt.transport._kernels.plan_histogram`, bins at
    most 12.5% wide, so it may keep a few more entries than asked) and assembles the CSR
    matrix in parallel; otherwise one sort of the entries gives the exact threshold.
    """
    n, m = P.shape
    size = n * m
    if kept >= size:
        return P
    if kernels:
        threshold = _histogram_threshold(P, kept, dropped_mass)
        if threshold is None:
            return P
        from . import _kernels

        threads = kernel_threads(P.size, _kernels.PARALLEL_MIN_ENTRIES)
        indptr, indices, data = run_with_threads(_kernels.csr_above,
                                                 _kernels.SERIAL["csr_above"], threads, P,
                                                 threshold)
        return scipy.sparse.csr_matrix((data, indices, indptr), shape=(n, m))
    ordered = xp.sort(xp.reshape(P, (-1,)))
    drop = size - kept
    if dropped_mass is not None:  # the smallest entries whose total stays <= dropped_mass
        light = xp.searchsorted(xp.cumulative_sum(ordered),
                                xp.asarray([dropped_mass], dtype=ordered.dtype), side="right")
        drop = min(drop, int(light[0]))
    if drop <= 0:
        return P
    masked = xp.where(P >= ordered[drop], P, xp.zeros_like(P))
    sparse = sparse_module(xp)
    return masked if sparse is None else sparse.csr_matrix(masked)


def _histogram_threshold(P, kept, dropped_mass):
    """Smallest bin edge of :func:`~numopt.transport._kernels.plan_histogram` that keeps at
    least ``kept`` entries and drops at most ``dropped_mass``; None when nothing is dropped."""
    from . import _kernels

    parts = kernel_threads(P.size, _kernels.PARALLEL_MIN_ENTRIES)
    counts = np.empty((parts, _kernels.HIST_BINS), dtype=np.int64)
    masses = np.empty((parts, _kernels.HIST_BINS))
    run_with_threads(_kernels.plan_histogram, _kernels.SERIAL["plan_histogram"], parts,
                     P.reshape(-1), parts, counts, masses)
    counts, masses = counts.sum(axis=0), masses.sum(axis=0)
    # entries in bins >= edge are kept: the count rule needs edge <= last_count
    above = np.cumsum(counts[::-1])[::-1]
    edge = int(np.flatnonzero(above >= max(kept, 1))[-1])
    if dropped_mass is not None:  # ... and the mass rule allows edge <= last_light
        light = np.cumsum(masses) - masses <= dropped_mass  # mass in bins < b is small
        edge = min(edge, int(np.flatnonzero(light)[-1]))
    if edge == 0:
        return None
    return float(np.array([edge << _kernels.HIST_SHIFT], dtype=np.int64).view(np.float64)[0])


def sparse_module(xp):
    """The sparse-matrix module of namespace ``xp`` (SciPy's, CuPy's), or None."""
    if is_numpy_namespace(xp):
        return scipy.sparse
    if array_api_compat.is_cupy_namespace(xp):
        import cupyx.scipy.sparse

        return cupyx.scipy.sparse
    return None


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
    numba CSR kernel (:func:`numopt.transport._kernels.pcg_csr`) when ``S`` is SciPy CSR.

    Returns ``(d, iterations, breakdown)`` as :func:`pcg`.
    """
    hessian = SparseHessian(xp, rows, cols, S, shift)
    if not is_numpy_namespace(xp):
        # CuPy / array-API: all CG scalars stay on the device, one host read per batch
        n = hessian.n
        return cg(
            xp, hessian.matvec, lambda r: null_space_projection(xp, r / hessian.diag, n), rhs,
            rtol, max_iter, project=lambda q: null_space_projection(xp, q, n),
            check_every=DEVICE_CHECK_EVERY)
    if not (kernels and scipy.sparse.issparse(S)):
        return pcg(hessian, rhs, rtol, max_iter)
    from . import _kernels

    parts = kernel_threads(S.nnz, _kernels.PARALLEL_MIN_ENTRIES)
    # row ranges with about nnz / parts stored entries each
    bounds = np.searchsorted(S.indptr, np.linspace(0, S.nnz, parts + 1)).astype(np.int64)
    bounds[0], bounds[-1] = 0, S.shape[0]
    d = np.empty_like(rhs)
    iterations, breakdown = run_with_threads(
        _kernels.pcg_csr, _kernels.SERIAL["pcg_csr"], parts, S.indptr, S.indices, S.data,
        rows, cols, float(shift), rhs, hessian.diag, rtol, max_iter, bounds, d)
    return d, int(iterations), bool(breakdown)


def pcg(hessian, rhs, rtol, max_iter):
    """Jacobi-preconditioned conjugate gradients on ``hessian.matvec(d) = rhs`` from ``d = 0``,
    projected onto the complement of the null vector ``(1, -1)`` of the full Hessian.

    ``rhs`` must be orthogonal to ``(1, -1)`` (:func:`null_space_projection`). Dropping
    entries leaves :math:`K_s` a tiny eigenvalue along that vector; projecting every product
    and preconditioned residual keeps CG out of it (a 1000 x 1000 Gaussian-mixture case: 9481
    iterations without, 39 with).

    Returns
    -------
    d : array
    iterations : int
    breakdown : bool
        True when a non-positive curvature ``p^T K p <= 0`` was met (then ``d`` is the last
        iterate before it).
    """
    xp, n = hessian.xp, hessian.n
    return cg(xp, hessian.matvec, lambda r: null_space_projection(xp, r / hessian.diag, n),
              rhs, rtol, max_iter, project=lambda q: null_space_projection(xp, q, n))
