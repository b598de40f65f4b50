r"""numba kernels of the working-set L1-logistic solver, dense and CSC twins.

The design matrix arrives as in :mod:`numopt.coordinate._ws_kernels` (``sparse`` flag,
``data, indices, indptr``, ``n``); only the columns of the working set are touched.

The inner solver is a proximal Newton method in the style of newGLMNET (Yuan, Ho & Lin,
"An Improved GLMNET for L1-regularized Logistic Regression", JMLR 13, 2012; the solver of
liblinear): each Newton step minimizes the quadratic model of the loss plus the L1 term by
coordinate descent, stopped when the model's minimum-norm subgradient (its ℓ1 norm over the
working set) falls below ``eta`` times the same quantity of the true objective at the step's
start (an inexact Newton forcing term, the paper's §3.4); then an Armijo line search (Tseng &
Yun 2009) that tries the full step first. Two accelerations of the model solve: inner
shrinking of the zero coordinates whose model gradient sits well inside the penalty (the
paper's §3.2), switched off for the next model when a model used every pass (measured: on
the sparse d ≫ n Toeplitz-0.9 grid design at α_max/100 shrinking then stalls the model,
6x slower); and Anderson extrapolation of the model's coordinate iterates every
``ANDERSON_K`` passes, kept when it lowers the model (Bertrand et al. 2022, Alg. 2: 2.3x
fewer passes on the sparse d ≫ n grid design at α_max/100).

What keeps it cheap on sparse designs is that the per-sample quantities are kept current
only where they change: the margins ``z = Xw``, the losses ``L_i = log(1 + e^{t_i})``
(``t_i = −y_i z_i``), ``σ(t_i)`` and the Hessian weights ``s_i σ(t_i)(1 − σ(t_i))`` are
stored, the rows a Newton direction moves are listed (one scan of ``X δ``), and the line
search and the update evaluate one ``exp`` and one ``log`` per moved row only. The duality
gap of the working-set problem needs no transcendental function when the dual point is
unscaled (``c = 1``): with ``p = σ(t)``, ``p log p + (1 − p) log(1 − p) = σ(t) t − L(t)``,
so ``P − D = Σ pen|w| + Σ s_i σ(t_i) t_i``; one ``log`` per sample otherwise
(``log(1 + e)`` with ``e ≤ 1`` rather than ``log1p``: 1.5x faster in numba, absolute error
≤ 1e-16). The column kernels are inlined into the coordinate loops (see below).

Each kernel used alone has a NumPy twin in :mod:`numopt.coordinate._logistic_reference`.
"""

import numba
import numpy as np

from ._ws_kernels import ANDERSON_K, FAST, anderson_weights, col_axpy, col_dot2

MAX_FREE_SWEEPS = 100  # cap on the Newton sweeps fitting the unpenalized logistic features
FREE_ROUNDING = 1e-14  # an unpenalized derivative this small (relative) is fitted
FREE_HALVINGS = 40  # step halvings of one unpenalized Newton iteration
ARMIJO = 1e-4  # sufficient-decrease constant of the line search
MAX_HALVINGS = 30  # line-search trials
ROUNDING = 1e-12  # predicted decreases below this fraction of the objective skip the test
TINY_MOVE = 1e-15  # coordinate moves below this (times max(1, |w_j|)) are skipped


@numba.njit(cache=True, fastmath=FAST)
def sample_terms(z, y, s, rows, nrows, loss, sig, hess):
    """At ``t_i = −y_i z_i`` for ``i`` in ``rows[:nrows]``: ``loss_i = log(1 + e^{t_i})``,
    ``sig_i = σ(t_i)``, ``hess_i = s_i σ(t_i)(1 − σ(t_i))`` (one ``exp`` and one ``log``
    per row), in place."""
    for r in range(nrows):
        i = rows[r]
        t = -y[i] * z[i]
        e = np.exp(-abs(t))
        inv = 1.0 / (1.0 + e)
        if t > 0.0:
            loss[i] = t + np.log(1.0 + e)  # e ≤ 1: log, not log1p (faster, error ≤ 1e-16)
            p = inv
        else:
            loss[i] = np.log(1.0 + e)
            p = e * inv
        sig[i] = p
        hess[i] = s[i] * p * (1.0 - p)


