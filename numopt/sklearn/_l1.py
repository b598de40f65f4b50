"""The one call from the estimators into numopt's L1 solvers (:func:`numopt.coordinate.lasso`
and :func:`~numopt.coordinate.l1_logistic`: working sets, coordinate descent, a relative
duality-gap stop), with per-feature penalty factors, sample weights and a start point."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..coordinate import l1_logistic, lasso
from ..core.result import Result


def solve_l1(X: Any, target: np.ndarray, lam: float, *, logistic: bool, tol: float,
             max_iter: int, x0: np.ndarray | None, penalty_weights: np.ndarray | None = None,
             sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, Result]:
    r"""Minimize :math:`\tfrac12\sum_i s_i(y_i - x_i^\top w)^2 + \lambda\sum_j\omega_j|w_j|`
    (or :math:`\sum_i s_i\log(1 + e^{-y_i x_i^\top w}) + \lambda\sum_j\omega_j|w_j|` with ±1
    targets) from ``x0``; ``ω_j = 0`` leaves feature ``j`` unpenalized. Stops at relative
    duality gap ``(P − D)/P(0) ≤ tol``."""
    options = dict(tol=tol, max_iter=max_iter, weights=penalty_weights,
                   sample_weight=sample_weight, x0=x0)
    if logistic:
        coef, res = l1_logistic(X, target, C=1.0 / lam, **options)
    else:  # lasso's alpha is on the mean scale: λ = alpha · Σ s_i
        total = float(X.shape[0] if sample_weight is None else np.sum(sample_weight))
        coef, res = lasso(X, target, lam / total, **options)
    return np.asarray(coef, dtype=np.float64), res
