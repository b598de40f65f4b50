r"""Online (matrix-free) log-sum-exp kernels for point clouds, with kernel truncation.

For source points ``X`` (``n x d``), target points ``Y`` (``m x d``, stored transposed as
``YT``, ``d x m``, so a tile of targets is contiguous per coordinate), potentials ``g`` and
a shift guess ``s_i`` of ``reg · LSE_i``, the row kernel computes

.. math:: \mathrm{LSE}_j\big((g_j - c(x_i, y_j))/\mathrm{reg}\big)

one tile of targets at a time: the costs of the tile are computed into a small buffer,
exponentiated with :func:`numopt.transport._kernels.fast_exp` and summed, so nothing of size
``n x m`` ever exists (memory O(n + m)), and rows run in parallel. The column log-sum-exp is
the same kernel with the roles of the clouds swapped.

**Kernel truncation** (Schmitzer 2019, "Stabilized sparse scaling algorithms for entropy
regularized transport problems", SIAM J. Sci. Comput. 41(3), arXiv 1610.06519, Sec. 3.3 and
its multiscale scheme Sec. 4; Feydy 2020, GeomLoss's block-sparse reductions, PhD thesis
Sec. 3.2): the targets are sorted by the leaves of a k-d tree
(:class:`scipy.spatial.cKDTree`), each leaf a tile with its bounding box and the largest
``g`` in it. For row ``i`` a tile is skipped when even its best entry,
``max g - (lower bound of the cost to the box) - s_i``, is below ``-T · reg``: every skipped
term is below ``e^{-T}`` relative to ``e^{s_i/reg}``. A row whose kept sum falls below
``e^{-gap}`` (the guess was far too high) or above ``e^{LSE_SAFE}`` is redone with its
exact maximum as the shift (found with the same tile bounds: a tile whose bound is below the
best entry so far cannot hold the maximum; the maximum's tile is then kept, so the kept sum
is at least 1), so each dropped term is at most ``e^{-(T - gap)}`` of the row's total and
all of them together at most ``m·e^{-(T - gap)}`` (:class:`numopt.transport.cloud.CloudOps`
picks ``T`` from that bound).

Costs: squared Euclidean and Euclidean (truncation available: the box bound is exact), or a
numba-jitted ``cost(u, v)`` of two coordinate vectors (no bound, so no truncation).
"""

import math

import numba
import numpy as np

from ..backend.threads import kernel_threads, run_with_threads, serial_twin
from ._kernels import LSE_SAFE, _sum, fast_exp

CHUNK = 512  # targets per buffer of exp terms (8 KiB, stays in L1)
SAFE_GAP = 10.0  # a truncated row sum must be >= e^-SAFE_GAP (else redone exactly)
#: LLVM may fuse a*b + c into one FMA in the exp loops (one rounding less: 1.5x faster,
#: measured; the exp's rounding trick holds, results move by an ulp); not reassociation
CONTRACT = {"contract"}


@numba.njit(inline="always", cache=True)
def _box_cost(x, lo, hi, euclid):
    """Lower bound of the cost from point ``x`` to any point of the box ``[lo, hi]``."""
    total = 0.0
    for k in range(x.size):
        gap = max(lo[k] - x[k], 0.0, x[k] - hi[k])
        total += gap * gap
    return math.sqrt(total) if euclid else total


@numba.njit(inline="always", cache=True)
def _tile_costs(x, YT, Y, j0, j1, euclid, cost_fn, cbuf):
    """``cbuf[:j1 - j0] = c(x, y_j)`` for the targets ``j0 <= j < j1``.

    The loops run over views that start at index 0 (``YT[k, j0:j1]``): with an offset
    index LLVM does not vectorize them (2.3x slower, measured)."""
    w = j1 - j0
    if cost_fn is None:
        for jj in range(w):
            cbuf[jj] = 0.0
        for k in range(x.size):
            xk = x[k]
            row = YT[k, j0:j1]
            for jj in range(w):
                diff = xk - row[jj]
                cbuf[jj] += diff * diff
        if euclid:
            for jj in range(w):
                cbuf[jj] = math.sqrt(cbuf[jj])
    else:
        for jj in range(w):
            cbuf[jj] = cost_fn(x, Y[j0 + jj])


