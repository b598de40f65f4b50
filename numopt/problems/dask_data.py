r"""Structured problems on dask arrays chunked by rows: fused one-pass oracles.

A generalized linear model's objective is a sum over samples,
:math:`f(x) = \sum_{i} \phi_i(a_i^\top x) + \tfrac{l_2}{2}\|x\|^2`, so its value, gradient
and Hessian (or Gauss–Newton matrix) are sums over row blocks
:math:`A_{(j)}`:

.. math::

    f = \sum_j \mathbf 1^\top\phi(A_{(j)}x),\quad
    \nabla f = \sum_j A_{(j)}^\top \phi'(A_{(j)}x),\quad
    \nabla^2 f = \sum_j A_{(j)}^\top \operatorname{diag}(\phi''(A_{(j)}x)) A_{(j)}.

Every oracle here is **one pass** over the chunks: one task per row block computing its
partial sums (NumPy, CuPy or scipy.sparse blocks, by the same code; a NumPy block is swept
once, in cache-sized row tiles) and a sum of the small results. On a ``dask.distributed``
client a pass is one ``client.map`` over the persisted chunks, summed on the client (no task
graph is built per pass); on dask's local schedulers it is one ``dask.compute`` of a tree
sum. A pass asked for the value also returns the gradient (they share :math:`A_{(j)}x`), and
a pass asked for the Hessian returns all three, so Newton, lazy Newton and cubic Newton cost
one pass per Hessian and one per gradient-only step (line-search trials included). Only
:math:`d`-vectors and :math:`d\times d` matrices travel to the client, where the small
algebra runs. The data is persisted once, at construction (on the default
``dask.distributed`` client when one exists). :attr:`DaskRows.passes` counts the passes.

Works unchanged on a ``dask.distributed.Client`` (``LocalCluster`` or a scheduler address):
``dask.compute`` and ``persist`` use the default client.
"""

import threading

import numpy as np
import scipy.sparse as sp

from ..backend import to_numpy
from ..errors import InvalidProblemError


def is_dask_array(a):
    """True for a ``dask.array.Array`` (without importing dask.array when absent).

    Examples
    --------
    >>> import numpy as np
    >>> is_dask_array(np.ones(2))
    False
    """
    return type(a).__module__.startswith("dask.array") and hasattr(a, "chunks")


def _block_namespace(block):
    if sp.issparse(block):
        return np  # scipy.sparse blocks: products with NumPy vectors give NumPy arrays
    import array_api_compat

    return array_api_compat.array_namespace(block)


def _entries(A):
    """The stored entries of a block (``.data`` of a scipy.sparse block)."""
    return A.data if sp.issparse(A) else A


def check_block_type(A, name):
    """Raise unless the blocks of dask array ``A`` are NumPy, CuPy or scipy.sparse arrays."""
    meta = getattr(A, "_meta", None)
    if meta is None or isinstance(meta, np.ndarray) or sp.issparse(meta):
        return
    if type(meta).__module__.split(".")[0] == "cupy":
        return
    raise InvalidProblemError(
        f"{name} has blocks of type {type(meta).__module__}.{type(meta).__name__}; the block "
        "kernels take NumPy, CuPy or scipy.sparse blocks: convert them, e.g. "
        f"{name} = {name}.map_blocks(lambda b: b.to_scipy_sparse().tocsr()) for pydata "
        "sparse blocks."
    )


def _host(value):
    return np.asarray(to_numpy(value), dtype=np.float64)


