"""numba kernels of the working-set solvers (Lasso and L1-logistic), dense and CSC twins.

A design matrix reaches every kernel as three arrays ``(data, indices, indptr)`` and a flag
``sparse``: CSC arrays when ``sparse``, else ``data`` is the column-major (Fortran) dense
matrix flattened, column ``j`` being ``data[j*n:(j+1)*n]`` (``indices``/``indptr`` unused).
The branch on ``sparse`` is taken once per column, so dense and sparse share one compiled
kernel and one code path; only the columns of the working set are ever touched.

Each public kernel has a NumPy twin in :mod:`numopt.coordinate._ws_reference` used by the
tests and by ``backend="numpy"``.

References: Massias, Gramfort & Salmon, "Celer: a Fast Solver for the Lasso with Dual
Extrapolation", ICML 2018, arXiv 1802.07481 (inner solves stopped on the working-set gap);
Bertrand, Klopfenstein, Massias, Rakotomamonjy, Gramfort, Salmon et al., "Beyond L1: Faster
and Better Sparse Models with skglm", NeurIPS 2022, arXiv 2204.07826 (Anderson extrapolation
of the coordinate iterates, Algorithm 2; working-set prox-Newton for the logistic loss).
"""

import numba
import numpy as np

FAST = {"reassoc", "contract", "nsz"}  # vectorized reductions, no NaN/inf assumptions
ANDERSON_K = 5  # iterates combined by Anderson extrapolation (skglm's default)
MAX_FREE_SWEEPS = 100  # cap on the sweeps fitting the unpenalized features
ANDERSON_SLOW = 0.1  # Lasso: extrapolate only while an epoch's decrease shrinks by less
# than 10x (plain descent then needs at most a few more epochs; an attempt costs most of one)


# The column kernels are inlined at their call sites (``inline="always"``): a call from one
# numba kernel to another that is not inlined costs 70-120 ns (array arguments), as much as
# the column's work on a sparse design (measured: a working-set gap check on 1000 CSC
# columns of 50 entries, 105 µs called vs 45 µs inlined).
@numba.njit(cache=True, fastmath=FAST, inline="always")
def col_dot(sparse, data, indices, indptr, n, j, v):
    """``X[:, j] · v``."""
    acc = 0.0
    if sparse:
        for p in range(indptr[j], indptr[j + 1]):
            acc += data[p] * v[indices[p]]
    else:
        col = data[j * n:(j + 1) * n]  # a slice: provably in-bounds indices, vectorized
        for i in range(n):
            acc += col[i] * v[i]
    return acc


@numba.njit(cache=True, fastmath=FAST)
def col_dot2(sparse, data, indices, indptr, n, j, h, v):
    """``Σ_i X_ij h_i v_i``."""
    acc = 0.0
    if sparse:
        for p in range(indptr[j], indptr[j + 1]):
            i = indices[p]
            acc += data[p] * h[i] * v[i]
    else:
        col = data[j * n:(j + 1) * n]
        for i in range(n):
            acc += col[i] * h[i] * v[i]
    return acc


@numba.njit(cache=True, fastmath=FAST, inline="always")
def col_axpy(sparse, data, indices, indptr, n, j, a, v):
    """``v += a X[:, j]`` in place."""
    if sparse:
        for p in range(indptr[j], indptr[j + 1]):
            v[indices[p]] += a * data[p]
    else:
        col = data[j * n:(j + 1) * n]
        for i in range(n):
            v[i] += a * col[i]


@numba.njit(cache=True)
def csc_sq_norms(data, indptr):
    """``‖X_j‖²`` of every CSC column."""
    d = indptr.size - 1
    out = np.zeros(d)
    for j in range(d):
        acc = 0.0
        for p in range(indptr[j], indptr[j + 1]):
            acc += data[p] * data[p]
        out[j] = acc
    return out


@numba.njit(cache=True, fastmath=FAST)
def dense_sq_norms(data, n, d):
    """``‖X_j‖²`` of every column of the column-major dense matrix flattened in ``data``."""
    out = np.zeros(d)
    for j in range(d):
        col = data[j * n:(j + 1) * n]
        acc = 0.0
        for i in range(n):
            acc += col[i] * col[i]
        out[j] = acc
    return out


