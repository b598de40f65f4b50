r"""Solvers of the cubic-regularized Newton subproblem.

.. math::

    \min_s\; m(s) = g^\top s + \tfrac12 s^\top H s + \tfrac{M}{6}\|s\|^3

(Nesterov & Polyak 2006 scaling; ARC writes :math:`\tfrac{\sigma}{3}\|s\|^3`, i.e.
:math:`\sigma = M/2`). The global minimiser is characterised by
:math:`(H + \lambda I)s = -g`, :math:`\lambda = \tfrac M2\|s\|`, :math:`H + \lambda I \succeq 0`
(Nesterov & Polyak 2006, Thm. 10; Cartis, Gould & Toint 2011, Thm. 3.1).

* :func:`cubic_step_eigen` — in the eigenbasis of :class:`~numopt.second_order.linalg.EigenModel`:
  a safeguarded Newton iteration on the secular equation
  :math:`\phi(\lambda) = 1/\|s(\lambda)\| - M/(2\lambda) = 0`, bisection fallback, and the
  *hard case* (:math:`\tilde g` orthogonal to the bottom eigenvectors) handled explicitly.
  :math:`O(d)` per iteration.
* :func:`cubic_step_cholesky` — Newton on the radius :math:`r = \|s\|` with one Cholesky per
  iteration (epfml/super-newton's ``cubic_newton_step``); reports the hard case as a failure.
"""

import math

import numpy as np

from ._kernels import secular_root
from .linalg import cholesky

ROOT_TOL = 1e-12  # relative tolerance on the secular equation (well below the 1e-8 of
# super-newton so that cubic steps do not limit the final accuracy)
ROOT_MAX_ITER = 100  # safeguarded Newton/bisection iterations (bisection halves the bracket)
HARD_CASE_TOL = 1e-10  # |g~_i| <= this * ||g|| counts as orthogonal to eigenvector i
DEGENERATE_TOL = 1e-10  # eigenvalues within this (relative) of the smallest are "bottom"
RADIUS_NEWTON_TOL = 1e-10  # |h(r)| tolerance of the Cholesky radius iteration
RADIUS_MAX_ITER = 50  # super-newton: at most 50 Newton steps on r


def model_decrease_eigen(eigenvalues, g_tilde, s_tilde, weight):
    r"""Model value :math:`m(s)` (without :math:`f(x)`) in the eigenbasis, :math:`O(d)`."""
    r = float(np.linalg.norm(s_tilde))
    return float(g_tilde @ s_tilde + 0.5 * (eigenvalues * s_tilde) @ s_tilde
                 + weight / 6.0 * r ** 3)


def cubic_step_eigen(eigenvalues, g_tilde, weight):
    r"""Global minimiser of the cubic model in the eigenbasis.

    Parameters
    ----------
    eigenvalues : ndarray, shape (d,)
        :math:`\Lambda` in ascending order.
    g_tilde : ndarray, shape (d,)
        :math:`Q^\top g`.
    weight : float
        :math:`M > 0`.

    Returns
    -------
    s_tilde : ndarray
        The minimiser in the eigenbasis (:math:`s = Q\tilde s`).
    shift : float
        The multiplier :math:`\lambda = \tfrac M2 \|s\|`.

    Examples
    --------
    The hard case :math:`H = \mathrm{diag}(-1, 1)`, :math:`g = (0, 1)`, :math:`M = 2`:
    :math:`\lambda = 1` and :math:`s = (\pm\sqrt{3/4}, -1/2)`.

    >>> import numpy as np
    >>> s, lam = cubic_step_eigen(np.array([-1.0, 1.0]), np.array([0.0, 1.0]), 2.0)
    >>> np.round(np.abs(s), 6), lam
    (array([0.866025, 0.5     ]), 1.0)
    """
    half = 0.5 * weight
    gsq = g_tilde ** 2
    gnorm = math.sqrt(float(gsq.sum()))
    lam_min = float(eigenvalues[0])
    low = max(0.0, -lam_min)
    bottom = eigenvalues <= lam_min + DEGENERATE_TOL * max(1.0, abs(lam_min))
    orthogonal = bool(np.all(np.abs(g_tilde[bottom]) <= HARD_CASE_TOL * max(gnorm, 1e-300)))
    if orthogonal and lam_min <= 0.0:
        s_low = np.zeros_like(g_tilde)
        denom = eigenvalues[~bottom] + low
        s_low[~bottom] = -g_tilde[~bottom] / denom
        radius = float(np.linalg.norm(s_low))
        if radius <= low / half:  # hard case: the secular equation has no root above low
            tau = math.sqrt(max((low / half) ** 2 - radius ** 2, 0.0))
            s_low[np.flatnonzero(bottom)[0]] += tau
            return s_low, low
    if gnorm == 0.0:
        return np.zeros_like(g_tilde), 0.0
    lam = secular_root(np.ascontiguousarray(eigenvalues, dtype=float),
                       np.ascontiguousarray(gsq, dtype=float), half, low, gnorm, ROOT_TOL,
                       ROOT_MAX_ITER)
    return -g_tilde / (eigenvalues + lam), lam