@numba.njit(inline="always", cache=True)
def _fused_sqeuclid_3d(x, r0, r1, r2, gs, shift, inv, ebuf):
    """``ebuf[j] = exp((gs[j] - ||x - y_j||^2 - shift) / reg)`` in one loop (3-D)."""
    x0, x1, x2 = x[0], x[1], x[2]
    for jj in range(gs.size):
        d0 = x0 - r0[jj]
        d1 = x1 - r1[jj]
        d2 = x2 - r2[jj]
        ebuf[jj] = fast_exp((gs[jj] - (d0 * d0 + d1 * d1 + d2 * d2) - shift) * inv)


@numba.njit(inline="always", cache=True)
def _exp_terms(gs, cs, shift, inv, ebuf):
    for jj in range(gs.size):
        ebuf[jj] = fast_exp((gs[jj] - cs[jj] - shift) * inv)


@numba.njit(inline="always", cache=True)
def _span_sum(x, YT, Y, g, j0, j1, euclid, cost_fn, shift, inv, weighted, cbuf, ebuf):
    """``(sum_j e^{(g_j - c_ij - shift)/reg}, sum_j c_ij e^{...})`` over ``j0 <= j < j1``,
    in chunks of the buffers' length; squared Euclidean costs in 3-D in one fused loop."""
    total = 0.0
    wtotal = 0.0
    chunk = ebuf.size
    for s in range(j0, j1, chunk):
        e = min(j1, s + chunk)
        w = e - s
        if cost_fn is None and x.size == 3 and not euclid and not weighted:
            _fused_sqeuclid_3d(x, YT[0, s:e], YT[1, s:e], YT[2, s:e], g[s:e], shift, inv,
                               ebuf)
        else:
            _tile_costs(x, YT, Y, s, e, euclid, cost_fn, cbuf)
            _exp_terms(g[s:e], cbuf[:w], shift, inv, ebuf)
            if weighted:
                for jj in range(w):
                    wtotal += ebuf[jj] * cbuf[jj]
        total += _sum(ebuf[:w])
    return total, wtotal


# a call per row (inlined three times it doubled compile time), compiled with FMA
# contraction: its inlined exp loops then take one rounding less (1.5x faster, measured)
@numba.njit(fastmath=CONTRACT, cache=True)
def _row_pass(x, YT, Y, g, starts, lo, hi, gmax, euclid, cost_fn, shift, inv, cut, sure,
              weighted, cbuf, ebuf, tiles, count):
    """``(sum, weighted sum, bound)`` over the tiles ``tiles[:count]`` (ascending) of one
    row, skipping tiles whose bound is below ``shift - cut`` (``cut = T · reg``; inf keeps
    every tile); ``bound`` adds up ``size · e^{(tile bound - shift)/reg}`` of the skipped
    tiles above ``shift - sure``. Runs of kept, adjacent tiles are summed as one span."""
    total = 0.0
    wtotal = 0.0
    dropped = 0.0
    span = -1  # start of the current run of kept tiles
    end = -1
    for k in range(count + 1):
        keep = k < count
        c = tiles[k] if keep else 0
        if keep and cut < np.inf:
            top = gmax[c] - _box_cost(x, lo[c], hi[c], euclid) - shift
            keep = top >= -cut
            if not keep and top >= -sure:
                dropped += (starts[c + 1] - starts[c]) * fast_exp(top * inv)
        if span >= 0 and not (keep and starts[c] == end):  # the run ends here
            t, wt = _span_sum(x, YT, Y, g, span, end, euclid, cost_fn, shift, inv,
                              weighted, cbuf, ebuf)
            total += t
            wtotal += wt
            span = -1
        if keep:
            if span < 0:
                span = starts[c]
            end = starts[c + 1]
    return total, wtotal, dropped