@numba.njit(cache=True)
def unpenalized_in(ws, pen):
    """The features of ``ws`` with ``pen_j <= 0`` (unpenalized), in ``ws`` order."""
    nfree = 0
    for k in range(ws.size):
        if pen[ws[k]] <= 0.0:
            nfree += 1
    free = np.empty(nfree, dtype=np.int64)
    nfree = 0
    for k in range(ws.size):
        if pen[ws[k]] <= 0.0:
            free[nfree] = ws[k]
            nfree += 1
    return free


@numba.njit(cache=True)
def soft(u, t):
    """Soft thresholding ``sign(u) max(|u| − t, 0)``."""
    if u > t:
        return u - t
    if u < -t:
        return u + t
    return 0.0


@numba.njit(cache=True)
def anderson_weights(buf):
    """Anderson weights ``c`` (``Σc = 1``) from ``K+1`` stored iterates (rows of ``buf``):
    ``c = z/Σz`` with ``(UUᵀ)z = 1``, ``U`` the K successive differences (Bertrand et al.
    2022, Alg. 2). Returns an empty array when the system is singular."""
    k = buf.shape[0] - 1
    U = buf[1:] - buf[:-1]
    C = U @ U.T
    scale = 0.0
    for i in range(k):
        scale = max(scale, C[i, i])
    if scale <= 0.0:
        return np.empty(0)
    for i in range(k):
        C[i, i] += 1e-12 * scale  # Tikhonov guard, far below the iterate differences
    z = np.linalg.solve(C, np.ones(k))
    total = z.sum()
    if not np.isfinite(total) or abs(total) < 1e-300:
        return np.empty(0)
    return z / total


@numba.njit(cache=True)
def anderson_combine(c, buf, out):
    """``out = Σ_t c_t buf[t + 1]``: the extrapolated iterate from :func:`anderson_weights`."""
    for k in range(out.size):
        acc = 0.0
        for t in range(c.size):
            acc += c[t] * buf[t + 1, k]
        out[k] = acc


# ------------------------------------------------------------------------------ Lasso
@numba.njit(cache=True)
def dual_scale(corr, ws, pen):
    """``c = min(1, 1/max_{j∈ws, pen_j>0} |corr_j|/pen_j)``: the factor that makes ``c ν``
    dual feasible when ``corr = Xᵀν``."""
    worst = 0.0
    for k in range(ws.size):
        j = ws[k]
        if pen[j] > 0.0:
            worst = max(worst, abs(corr[j]) / pen[j])
    return 1.0 if worst <= 1.0 else 1.0 / worst


@numba.njit(cache=True, fastmath=FAST)
def lasso_dual_ws(sparse, data, indices, indptr, n, r, y, ws, pen, corr):
    """Dual value and scale of the working-set subproblem at residual ``r = y − Xw``:
    ``θ = c r`` with ``c = min(1, 1/max_{j∈ws, pen_j>0} |X_jᵀr|/pen_j)``, ``D = c rᵀy −
    c²‖r‖²/2``. ``pen`` = λ·weights (0 = unpenalized). ``corr[j] = X_jᵀr`` for ``j ∈ ws``
    (in place)."""
    rmatvec_ws(sparse, data, indices, indptr, n, r, ws, corr)
    c = dual_scale(corr, ws, pen)
    ry = 0.0
    rr = 0.0
    for i in range(n):
        ry += r[i] * y[i]
        rr += r[i] * r[i]
    return c * ry - 0.5 * c * c * rr


@numba.njit(cache=True, fastmath=FAST)
def lasso_primal(r, w, ws, pen):
    """``½‖r‖² + Σ_{j∈ws} pen_j |w_j|`` (features outside the working set are zero)."""
    acc = 0.0
    for i in range(r.size):
        acc += r[i] * r[i]
    acc *= 0.5
    for k in range(ws.size):
        j = ws[k]
        acc += pen[j] * abs(w[j])
    return acc


@numba.njit(cache=True)
def lasso_epoch_csc(data, indices, indptr, w, r, ws, inv_lc, pen):
    """:func:`lasso_epoch` on CSC columns, compiled without ``fastmath``: the reassociated
    gather loops measured 1.45x slower (sparse 10 000 × 1000, 0.5 % dense: 85 vs 124 µs
    per epoch)."""
    decrease = 0.0
    for k in range(ws.size):
        j = ws[k]
        if inv_lc[j] == 0.0:
            continue
        start, stop = indptr[j], indptr[j + 1]
        acc = 0.0
        for p in range(start, stop):
            acc += data[p] * r[indices[p]]
        old = w[j]
        new = soft(old + acc * inv_lc[j], pen[j] * inv_lc[j])
        if new != old:
            w[j] = new
            step = old - new
            for p in range(start, stop):
                r[indices[p]] += step * data[p]
            decrease += 0.5 * step * step / inv_lc[j]
    return decrease