@numba.njit(cache=True, fastmath=FAST, inline="always")
def col_grad_hess(sparse, data, indices, indptr, n, j, y, s, sig, hess):
    """Loss derivatives in ``w_j``: ``−Σ_i X_ij s_i y_i σ(t_i)`` and ``Σ_i X_ij² hess_i``."""
    g = 0.0
    h = 0.0
    if sparse:
        for p in range(indptr[j], indptr[j + 1]):
            i = indices[p]
            x = data[p]
            g -= x * s[i] * y[i] * sig[i]
            h += x * x * hess[i]
    else:
        col = data[j * n:(j + 1) * n]
        for i in range(n):
            x = col[i]
            g -= x * s[i] * y[i] * sig[i]
            h += x * x * hess[i]
    return g, h


# The column kernels of :mod:`numopt.coordinate._ws_kernels`, inlined at their call sites
# here: a call from one numba kernel to another that is not inlined costs 70-120 ns (array
# arguments are passed with reference counting), measured on the sparse 1000 x 10 000 grid
# design (5 stored entries a column): 122 ns a column called, 7.9 ns inlined. The
# coordinate loops below make one such call per coordinate.
col_model_grad = numba.njit(fastmath=FAST, inline="always")(col_dot2.py_func)
col_axpy_inline = numba.njit(fastmath=FAST, inline="always")(col_axpy.py_func)


@numba.njit(cache=True, inline="always")
def l1_violation(g, w, pen):
    """Distance of ``−g`` to ``pen ∂|w|`` (the minimum-norm subgradient's magnitude)."""
    if w > 0.0:
        return abs(g + pen)
    if w < 0.0:
        return abs(g - pen)
    if g + pen < 0.0:
        return -(g + pen)
    if g - pen > 0.0:
        return g - pen
    return 0.0


@numba.njit(cache=True, inline="always")
def model_step(g, h, w, pen):
    """Minimizer ``δ`` of ``g δ + h δ²/2 + pen|w + δ|`` (``h > 0``)."""
    if g + pen <= h * w:
        return -(g + pen) / h
    if g - pen >= h * w:
        return -(g - pen) / h
    return -w


@numba.njit(cache=True)
def qp_epoch(sparse, data, indices, indptr, n, w, wpd, grad, lc, ws, pen, hess, xdelta,
             active, n_active, shrink_below, out):
    """One cyclic coordinate-descent pass on the quadratic model over ``active[:n_active]``
    (indices into ``ws``), whose variables are the trial coefficients ``wpd_k`` (``w_j + δ_k``;
    kept as values, not moves, so that a coefficient the model sets to zero is exactly
    zero): the model gradient at ``wpd_k`` is ``grad_k + Σ_i X_ij hess_i xdelta_i``. A
    coordinate at zero whose model gradient lies ``shrink_below`` inside the penalty leaves
    the active list (newGLMNET's inner shrinking, Yuan et al. 2012 §3.2). ``wpd``,
    ``xdelta = X_ws (wpd − w_ws)`` and ``active`` updated in place; ``out`` receives
    ``(ℓ1 norm, max)`` of the model's violations. Returns the new ``n_active``."""
    total = 0.0
    biggest = 0.0
    q = 0
    while q < n_active:
        k = active[q]
        h = lc[k]
        if h <= 0.0:
            q += 1
            continue
        j = ws[k]
        g = grad[k] + col_model_grad(sparse, data, indices, indptr, n, j, hess, xdelta)
        cur = wpd[k]
        pj = pen[j]
        if cur == 0.0 and pj > 0.0 and abs(g) < pj - shrink_below:
            n_active -= 1
            active[q] = active[n_active]
            active[n_active] = k
            continue
        v = l1_violation(g, cur, pj)
        total += v
        biggest = max(biggest, v)
        step = model_step(g, h, cur, pj)
        new = 0.0 if step == -cur else cur + step
        if new != cur and (new == 0.0 or abs(step) > TINY_MOVE * max(1.0, abs(cur))):
            wpd[k] = new
            col_axpy_inline(sparse, data, indices, indptr, n, j, new - cur, xdelta)
        q += 1
    out[0] = total
    out[1] = biggest
    return n_active


@numba.njit(cache=True, inline="always")
def trial(w, target, t):
    """``w + t (target − w)``, exactly ``target`` at ``t = 1``."""
    return target if t == 1.0 else w + t * (target - w)