@numba.njit(inline="always", cache=True)
def _block_tiles(X, r0, r1, shift, lo, hi, gmax, euclid, sure, tiles):
    """Tiles that may matter to any of the rows ``r0 <= i < r1``: those whose bound from
    the rows' bounding box and their smallest shift is above ``-sure`` (a tile below it is
    below it for every row, so it falls in the pass's ``m·e^-sure`` remainder). Returns
    their count (written to ``tiles``, ascending); all tiles when a shift is missing."""
    d = X.shape[1]
    blo = X[r0].copy()
    bhi = X[r0].copy()
    low = np.inf
    for i in range(r0, r1):
        for k in range(d):
            blo[k] = min(blo[k], X[i, k])
            bhi[k] = max(bhi[k], X[i, k])
        low = min(low, shift[i])
    ntiles = gmax.size
    if not (sure < np.inf and math.isfinite(low)):
        for c in range(ntiles):
            tiles[c] = c
        return ntiles
    count = 0
    for c in range(ntiles):
        total = 0.0
        for k in range(d):
            gap = max(lo[c, k] - bhi[k], 0.0, blo[k] - hi[c, k])
            total += gap * gap
        bound = gmax[c] - (math.sqrt(total) if euclid else total) - low
        if bound >= -sure:
            tiles[count] = c
            count += 1
    return count


@numba.njit(inline="always", cache=True)
def _row_peak(x, YT, Y, g, starts, lo, hi, gmax, euclid, cost_fn, bounded, cbuf):
    """``max_j (g_j - c(x, y_j))``; with ``bounded`` a tile whose bound cannot beat the best
    entry so far is skipped."""
    best = -np.inf
    chunk = cbuf.size
    for c in range(starts.size - 1):
        if bounded and gmax[c] - _box_cost(x, lo[c], hi[c], euclid) <= best:
            continue
        for s in range(starts[c], starts[c + 1], chunk):
            e = min(starts[c + 1], s + chunk)
            _tile_costs(x, YT, Y, s, e, euclid, cost_fn, cbuf)
            for jj in range(e - s):
                best = max(best, g[s + jj] - cbuf[jj])
    return best


