r"""numba kernels of the Gram (covariance-update) Lasso solver.

With :math:`Q = X^\top X` and :math:`q = X^\top y` formed once, the correlations
:math:`g = X^\top r = q - Qw` of the residual :math:`r = y - Xw` are kept current by
:math:`g \mathrel{-}= \Delta_j Q_{:,j}` after each coordinate change, so testing a coordinate
costs O(1) and moving one costs O(d), whatever ``n`` (the covariance updates of Friedman,
Hastie & Tibshirani, "Regularization Paths for Generalized Linear Models via Coordinate
Descent", J. Stat. Softw. 33(1), 2010, §2.2). The duality gap needs no residual either: with
:math:`\theta = c\,r` scaled into the dual feasible set,

.. math:: P(w) - D(\theta) = \tfrac12(1 - c)^2\|r\|^2 + \sum_j\lambda_j|w_j| - c\,w^\top g,
          \qquad \|r\|^2 = y^\top y - w^\top q - w^\top g,

whose only cancellation-prone term, :math:`\|r\|^2`, is damped by :math:`(1 - c)^2` (``c``
tends to 1 at the optimum), so the gap stays accurate to rounding of :math:`w^\top g`.
Anderson extrapolation of the iterates every ``K + 1`` epochs (Bertrand et al., NeurIPS 2022,
arXiv 2204.07826, Alg. 2) is accepted when the objective decreases, the change computed
without cancellation as :math:`-\Delta^\top(g + g_e)/2 + \sum_j\lambda_j(|w_{e,j}| -
|w_j|)`.

``Q`` is passed as ``(dense, data, indices, indptr)``: C-ordered dense (row ``j`` = column
``j``: symmetric) or CSR (a sparse design's Gram matrix, updates over the non-zeros of a row
only); ``pen = λ·weights`` (0: an
unpenalized feature, fitted exactly before every gap so that :math:`X_j^\top\theta = 0`
there, as the dual requires).
"""

import numba
import numpy as np

from ._ws_kernels import ANDERSON_K, FAST, anderson_combine, anderson_weights, soft

FREE_SWEEPS = 100  # cap on the sweeps fitting the unpenalized features before a gap


# the update kernels are inlined into the epoch loops (a numba call that is not inlined
# costs ~100 ns, as much as a short row's update; see _ws_kernels.col_dot)
@numba.njit(cache=True, inline="always")
def gram_update(Q, g, j, delta):
    """``g -= delta Q[j]`` (row ``j`` of the symmetric ``Q``). ``Q`` is the tuple
    ``(dense, data, indices, indptr)``: a C-ordered dense matrix when ``indptr`` has one
    entry, else CSR arrays (``dense`` unused)."""
    dense, data, indices, indptr = Q
    if indptr.size > 1:
        gram_update_csr(data, indices, indptr, g, j, delta)
    else:
        gram_update_dense(dense[j], g, delta)


@numba.njit(cache=True, fastmath=FAST, inline="always")
def gram_update_dense(row, g, delta):
    for i in range(g.size):
        g[i] -= delta * row[i]


@numba.njit(cache=True, inline="always")
def gram_update_csr(data, indices, indptr, g, j, delta):
    for p in range(indptr[j], indptr[j + 1]):
        g[indices[p]] -= delta * data[p]


@numba.njit(cache=True, fastmath=FAST)
def gram_epoch(Q, w, g, pen, inv_diag):
    """One cyclic coordinate-descent epoch over all features: ``w_j ← ST(w_j + g_j/Q_jj,
    pen_j/Q_jj)``, ``g ← g − Δ_j Q_j``. Returns the number of coordinates that moved."""
    moved = 0
    for j in range(w.size):
        h = inv_diag[j]
        if h == 0.0:
            continue
        old = w[j]
        new = soft(old + g[j] * h, pen[j] * h)
        if new != old:
            w[j] = new
            gram_update(Q, g, j, new - old)
            moved += 1
    return moved


@numba.njit(cache=True, fastmath=FAST)
def gram_residual(Q, q, w, g):
    """``g = q − Q w`` recomputed from scratch (the non-zeros of ``w`` only)."""
    g[:] = q
    for j in range(w.size):
        if w[j] != 0.0:
            gram_update(Q, g, j, w[j])