def _secular_root(eigenvalues, gsq, half, low, gnorm):
    r"""Root of :math:`\phi(\lambda) = 1/\|s(\lambda)\| - (M/2)/\lambda` on :math:`(low, \infty)`
    (the NumPy reference of the numba kernel :func:`~numopt.second_order._kernels.secular_root`
    that :func:`cubic_step_eigen` calls).

    :math:`\phi` is increasing and concave, so Newton steps from any point undershoot the
    root and then increase monotonically to it; a bracket ``[lo, hi]`` with
    :math:`\phi(lo) < 0 \le \phi(hi)` guards them (bisection whenever a step leaves it).
    """
    lo = low
    hi = low + math.sqrt(gnorm * half)  # ||s(hi)|| <= ||g||/(hi - low) <= hi/half
    lam = hi
    for _ in range(ROOT_MAX_ITER):
        denom = eigenvalues + lam
        norm_sq = float(np.sum(gsq / denom ** 2))
        norm = math.sqrt(norm_sq)
        phi = 1.0 / norm - half / lam
        # the bracket is tight relative to the distance to the pole at low (near the hard
        # case ||s|| ~ 1/(lam - low), so ROOT_TOL * hi would leave ||s|| off by 1e-6)
        if abs(phi) <= ROOT_TOL * (half / lam) or hi - lo <= max(
                ROOT_TOL * (lo - low), 4 * np.finfo(float).eps * hi):
            return lam
        if phi < 0.0:
            lo = lam
        else:
            hi = lam
        dphi = float(np.sum(gsq / denom ** 3)) / norm ** 3 + half / lam ** 2
        candidate = lam - phi / dphi
        lam = candidate if lo < candidate < hi else 0.5 * (lo + hi)
    return lam


def cubic_step_cholesky(xp, H, g, weight):
    r"""Cubic step by Newton's method on the radius with one Cholesky per iteration.

    Solves :math:`h(r) = r - \|(H + \tfrac M2 r I)^{-1} g\| = 0` with
    :math:`h'(r) = 1 + \tfrac M2\, s^\top (H + \tfrac M2 r I)^{-1} s / \|s\|`: start at
    :math:`r = 1`, double :math:`r` until the factorization exists and :math:`h(r) \ge 0`,
    then Newton (epfml/super-newton ``cubic_newton_step``, Doikov et al. arXiv 2208.05888).

    Parameters
    ----------
    xp : module
        Array namespace of ``H`` and ``g``.
    H : array, shape (d, d)
        Symmetric Hessian.
    g : array, shape (d,)
        Gradient.
    weight : float
        Cubic weight :math:`M` of the model :math:`g^\top s + \tfrac12 s^\top H s +
        \tfrac M6 \|s\|^3`.

    Returns
    -------
    (s, factorizations, shift) or (None, factorizations, reason)
        ``factorizations`` counts the Choleskys; ``s`` is ``None`` with a reason in the
        hard case (no root where the shifted matrix is positive definite) or when the
        iteration does not converge; use :func:`cubic_step_eigen` then.

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_compat.numpy as xp
    >>> s, _, lam = cubic_step_cholesky(xp, np.diag([1.0, 2.0]), np.array([1.0, 1.0]), 2.0)
    >>> bool(abs(lam - np.linalg.norm(s)) < 1e-9)
    True
    """
    half = 0.5 * weight
    count = 0
    gnorm = float(xp.linalg.vector_norm(g))
    if gnorm == 0.0:
        factor, count = cholesky(xp, H), 1
        if factor is None:
            return None, count, "zero gradient at a point of negative curvature (hard case)"
        return xp.zeros_like(g), count, 0.0
    lo, r = 0.0, 1.0
    for _ in range(RADIUS_MAX_ITER):
        factor, count = cholesky(xp, H, half * r), count + 1
        if factor is not None:
            s = -factor.solve(g)
            norm = float(xp.linalg.vector_norm(s))
            if r - norm >= 0.0:
                break
        lo, r = r, 2.0 * r
    else:
        return None, count, "no radius with a positive definite shifted Hessian was found"
    hi = r
    for _ in range(RADIUS_MAX_ITER):
        h = r - norm
        if abs(h) <= RADIUS_NEWTON_TOL * max(r, 1.0):
            return s, count, half * r
        if hi - lo <= RADIUS_NEWTON_TOL * hi:
            return None, count, ("the shifted Hessian is singular at the root (hard case); use the "
                          "eigen subproblem solver")
        if h > 0.0:
            hi = r
            r_next = r - h / (1.0 + half * factor.dual_norm_sq(s) / norm)
        else:
            lo = r
            r_next = hi
        if not lo < r_next < hi:
            r_next = 0.5 * (lo + hi)
        factor, count = cholesky(xp, H, half * r_next), count + 1
        while factor is None and hi - lo > RADIUS_NEWTON_TOL * hi:
            lo, r_next = r_next, 0.5 * (r_next + hi)
            factor, count = cholesky(xp, H, half * r_next), count + 1
        if factor is None:
            return None, count, ("the shifted Hessian is singular at the root (hard case); use the "
                          "eigen subproblem solver")
        r = r_next
        s = -factor.solve(g)
        norm = float(xp.linalg.vector_norm(s))
    return None, count, f"the radius iteration did not converge in {RADIUS_MAX_ITER} steps"