def cloud_lse(X, YT, Y, g, shift, reg, starts, lo, hi, gmax, euclid, cost_fn, truncate, sure,
              delta, gap, out, wout, bout):
    """``out[i] = LSE_j((g[j] - c(X[i], Y[j])) / reg)`` over the tiles ``starts`` of the
    targets (``Y`` sorted by tile; ``lo``, ``hi`` the tiles' boxes, ``gmax`` the largest
    ``g`` of each tile).

    ``shift[i]`` guesses ``reg * out[i]`` (NaN: none). Truncation (tiles are always kept
    for a callable cost, and with ``truncate = inf``): a tile is skipped when its bound is
    below ``e^-truncate`` of ``e^{shift/reg}``; the skipped tiles' bounds above
    ``e^-sure`` are added up (``D``), those below count as ``m·e^-sure`` together (``m``
    the number of targets). A row is accepted when its kept sum ``S`` (relative to
    ``e^{shift/reg}``) lies in ``(e^-gap, e^LSE_SAFE)`` and ``D + m·e^-sure <= delta·S``;
    otherwise it is redone with its exact maximum as the shift (``S >= 1``), and if the
    bound still fails, once more at depth ``sure``. So every accepted row drops at most
    ``delta`` of its kept sum when ``m·e^-sure <= delta`` (``delta = inf``: no bound test,
    the row drops at most ``m·e^-(truncate - gap)``), and ``out`` is below the exact value
    by at most ``log(1 + delta)``. ``bout[i]`` (when it has ``n`` entries) receives
    ``(D + m·e^-sure) / S`` of the accepted pass. When ``wout`` has ``n`` entries it
    receives the plan-weighted mean cost of each row, ``sum_j P_ij c_ij / sum_j P_ij``
    (for ``<P, C>``). Rows run in parallel in blocks.
    """
    n = X.shape[0]
    inv = 1.0 / reg
    bounded = cost_fn is None
    cut = truncate * reg if bounded else np.inf
    deep = sure * reg if cut < np.inf else np.inf
    rest = g.size * math.exp(-sure) if cut < np.inf else 0.0
    low = math.exp(-gap) if cut < np.inf else math.exp(-LSE_SAFE)
    high = math.exp(LSE_SAFE)
    weighted = wout.size == n
    bounds = bout.size == n
    ntiles = gmax.size
    every = np.arange(ntiles)
    block = 16
    for blk in numba.prange((n + block - 1) // block):
        cbuf = np.empty(CHUNK)
        ebuf = np.empty(CHUNK)
        r0, r1 = blk * block, min(n, (blk + 1) * block)
        tiles = np.empty(ntiles, dtype=np.int64)
        count = _block_tiles(X, r0, r1, shift, lo, hi, gmax, euclid, deep, tiles)
        for i in range(r0, r1):
            x = X[i]
            peak = shift[i]
            total, wtotal, dropped = 0.0, 0.0, 0.0
            if math.isfinite(peak):
                total, wtotal, dropped = _row_pass(x, YT, Y, g, starts, lo, hi, gmax, euclid,
                                                   cost_fn, peak, inv, cut, deep, weighted,
                                                   cbuf, ebuf, tiles, count)
            if not (low < total < high and dropped + rest <= delta * total):
                peak = _row_peak(x, YT, Y, g, starts, lo, hi, gmax, euclid, cost_fn, bounded,
                                 cbuf)
                total, wtotal, dropped = _row_pass(x, YT, Y, g, starts, lo, hi, gmax, euclid,
                                                   cost_fn, peak, inv, cut, deep, weighted,
                                                   cbuf, ebuf, every, ntiles)
                if dropped + rest > delta * total:  # the sharp depth is not enough here
                    total, wtotal, dropped = _row_pass(x, YT, Y, g, starts, lo, hi, gmax,
                                                       euclid, cost_fn, peak, inv, deep, deep,
                                                       weighted, cbuf, ebuf, every, ntiles)
            out[i] = peak * inv + math.log(total)
            if weighted:
                wout[i] = wtotal / total
            if bounds:
                bout[i] = (dropped + rest) / total


def tile_max(g, starts, out):
    """``out[c] = max(g[starts[c]:starts[c + 1]])`` (the tile bounds of :func:`cloud_lse`)."""
    for c in numba.prange(starts.size - 1):
        best = -np.inf
        for j in range(starts[c], starts[c + 1]):
            best = max(best, g[j])
        out[c] = best


#: entries (rows x kept columns) a thread handles in a few milliseconds (threads.py's unit)
THREAD_WORK = 1 << 20
_PYTHON = {"cloud_lse": cloud_lse, "tile_max": tile_max}
#: serial twins (own cache names), for small calls and busy machines
SERIAL = {name: serial_twin(kernel) for name, kernel in _PYTHON.items()}
cloud_lse, tile_max = (numba.njit(parallel=True, cache=True)(k) for k in _PYTHON.values())
PARALLEL = {"cloud_lse": cloud_lse, "tile_max": tile_max}


def call(name, work, *args):
    """Run kernel ``name`` on the threads :func:`numopt.backend.threads.kernel_threads`
    grants ``work`` (the serial twin when it grants one)."""
    threads = kernel_threads(work, THREAD_WORK)
    return run_with_threads(PARALLEL[name], SERIAL[name], threads, *args)