@numba.njit(cache=True)
def gram_fit_free(Q, w, g, inv_diag, free):
    """Minimize over the unpenalized features ``free`` (the others fixed) until no sweep
    changes them: afterwards ``g_j = X_jᵀr`` is 0 to rounding on each (exactly 0 when there
    is one, an intercept column). Returns the sweeps run."""
    sweeps = 0
    moved = free.size > 0
    while moved and sweeps < FREE_SWEEPS:
        sweeps += 1
        moved = False
        for k in range(free.size):
            j = free[k]
            if inv_diag[j] == 0.0:
                continue
            step = g[j] * inv_diag[j]
            if step != 0.0 and w[j] + step != w[j]:
                w[j] += step
                gram_update(Q, g, j, step)
                g[j] = 0.0  # exact for this coordinate after its own update
                moved = True
    return sweeps


@numba.njit(cache=True, fastmath=FAST)
def gram_gap(w, g, q, yy, pen):
    """``(primal, gap)`` at ``w`` from the correlations ``g = q − Qw`` (module docstring);
    ``primal = ½‖r‖² + Σ pen_j|w_j|``. Assumes ``g_j = 0`` on unpenalized features."""
    worst = 0.0
    wq = 0.0
    wg = 0.0
    l1 = 0.0
    for j in range(w.size):
        if pen[j] > 0.0:
            worst = max(worst, abs(g[j]) / pen[j])
            l1 += pen[j] * abs(w[j])
        wq += w[j] * q[j]
        wg += w[j] * g[j]
    c = 1.0 if worst <= 1.0 else 1.0 / worst
    rr = max(yy - wq - wg, 0.0)
    gap = 0.5 * (1.0 - c) * (1.0 - c) * rr + l1 - c * wg
    return 0.5 * rr + l1, max(gap, 0.0)


@numba.njit(cache=True)
def gram_violation(w, g, pen):
    """``max_j dist(g_j, pen_j ∂|w_j|)``: the optimality violation (0 at the optimum), as
    :meth:`~numopt.coordinate.working_set.GLM.violation`."""
    worst = 0.0
    for j in range(w.size):
        if w[j] > 0.0:
            v = abs(g[j] - pen[j])
        elif w[j] < 0.0:
            v = abs(g[j] + pen[j])
        else:
            v = max(abs(g[j]) - pen[j], 0.0)
        worst = max(worst, v)
    return worst


@numba.njit(cache=True)
def gram_cd(Q, q, yy, w, g, pen, inv_diag, free, tol_abs, max_epochs, anderson):
    """Cyclic coordinate descent on the Gram form until the duality gap is ≤ ``tol_abs``
    (checked after every epoch at O(d) cost, confirmed on ``g`` recomputed from scratch) or
    ``max_epochs`` epochs ran. ``w``, ``g = q − Qw`` updated in place.

    Returns ``(epochs, primal, gap, accepted_extrapolations)``.
    """
    d = w.size
    K = ANDERSON_K
    buf = np.empty((K + 1, d))
    wtry = np.empty(d)
    gtry = np.empty(d)
    stored = 0
    accepted = 0
    primal = np.inf
    gap = np.inf
    if free.size:
        gram_fit_free(Q, w, g, inv_diag, free)
    primal, gap = gram_gap(w, g, q, yy, pen)
    if gap <= tol_abs:
        gram_residual(Q, q, w, g)
        if free.size:
            gram_fit_free(Q, w, g, inv_diag, free)
        primal, gap = gram_gap(w, g, q, yy, pen)
        if gap <= tol_abs:
            return 0, primal, gap, 0
    ran = 0
    for epoch in range(1, max_epochs + 1):
        ran = epoch
        moved = gram_epoch(Q, w, g, pen, inv_diag)
        if anderson and moved:
            buf[stored, :] = w
            stored += 1
            if stored == K + 1:
                stored = 0
                c = anderson_weights(buf)
                if c.size:
                    anderson_combine(c, buf, wtry)
                    # g at wtry: g − Q (wtry − w); objective change without cancellation
                    gtry[:] = g
                    change = 0.0
                    for j in range(d):
                        delta = wtry[j] - w[j]
                        if delta != 0.0:
                            gram_update(Q, gtry, j, delta)
                    for j in range(d):
                        delta = wtry[j] - w[j]
                        change += pen[j] * (abs(wtry[j]) - abs(w[j]))
                        change -= 0.5 * delta * (g[j] + gtry[j])
                    if change < 0.0:
                        w[:] = wtry
                        g[:] = gtry
                        accepted += 1
        if free.size:
            gram_fit_free(Q, w, g, inv_diag, free)
        primal, gap = gram_gap(w, g, q, yy, pen)
        if gap <= tol_abs or moved == 0:
            gram_residual(Q, q, w, g)  # drift of the running correlations: confirm
            if free.size:
                gram_fit_free(Q, w, g, inv_diag, free)
            primal, gap = gram_gap(w, g, q, yy, pen)
            if gap <= tol_abs or moved == 0:
                break
    return ran, primal, gap, accepted