@numba.njit(cache=True)
def lasso_epoch(sparse, data, indices, indptr, n, w, r, ws, inv_lc, pen):
    """One cyclic coordinate descent epoch over ``ws``: ``w_j ← ST(w_j + X_jᵀr/L_j,
    pen_j/L_j)``, ``r ← r − Δ X_j``. Returns ``Σ_j L_j Δ_j²/2``, a lower bound on the
    epoch's decrease of the objective."""
    if sparse:
        return lasso_epoch_csc(data, indices, indptr, w, r, ws, inv_lc, pen)
    return lasso_epoch_dense(data, n, w, r, ws, inv_lc, pen)


@numba.njit(cache=True, fastmath=FAST)
def lasso_epoch_dense(data, n, w, r, ws, inv_lc, pen):
    """:func:`lasso_epoch` on the column-major dense matrix ``data`` (vectorized loops)."""
    decrease = 0.0
    for k in range(ws.size):
        j = ws[k]
        if inv_lc[j] == 0.0:
            continue
        col = data[j * n:(j + 1) * n]  # a slice: provably in-bounds indices, vectorized
        acc = 0.0
        for i in range(n):
            acc += col[i] * r[i]
        old = w[j]
        new = soft(old + acc * inv_lc[j], pen[j] * inv_lc[j])
        if new != old:
            w[j] = new
            step = old - new
            for i in range(n):
                r[i] += step * col[i]
            decrease += 0.5 * step * step / inv_lc[j]
    return decrease


@numba.njit(cache=True)
def lasso_fit_unpenalized(sparse, data, indices, indptr, n, w, r, free, inv_lc, max_sweeps):
    """Minimize the least-squares loss over the unpenalized features ``free`` (the others
    fixed): cyclic exact coordinate steps ``w_j += X_jᵀr/‖X_j‖²`` until a sweep moves no
    coordinate by more than rounding (one sweep for a single free column, an intercept).
    ``w``, ``r = y − Xw`` updated in place; returns the sweeps run.

    The duality gap needs it, as for the logistic loss
    (:func:`~numopt.coordinate._logistic_kernels.logistic_fit_unpenalized`): the dual
    point ``θ = c r`` is feasible only where ``X_jᵀθ = 0`` on every unpenalized ``j``; a
    free coordinate left merely near its optimum makes ``D(θ)`` no lower bound (measured:
    a non-centred design with an intercept column stalled at relative gap 1e-3 with
    coefficients off by 4)."""
    sweeps = 0
    moved = free.size > 0
    while moved and sweeps < max_sweeps:
        sweeps += 1
        moved = False
        for k in range(free.size):
            j = free[k]
            if inv_lc[j] == 0.0:
                continue
            step = col_dot(sparse, data, indices, indptr, n, j, r) * inv_lc[j]
            if step != 0.0 and abs(step) > 1e-15 * abs(w[j]):
                w[j] += step
                col_axpy(sparse, data, indices, indptr, n, j, -step, r)
                moved = True
    return sweeps


