"""Block selection rules (Nutini, Laradji & Schmidt, JMLR 2022, §3–4, arXiv 1712.08859).

Every rule returns a non-empty block of usable coordinates (``L_i > 0``). With fixed
partitions a rule scores the blocks; with ``partition="variable"`` it picks any ``tau``
coordinates. Greedy rules read the full gradient ``g`` (see the cost note in
:mod:`numopt.coordinate._kernels`); ``random``, ``cyclic`` and ``lipschitz`` do not.

For an L1 / non-negative problem the greedy scores are those of the proximal GS-q rule
(§6): per coordinate the guaranteed decrease
``q_i = −min_t g_i t + (m_i/2) t² + h(x_i + t) − h(x_i)`` with ``m_i = 1`` (``gs``),
``L_i`` (``gsl``, ``gsq``) or ``d_i`` (``gsd``), summed over a fixed block.
"""

import numpy as np

from . import _kernels
from .prox import prox_step

RULES = ("random", "cyclic", "lipschitz", "gs", "gsl", "gsd", "gsq", "gs_forest")
GREEDY = ("gs", "gsl", "gsd", "gsq", "gs_forest")
IHT_MAX_ITER = 10  # IHT iterations for variable-block GS-q, authors' code [C] (spec §2.2)
IHT_TOL = 1e-10  # IHT stops when the iterate moves less than this, authors' code [C]


def select(ctx, rule, x, g, cursor, rng):
    """``(block, next cursor)`` for this iteration."""
    if ctx.partition is None:
        return _variable(ctx, rule, x, g, cursor, rng)
    part = ctx.partition
    nb = len(part)
    if rule == "cyclic":
        return part.blocks[cursor % nb], cursor + 1
    if rule == "random":
        return part.blocks[rng.integers(nb)], cursor
    if rule == "lipschitz":
        weights = ctx.block_lipschitz_all()
        return part.blocks[rng.choice(nb, p=weights / weights.sum())], cursor
    if rule == "gsq" and not ctx.composite:
        return part.blocks[int(np.argmax(ctx.gsq_scores(g)))], cursor
    scores = part.gather(_coordinate_scores(ctx, rule, x, g))
    if rule == "gsl" and not ctx.composite:
        totals = (scores ** 2).sum(axis=1) / ctx.block_lipschitz_all()
    else:
        totals = scores.sum(axis=1)
    return part.blocks[int(np.argmax(totals))], cursor


def _coordinate_scores(ctx, rule, x, g):
    """Per-coordinate scores (unusable coordinates score 0)."""
    if ctx.composite:
        metric = (np.ones_like(ctx.lipschitz) if rule == "gs" else
                  ctx.diag_bound if rule == "gsd" else ctx.lipschitz)
        safe = np.where(ctx.usable_mask, metric, 1.0)
        t = prox_step(x, g, safe, ctx.l1, ctx.nonneg) - x
        decrease = -(g * t + 0.5 * safe * t * t + ctx.l1 * (np.abs(x + t) - np.abs(x)))
        return np.where(ctx.usable_mask, np.maximum(decrease, 0.0), 0.0)
    if rule in ("gs", "gsl"):  # fixed blocks: Σ|g_i| (gs, authors' code [C]), ‖g_b‖²/L_b (gsl)
        return np.where(ctx.usable_mask, np.abs(g), 0.0)
    metric = np.where(ctx.usable_mask, ctx.diag_bound, 1.0)  # gsd: Σ g_i²/d_i
    return np.where(ctx.usable_mask, g * g / metric, 0.0)


def _top(scores, tau):
    """Indices of the ``tau`` largest scores (O(d) with argpartition), sorted."""
    if tau >= scores.size:
        return np.arange(scores.size)
    return np.sort(np.argpartition(-scores, tau - 1)[:tau])


def _variable(ctx, rule, x, g, cursor, rng):
    usable, tau = ctx.usable, ctx.tau
    if rule == "cyclic":
        start = (cursor * tau) % usable.size
        picks = np.take(usable, np.arange(start, start + tau), mode="wrap")
        return np.unique(picks), cursor + 1
    if rule == "random":
        return np.sort(rng.choice(usable, size=tau, replace=False)), cursor
    if rule == "lipschitz":
        p = ctx.lipschitz[usable] / ctx.lipschitz[usable].sum()
        return np.sort(rng.choice(usable, size=tau, replace=False, p=p)), cursor
    if rule == "gs_forest":
        return _gs_forest(ctx, g), cursor
    if rule == "gsl" and not ctx.composite:
        scores = np.where(ctx.usable_mask, g * g / np.where(ctx.usable_mask, ctx.lipschitz, 1.0),
                          -np.inf)
        return _top(scores, tau), cursor
    if rule == "gsq" and not ctx.composite:
        return _iht(ctx, g), cursor
    scores = np.where(ctx.usable_mask, _coordinate_scores(ctx, rule, x, g), -np.inf)
    return _top(scores, tau), cursor


def _iht(ctx, g):
    r"""Variable-block GS-q by iterative hard thresholding (spec §2.2, authors' code [C]):
    approximately maximise :math:`-\min_{\|\delta\|_0\le\tau} g^\top\delta + \tfrac12
    \delta^\top M\delta` with steps :math:`\mu = 1/\lambda_{\max}(M)`; the block is the
    support of :math:`\delta`. Each iteration costs one product with ``M`` (a data pass)."""
    tau = ctx.tau
    metric = np.where(ctx.usable_mask, ctx.diag_bound, 1.0)
    block = _top(np.where(ctx.usable_mask, g * g / metric, -np.inf), tau)
    values = -g[block] / metric[block]
    for _ in range(IHT_MAX_ITER):
        trial = -ctx.iht_step * g
        trial[block] += values
        trial -= ctx.iht_step * ctx.model.bound_matvec(block, values)
        new_block = _top(np.where(ctx.usable_mask, np.abs(trial), -np.inf), tau)
        new_values = trial[new_block]
        moved = np.zeros(g.size)
        moved[new_block] = new_values
        moved[block] -= values
        block, values = new_block, new_values
        if np.linalg.norm(moved) < IHT_TOL:
            break
    return block


def _gs_forest(ctx, g):
    """A forest grown greedily in Gauss–Southwell order (largest ``|g_i|/√Q_ii`` first):
    the "GS tree" blocks of Nutini et al. (2022, §5.3), as large as the graph allows."""
    usable = ctx.usable
    scores = np.abs(g[usable]) / np.sqrt(ctx.lipschitz[usable])
    order = usable[np.argsort(-scores, kind="stable")]
    graph = ctx.model.sparse_graph
    block = _kernels.grow_forest_csr(graph.indptr, graph.indices, order)
    return np.sort(block)
