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
MAX_FREE_SWEEPS = 100  # cap on the Newton sweeps fitting the unpenalized logistic features


@numba.njit(cache=True, fastmath=FAST)
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


@numba.njit(cache=True, fastmath=FAST)
def col_sq(sparse, data, indices, indptr, n, j, h):
    """``Σ_i h_i X_ij²``."""
    acc = 0.0
    if sparse:
        for p in range(indptr[j], indptr[j + 1]):
            acc += h[indices[p]] * data[p] * data[p]
    else:
        col = data[j * n:(j + 1) * n]
        for i in range(n):
            acc += h[i] * col[i] * col[i]
    return acc


@numba.njit(cache=True, fastmath=FAST)
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


# ------------------------------------------------------------------------------ Lasso
@numba.njit(cache=True, fastmath=FAST)
def lasso_dual_ws(sparse, data, indices, indptr, n, r, y, ws, pen):
    """Dual value and scale of the working-set subproblem at residual ``r = y − Xw``:
    ``θ = c r`` with ``c = min(1, 1/max_{j∈ws, pen_j>0} |X_jᵀr|/pen_j)``, ``D = c rᵀy −
    c²‖r‖²/2``. ``pen`` = λ·weights (0 = unpenalized)."""
    worst = 0.0
    for k in range(ws.size):
        j = ws[k]
        if pen[j] > 0.0:
            worst = max(worst, abs(col_dot(sparse, data, indices, indptr, n, j, r)) / pen[j])
    c = 1.0 if worst <= 1.0 else 1.0 / worst
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


@numba.njit(cache=True, fastmath=FAST)
def lasso_epoch(sparse, data, indices, indptr, n, w, r, ws, inv_lc, pen):
    """One cyclic coordinate descent epoch over ``ws``: ``w_j ← ST(w_j + X_jᵀr/L_j,
    pen_j/L_j)``, ``r ← r − Δ X_j``. Returns ``Σ_j L_j Δ_j²/2``, a lower bound on the
    epoch's decrease of the objective. (The column loops are written out here, not
    called, for the hottest kernel: measured 2x faster on CSC.)"""
    decrease = 0.0
    for k in range(ws.size):
        j = ws[k]
        if inv_lc[j] == 0.0:
            continue
        acc = 0.0
        if sparse:
            start, stop = indptr[j], indptr[j + 1]
            for p in range(start, stop):
                acc += data[p] * r[indices[p]]
        else:
            col = data[j * n:(j + 1) * n]
            for i in range(n):
                acc += col[i] * r[i]
        old = w[j]
        new = soft(old + acc * inv_lc[j], pen[j] * inv_lc[j])
        if new != old:
            w[j] = new
            step = old - new
            if sparse:
                for p in range(indptr[j], indptr[j + 1]):
                    r[indices[p]] += step * data[p]
            else:
                col = data[j * n:(j + 1) * n]
                for i in range(n):
                    r[i] += step * col[i]
            decrease += 0.5 * step * step / inv_lc[j]
    return decrease


@numba.njit(cache=True)
def lasso_inner(sparse, data, indices, indptr, n, w, r, y, ws, inv_lc, pen, tol_in,
                max_epochs, check_every, anderson, res_buf):
    """Coordinate descent over the working set with Anderson extrapolation, stopped when
    the working-set duality gap is ≤ ``tol_in`` (checked every ``check_every`` epochs, and
    after an epoch whose guaranteed decrease ``Σ L_j Δ_j²/2`` is ≤ ``tol_in``, such early
    checks spaced 1, 2, 4, ... epochs apart).

    ``w`` and ``r`` are updated in place. The residuals after the last ``res_buf.shape[0]``
    epochs are stored in ``res_buf`` (row ``(epoch − 1) mod rows``); at each check their
    Anderson extrapolation, when the last ``rows`` epochs ran without a primal jump, is a
    second dual candidate (dual extrapolation, Massias, Gramfort & Salmon 2018, eq. 11).
    Returns ``(epochs, gap_ws, accepted_extrapolations)``.
    """
    m = ws.size
    K = ANDERSON_K
    buf = np.empty((K + 1, m))
    stored = 0
    accepted = 0
    nres = res_buf.shape[0]
    gap = np.inf
    epoch = 0
    wtry = np.empty(m)
    rtry = np.empty(n)
    regular = 0  # residuals stored since the start or the last accepted extrapolation
    ordered = np.empty((nres, n))
    last_check = 0
    spacing = 1
    for epoch in range(1, max_epochs + 1):
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
                c = anderson_weights(buf)
                if c.size:
                    for k in range(m):
                        acc = 0.0
                        for t in range(K):
                            acc += c[t] * buf[t + 1, k]
                        wtry[k] = acc
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
        if (epoch % check_every == 0 or epoch == max_epochs
                or (decrease <= tol_in and epoch - last_check >= spacing)):
            if epoch % check_every != 0:
                spacing = min(2 * spacing, check_every)  # early checks back off
            last_check = epoch
            dual = lasso_dual_ws(sparse, data, indices, indptr, n, r, y, ws, pen)
            if regular >= nres > 0:  # dual extrapolation (Massias et al. 2018, eq. 11)
                for t in range(nres):
                    ordered[t, :] = res_buf[(epoch + t) % nres, :]
                c = anderson_weights(ordered)
                if c.size:
                    racc = c @ ordered[1:]
                    dual = max(dual, lasso_dual_ws(sparse, data, indices, indptr, n, racc, y,
                                                   ws, pen))
            gap = lasso_primal(r, w, ws, pen) - dual
            if gap <= tol_in:
                break
    return epoch, gap, accepted