@numba.njit(cache=True, fastmath=FAST)
def qp_value(grad, pen, ws, w, wpd, hess, xdelta):
    """The quadratic model at ``wpd`` up to a constant: ``Σ_k grad_k (wpd_k − w_j) +
    ½ Σ_i hess_i xdelta_i² + Σ_k pen_j |wpd_k|``."""
    acc = 0.0
    for k in range(ws.size):
        j = ws[k]
        acc += grad[k] * (wpd[k] - w[j]) + pen[j] * abs(wpd[k])
    quad = 0.0
    for i in range(xdelta.size):
        quad += hess[i] * xdelta[i] * xdelta[i]
    return acc + 0.5 * quad


@numba.njit(cache=True)
def qp_extrapolate(sparse, data, indices, indptr, n, w, wpd, grad, ws, pen, hess, xdelta,
                   buf, wex, xtmp):
    """Anderson extrapolation of the model's coordinate-descent iterates (the ``K + 1`` rows
    of ``buf``, oldest first; Bertrand et al. 2022, Alg. 2, applied to the Newton model as
    to a Lasso): the extrapolated ``wpd`` is kept when it lowers the model. ``wpd``,
    ``xdelta`` updated in place; ``wex``, ``xtmp`` scratch. Returns whether it was kept."""
    c = anderson_weights(buf)
    if c.size == 0:
        return False
    m = ws.size
    for k in range(m):
        acc = 0.0
        for t in range(c.size):
            acc += c[t] * buf[t + 1, k]
        wex[k] = acc
    xtmp[:] = 0.0
    for k in range(m):
        step = wex[k] - w[ws[k]]
        if step != 0.0:
            col_axpy_inline(sparse, data, indices, indptr, n, ws[k], step, xtmp)
    better = qp_value(grad, pen, ws, w, wex, hess, xtmp) < qp_value(grad, pen, ws, w, wpd,
                                                                       hess, xdelta)
    if better:
        wpd[:] = wex
        xdelta[:] = xtmp
    return better


@numba.njit(cache=True, fastmath=FAST)
def scaled_dual_gap(loss, sig, y, z, s, c, pen_term):
    """``P − D`` at the dual point ``θ_i = c s_i y_i σ(t_i)``: ``P = Σ s_i loss_i + pen_term``,
    ``D = −Σ s_i H(c σ(t_i))``, ``H(p) = p log p + (1 − p) log(1 − p)``. At ``c = 1``,
    ``H(σ(t)) = σ(t) t − loss``: no logarithm (module docstring)."""
    acc = pen_term
    if c == 1.0:
        for i in range(z.size):
            acc += s[i] * sig[i] * (-y[i] * z[i])
        return acc
    logc = np.log(c)
    for i in range(z.size):
        p = c * sig[i]
        h = 0.0
        if p > 0.0:
            h += p * (logc + (-y[i] * z[i]) - loss[i])  # log σ(t) = t − loss
        if p < 1.0:
            h += (1.0 - p) * np.log(1.0 - p)
        acc += s[i] * (loss[i] + h)
    return acc


@numba.njit(cache=True, fastmath=FAST)
def col_derivatives_shifted(sparse, data, indices, indptr, n, j, z, y, s, shift):
    """Loss derivatives in ``w_j`` at margins ``z + shift X[:, j]`` (only column ``j``'s rows
    are read): ``(g, h, Σ_i |X_ij| s_i σ_i)``, the last the rounding scale of ``g``."""
    g = 0.0
    h = 0.0
    scale = 0.0
    if sparse:
        for p in range(indptr[j], indptr[j + 1]):
            i = indices[p]
            x = data[p]
            sig = 1.0 / (1.0 + np.exp(y[i] * (z[i] + shift * x)))  # σ(−y z)
            g -= x * s[i] * y[i] * sig
            h += x * x * s[i] * sig * (1.0 - sig)
            scale += abs(x) * s[i] * sig
    else:
        col = data[j * n:(j + 1) * n]
        for i in range(n):
            x = col[i]
            sig = 1.0 / (1.0 + np.exp(y[i] * (z[i] + shift * x)))
            g -= x * s[i] * y[i] * sig
            h += x * x * s[i] * sig * (1.0 - sig)
            scale += abs(x) * s[i] * sig
    return g, h, scale