class DaskRows:
    """Row-chunked design matrix ``A`` and per-row targets, persisted once, with counted
    one-pass reductions.

    Parameters
    ----------
    A : dask.array.Array, shape (m, d)
        Chunked by rows only (one chunk across the columns).
    targets : dask.array.Array or array_like, shape (m,)
        Chunked exactly like the rows of ``A`` (NumPy input is chunked to match).
    names : tuple of str
        Argument names for messages (``("A", "b")``).

    Attributes
    ----------
    passes : int
        Passes over the data so far (one per ``client.map`` or ``dask.compute``).
    progress : bool
        Show a progress bar per pass (``problem.progress = True``).

    Raises
    ------
    InvalidProblemError
        ``A`` not 2-D, split across columns, or ``targets`` of another length or chunking.
    """

    def __init__(self, A, targets, names=("A", "b")):
        import dask
        import dask.array as da

        a_name, t_name = names
        if A.ndim != 2:
            raise InvalidProblemError(f"{a_name} must be 2-dimensional, got shape {A.shape}.")
        if A.numblocks[1] != 1:
            raise InvalidProblemError(
                f"{a_name} is split into {A.numblocks[1]} chunks across its columns; chunk it by "
                f"rows only, e.g. {a_name} = {a_name}.rechunk({{1: -1}}) (each row block holds "
                "whole samples)."
            )
        if any(np.isnan(c) for c in A.chunks[0]):
            raise InvalidProblemError(
                f"{a_name} has unknown chunk sizes; call {a_name}.compute_chunk_sizes() first."
            )
        check_block_type(A, a_name)
        rows = A.chunks[0]
        if not is_dask_array(targets):
            targets = np.asarray(targets)
            if targets.shape[:1] != (A.shape[0],):
                raise InvalidProblemError(
                    f"{t_name} must have shape ({A.shape[0]},) to match the rows of {a_name}, "
                    f"got {targets.shape}."
                )
            targets = da.from_array(targets, chunks=(rows,))
        if targets.shape[:1] != (A.shape[0],) or targets.ndim != 1:
            raise InvalidProblemError(
                f"{t_name} must have shape ({A.shape[0]},) to match the rows of {a_name}, got "
                f"{targets.shape}."
            )
        if targets.chunks[0] != rows:
            raise InvalidProblemError(
                f"{t_name} is chunked {targets.chunks[0]} but the rows of {a_name} are chunked "
                f"{rows}; the chunks must be aligned by rows: {t_name} = "
                f"{t_name}.rechunk({a_name}.chunks[0])."
            )
        A, targets = dask.persist(A, targets)
        self.A, self.targets = A, targets
        self.shape = tuple(int(s) for s in A.shape)
        self.chunks = rows
        self.passes = 0
        self.progress = False
        self._blocks = list(zip(A.to_delayed().ravel(), targets.to_delayed().ravel(),
                                strict=True))
        self._client, self._groups = _chunk_futures(A, targets)

    def reduce(self, block_fn, *args):
        """Sum ``block_fn(A_block, target_block, *args)`` (a tuple of arrays) over the row
        blocks in one pass; the sums come back as host NumPy arrays.

        On a ``dask.distributed`` client (data persisted there) a pass is one ``client.map``
        over the persisted chunks (one task per worker thread, summing the chunks that worker
        holds) and a sum of the small results on the client: no task graph is built,
        optimized or walked per pass. On the local schedulers it is one
        ``dask.compute`` of a tree sum.
        """
        self.passes += 1
        if self._client is not None:
            return self._reduce_distributed(block_fn, args)
        import dask

        parts = [dask.delayed(block_fn, pure=True)(a, t, *args) for a, t in self._blocks]
        while len(parts) > 1:  # a binary tree sum
            parts = [dask.delayed(_add)(*parts[i:i + 2]) if i + 1 < len(parts) else parts[i]
                     for i in range(0, len(parts), 2)]
        if not self.progress:
            (total,) = dask.compute(parts[0])
            return total
        return _with_progress(parts[0])

    def _reduce_distributed(self, block_fn, args):
        client = self._client
        blocks, targets = zip(*self._groups, strict=True)
        futures = client.map(_group_task, blocks, targets, block_fn=block_fn, block_args=args,
                             pure=False)
        if self.progress:
            from distributed import progress

            progress(futures)
        parts = client.gather(futures)
        total = parts[0]
        for part in parts[1:]:
            total = _add(total, part)
        return total

    def max_label(self):
        """The largest target value (one pass, not counted)."""
        import dask.array as da

        return float(da.max(self.targets).compute())

    def check(self, name, block_fn):
        """Run a validation ``block_fn(A_block, t_block) -> (bad_count,)`` in one pass and
        raise when it is not zero."""
        (bad,) = self.reduce(block_fn)
        self.passes -= 1  # validation at construction is not an oracle pass
        if bad:
            raise InvalidProblemError(name(int(bad)))


