"""numba kernels of the randomized sketching solvers (``numopt.linear.sketch``), with NumPy
reference versions used in the tests.

All kernels work on a CSR matrix given as ``(indptr, indices, data)`` and update the iterate
``x`` (and, where the sketch needs the whole residual, ``r = A x - b``) in place.

* Kaczmarz and block Kaczmarz read only the sampled rows' residual entries, computed from the
  row in O(nnz(A_i)); the full residual is formed once per check, never per step.
* The Gaussian and count sketches need ``S^T r`` for a dense sketch ``S``; they keep ``r``
  up to date with one extra mat-vec per step (``r <- r - A d``) instead of recomputing it.

Randomness: the row-sampling kernels take pre-drawn row indices, the Gaussian and
count-sketch kernels draw from the caller's ``numpy.random.Generator`` inside numba, so a
run is reproducible from ``seed=``.
"""

import numba
import numpy as np


@numba.njit(cache=True)
def kaczmarz_sweep(indptr, indices, data, b, row_norms_sq, rows, x):
    """Kaczmarz projections onto the rows ``rows`` in order (Strohmer & Vershynin 2009).

    ``x <- x - ((A_i x - b_i) / ||A_i||^2) A_i^T`` for each ``i`` in ``rows``; zero rows are
    skipped.
    """
    for i in rows:
        norm_sq = row_norms_sq[i]
        if norm_sq == 0.0:
            continue
        start, stop = indptr[i], indptr[i + 1]
        residual = -b[i]
        for k in range(start, stop):
            residual += data[k] * x[indices[k]]
        step = residual / norm_sq
        for k in range(start, stop):
            x[indices[k]] -= step * data[k]


@numba.njit(cache=True)
def block_kaczmarz_sweep(indptr, indices, data, b, order, block_size, x, work):
    """Block Kaczmarz over consecutive blocks of ``order`` (Needell & Tropp 2014, arXiv 1208.3805).

    For each block ``S`` of ``block_size`` rows: ``x <- x - A_S^T (A_S A_S^T)^+ (A_S x - b_S)``.
    ``work`` is a zero scratch vector of length ``n_cols`` (left zero on return).
    """
    n_steps = (order.shape[0] + block_size - 1) // block_size
    for s in range(n_steps):
        block = order[s * block_size:min((s + 1) * block_size, order.shape[0])]
        p = block.shape[0]
        gram = np.zeros((p, p))
        residual = np.empty(p)
        for a in range(p):
            i = block[a]
            value = -b[i]
            for k in range(indptr[i], indptr[i + 1]):
                work[indices[k]] = data[k]
                value += data[k] * x[indices[k]]
            residual[a] = value
            for c in range(a, p):
                j = block[c]
                acc = 0.0
                for k in range(indptr[j], indptr[j + 1]):
                    acc += data[k] * work[indices[k]]
                gram[a, c] = acc
                gram[c, a] = acc
            for k in range(indptr[i], indptr[i + 1]):
                work[indices[k]] = 0.0
        y = np.linalg.pinv(gram) @ residual
        for a in range(p):
            i = block[a]
            for k in range(indptr[i], indptr[i + 1]):
                x[indices[k]] -= y[a] * data[k]


@numba.njit(cache=True)
def _transpose_times(indptr, indices, data, s, out):
    out[:] = 0.0
    for i in range(indptr.shape[0] - 1):
        for k in range(indptr[i], indptr[i + 1]):
            out[indices[k]] += s[i] * data[k]


@numba.njit(cache=True)
def _update_residual(indptr, indices, data, d, scale, r):
    """``r <- r - scale * A d``; returns ``||r||^2``."""
    norm_sq = 0.0
    for i in range(indptr.shape[0] - 1):
        acc = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            acc += data[k] * d[indices[k]]
        r[i] -= scale * acc
        norm_sq += r[i] * r[i]
    return norm_sq


@numba.njit(cache=True)
def gaussian_sweep(indptr, indices, data, max_steps, target_sq, rng, x, r):
    """Gaussian vector sketch-and-project (Gower & Richtárik 2015, arXiv 1506.03296, with S = s).

    ``s ~ N(0, I)``, ``d = A^T s``, ``x <- x - (s^T r / ||d||^2) d``, ``r <- r - (..) A d``.
    Stops early once the maintained ``||r||^2 <= target_sq``; returns the steps taken.
    """
    n_rows = indptr.shape[0] - 1
    s = np.empty(n_rows)
    d = np.empty(x.shape[0])
    for step in range(max_steps):
        projection = 0.0
        for i in range(n_rows):
            s[i] = rng.standard_normal()
            projection += s[i] * r[i]
        _transpose_times(indptr, indices, data, s, d)
        d_norm_sq = np.dot(d, d)
        if d_norm_sq == 0.0:
            continue
        scale = projection / d_norm_sq
        x -= scale * d
        if _update_residual(indptr, indices, data, d, scale, r) <= target_sq:
            return step + 1
    return max_steps


@numba.njit(cache=True)
def count_sketch_sweep(indptr, indices, data, n_buckets, max_steps, target_sq, rng, x, r):
    """Count-sketch sketch-and-project (Gower & Richtárik 2015, arXiv 1506.03296; S a CountSketch).

    Each row is hashed to one of ``n_buckets`` buckets with a random sign; ``M = S^T A``,
    ``x <- x - M^T (M M^T)^+ S^T r`` and ``r <- r - A (M^T (..))``. Stops early once the
    maintained ``||r||^2 <= target_sq``; returns the steps taken.
    """
    n_rows = indptr.shape[0] - 1
    sketched = np.empty((n_buckets, x.shape[0]))
    projected = np.empty(n_buckets)
    for step in range(max_steps):
        sketched[:] = 0.0
        projected[:] = 0.0
        for i in range(n_rows):
            bucket = rng.integers(0, n_buckets)
            sign = 1.0 if rng.random() < 0.5 else -1.0
            projected[bucket] += sign * r[i]
            for k in range(indptr[i], indptr[i + 1]):
                sketched[bucket, indices[k]] += sign * data[k]
        y = np.linalg.pinv(sketched @ sketched.T) @ projected
        d = sketched.T @ y
        x -= d
        if _update_residual(indptr, indices, data, d, 1.0, r) <= target_sq:
            return step + 1
    return max_steps


# ------------------------------------------------------------------ NumPy references (tests)
def kaczmarz_sweep_reference(A, b, rows, x):
    """Dense NumPy version of :func:`kaczmarz_sweep` (returns a new ``x``)."""
    x = x.copy()
    for i in rows:
        norm_sq = A[i] @ A[i]
        if norm_sq > 0:
            x -= (A[i] @ x - b[i]) / norm_sq * A[i]
    return x


def block_kaczmarz_sweep_reference(A, b, order, block_size, x):
    """Dense NumPy version of :func:`block_kaczmarz_sweep` (returns a new ``x``)."""
    x = x.copy()
    for start in range(0, len(order), block_size):
        rows = order[start:start + block_size]
        A_s = A[rows]
        x -= A_s.T @ (np.linalg.pinv(A_s @ A_s.T) @ (A_s @ x - b[rows]))
    return x


def sketch_project_reference(A, b, S, x):
    """One dense sketch-and-project step ``x - A^T S (S^T A A^T S)^+ S^T (A x - b)``."""
    M = S.T @ A
    return x - M.T @ (np.linalg.pinv(M @ M.T) @ (S.T @ (A @ x - b)))