@numba.njit(cache=True)
def logistic_fit_unpenalized(sparse, data, indices, indptr, n, w, z, y, s, free, max_sweeps):
    """Minimize the logistic loss over the unpenalized features ``free`` (the others fixed)
    until each derivative is at rounding (``|g_j| ≤ FREE_ROUNDING Σ_i |X_ij| s_i σ_i``):
    cyclic one-dimensional Newton steps, halved while the derivative's magnitude does not
    drop (the loss is convex in each ``w_j``), a trial reading only column ``j``'s rows;
    sweeps repeat while more than one feature is free and a sweep moved one. Driving the
    derivative itself to rounding, rather than the loss, is the point. ``w``, ``z = Xw``
    updated in place; returns the sweeps run.

    The duality gap needs it: the dual point ``θ = c s y σ(−yz)`` is feasible only when
    ``X_jᵀθ = 0`` on every unpenalized ``j`` (the dual of a free coordinate is an equality
    constraint; scaling by ``c`` keeps it only if it holds before). An unpenalized
    coordinate left merely near its optimum (a prox-Newton step that stopped early, nearly
    separable data) makes ``D(θ)`` no lower bound: gaps come out too small or negative,
    inner solves stop at once and gap-safe screening removes active features."""
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        moved = False
        for k in range(free.size):
            j = free[k]
            g, h, scale = col_derivatives_shifted(sparse, data, indices, indptr, n, j, z, y,
                                                  s, 0.0)
            for _ in range(100):  # Newton iterations on this coordinate
                if h <= 0.0 or abs(g) <= FREE_ROUNDING * scale:
                    break
                step = -g / h
                t = 1.0
                accepted = False
                for _ in range(FREE_HALVINGS):
                    g_new, h_new, scale_new = col_derivatives_shifted(
                        sparse, data, indices, indptr, n, j, z, y, s, t * step)
                    if abs(g_new) < abs(g):
                        accepted = True
                        break
                    t *= 0.5
                if not accepted:
                    break
                w[j] += t * step
                col_axpy(sparse, data, indices, indptr, n, j, t * step, z)
                g, h, scale = g_new, h_new, scale_new
                moved = True
        if not moved or free.size == 1:
            break
    return sweeps