# ------------------------------------------------------------------------------ logistic
@numba.njit(cache=True, fastmath=FAST)
def log1pexp(t):
    """``log(1 + e^t)`` without overflow."""
    if t > 0.0:
        return t + np.log1p(np.exp(-t))
    return np.log1p(np.exp(t))


@numba.njit(cache=True)
def logistic_loss(z, y, s):
    """``Σ s_i log(1 + e^{−y_i z_i})``."""
    acc = 0.0
    for i in range(z.size):
        acc += s[i] * log1pexp(-y[i] * z[i])
    return acc


@numba.njit(cache=True)
def xlogx(p):
    return p * np.log(p) if p > 0.0 else 0.0


@numba.njit(cache=True)
def logistic_derivatives(z, y, s, raw_g, raw_h):
    """Per-sample derivatives of the loss in ``z = Xw``: ``raw_g = −s y σ(−yz)``,
    ``raw_h = s σ(yz) σ(−yz)``."""
    for i in range(z.size):
        sig = 1.0 / (1.0 + np.exp(y[i] * z[i]))  # σ(−y z)
        raw_g[i] = -s[i] * y[i] * sig
        raw_h[i] = s[i] * sig * (1.0 - sig)


@numba.njit(cache=True)
def logistic_dual(z, y, s, c):
    """``D = −Σ s_i H(c σ(−y_i z_i))`` with ``H(p) = p log p + (1−p) log(1−p)``."""
    acc = 0.0
    for i in range(z.size):
        p = c / (1.0 + np.exp(y[i] * z[i]))
        acc -= s[i] * (xlogx(p) + xlogx(1.0 - p))
    return acc


@numba.njit(cache=True)
def logistic_col_derivatives(sparse, data, indices, indptr, n, j, z, y, s):
    """First and second derivatives of the logistic loss in ``w_j`` at margins ``z``."""
    g = 0.0
    h = 0.0
    if sparse:
        for p in range(indptr[j], indptr[j + 1]):
            i = indices[p]
            sig = 1.0 / (1.0 + np.exp(y[i] * z[i]))  # σ(−y z)
            g -= data[p] * s[i] * y[i] * sig
            h += data[p] * data[p] * s[i] * sig * (1.0 - sig)
    else:
        col = data[j * n:(j + 1) * n]
        for i in range(n):
            sig = 1.0 / (1.0 + np.exp(y[i] * z[i]))
            g -= col[i] * s[i] * y[i] * sig
            h += col[i] * col[i] * s[i] * sig * (1.0 - sig)
    return g, h


@numba.njit(cache=True)
def logistic_fit_unpenalized(sparse, data, indices, indptr, n, w, z, y, s, free, max_sweeps):
    """Minimize the logistic loss over the unpenalized features ``free`` (the others fixed)
    to rounding: cyclic one-dimensional Newton steps on the derivative, halved until the
    derivative's magnitude drops (the loss is convex in each ``w_j``, so a short enough step
    always does), until a sweep moves nothing. Driving the derivative itself to rounding,
    rather than the loss, is the point. ``w``, ``z = Xw`` updated in place; returns the
    sweeps run.

    The duality gap needs it: the dual point ``θ = c s y σ(−yz)`` is feasible only when
    ``X_jᵀθ = 0`` on every unpenalized ``j`` (the dual of a free coordinate is an equality
    constraint; scaling by ``c`` keeps it only if it holds before). An unpenalized
    coordinate left merely near its optimum (a prox-Newton step that stopped early, nearly
    separable data) makes ``D(θ)`` no lower bound: gaps come out too small or negative,
    inner solves stop at once and gap-safe screening removes active features."""
    ztry = np.empty(n)
    sweeps = 0
    moved = True
    while moved and sweeps < max_sweeps:
        sweeps += 1
        moved = False
        for k in range(free.size):
            j = free[k]
            g, h = logistic_col_derivatives(sparse, data, indices, indptr, n, j, z, y, s)
            for _ in range(100):  # Newton iterations on this coordinate
                if g == 0.0 or h <= 0.0:
                    break
                step = -g / h
                small = 1e-15 * max(1.0, abs(w[j]))
                t = 1.0
                done = True
                while abs(t * step) > small:
                    ztry[:] = z
                    col_axpy(sparse, data, indices, indptr, n, j, t * step, ztry)
                    g_new, h_new = logistic_col_derivatives(sparse, data, indices, indptr, n,
                                                            j, ztry, y, s)
                    if abs(g_new) < abs(g):
                        w[j] += t * step
                        z[:] = ztry
                        g, h = g_new, h_new
                        moved = True
                        done = False
                        break
                    t *= 0.5
                if done:
                    break
    return sweeps