@numba.njit(cache=True)
def lasso_inner(sparse, data, indices, indptr, n, w, r, y, ws, inv_lc, pen, tol_in,
                max_epochs, check_every, anderson, res_buf, corr, hint):
    """Coordinate descent over the working set with Anderson extrapolation, stopped when
    the working-set duality gap is ≤ ``tol_in``. A check costs about one epoch; it is made
    ``check_every`` epochs after the last one, or earlier once the epoch's guaranteed
    decrease ``Σ L_j Δ_j²/2`` is ≤ ``tol_in`` (it bounds the suboptimality, hence the gap,
    from below), and after a failed check at gap ``g`` and decrease ``δ`` once the decrease
    is ≤ ``δ (tol_in/g)²``: the gap is first order in the distance to the solution (the
    dual point is the residual rescaled), the decrease second order (``Δ_j²``), so that is
    when the gap is predicted to reach ``tol_in`` (measured on the issue-20 sparse
    10 000 × 1000 path: 302 → 225 epochs over the 50 penalties, where a fixed 1, 2, 4, ...
    spacing overshot the stopping epoch by up to 3, and 2 checks per solve instead of 4).
    So ``gap²/decrease`` is about constant along a run; ``hint`` is its value from an
    earlier solve (0: none): the first check then waits for a predicted gap of
    ``2 tol_in`` (a path's solves: one check each, mostly).

    ``w`` and ``r`` are updated in place. The residuals after the last ``res_buf.shape[0]``
    epochs are stored in ``res_buf`` (row ``(epoch − 1) mod rows``); at each check their
    Anderson extrapolation, when the last ``rows`` epochs ran without a primal jump, is a
    second dual candidate (dual extrapolation, Massias, Gramfort & Salmon 2018, eq. 11).
    ``corr[j]`` receives ``X_jᵀr`` at the last check for ``j ∈ ws`` (``r`` is not moved
    after it). Returns ``(epochs, gap_ws, accepted_extrapolations, hint)``, ``hint`` as
    measured at the last check.
    """
    m = ws.size
    scratch = np.empty(corr.size)
    K = ANDERSON_K
    buf = np.empty((K + 1, m))
    stored = 0
    accepted = 0
    nres = res_buf.shape[0]
    free = unpenalized_in(ws, pen)
    nfree = free.size
    if nfree:
        nres = 0  # an extrapolated residual need not meet X_jᵀθ = 0 on free features
    gap = np.inf
    epoch = 0
    wtry = np.empty(m)
    rtry = np.empty(n)
    regular = 0  # residuals stored since the start or the last accepted extrapolation
    ordered = np.empty((nres, n))
    last_check = 0
    due_below = tol_in  # check once the epoch's decrease is below this (see docstring)
    if hint > 0.0:
        due_below = min(tol_in, 4.0 * tol_in * tol_in / hint)
    decrease = np.inf
    for epoch in range(1, max_epochs + 1):
        previous = decrease
        decrease = lasso_epoch(sparse, data, indices, indptr, n, w, r, ws, inv_lc, pen)
        if nres > 0:
            res_buf[(epoch - 1) % nres, :] = r
            regular += 1
        if anderson:
            for k in range(m):
                buf[stored, k] = w[ws[k]]
            stored += 1
            if stored == K + 1:
                stored = 0
            if stored == 0 and decrease > ANDERSON_SLOW * previous:
                c = anderson_weights(buf)
                if c.size:
                    anderson_combine(c, buf, wtry)
                    rtry[:] = r
                    for k in range(m):
                        delta = w[ws[k]] - wtry[k]
                        if delta != 0.0:
                            col_axpy(sparse, data, indices, indptr, n, ws[k], delta, rtry)
                    before = lasso_primal(r, w, ws, pen)
                    saved = np.empty(m)
                    for k in range(m):
                        saved[k] = w[ws[k]]
                        w[ws[k]] = wtry[k]
                    if lasso_primal(rtry, w, ws, pen) < before:
                        r[:] = rtry
                        accepted += 1
                        regular = 0  # the residual sequence jumped: restart its record
                    else:
                        for k in range(m):
                            w[ws[k]] = saved[k]
        if (epoch - last_check >= check_every or epoch == max_epochs
                or decrease <= due_below):
            last_check = epoch
            if nfree:  # the gap below is a bound only at X_jᵀr = 0 on these
                lasso_fit_unpenalized(sparse, data, indices, indptr, n, w, r, free, inv_lc,
                                      MAX_FREE_SWEEPS)
            dual = lasso_dual_ws(sparse, data, indices, indptr, n, r, y, ws, pen, corr)
            if regular >= nres > 0:  # dual extrapolation (Massias et al. 2018, eq. 11)
                for t in range(nres):
                    ordered[t, :] = res_buf[(epoch + t) % nres, :]
                c = anderson_weights(ordered)
                if c.size:
                    racc = c @ ordered[1:]
                    dual = max(dual, lasso_dual_ws(sparse, data, indices, indptr, n, racc, y,
                                                   ws, pen, scratch))
            gap = lasso_primal(r, w, ws, pen) - dual
            if decrease > 0.0 and gap > 0.0:
                hint = gap * gap / decrease
            if gap <= tol_in:
                break
            # the gap shrinks like the distance to the solution, the epoch's decrease like
            # its square: the gap reaches tol_in about when the decrease has shrunk by
            # (tol_in/gap)² more (never a later threshold than the current one)
            due_below = min(due_below, decrease * (tol_in / gap) ** 2) if (
                decrease > 0.0) else -1.0
    return epoch, gap, accepted, hint


