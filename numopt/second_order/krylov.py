r"""Lanczos (Krylov) machinery for problems that give only Hessian-vector products.

* :func:`cubic_step_krylov` — the cubic subproblem restricted to the Krylov space
  :math:`\mathcal K_k(H, g)`: Lanczos builds :math:`V_k^\top H V_k = T_k` (tridiagonal), the
  small cubic in :math:`T_k` is solved by :func:`~numopt.second_order.cubic.cubic_step_eigen`,
  and the space grows until :math:`\|\nabla m(s)\| \le \kappa \min(1, \|s\|)\|g\|`
  (ARC's "TC.s" rule, Cartis, Gould & Toint 2011, §3.2; :math:`\kappa = 0.1`).
* :func:`min_eigenpair` — the smallest eigenpair by Lanczos from a seeded random start, for
  the second-order stopping test and for escaping a saddle where :math:`g = 0`.

Vectors stay in the array namespace of ``g`` (any backend); the tridiagonal problems are
small and solved on the host.
"""

import numpy as np

from .cubic import cubic_step_eigen

KRYLOV_KAPPA = 0.1  # TC.s constant, Cartis, Gould & Toint (2011), §3.2
BREAKDOWN_TOL = 1e-12  # beta_k <= this * ||H q|| means an invariant subspace was found
EIG_LANCZOS_TOL = 1e-8  # residual tolerance of the smallest Ritz pair (relative to |theta|)


def _lanczos(matvec, v0, max_dim, xp, done):
    """Lanczos with full reorthogonalization from ``v0``; calls ``done(T, beta)`` after each
    step (``T`` the host tridiagonal, ``beta`` the next off-diagonal) and stops when it
    returns True. Returns ``(basis, T)`` with ``basis`` a ``(k, d)`` device array."""
    q = v0 / xp.linalg.vector_norm(v0)
    basis, alphas, betas = [q], [], []
    while True:
        w = matvec(q)
        alpha = float(xp.vecdot(q, w))
        alphas.append(alpha)
        scale = float(xp.linalg.vector_norm(w))
        for v in basis:  # full reorthogonalization (k is small)
            w = w - xp.vecdot(v, w) * v
        beta = float(xp.linalg.vector_norm(w))
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        breakdown = beta <= BREAKDOWN_TOL * max(scale, 1.0)
        if done(T, beta) or breakdown or len(basis) >= max_dim:
            return xp.stack(basis), T
        betas.append(beta)
        q = w / beta
        basis.append(q)


def cubic_step_krylov(hessp, g, weight, xp, max_dim=None, kappa=KRYLOV_KAPPA):
    r"""Approximate cubic step in the Krylov space of :math:`(H, g)`.

    Parameters
    ----------
    hessp : callable
        ``hessp(v) -> H v``.
    g : array, shape (d,)
        Gradient (nonzero).
    weight : float
        Cubic weight :math:`M`.
    xp : module
        Array namespace of ``g``.
    max_dim : int, optional
        Largest Krylov dimension (default ``d``).
    kappa : float, default 0.1
        TC.s constant.

    Returns
    -------
    s : array, shape (d,)
    model : float
        :math:`m(s)` (without :math:`f(x)`), computed in the small space.
    min_ritz : float
        Smallest eigenvalue of :math:`T_k` (an upper bound on :math:`\lambda_{min}(H)`).

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_compat.numpy as xp
    >>> H = np.diag([1.0, 2.0, 3.0]); g = np.ones(3)
    >>> s, model, _ = cubic_step_krylov(lambda v: H @ v, g, 1.0, xp)
    >>> bool(np.linalg.norm(g + H @ s + 0.5 * np.linalg.norm(s) * s) < 1e-8)
    True
    """
    d = g.shape[0]
    max_dim = d if max_dim is None else min(max_dim, d)
    gnorm = float(xp.linalg.vector_norm(g))
    solved = {}

    def done(T, beta):
        theta, U = np.linalg.eigh(T)
        g_small = gnorm * U[0, :]
        y_tilde, _ = cubic_step_eigen(theta, g_small, weight)
        y = U @ y_tilde
        solved.update(y=y, theta=theta, model=float(
            g_small @ y_tilde + 0.5 * (theta * y_tilde) @ y_tilde
            + weight / 6.0 * np.linalg.norm(y_tilde) ** 3))
        norm_y = float(np.linalg.norm(y))
        return beta * abs(y[-1]) <= kappa * min(1.0, norm_y) * gnorm

    basis, _ = _lanczos(hessp, g, max_dim, xp, done)
    y = xp.asarray(solved["y"], dtype=xp.float64)
    return xp.matmul(y, basis), solved["model"], float(solved["theta"][0])


def min_eigenpair(hessp, d, xp, seed=0, max_dim=None):
    r"""Smallest eigenvalue and a unit eigenvector of :math:`H` by Lanczos.

    Starts from a standard normal vector drawn with ``numpy.random.default_rng(seed)``
    (so results repeat) and stops when the smallest Ritz pair's residual
    :math:`\beta_k |u_k|` is below ``1e-8 max(1, |theta|)``.

    Parameters
    ----------
    hessp : callable
        ``hessp(v) -> H v``.
    d : int
        Dimension.
    xp : module
        Array namespace of the vectors.
    seed : int, default 0
        Seed of the start vector.
    max_dim : int, optional
        Largest Krylov dimension (``d`` by default).

    Returns
    -------
    (float, array)
        The smallest eigenvalue and a unit eigenvector.

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_compat.numpy as xp
    >>> H = np.diag([3.0, -2.0, 1.0])
    >>> value, vector = min_eigenpair(lambda v: H @ v, 3, xp)
    >>> round(value, 10), round(abs(float(vector[1])), 10)
    (-2.0, 1.0)
    """
    max_dim = d if max_dim is None else min(max_dim, d)
    start = xp.asarray(np.random.default_rng(seed).standard_normal(d), dtype=xp.float64)

    def done(T, beta):
        theta, U = np.linalg.eigh(T)
        return beta * abs(U[-1, 0]) <= EIG_LANCZOS_TOL * max(1.0, abs(theta[0]))

    basis, T = _lanczos(hessp, start, max_dim, xp, done)
    theta, U = np.linalg.eigh(T)
    vector = xp.matmul(xp.asarray(U[:, 0], dtype=xp.float64), basis)
    return float(theta[0]), vector / xp.linalg.vector_norm(vector)

