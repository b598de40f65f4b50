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
paper's §3.2), the remaining coordinates kept in their cyclic order (:func:`qp_epoch`); and
Anderson extrapolation of the active coordinates' iterates every ``ANDERSON_K`` passes that
shared one active set, kept when it lowers the model (Bertrand et al. 2022, Alg. 2: 2.3x
fewer passes on the sparse d ≫ n grid design at α_max/100).

What keeps it cheap on sparse designs is that the per-sample quantities are kept current
only where they change: the margins ``z = Xw``, the losses ``L_i = log(1 + e^{t_i})``
(``t_i = −y_i z_i``), ``σ(t_i)`` and the Hessian weights ``s_i σ(t_i)(1 − σ(t_i))`` are
stored, the rows a Newton direction moves are listed (one scan of ``X δ``), and the line
search and the update evaluate one ``exp`` and one ``log`` per moved row only, in loops that
LLVM vectorizes (``fast_exp``, :func:`log1p_unit`, :func:`fast_log`: 3.5 ns a row for
both, where numba's libm calls take 12-13 ns; see below). The duality
gap of the working-set problem needs no transcendental function when the dual point is
unscaled (``c = 1``): with ``p = σ(t)``, ``p log p + (1 − p) log(1 − p) = σ(t) t − L(t)``,
so ``P − D = Σ pen|w| + Σ s_i σ(t_i) t_i``; one ``log`` per sample otherwise. The
column kernels are inlined into the coordinate loops (see below). The outer loop's
per-sample terms (:func:`dual_residual`, :func:`losses`, :func:`entropies`) use the same
vectorized functions (5x NumPy's ``expit``/``xlogy`` route on 10 000 samples).

Each kernel used alone has a NumPy twin in :mod:`numopt.coordinate._logistic_reference`
or is tested against SciPy's ``expit``/``logaddexp``/``xlogy``.
"""

import numba
import numpy as np

from ..transport._kernels import LN2_HI, LN2_LO, _bits_to_float, _float_to_bits, fast_exp
from ._ws_kernels import ANDERSON_K, FAST, anderson_weights, col_axpy, col_dot2

MAX_FREE_SWEEPS = 100  # cap on the Newton sweeps fitting the unpenalized logistic features
FREE_ROUNDING = 1e-14  # an unpenalized derivative this small (relative) is fitted
FREE_HALVINGS = 40  # step halvings of one unpenalized Newton iteration
ARMIJO = 1e-4  # sufficient-decrease constant of the line search
MAX_HALVINGS = 30  # line-search trials
ROUNDING = 1e-12  # predicted decreases below this fraction of the objective skip the test
TINY_MOVE = 1e-15  # coordinate moves below this (times max(1, |w_j|)) are skipped
SQRT2 = 1.4142135623730951
SQRT2_M1 = 0.41421356237309515  # √2 − 1
# log((1 + f)/(1 − f)) = 2 Σ f^(2k+1)/(2k+1); |f| ≤ 3 − 2√2 ≈ 0.1716 after the reductions
# below, where the terms past f^19 are below 3e-17 relative (under half an ulp)
ATANH_SERIES = tuple(1.0 / (2 * k + 1) for k in range(10))
MANTISSA = (1 << 52) - 1
ONE_BITS = 1023 << 52


# Transcendental functions. numba compiles ``np.exp``/``np.log`` to scalar libm calls (no
# SVML here): 12-13 ns a sample for the exp and log of the loss, where NumPy's SIMD loops
# take 2-3 ns. With the branch- and call-free ``fast_exp`` of
# :mod:`numopt.transport._kernels` and the logarithms below, LLVM vectorizes the per-sample
# loops (measured 1.1 ns for the exp); they are compiled without ``fastmath``, whose
# reassociation would undo ``fast_exp``'s rounding trick, and with NumPy's error model (no
# ZeroDivisionError branch after each division, which blocks vectorization; no divisor
# here can be zero). numba compiles a kernel called from a ``fastmath`` kernel with the
# caller's flags (measured: ``fast_exp(2.0)`` then returns 8.0), so no kernel using
# ``fast_exp`` is called from one: ``fastmath`` sums are separate kernels called after them.
# :func:`fast_log` has no rounding trick and may run under ``fastmath``.
@numba.njit(inline="always", cache=True)
def _atanh_log(f):
    """``log((1 + f)/(1 − f))`` for ``|f| ≤ 0.1716``: ``2 f Σ f^2k/(2k + 1)``."""
    f2 = f * f
    c = ATANH_SERIES
    q = c[9]
    q = c[8] + f2 * q
    q = c[7] + f2 * q
    q = c[6] + f2 * q
    q = c[5] + f2 * q
    q = c[4] + f2 * q
    q = c[3] + f2 * q
    q = c[2] + f2 * q
    q = c[1] + f2 * q
    q = c[0] + f2 * q
    return 2.0 * f * q


@numba.njit(inline="always", cache=True)
def log1p_unit(e):
    """``log(1 + e)`` for ``0 ≤ e ≤ 1`` to about 1 ulp, branch-free: ``1 + e = (1 + f)/(1 −
    f)`` with ``f = e/(2 + e)`` (``e`` never rounded into ``1 + e``), or, above ``√2 − 1``,
    ``(1 + e)/2`` that way plus ``log 2``."""
    big = 1.0 * (e > SQRT2_M1)  # 0 or 1: arithmetic, not branches (LLVM vectorizes it)
    f = (e - big) / ((e + 2.0) + big)
    return (_atanh_log(f) + big * LN2_LO) + big * LN2_HI


@numba.njit(inline="always", cache=True)
def fast_log(x):
    """``log(x)`` for a positive normal ``x`` to about 1 ulp, branch-free: ``x = 2^k m``,
    ``m ∈ [√2/2, √2)`` from the bits, ``log m`` by :func:`_atanh_log`."""
    bits = _float_to_bits(x)
    k = (bits >> 52) - 1023
    m = _bits_to_float((bits & MANTISSA) | ONE_BITS)  # in [1, 2)
    big = 1.0 * (m > SQRT2)
    m = m * (1.0 - 0.5 * big)
    kf = float(k) + big
    return kf * LN2_HI + (_atanh_log((m - 1.0) / (m + 1.0)) + kf * LN2_LO)


@numba.njit(inline="always", cache=True)
def _terms(t, s_i):
    """``(loss, σ(t), s σ(1 − σ), e^{−|t|})`` at one sample (one exp, one log)."""
    e = fast_exp(-abs(t))
    inv = 1.0 / (1.0 + e)
    p = inv if t > 0.0 else e * inv
    return log1p_unit(e) + max(t, 0.0), p, s_i * p * (1.0 - p), e


@numba.njit(cache=True, error_model="numpy")
def sample_terms(z, y, s, rows, nrows, loss, sig, hess):
    """At ``t_i = −y_i z_i`` for ``i`` in ``rows[:nrows]`` (distinct rows; ``nrows = n``
    means every row, in any order): ``loss_i = log(1 + e^{t_i})``, ``sig_i = σ(t_i)``,
    ``hess_i = s_i σ(t_i)(1 − σ(t_i))`` (one ``exp`` and one ``log`` per row), in place."""
    if nrows == z.size:  # every row: a direct loop, vectorized
        for i in range(nrows):
            loss[i], sig[i], hess[i], _ = _terms(-y[i] * z[i], s[i])
        return
    for r in range(nrows):  # scattered rows: libm, faster than the polynomials unvectorized
        i = rows[r]
        t = -y[i] * z[i]
        e = np.exp(-abs(t))
        inv = 1.0 / (1.0 + e)
        p = inv if t > 0.0 else e * inv
        loss[i] = np.log(1.0 + e) + max(t, 0.0)  # e ≤ 1: error ≤ 1e-16
        sig[i] = p
        hess[i] = s[i] * p * (1.0 - p)


@numba.njit(cache=True, error_model="numpy")
def trial_losses(y, z, xdelta, t, rows, nrows, loss_try, e_try):
    """At the trial margins ``z + t xdelta`` on the rows ``rows[:nrows]`` (every row, in
    order, when ``nrows = n``): ``loss_try[r] = log(1 + e^{u})``, ``e_try[r] = e^{−|u|}``,
    ``u = −y_i (z_i + t xdelta_i)`` of the ``r``-th row (vectorized when every row)."""
    if nrows == z.size:
        for i in range(nrows):
            u = -y[i] * (z[i] + t * xdelta[i])
            e = fast_exp(-abs(u))
            e_try[i] = e
            loss_try[i] = log1p_unit(e) + max(u, 0.0)
        return
    for r in range(nrows):  # gathered into loss_try first, then a vectorized loop
        i = rows[r]
        loss_try[r] = -y[i] * (z[i] + t * xdelta[i])
    for r in range(nrows):
        u = loss_try[r]
        e = fast_exp(-abs(u))
        e_try[r] = e
        loss_try[r] = log1p_unit(e) + max(u, 0.0)


@numba.njit(cache=True, fastmath=FAST)
def loss_change(s, loss, loss_try, rows, nrows):
    """``Σ_r s_i (loss_try[r] − loss_i)`` over the rows of :func:`trial_losses`."""
    acc = 0.0
    if nrows == loss.size:
        for i in range(nrows):
            acc += s[i] * (loss_try[i] - loss[i])
        return acc
    for r in range(nrows):
        i = rows[r]
        acc += s[i] * (loss_try[r] - loss[i])
    return acc


@numba.njit(cache=True, error_model="numpy")
def dual_residual(z, y, s, out):
    """``out_i = s_i y_i σ(−y_i z_i)`` (the outer loop's dual residual), vectorized."""
    for i in range(z.size):
        _, p, _, _ = _terms(-y[i] * z[i], 0.0)
        out[i] = s[i] * y[i] * p


@numba.njit(cache=True, error_model="numpy")
def losses(z, y, out):
    """``out_i = log(1 + e^{−y_i z_i})`` (the outer loop's primal terms), vectorized."""
    for i in range(z.size):
        t = -y[i] * z[i]
        out[i] = log1p_unit(fast_exp(-abs(t))) + max(t, 0.0)


@numba.njit(cache=True, error_model="numpy")
def entropies(nu, y, s, c, out):
    """``out_i = H(p_i)``, ``p_i = c ν_i y_i / s_i`` clipped to ``[0, 1]`` (0 where ``s_i =
    0``), ``H(p) = p log p + (1 − p) log(1 − p)`` (the outer loop's dual terms; ``0 log 0 =
    0``: :func:`fast_log` of 0 is finite), vectorized."""
    for i in range(nu.size):
        p = min(max(c * nu[i] * y[i] / s[i], 0.0), 1.0) if s[i] > 0.0 else 0.0
        q = 1.0 - p
        out[i] = p * fast_log(p) + q * fast_log(q)


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
    the active list (newGLMNET's inner shrinking, Yuan et al. 2012 §3.2); the others keep
    their order (a swap with the last one scrambles the cyclic order, which on the sparse
    d ≫ n Toeplitz-0.9 grid design at α_max/100 stalled the model: 780 ms vs 90 ms).
    ``wpd``, ``xdelta = X_ws (wpd − w_ws)`` and ``active[:n_active]`` updated in place;
    ``out`` receives ``(ℓ1 norm, max)`` of the model's violations. Returns the new
    ``n_active``."""
    if sparse:  # one loop per layout: a shared loop with both measured 1.5-3x slower
        return _qp_epoch_csc(data, indices, indptr, wpd, grad, lc, ws, pen, hess, xdelta,
                             active, n_active, shrink_below, out)
    return _qp_epoch_dense(data, n, wpd, grad, lc, ws, pen, hess, xdelta, active, n_active,
                           shrink_below, out)


@numba.njit(cache=True, fastmath=FAST, inline="always")
def _cd_coordinate(g, h, cur, pj, shrink_below):
    """One model coordinate at model gradient ``g``: ``(stays, violation, new value)``;
    ``stays`` is False when the coordinate is shrunk (at zero, ``g`` ``shrink_below``
    inside the penalty); moves below ``TINY_MOVE`` are not made."""
    if cur == 0.0 and pj > 0.0 and abs(g) < pj - shrink_below:
        return False, 0.0, cur
    step = model_step(g, h, cur, pj)
    new = 0.0 if step == -cur else cur + step
    if new != 0.0 and abs(step) <= TINY_MOVE * max(1.0, abs(cur)):
        new = cur
    return True, l1_violation(g, cur, pj), new


@numba.njit(cache=True, fastmath=FAST)
def _qp_epoch_csc(data, indices, indptr, wpd, grad, lc, ws, pen, hess, xdelta, active,
                  n_active, shrink_below, out):
    """:func:`qp_epoch` on CSC columns."""
    total = 0.0
    biggest = 0.0
    kept = 0
    for q in range(n_active):
        k = active[q]
        h = lc[k]
        if h <= 0.0:
            active[kept] = k
            kept += 1
            continue
        j = ws[k]
        start, stop = indptr[j], indptr[j + 1]
        g = grad[k]
        for p in range(start, stop):
            i = indices[p]
            g += data[p] * hess[i] * xdelta[i]
        cur = wpd[k]
        stays, v, new = _cd_coordinate(g, h, cur, pen[j], shrink_below)
        if not stays:
            continue  # shrunk
        active[kept] = k
        kept += 1
        total += v
        biggest = max(biggest, v)
        if new != cur:
            wpd[k] = new
            move = new - cur
            for p in range(start, stop):
                xdelta[indices[p]] += move * data[p]
    out[0] = total
    out[1] = biggest
    return kept


@numba.njit(cache=True, fastmath=FAST)
def _qp_epoch_dense(data, n, wpd, grad, lc, ws, pen, hess, xdelta, active, n_active,
                    shrink_below, out):
    """:func:`qp_epoch` on dense columns (``data`` column-major)."""
    total = 0.0
    biggest = 0.0
    kept = 0
    for q in range(n_active):
        k = active[q]
        h = lc[k]
        if h <= 0.0:
            active[kept] = k
            kept += 1
            continue
        j = ws[k]
        col = data[j * n:(j + 1) * n]
        g = grad[k]
        for i in range(n):
            g += col[i] * hess[i] * xdelta[i]
        cur = wpd[k]
        stays, v, new = _cd_coordinate(g, h, cur, pen[j], shrink_below)
        if not stays:
            continue  # shrunk
        active[kept] = k
        kept += 1
        total += v
        biggest = max(biggest, v)
        if new != cur:
            wpd[k] = new
            move = new - cur
            for i in range(n):
                xdelta[i] += move * col[i]
    out[0] = total
    out[1] = biggest
    return kept


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
def qp_extrapolate(sparse, data, indices, indptr, n, wpd, grad, ws, pen, hess, xdelta, buf,
                   active, n_active, wex, xtmp):
    """Anderson extrapolation of the model's coordinate-descent iterates over the active
    coordinates (``buf[t, q]`` is ``wpd[active[q]]`` after the ``t``-th of ``K + 1`` passes
    that shared ``active[:n_active]``, oldest first; Bertrand et al. 2022, Alg. 2, applied to
    the Newton model as to a Lasso; the shrunk coordinates are constant, so leaving them out
    changes nothing but the cost): the extrapolated ``wpd`` is kept when it lowers the
    model, the change measured directly. ``wpd``, ``xdelta`` updated in place; ``wex``,
    ``xtmp`` scratch. Returns whether it was kept."""
    c = anderson_weights(np.ascontiguousarray(buf[:, :n_active]))
    if c.size == 0:
        return False
    xtmp[:] = xdelta
    change = 0.0  # linear and penalty part of the model's change
    for q in range(n_active):
        k = active[q]
        acc = 0.0
        for t in range(c.size):
            acc += c[t] * buf[t + 1, q]
        wex[q] = acc
        step = acc - wpd[k]
        if step != 0.0:
            j = ws[k]
            change += grad[k] * step + pen[j] * (abs(acc) - abs(wpd[k]))
            col_axpy_inline(sparse, data, indices, indptr, n, j, step, xtmp)
    quad = 0.0
    for i in range(n):
        quad += hess[i] * (xtmp[i] - xdelta[i]) * (xtmp[i] + xdelta[i])
    if change + 0.5 * quad >= 0.0:
        return False
    for q in range(n_active):
        wpd[active[q]] = wex[q]
    xdelta[:] = xtmp
    return True


@numba.njit(cache=True)
def scaled_dual_gap(loss, sig, y, z, s, c, pen_term):
    """``P − D`` at the dual point ``θ_i = c s_i y_i σ(t_i)``: ``P = Σ s_i loss_i + pen_term``,
    ``D = −Σ s_i H(c σ(t_i))``, ``H(p) = p log p + (1 − p) log(1 − p)``. At ``c = 1``,
    ``H(σ(t)) = σ(t) t − loss``: no logarithm (module docstring)."""
    if c == 1.0:
        return pen_term + _sigma_t_sum(sig, y, z, s)
    return pen_term + _scaled_entropy_sum(loss, sig, y, z, s, c)


@numba.njit(cache=True, fastmath=FAST)
def _sigma_t_sum(sig, y, z, s):
    """``Σ s_i σ(t_i) t_i``."""
    acc = 0.0
    for i in range(z.size):
        acc += s[i] * sig[i] * (-y[i] * z[i])
    return acc


@numba.njit(cache=True, fastmath=FAST, error_model="numpy")
def _scaled_entropy_sum(loss, sig, y, z, s, c):
    """``Σ s_i (loss_i + H(c σ_i))`` (``c < 1``): one :func:`fast_log` a sample, vectorized
    with the sum (``fastmath``: :func:`fast_log` has no rounding trick for reassociation to
    undo; measured 2x faster than a separate elementwise loop and sum)."""
    logc = np.log(c)
    acc = 0.0
    for i in range(z.size):
        p = c * sig[i]
        q = 1.0 - p  # > 0: c < 1
        h = p * (logc + (-y[i] * z[i]) - loss[i]) if p > 0.0 else 0.0  # log σ(t) = t − loss
        acc += s[i] * (loss[i] + h + q * fast_log(q))
    return acc


@numba.njit(cache=True, error_model="numpy")
def _shifted_sigmas(sparse, data, indices, indptr, n, j, z, y, shift, buf):
    """``buf[q] = σ(−y_i (z_i + shift X_ij))`` for the ``q``-th row of column ``j``
    (gathered first, then one vectorized loop)."""
    rows = 0  # a counter, not an index difference (the index arrays may be unsigned)
    if sparse:
        for p in range(indptr[j], indptr[j + 1]):
            i = indices[p]
            buf[rows] = y[i] * (z[i] + shift * data[p])
            rows += 1
    else:
        rows = n
        col = data[j * n:(j + 1) * n]
        for i in range(n):
            buf[i] = y[i] * (z[i] + shift * col[i])
    for q in range(rows):
        buf[q] = 1.0 / (1.0 + fast_exp(buf[q]))


@numba.njit(cache=True, fastmath=FAST)
def _shifted_sums(sparse, data, indices, indptr, n, j, y, s, buf):
    """``(g, h, scale)`` of :func:`col_derivatives_shifted` from the σ in ``buf``."""
    g = 0.0
    h = 0.0
    scale = 0.0
    if sparse:
        q = 0
        for p in range(indptr[j], indptr[j + 1]):
            i = indices[p]
            x = data[p]
            sig = buf[q]
            q += 1
            g -= x * s[i] * y[i] * sig
            h += x * x * s[i] * sig * (1.0 - sig)
            scale += abs(x) * s[i] * sig
    else:
        col = data[j * n:(j + 1) * n]
        for i in range(n):
            x = col[i]
            sig = buf[i]
            g -= x * s[i] * y[i] * sig
            h += x * x * s[i] * sig * (1.0 - sig)
            scale += abs(x) * s[i] * sig
    return g, h, scale


@numba.njit(cache=True)
def col_derivatives_shifted(sparse, data, indices, indptr, n, j, z, y, s, shift, buf):
    """Loss derivatives in ``w_j`` at margins ``z + shift X[:, j]`` (only column ``j``'s rows
    are read; ``buf`` scratch of ``n``): ``(g, h, Σ_i |X_ij| s_i σ_i)``, the last the
    rounding scale of ``g``."""
    _shifted_sigmas(sparse, data, indices, indptr, n, j, z, y, shift, buf)
    return _shifted_sums(sparse, data, indices, indptr, n, j, y, s, buf)


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
    buf = np.empty(n)
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        moved = False
        for k in range(free.size):
            j = free[k]
            g, h, scale = col_derivatives_shifted(sparse, data, indices, indptr, n, j, z, y,
                                                  s, 0.0, buf)
            for _ in range(100):  # Newton iterations on this coordinate
                if h <= 0.0 or abs(g) <= FREE_ROUNDING * scale:
                    break
                step = -g / h
                t = 1.0
                accepted = False
                for _ in range(FREE_HALVINGS):
                    g_new, h_new, scale_new = col_derivatives_shifted(
                        sparse, data, indices, indptr, n, j, z, y, s, t * step, buf)
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
        group = -1  # the active count the stored iterates share (shrinking only removes)
        shrinking = True
        for _ in range(max_cd):
            epochs += 1
            n_active = qp_epoch(sparse, data, indices, indptr, n, w, wpd, grad, lc, ws, pen,
                                hess, xdelta, active, n_active, shrink_below, out)
            if anderson:
                if n_active != group:  # another active set: the stored passes are void
                    stored = 0
                    group = n_active
                for q in range(n_active):
                    buf[stored, q] = wpd[active[q]]
                stored += 1
                if stored == ANDERSON_K + 1:
                    stored = 0
                    qp_extrapolate(sparse, data, indices, indptr, n, wpd, grad, ws, pen,
                                   hess, xdelta, buf, active, n_active, wex, xtmp)
            if out[0] <= target:
                if n_active == m:
                    break
                for k in range(m):  # reactivate the shrunk coordinates, in their order,
                    active[k] = k  # for a final check; if that fails, no more
                n_active = m  # shrinking in this model
                shrink_below = np.inf
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
            trial_losses(y, z, xdelta, t, rows, nrows, loss_try, e_try)
            change += loss_change(s, loss, loss_try, rows, nrows)
            if change <= ARMIJO * t * decrease or unverifiable:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            break
        for k in range(m):
            w[ws[k]] = trial(w[ws[k]], wpd[k], t)
        for r in range(nrows):
            i = rows[r] if nrows < n else r
            z[i] += t * xdelta[i]
            loss[i] = loss_try[r]
            inv = 1.0 / (1.0 + e_try[r])
            p = inv if y[i] * z[i] < 0.0 else e_try[r] * inv  # σ(−y_i z_i)
            sig[i] = p
            hess[i] = s[i] * p * (1.0 - p)
    return it, gap, epochs