@numba.njit(cache=True, fastmath=FAST)
def lasso_measure(sparse, data, indices, indptr, n, w, r, y, pen, norms, corr, have_corr,
                  extra, extra_window, dual_corr, screened, screening, margin):
    """The outer pass of the Lasso working-set solver, in one call: correlations
    ``corr = Xᵀr`` (in place; skipped when ``have_corr``, i.e. ``corr`` already holds
    them), primal ``P = ½‖r‖² + Σ pen_j|w_j|``, the dual point ``θ = c r`` scaled into
    ``|X_jᵀθ| ≤ pen_j`` (penalized ``j``), or ``c' ν`` from the candidate residual ``extra``
    (dual extrapolation; empty for none; tried only when the gap of ``θ`` lies in the open
    interval ``extra_window``) when its dual value is larger, the gap, the
    optimality violation ``max_j dist(X_jᵀr, pen_j ∂|w_j|)``, and gap-safe sphere screening
    (Ndiaye et al. 2017): ``screened[j] = True`` where ``|X_jᵀθ| + sqrt(2 gap)‖X_j‖ <
    (1 − margin) pen_j``.

    ``dual_corr`` receives ``Xᵀθ`` (in place). The NumPy reference is
    :class:`~numopt.coordinate.working_set.GLM`'s ``primal``, ``dual``, ``radius`` and
    ``violation``. Returns ``(primal, gap, violation, newly)``, ``newly`` the number of
    features screened now with ``w_j ≠ 0``.
    """
    d = pen.size
    if not have_corr:
        rmatvec_ws(sparse, data, indices, indptr, n, r, np.arange(d), corr)
    rr = 0.0
    ry = 0.0
    for i in range(n):
        rr += r[i] * r[i]
        ry += r[i] * y[i]
    primal = 0.5 * rr
    worst = 0.0
    violation = 0.0
    for j in range(d):
        a = abs(corr[j])
        if w[j] != 0.0:
            primal += pen[j] * abs(w[j])
            v = abs(corr[j] - pen[j]) if w[j] > 0.0 else abs(corr[j] + pen[j])
        else:
            v = a - pen[j]
        violation = max(violation, v)
        if pen[j] > 0.0:
            worst = max(worst, a / pen[j])
    c = 1.0 if worst <= 1.0 else 1.0 / worst
    dual = c * ry - 0.5 * c * c * rr
    for j in range(d):
        dual_corr[j] = c * corr[j]
    if extra.size and extra_window[0] < primal - dual < extra_window[1]:
        every = np.arange(d)
        corr_x = np.empty(d)
        dual_x = lasso_dual_ws(sparse, data, indices, indptr, n, extra, y, every, pen, corr_x)
        if dual_x > dual:
            dual = dual_x
            c_x = dual_scale(corr_x, every, pen)
            for j in range(d):
                dual_corr[j] = c_x * corr_x[j]
    gap = max(primal - dual, 0.0)
    newly = 0
    if screening:
        rad = np.sqrt(2.0 * gap)
        for j in range(d):
            if (pen[j] > 0.0 and not screened[j]
                    and abs(dual_corr[j]) + rad * norms[j] < (1.0 - margin) * pen[j]):
                screened[j] = True
                if w[j] != 0.0:
                    newly += 1
    return primal, gap, violation, newly


@numba.njit(cache=True)
def csc_rmatvec_ws(data, indices, indptr, v, ws, out):
    """``out[j] = X_jᵀv`` for ``j ∈ ws``, CSC arrays, compiled without ``fastmath``
    (reassociated gathers are slower, see :func:`lasso_epoch_csc`)."""
    for k in range(ws.size):
        j = ws[k]
        start, stop = indptr[j], indptr[j + 1]
        values, rows = data[start:stop], indices[start:stop]  # slices: 33 vs 44 µs a pass
        acc = 0.0
        for p in range(stop - start):
            acc += values[p] * v[rows[p]]
        out[j] = acc


@numba.njit(cache=True, fastmath=FAST)
def dense_rmatvec_ws(data, n, v, ws, out):
    """``out[j] = X_jᵀv`` for ``j ∈ ws``, column-major dense ``data`` (vectorized)."""
    for k in range(ws.size):
        j = ws[k]
        col = data[j * n:(j + 1) * n]
        acc = 0.0
        for i in range(n):
            acc += col[i] * v[i]
        out[j] = acc


