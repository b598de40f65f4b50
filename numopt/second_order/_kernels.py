"""Numba kernels of the limited-memory Hessian models (plain arrays, no Python objects).

The NumPy reference of :func:`lbfgs_two_loop` is the compact inverse of
:meth:`numopt.second_order.hessian_models.LimitedBFGS.solve_compact` (Byrd, Nocedal &
Schnabel 1994, Thm. 2.2); the tests compare the two.
"""

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def lbfgs_two_loop(S, Y, rho, k, gamma, v, out):
    r"""``out = H v`` by the L-BFGS two-loop recursion (Nocedal 1980; Nocedal & Wright
    2006, Alg. 7.4) over the ``k`` stored pairs (rows of ``S``, ``Y``, oldest first,
    ``rho[i] = 1 / s_i^T y_i``) with :math:`H_0 = \gamma I`. :math:`4kn` flops."""
    n = v.shape[0]
    alpha = np.empty(k)
    for i in range(n):
        out[i] = v[i]
    for j in range(k - 1, -1, -1):
        a = 0.0
        for i in range(n):
            a += S[j, i] * out[i]
        a *= rho[j]
        alpha[j] = a
        for i in range(n):
            out[i] -= a * Y[j, i]
    for i in range(n):
        out[i] *= gamma
    for j in range(k):
        b = 0.0
        for i in range(n):
            b += Y[j, i] * out[i]
        c = alpha[j] - rho[j] * b
        for i in range(n):
            out[i] += c * S[j, i]


@numba.njit(cache=True, error_model="numpy")
def push_pair(S, Y, k, s, y):
    """Store ``(s, y)`` as the newest rows of ``S``, ``Y`` (``k`` rows in use), dropping the
    oldest when full; returns the new row count."""
    m, n = S.shape
    if k == m:
        for j in range(m - 1):
            for i in range(n):
                S[j, i] = S[j + 1, i]
                Y[j, i] = Y[j + 1, i]
        k -= 1
    for i in range(n):
        S[k, i] = s[i]
        Y[k, i] = y[i]
    return k + 1


@numba.njit(cache=True, error_model="numpy")
def pair_products(s, y):
    """``(s^T y, y^T y, s^T s)`` in one pass."""
    sy = 0.0
    yy = 0.0
    ss = 0.0
    for i in range(s.shape[0]):
        sy += s[i] * y[i]
        yy += y[i] * y[i]
        ss += s[i] * s[i]
    return sy, yy, ss


@numba.njit(cache=True, error_model="numpy")
def secular_root(eigenvalues, gsq, half, low, gnorm, tol, max_iter):
    r"""Root of :math:`\phi(\lambda) = 1/\|s(\lambda)\| - (M/2)/\lambda` on
    :math:`(low, \infty)`, :math:`\|s(\lambda)\|^2 = \sum_i g_i^2 / (\Lambda_i + \lambda)^2`:
    safeguarded Newton in a bracket (the loop of
    :func:`numopt.second_order.cubic._secular_root`, its NumPy reference)."""
    eps = 2.220446049250313e-16
    lo = low
    hi = low + np.sqrt(gnorm * half)
    lam = hi
    d = eigenvalues.shape[0]
    for _ in range(max_iter):
        norm_sq = 0.0
        cube = 0.0
        for i in range(d):
            inv = 1.0 / (eigenvalues[i] + lam)
            term = gsq[i] * inv * inv
            norm_sq += term
            cube += term * inv
        norm = np.sqrt(norm_sq)
        phi = 1.0 / norm - half / lam
        if abs(phi) <= tol * (half / lam) or hi - lo <= max(tol * (lo - low), 4 * eps * hi):
            return lam
        if phi < 0.0:
            lo = lam
        else:
            hi = lam
        dphi = cube / norm ** 3 + half / lam ** 2
        candidate = lam - phi / dphi
        lam = candidate if lo < candidate < hi else 0.5 * (lo + hi)
    return lam