def _with_progress(graph):
    """Compute one pass with a progress bar: dask.distributed's ``progress`` on a client,
    ``dask.diagnostics.ProgressBar`` on the local schedulers."""
    try:
        from distributed import default_client, progress

        client = default_client()
    except (ImportError, ValueError):
        from dask.diagnostics import ProgressBar

        with ProgressBar():
            return graph.compute()
    future = client.compute(graph)
    progress(future)
    return future.result()


def _add(a, b):
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _chunk_futures(A, targets):
    """``(client, groups)`` for data persisted on a ``dask.distributed`` client, else
    ``(None, None)`` (data on a local scheduler).

    ``groups`` lists ``(A chunk futures, target chunk futures)``, one per task of a pass: the
    chunks a worker holds, split among its threads, so a pass is one task per worker thread
    (each summing its chunks where they live) and as many small results to the client. The
    placement is read once, here; chunks that move later are fetched by dask, still correct.
    """
    try:
        from distributed import futures_of, wait
    except ImportError:
        return None, None
    found = {f.key: f for f in futures_of(A) + futures_of(targets)}
    keys_a = [k for row in A.__dask_keys__() for k in row]
    keys_t = list(targets.__dask_keys__())
    if not found or any(k not in found for k in keys_a + keys_t):
        return None, None
    a_futures = [found[k] for k in keys_a]
    t_futures = [found[k] for k in keys_t]
    client = a_futures[0].client
    wait(a_futures + t_futures)
    holders = client.who_has(a_futures)
    threads = client.nthreads()
    by_worker = {}
    for i, f in enumerate(a_futures):
        by_worker.setdefault(min(holders.get(f.key) or ("",)), []).append(i)
    groups = []
    for worker, chunks in by_worker.items():
        n = max(1, min(len(chunks), threads.get(worker, 1)))
        groups += [chunks[j::n] for j in range(n)]
    return client, [([a_futures[i] for i in g], [t_futures[i] for i in g]) for g in groups]


def _group_task(blocks, targets, block_fn, block_args):
    """One distributed task: the summed ``block_fn`` results of a group of chunks."""
    total = None
    for a, t in zip(blocks, targets, strict=True):
        part = block_fn(a, t, *block_args)
        total = part if total is None else _add(total, part)
    return total


class FusedCache:
    """The last point's value, gradient and (when computed) Hessian."""

    def __init__(self):
        self.x = None
        self.value = self.gradient = self.hessian = None

    def get(self, x, need_hessian):
        """This cache when it holds ``x`` (and a Hessian when needed), else None."""
        if self.x is None or self.x.shape != x.shape or not np.array_equal(self.x, x):
            return None
        if need_hessian and self.hessian is None:
            return None
        return self

    def store(self, x, value, gradient, hessian):
        """Remember the oracles at ``x``."""
        self.x = np.array(x, dtype=np.float64, copy=True)
        self.value, self.gradient, self.hessian = value, gradient, hessian