@numba.njit(cache=True)
def rmatvec_ws(sparse, data, indices, indptr, n, v, ws, out):
    """``out[j] = X_jᵀv`` for the features ``j ∈ ws`` (one pass over their columns)."""
    if sparse:
        csc_rmatvec_ws(data, indices, indptr, v, ws, out)
    else:
        dense_rmatvec_ws(data, n, v, ws, out)


@numba.njit(cache=True)
def working_set_scores(w, pen, norms, corr, dual_corr, screened, score, zero_violator):
    """Scores of the working-set rule (celer, Massias et al. 2018, eq. 9), in place:
    ``score_j = (pen_j − |X_jᵀθ|)/‖X_j‖`` (small = close to violating its constraint);
    ``−inf`` for the support and the unpenalized features (always in), ``+inf`` for
    screened features and penalized all-zero columns (never in). Returns ``(candidates,
    nnz, violators, zero_violators)``: features that may enter, non-zeros, and penalized
    unscreened features with ``|X_jᵀr| > pen_j`` (``corr = Xᵀr``), all and those at zero
    (flagged in ``zero_violator``)."""
    candidates = 0
    nnz = 0
    violators = 0
    zero_violators = 0
    for j in range(pen.size):
        if screened[j] or (norms[j] == 0.0 and (pen[j] == 0.0 or w[j] == 0.0)):
            score[j] = np.inf
        elif w[j] != 0.0 or pen[j] == 0.0:
            score[j] = -np.inf
        else:
            score[j] = (pen[j] - abs(dual_corr[j])) / norms[j]
        if w[j] != 0.0:
            nnz += 1
        if score[j] != np.inf:
            candidates += 1
        zero_violator[j] = False
        if pen[j] > 0.0 and not screened[j] and abs(corr[j]) > pen[j]:
            violators += 1
            if w[j] == 0.0:
                zero_violators += 1
                zero_violator[j] = True
    return candidates, nnz, violators, zero_violators


SELECT_BINS = 1024  # histogram bins of the working-set selection


@numba.njit(cache=True)
def working_set_select(score, size):
    """The ``size`` features of smallest score (``+inf`` never), in increasing order.

    The threshold (the ``size``-th smallest score) is found by one histogram pass over the
    finite scores and a partition of the one bin that holds it: scores come with long runs
    of ties (support and screened features at ∓inf, equal-norm columns) on which numba's
    quickselect over all of them measured 3x slower (10 000 scores: 90-170 vs 29 µs on
    distinct random values). Ties at the threshold are taken in index order."""
    below_inf = 0
    finite = 0
    lo = np.inf
    hi = -np.inf
    for j in range(score.size):
        v = score[j]
        if v == -np.inf:
            below_inf += 1
        elif v != np.inf:
            finite += 1
            lo = min(lo, v)
            hi = max(hi, v)
    if size <= below_inf:
        threshold = -np.inf
    elif size >= below_inf + finite:
        threshold = np.inf
    else:
        threshold = _kth_finite(score, size - below_inf, lo, hi)
    below = 0
    for j in range(score.size):
        if score[j] < threshold:
            below += 1
    ties = size - below
    out = np.empty(size, dtype=np.int64)
    count = 0
    for j in range(score.size):
        sj = score[j]
        if sj == np.inf:
            continue
        if sj < threshold:
            out[count] = j
            count += 1
        elif sj == threshold and ties > 0:
            out[count] = j
            count += 1
            ties -= 1
    return out[:count]


@numba.njit(cache=True)
def _kth_finite(score, k, lo, hi):
    """The ``k``-th smallest (1-based) finite entry of ``score``, whose finite entries lie in
    ``[lo, hi]``: histogram of the finite entries, then a partition of the bin holding it."""
    if not hi > lo:
        return lo
    scale = SELECT_BINS / (hi - lo)
    counts = np.zeros(SELECT_BINS + 1, dtype=np.int64)
    for j in range(score.size):
        v = score[j]
        if v != np.inf and v != -np.inf:
            counts[min(int((v - lo) * scale), SELECT_BINS)] += 1
    bin_ = 0
    before = 0
    while before + counts[bin_] < k:
        before += counts[bin_]
        bin_ += 1
    values = np.empty(counts[bin_])
    m = 0
    for j in range(score.size):
        v = score[j]
        if v != np.inf and v != -np.inf and min(int((v - lo) * scale), SELECT_BINS) == bin_:
            values[m] = v
            m += 1
    return np.partition(values, k - before - 1)[k - before - 1]