@numba.njit(cache=True)
def logistic_inner(sparse, data, indices, indptr, n, w, z, y, s, ws, pen, tol_in,
                   max_newton, max_cd):
    """Proximal Newton over the working set (skglm's ProxNewton, Bertrand et al. 2022;
    celer-pn): each Newton step minimizes the second-order model of the loss plus the L1
    term over ``ws`` by coordinate descent (``max_cd`` epochs, stopped when the model's
    coordinate moves fall below 1e-3 of the first epoch's), then backtracks (Armijo) along
    the direction. Stops when the working-set gap is ≤ ``tol_in``, taken after fitting the
    unpenalized features of ``ws`` to rounding (:func:`logistic_fit_unpenalized`: the gap
    is a bound only then). ``w``, ``z = Xw``
    updated in place. Returns ``(newton_steps, gap_ws, cd_epochs)``.
    """
    m = ws.size
    raw_g = np.empty(n)
    raw_h = np.empty(n)
    grad = np.empty(m)
    lc = np.empty(m)
    delta = np.empty(m)
    xdelta = np.empty(n)
    ztry = np.empty(n)
    gap = np.inf
    epochs = 0
    it = 0
    nfree = 0
    for k in range(m):
        if pen[ws[k]] <= 0.0:
            nfree += 1
    free = np.empty(nfree, dtype=np.int64)
    nfree = 0
    for k in range(m):
        if pen[ws[k]] <= 0.0:
            free[nfree] = ws[k]
            nfree += 1
    for it in range(max_newton + 1):
        if nfree:  # the gap below is a valid bound only at X_jᵀθ = 0 on these
            logistic_fit_unpenalized(sparse, data, indices, indptr, n, w, z, y, s, free,
                                     MAX_FREE_SWEEPS)
        logistic_derivatives(z, y, s, raw_g, raw_h)
        worst = 0.0
        for k in range(m):
            j = ws[k]
            grad[k] = col_dot(sparse, data, indices, indptr, n, j, raw_g)
            if pen[j] > 0.0:
                worst = max(worst, abs(grad[k]) / pen[j])
        c = 1.0 if worst <= 1.0 else 1.0 / worst
        primal = logistic_loss(z, y, s)
        for k in range(m):
            primal += pen[ws[k]] * abs(w[ws[k]])
        gap = primal - logistic_dual(z, y, s, c)
        if gap <= tol_in or it == max_newton:
            break
        for k in range(m):
            lc[k] = col_sq(sparse, data, indices, indptr, n, ws[k], raw_h)
            delta[k] = 0.0
        xdelta[:] = 0.0
        first = 0.0
        for ep in range(max_cd):
            epochs += 1
            biggest = 0.0
            for k in range(m):
                if lc[k] <= 0.0:
                    continue
                j = ws[k]
                gk = grad[k] + col_dot2(sparse, data, indices, indptr, n, j, raw_h, xdelta)
                old = w[j] + delta[k]
                new = soft(old - gk / lc[k], pen[j] / lc[k])
                if new != old:
                    step = new - old
                    delta[k] += step
                    col_axpy(sparse, data, indices, indptr, n, j, step, xdelta)
                    biggest = max(biggest, lc[k] * step * step)
            if ep == 0:
                first = biggest
            if biggest <= 1e-6 * first or biggest == 0.0:
                break
        # Armijo backtracking on F(w + t δ) (Tseng & Yun 2009 rule)
        decrease = 0.0
        for k in range(m):
            j = ws[k]
            decrease += grad[k] * delta[k] + pen[j] * (abs(w[j] + delta[k]) - abs(w[j]))
        if decrease >= 0.0:
            break  # no descent direction left: the model is solved at w
        t = 1.0
        accepted = False
        for _ in range(30):
            for i in range(n):
                ztry[i] = z[i] + t * xdelta[i]
            value = logistic_loss(ztry, y, s)
            for k in range(m):
                j = ws[k]
                value += pen[j] * abs(w[j] + t * delta[k])
            if value <= primal + 1e-4 * t * decrease:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            break
        for k in range(m):
            w[ws[k]] += t * delta[k]
        z[:] = ztry
    return it, gap, epochs
