"""Block partitions for block coordinate descent (Nutini, Laradji & Schmidt, JMLR 2022, §3).

Fixed partitions split the usable coordinates once: ``"order"`` (contiguous), ``"sort"``
(consecutive in order of ``L_i``), ``"avg"`` (interleave small and large ``L_i`` so the
blocks' average constants match), ``"redblack"`` and ``"forest"`` (sparse quadratics: blocks
whose dependency graph is a forest, for message passing), or a user list of index arrays.
The last block may be smaller than ``tau`` (the authors' code needs ``d % tau == 0``).
``"variable"`` means no fixed partition: the rule picks any ``tau`` coordinates.
"""

import numpy as np

from ..errors import InvalidProblemError
from . import _kernels

FIXED = ("order", "sort", "avg", "redblack", "forest")
PARTITIONS = ("variable", *FIXED)
FOREST_PARTITIONS = ("redblack", "forest")


class Partition:
    """A fixed partition: ``blocks`` (list of int arrays) and ``padded`` (blocks × width,
    padded with ``dim`` so that a gradient extended by one zero can be gathered at once)."""

    def __init__(self, blocks, dim, forest=False):
        self.blocks = [np.asarray(b, dtype=np.int64) for b in blocks]
        self.forest = forest
        width = max(b.size for b in self.blocks)
        self.padded = np.full((len(self.blocks), width), dim, dtype=np.int64)
        for row, b in zip(self.padded, self.blocks, strict=True):
            row[:b.size] = b

    def __len__(self):
        return len(self.blocks)

    def gather(self, values):
        """``values`` (one per coordinate) as a (blocks × width) array, zero-padded."""
        return np.append(values, 0.0)[self.padded]


def fixed_partition(kind, usable, tau, lipschitz, graph=None):
    """Build a fixed partition of the coordinates ``usable``.

    Parameters
    ----------
    kind : str or sequence of index arrays
        One of :data:`FIXED`, or the blocks themselves.
    usable : ndarray of int
        Coordinates with ``L_i > 0`` (the others are never updated).
    tau : int
        Block size (the last block may be smaller).
    lipschitz : ndarray
        Coordinate constants ``L_i``.
    graph : scipy.sparse.csr_matrix, optional
        The quadratic's matrix (for ``"redblack"`` and ``"forest"``).
    """
    dim = lipschitz.size
    if not isinstance(kind, str):
        return Partition(check_blocks(kind, dim), dim)
    if kind in FOREST_PARTITIONS:
        if graph is None:
            raise InvalidProblemError(
                f"partition={kind!r} (message passing) needs a Quadratic problem; use "
                "partition='order', 'sort', 'avg' or 'variable' for this problem."
            )
        sub = graph[usable][:, usable]
        blocks = (colour_classes if kind == "redblack" else forest_cover)(sub)
        return Partition([usable[b] for b in blocks], dim, forest=True)
    if kind == "order":
        ordered = usable
    else:
        ordered = usable[np.argsort(lipschitz[usable], kind="stable")]
        if kind == "avg":
            ordered = _interleave(ordered, -(-ordered.size // tau))
    return Partition([ordered[i:i + tau] for i in range(0, ordered.size, tau)], dim)


def _interleave(ordered, nblocks):
    """Deal sorted coordinates to blocks from both ends, so each block mixes small and large
    ``L_i``: block k gets sorted positions k, 2·nblocks − 1 − k, 2·nblocks + k, ..."""
    order = []
    for k in range(nblocks):
        picks = []
        for start in range(0, ordered.size, 2 * nblocks):
            picks += [start + k, start + 2 * nblocks - 1 - k]
        order += [ordered[p] for p in picks if p < ordered.size]
    return np.asarray(order, dtype=np.int64)


def check_blocks(blocks, dim):
    """Validate user blocks: non-empty integer arrays in range, disjoint, covering 0..d−1.

    Raises
    ------
    InvalidProblemError
        An empty block, an index out of range, a coordinate in two blocks or in none.
    """
    checked = []
    for k, block in enumerate(blocks):
        block = np.atleast_1d(np.asarray(block))
        if block.size == 0:
            raise InvalidProblemError(
                f"partition block {k} is empty; every block needs at least one coordinate "
                "(drop the empty block)."
            )
        if block.dtype.kind not in "iu" or block.ndim != 1:
            raise InvalidProblemError(
                f"partition block {k} must be a flat array of integer indices, got "
                f"dtype {block.dtype} and shape {block.shape}."
            )
        if block.min() < 0 or block.max() >= dim:
            raise InvalidProblemError(
                f"partition block {k} holds indices outside 0..{dim - 1}; indices must address "
                f"the {dim} coordinates."
            )
        checked.append(block.astype(np.int64))
    seen = np.concatenate(checked) if checked else np.zeros(0, dtype=np.int64)
    counts = np.bincount(seen, minlength=dim)
    if np.any(counts > 1):
        raise InvalidProblemError(
            f"partition blocks overlap (coordinate {int(np.argmax(counts > 1))} is in "
            f"{int(counts.max())} blocks); give each coordinate to one block."
        )
    if np.any(counts == 0):
        raise InvalidProblemError(
            f"partition blocks miss {int(np.sum(counts == 0))} coordinate(s) (first: "
            f"{int(np.argmin(counts))}); every coordinate must be in a block."
        )
    return checked


def colour_classes(graph):
    """Greedy graph colouring (largest degree first); each colour class is an independent
    set, so its block of ``Q`` is diagonal. A bipartite lattice gets 2 classes (red–black)."""
    n = graph.shape[0]
    indptr, indices = graph.indptr, graph.indices
    colour = -np.ones(n, dtype=np.int64)
    for v in np.argsort(-np.diff(indptr), kind="stable"):
        taken = {int(colour[u]) for u in indices[indptr[v]:indptr[v + 1]] if u != v}
        c = 0
        while c in taken:
            c += 1
        colour[v] = c
    return [np.flatnonzero(colour == c) for c in range(colour.max() + 1)]


def forest_cover(graph):
    """Cover the nodes with induced forests, grown greedily one after the other (two
    suffice on a lattice; Nutini et al. 2022, §5.3 "tree partitions")."""
    remaining = np.arange(graph.shape[0])
    blocks = []
    while remaining.size:
        tree = _kernels.grow_forest_csr(graph.indptr, graph.indices, remaining)
        blocks.append(tree)
        remaining = np.setdiff1d(remaining, tree, assume_unique=True)
    return blocks