class DaskOracles:
    """Mixin giving a structured problem fused one-pass dask oracles.

    A subclass sets ``self.data`` (:class:`DaskRows`), ``self._cache`` (:class:`FusedCache`)
    and the module-level (picklable) block kernels ``_block_task(A, t, x, want_hessian,
    *_block_args)`` returning ``(value, gradient, hessian_or_0)`` partial sums of one row
    block (computed in the block's namespace, copied to the host at the end) and
    ``_hvp_task(A, t, x, v, *_block_args)``.
    """

    @property
    def passes(self):
        """Passes over the data so far."""
        return self.data.passes

    @property
    def progress(self):
        """Show a progress bar for each pass over the data (default False)."""
        return self.data.progress

    @progress.setter
    def progress(self, value):
        self.data.progress = bool(value)

    def arrays(self):
        return ()

    def reset_counts(self):
        """Zero the oracle counts (each run) and forget which points asked for a Hessian,
        so a run does not inherit the previous method's Hessian streak."""
        super().reset_counts()
        self._hessian_streak = []

    _constant_hessian = False
    _block_args = ()

    def _fused(self, x, need_hessian):
        x = np.asarray(to_numpy(x), dtype=np.float64)
        cached = self._cache.get(x, need_hessian)
        if self._cache.get(x, False) is None:
            # a new point: fold the Hessian into this pass when the last two points both
            # asked for one (Newton-type runs: one pass per iteration, not two); a lazy
            # Hessian schedule breaks the streak and pays nothing extra
            streak = getattr(self, "_hessian_streak", [])
            prefetch = len(streak) == 2 and all(streak) and not self._constant_hessian
            self._hessian_streak = (streak + [need_hessian])[-2:]
            need_hessian = need_hessian or prefetch
        elif need_hessian:
            self._hessian_streak[-1] = True
        if cached is None and need_hessian and self._constant_hessian and self._gram is not None:
            cached = self._cache.get(x, False) or self._fused(x, False)
            cached.hessian = self._gram + self.l2 * np.eye(x.size)
            return cached
        if cached is None:
            value, gradient, hessian = self.data.reduce(self._block_task, x, need_hessian,
                                                        *self._block_args)
            value = float(value) + 0.5 * self.l2 * float(x @ x)
            gradient = np.asarray(gradient, dtype=np.float64) + self.l2 * x
            if need_hessian:
                hessian = np.array(hessian, dtype=np.float64)
                _symmetrize(hessian)
                if self._constant_hessian:
                    self._gram = hessian.copy()
                hessian += self.l2 * np.eye(x.size)
            else:
                hessian = None
            self._cache.store(x, value, gradient, hessian)
            cached = self._cache
        return cached

    def _smooth(self, x):
        return self._fused(x, False).value

    def _gradient(self, x):
        return self._fused(x, False).gradient.copy()

    def _hessian(self, x):
        return self._fused(x, True).hessian.copy()

    def _hessian_vector(self, x, v):
        x = np.asarray(to_numpy(x), dtype=np.float64)
        v = np.asarray(to_numpy(v), dtype=np.float64)
        cached = self._cache.get(x, True)
        if cached is not None:
            return cached.hessian @ v
        (hv,) = self.data.reduce(self._hvp_task, x, v, *self._block_args)
        return np.asarray(hv, dtype=np.float64) + self.l2 * v

    def partial_grad(self, x, idx):
        """Gradient entries ``idx`` (from the one-pass gradient)."""
        return self._gradient(x)[idx]

    def block_hess(self, x, idx):
        """Dense Hessian block on ``idx`` (from the one-pass Hessian)."""
        idx = np.atleast_1d(idx)
        return self._hessian(x)[np.ix_(idx, idx)]

    def optimum(self):
        return None


def _symmetrize(H):
    """Fill the lower triangle from the upper one (``syrk`` writes only one triangle)."""
    lower = np.tril_indices(H.shape[0], -1)
    H[lower] = H.T[lower]


def new_gram(xp, A):
    """A zero ``d x d`` accumulator for :func:`add_gram` (Fortran order for BLAS)."""
    if _blas_block(A):
        return np.zeros((A.shape[1], A.shape[1]), order="F")
    return xp.zeros((A.shape[1], A.shape[1]), dtype=A.dtype)


def add_gram(xp, H, A, r=None):
    r"""``H + (diag(r) A)^T (diag(r) A)`` (``r`` None: ``H + AᵀA``), on NumPy float64 as a
    symmetric rank-k update (BLAS ``syrk``: half the flops of a general product) accumulating
    into ``H`` in place; only the upper triangle is guaranteed (see :func:`_symmetrize`)."""
    if _blas_block(A):
        from scipy.linalg.blas import dsyrk

        if r is None:
            B = A
        else:
            # diag(r) A written into a per-thread buffer reused across tiles and passes (a
            # fresh temporary per tile costs as much as the syrk itself in page faults)
            B = _buffer(A.shape)
            np.multiply(A, r[:, None], out=B)
        # dsyrk on the Fortran view B^T: C = (B^T)(B^T)^T = B^T B, upper triangle
        return dsyrk(1.0, B.T, beta=1.0, c=H, lower=0, overwrite_c=1)
    if sp.issparse(A):
        B = A if r is None else sp.diags(r) @ A
        return H + (B.T @ B).toarray()
    B = A if r is None else A * r[:, None]
    return H + xp.matmul(B.T, B)


def _blas_block(A):
    return isinstance(A, np.ndarray) and A.dtype == np.float64 and A.flags.c_contiguous


