"""Proximal operators of the separable terms ``h(x) = l1‖x‖₁ (+ indicator of x ≥ 0)``."""

import numpy as np


def prox_step(x, g, metric, l1, nonneg):
    """``argmin_z gᵀ(z − x) + ½ Σ metric_i (z_i − x_i)² + h(z)`` (coordinate-wise).

    Examples
    --------
    >>> import numpy as np
    >>> prox_step(np.array([1.0, -1.0]), np.array([0.5, 0.0]), np.ones(2), 0.2, False)
    array([ 0.3, -0.8])
    """
    u = x - g / metric
    z = np.sign(u) * np.maximum(np.abs(u) - l1 / metric, 0.0)
    return np.maximum(z, 0.0) if nonneg else z


def h_value(x, l1, nonneg):
    """``l1‖x‖₁`` (inf when ``nonneg`` and some entry is negative)."""
    if nonneg and np.any(x < 0):
        return np.inf
    return l1 * float(np.abs(x).sum()) if l1 else 0.0


def prox_grad_norm(x, g, l1, nonneg):
    """Stationarity measure ``‖x − prox_h(x − g)‖`` (``‖g‖`` when ``h = 0``)."""
    if not l1 and not nonneg:
        return float(np.linalg.norm(g))
    return float(np.linalg.norm(x - prox_step(x, g, 1.0, l1, nonneg)))
