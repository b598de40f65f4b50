"""NumPy twins of :mod:`numopt.coordinate._logistic_kernels` (dense ``X``), for the tests."""

import numpy as np
from scipy.special import expit, xlogy


def sample_terms(z, y, s):
    """``(loss, sig, hess)`` per sample at ``t = −y z``."""
    t = -y * z
    sig = expit(t)
    return np.logaddexp(0.0, t), sig, s * sig * (1.0 - sig)


def col_grad_hess(X, y, s, sig, hess):
    """Loss derivatives in every ``w_j``: ``(−Xᵀ(s y σ), (X²)ᵀ hess)``."""
    return -(X.T @ (s * y * sig)), (X * X).T @ hess


def scaled_dual_gap(loss, sig, y, z, s, c, pen_term):
    """``P − D`` at ``θ = c s y σ(t)``."""
    p = c * sig
    ent = xlogy(p, p) + xlogy(1.0 - p, 1.0 - p)
    return pen_term + float(s @ loss) + float(s @ ent)


def qp_epoch(X, w, wpd, grad, lc, ws, pen, hess, xdelta):
    """One cyclic pass of coordinate descent on ``Σ_k grad_k (v_k − w_j) + ½‖X_ws(v −
    w_ws)‖²_hess + Σ pen_j|v_k|`` over ``v = wpd`` (no shrinking), in place; returns the ℓ1
    norm of the violations met."""
    total = 0.0
    for k, j in enumerate(ws):
        if lc[k] <= 0.0:
            continue
        g = grad[k] + X[:, j] @ (hess * xdelta)
        cur = wpd[k]
        if cur > 0:
            total += abs(g + pen[j])
        elif cur < 0:
            total += abs(g - pen[j])
        else:
            total += max(abs(g) - pen[j], 0.0)
        u = cur - g / lc[k]
        new = np.sign(u) * max(abs(u) - pen[j] / lc[k], 0.0)
        if new != cur:
            xdelta += (new - cur) * X[:, j]
            wpd[k] = new
    return total


def qp_value(grad, pen, ws, w, wpd, hess, xdelta):
    """The quadratic model at ``wpd`` up to a constant."""
    return float(grad @ (wpd - w[ws]) + pen[ws] @ np.abs(wpd)
                 + 0.5 * hess @ (xdelta * xdelta))