#: bytes of one row tile of a NumPy block (about 1 500 rows at d = 100): the kernels stream
#: each tile through the cache once for ``A x``, the weights, ``Aᵀ r`` and the Gram update,
#: instead of reading the whole block from memory two or three times
TILE_BYTES = 3 << 19


def row_tiles(A):
    """Row slices covering ``A``: tiles of about :data:`TILE_BYTES` (at least 256 rows) for a
    NumPy block, the whole block otherwise (a CuPy block is one large kernel per step).

    Examples
    --------
    >>> import numpy as np
    >>> [(s.start, s.stop) for s in row_tiles(np.zeros((700, 1000)))]
    [(0, 256), (256, 512), (512, 700)]
    """
    m = A.shape[0]
    if not isinstance(A, np.ndarray):
        return (slice(None),)
    rows = max(256, TILE_BYTES // max(1, A.shape[1] * A.itemsize))
    return tuple(slice(i, min(i + rows, m)) for i in range(0, m, rows))


_BUFFERS = threading.local()


def _buffer(shape):
    """A float64 scratch array of ``shape`` (a leading slice of a per-thread buffer that grows
    as needed; one per worker thread)."""
    buf = getattr(_BUFFERS, "array", None)
    if buf is None or buf.shape[1:] != shape[1:] or buf.shape[0] < shape[0]:
        buf = _BUFFERS.array = np.empty(shape)
    return buf[:shape[0]]


def hessian_pass_flops(m, d):
    """Floating-point work of one fused value+gradient+Hessian pass (for reports)."""
    return m * d * (d + 4)


def host_tuple(*values):
    """Block results as host float64 arrays (a CuPy block's sums are copied once)."""
    return tuple(_host(v) for v in values)


def _finite_count_block(A, t):
    xp = _block_namespace(A)
    bad = xp.sum(~xp.isfinite(_entries(A))) + xp.sum(~xp.isfinite(t))
    return host_tuple(bad)


def check_finite(data, names=("A", "b")):
    """One validation pass: NaN/inf anywhere in the data raises (not counted in passes)."""
    data.check(lambda bad: f"{names[0]} or {names[1]} contains {bad} NaN or inf entries; "
               "clean the data before building the problem.", _finite_count_block)


def least_squares_block(A, b, x, want_hessian):
    """Partial sums of ``½‖A x − b‖²``, ``Aᵀ(Ax − b)`` and ``AᵀA`` for one row block (one
    sweep over its row tiles)."""
    xp = _block_namespace(A)
    x = xp.asarray(x, dtype=A.dtype)
    value, gradient = 0.0, xp.zeros(A.shape[1], dtype=A.dtype)
    hessian = new_gram(xp, A) if want_hessian else 0.0
    for rows in row_tiles(A):
        tile = A if rows == slice(None) else A[rows]
        r = tile @ x - b[rows]
        value += xp.vecdot(r, r)
        gradient += tile.T @ r
        if want_hessian:
            hessian = add_gram(xp, hessian, tile)
    return host_tuple(0.5 * value, gradient, hessian)


def least_squares_hvp_block(A, b, x, v):
    """``Aᵀ A v`` for one row block."""
    xp = _block_namespace(A)
    return host_tuple(A.T @ (A @ xp.asarray(v, dtype=A.dtype)))


def logistic_block(A, y, x, want_hessian):
    r"""Partial sums of the logistic loss, its gradient and Hessian for one row block (one
    sweep over its row tiles; a value+gradient pass over a NumPy float64 block is one compiled
    sweep over its rows, :func:`numopt.problems._dask_kernels.logistic_value_gradient`).

    With :math:`z = y \odot A x` and :math:`e = e^{-|z|}` (no overflow):
    :math:`\log(1 + e^{-z}) = \log(1 + e) + \max(-z, 0)`,
    :math:`\sigma(-z) = e/(1+e)` for :math:`z > 0` and :math:`1/(1+e)` otherwise, and the
    Hessian weight :math:`\sigma(z)\sigma(-z) = e/(1+e)^2`.
    """
    xp = _block_namespace(A)
    if not want_hessian and _blas_block(A) and isinstance(y, np.ndarray):
        from ._dask_kernels import logistic_value_gradient  # one compiled sweep

        value, gradient = logistic_value_gradient(
            A, np.ascontiguousarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64))
        return host_tuple(value, gradient, 0.0)
    x = xp.asarray(x, dtype=A.dtype)
    value, gradient = 0.0, xp.zeros(A.shape[1], dtype=A.dtype)
    hessian = new_gram(xp, A) if want_hessian else 0.0
    for rows in row_tiles(A):
        tile = A if rows == slice(None) else A[rows]
        labels = y[rows]
        z = labels * (tile @ x)
        e = xp.exp(-xp.abs(z))
        q = 1.0 / (1.0 + e)
        value += xp.sum(xp.log1p(e)) + xp.sum(xp.maximum(-z, xp.zeros_like(z)))
        gradient += tile.T @ (-labels * xp.where(z > 0, e * q, q))
        if want_hessian:
            hessian = add_gram(xp, hessian, tile, xp.sqrt(e) * q)
    return host_tuple(value, gradient, hessian)