@numba.njit(cache=True)
def logistic_inner(sparse, data, indices, indptr, n, w, z, y, s, ws, pen, tol_in,
                   max_newton, max_cd, eta, anderson):
    """Proximal Newton over the working set ``ws`` (module docstring): stops when the
    working-set duality gap is ≤ ``tol_in`` (taken after fitting the unpenalized features of
    ``ws`` to rounding, :func:`logistic_fit_unpenalized`: the gap is a bound only then),
    after ``max_newton`` steps, or when no descent direction is left. Each Newton step runs
    at most ``max_cd`` coordinate-descent passes on the model, stopped when the model's
    violation norm is ≤ ``eta`` × the objective's (an inexact Newton forcing term), with
    Anderson extrapolation of the passes' iterates every ``ANDERSON_K`` passes when
    ``anderson`` (:func:`qp_extrapolate`). ``w``, ``z = Xw`` updated in place.
    Returns ``(newton_steps, gap_ws, cd_epochs)``."""
    m = ws.size
    loss = np.empty(n)
    sig = np.empty(n)
    hess = np.empty(n)
    loss_try = np.empty(n)
    e_try = np.empty(n)
    xdelta = np.zeros(n)
    rows = np.arange(n)
    all_rows = np.arange(n)
    grad = np.empty(m)
    lc = np.empty(m)
    wpd = np.empty(m)
    active = np.empty(m, dtype=np.int64)
    out = np.zeros(2)
    buf = np.empty((ANDERSON_K + 1 if anderson else 0, m))
    wex = np.empty(m)
    xtmp = np.zeros(n)
    hard = False  # the last model ran out of passes: shrinking then measured 6x slower
    # (sparse d >> n Toeplitz 0.9 at α_max/100: shrunk coordinates stall the model)
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
    sample_terms(z, y, s, all_rows, n, loss, sig, hess)
    nrows = n  # rows of the last direction (all rows on a dense design)
    gap = np.inf
    epochs = 0
    it = 0
    for it in range(max_newton + 1):
        if nfree:  # the gap below is a valid bound only at X_jᵀθ = 0 on these
            logistic_fit_unpenalized(sparse, data, indices, indptr, n, w, z, y, s, free,
                                     MAX_FREE_SWEEPS)
            sample_terms(z, y, s, all_rows, n, loss, sig, hess)
        worst = 0.0
        vnorm = 0.0
        pen_term = 0.0
        for k in range(m):
            j = ws[k]
            grad[k], lc[k] = col_grad_hess(sparse, data, indices, indptr, n, j, y, s, sig,
                                           hess)
            if pen[j] > 0.0:
                worst = max(worst, abs(grad[k]) / pen[j])
                pen_term += pen[j] * abs(w[j])
            vnorm += l1_violation(grad[k], w[j], pen[j])
        c = 1.0 if worst <= 1.0 else 1.0 / worst
        gap = scaled_dual_gap(loss, sig, y, z, s, c, pen_term)
        if gap <= tol_in or it == max_newton:
            break
        # ---- the Newton direction: coordinate descent on the quadratic model
        xdelta[:] = 0.0
        for k in range(m):
            wpd[k] = w[ws[k]]
            active[k] = k
        n_active = m
        shrink_below = np.inf  # no shrinking in the first pass
        target = eta * vnorm
        stored = 0
        shrinking = not hard  # the last model needed every pass: no shrinking in this one
        hard = True
        for _ in range(max_cd):
            epochs += 1
            n_active = qp_epoch(sparse, data, indices, indptr, n, w, wpd, grad, lc, ws, pen,
                                hess, xdelta, active, n_active, shrink_below, out)
            if anderson:
                buf[stored, :] = wpd
                stored += 1
                if stored == ANDERSON_K + 1:
                    stored = 0
                    qp_extrapolate(sparse, data, indices, indptr, n, w, wpd, grad, ws, pen,
                                   hess, xdelta, buf, wex, xtmp)
            if out[0] <= target:
                if n_active == m:
                    hard = False
                    break
                n_active = m  # reactivate the shrunk coordinates for a final check; if
                shrink_below = np.inf  # that fails, no more shrinking in this model
                shrinking = False
                continue
            if shrinking:
                shrink_below = out[1] / n
        nrows = n
        if sparse:  # the rows the direction moves: the line search reads only these
            nrows = 0
            for i in range(n):
                if xdelta[i] != 0.0:
                    rows[nrows] = i
                    nrows += 1
        # ---- Armijo line search on F(w + t δ), the full step first
        decrease = 0.0
        for k in range(m):
            j = ws[k]
            decrease += grad[k] * (wpd[k] - w[j]) + pen[j] * (abs(wpd[k]) - abs(w[j]))
        if decrease >= 0.0:
            break  # no descent direction left: the model is solved at w
        t = 1.0
        accepted = False
        # a predicted decrease below the objective's rounding cannot be verified: the step
        # is then tiny, the model exact to far below it, and the full step is taken
        unverifiable = -decrease <= ROUNDING * (pen_term + np.dot(s, loss))
        for _ in range(MAX_HALVINGS):
            change = 0.0
            for k in range(m):
                j = ws[k]
                change += pen[j] * (abs(trial(w[j], wpd[k], t)) - abs(w[j]))
            for r in range(nrows):
                i = rows[r] if sparse else r
                u = y[i] * (z[i] + t * xdelta[i])  # −t_i at the trial point
                e = np.exp(-abs(u))
                new = np.log(1.0 + e) - u if u < 0.0 else np.log(1.0 + e)
                loss_try[i] = new
                e_try[i] = e
                change += s[i] * (new - loss[i])
            if change <= ARMIJO * t * decrease or unverifiable:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            break
        for k in range(m):
            w[ws[k]] = trial(w[ws[k]], wpd[k], t)
        for r in range(nrows):
            i = rows[r] if sparse else r
            z[i] += t * xdelta[i]
            loss[i] = loss_try[i]
            inv = 1.0 / (1.0 + e_try[i])
            p = inv if y[i] * z[i] < 0.0 else e_try[i] * inv  # σ(−y_i z_i)
            sig[i] = p
            hess[i] = s[i] * p * (1.0 - p)
    return it, gap, epochs