def logistic_hvp_block(A, y, x, v):
    """``Aᵀ diag(σ(1−σ)) A v`` for one row block."""
    xp = _block_namespace(A)
    z = y * (A @ xp.asarray(x, dtype=A.dtype))
    s = xp.exp(-xp.logaddexp(xp.zeros_like(z), z))
    return host_tuple(A.T @ (s * (1.0 - s) * (A @ xp.asarray(v, dtype=A.dtype))))


def logistic_labels_block(A, y):
    """Count labels outside {−1, +1} and non-finite entries of one block."""
    xp = _block_namespace(A)
    bad = xp.sum(~xp.isfinite(_entries(A))) + xp.sum((y != 1.0) & (y != -1.0))
    return host_tuple(bad)


def _softmax_parts(xp, A, labels, x, n_classes):
    d = A.shape[1]
    W = xp.reshape(xp.asarray(x, dtype=A.dtype), (d, n_classes))
    S = A @ W
    top = xp.max(S, axis=1, keepdims=True)
    E = xp.exp(S - top)
    total = xp.sum(E, axis=1, keepdims=True)
    P = E / total
    Y = xp.astype(xp.reshape(labels, (-1, 1)) == xp.reshape(
        xp.arange(n_classes, dtype=labels.dtype), (1, -1)), A.dtype)
    return S, top, total, P, Y


def softmax_block(A, labels, x, want_hessian, n_classes):
    """Partial sums of the softmax loss, gradient and Hessian for one row block."""
    xp = _block_namespace(A)
    S, top, total, P, Y = _softmax_parts(xp, A, labels, x, n_classes)
    value = xp.sum(top) + xp.sum(xp.log(total)) - xp.sum(S * Y)
    gradient = xp.reshape(A.T @ (P - Y), (-1,))
    hessian = 0.0
    if want_hessian:
        d, K = A.shape[1], n_classes
        blocks = [[_weighted_cross(xp, A, P[:, k] * ((k == j) - P[:, j])) for j in range(K)]
                  for k in range(K)]
        hessian = xp.reshape(xp.stack([xp.stack(row, axis=2) for row in blocks], axis=1),
                             (d * K, d * K))
    return host_tuple(value, gradient, hessian)


def _weighted_cross(xp, A, w):
    """``Aᵀ diag(w) A`` (any sign of ``w``) for a dense or scipy.sparse block."""
    if sp.issparse(A):
        return (A.T @ (sp.diags(w) @ A)).toarray()
    return xp.matmul(A.T * w, A)


def softmax_hvp_block(A, labels, x, v, n_classes):
    """Softmax Hessian-vector product for one row block."""
    xp = _block_namespace(A)
    _, _, _, P, _ = _softmax_parts(xp, A, labels, x, n_classes)
    AV = A @ xp.reshape(xp.asarray(v, dtype=A.dtype), (A.shape[1], n_classes))
    inner = P * AV - P * xp.sum(P * AV, axis=1, keepdims=True)
    return host_tuple(xp.reshape(A.T @ inner, (-1,)))


def softmax_labels_block(A, labels):
    """``(bad entries, largest label)`` of one block (labels must be integers >= 0)."""
    xp = _block_namespace(A)
    bad = (xp.sum(~xp.isfinite(_entries(A))) + xp.sum(labels < 0)
           + xp.sum(xp.astype(labels, xp.float64) != xp.round(xp.astype(labels, xp.float64))))
    return host_tuple(bad)
