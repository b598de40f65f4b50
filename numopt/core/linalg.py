r"""The shared numerical helpers: one conjugate-gradient loop, one power iteration, one
finiteness check. Every family imports these instead of writing its own (issue 14).

* :func:`cg` — (projected, preconditioned) conjugate gradients from zero, in any array
  namespace; on a device it reads the scalars it tests back to the host once per
  ``check_every`` iterations (the result is the same as testing every iteration).
* :func:`power_iteration` — the dominant eigenvalue of a symmetric operator (Rayleigh
  quotient and ``||A v||``), from a seeded or given start.
* :func:`all_finite` — NaN/inf test of a dense array (any namespace) or a SciPy / CuPy sparse
  matrix (its stored entries), with one device synchronization.
"""

import numpy as np


def all_finite(a):
    """True when every entry of ``a`` is finite.

    Parameters
    ----------
    a : array, scipy.sparse / cupyx sparse matrix, or scalar
        Dense arrays are tested in their own namespace (one host read on a device); sparse
        matrices through their stored entries (``a.data``), so no dense copy is made.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from numopt.core.linalg import all_finite
    >>> all_finite(np.eye(2)), all_finite(sp.csr_array(np.array([[1.0, np.nan]])))
    (True, False)
    """
    data = a.data if hasattr(a, "tocsr") and hasattr(a, "data") else a
    if isinstance(data, (np.ndarray, float, int, np.generic)):
        return bool(np.all(np.isfinite(data)))
    from ..backend import namespace_of

    xp = namespace_of(data)
    return bool(xp.all(xp.isfinite(data)))


def power_iteration(matvec, start, steps):
    r"""Power iteration on a symmetric operator: ``steps`` products from ``start``.

    Each step normalizes :math:`v`, forms :math:`w = A v` and records the Rayleigh quotient
    :math:`v^\top w` and :math:`\|w\|`; both tend to the dominant eigenvalue (in magnitude,
    :math:`\|w\|`) at the rate :math:`|\lambda_2 / \lambda_1|^k` (Golub & Van Loan,
    *Matrix Computations*, 4th ed. 2013, §7.3.1). For a spectral norm of a rectangular
    :math:`M` pass ``v -> M^T (M v)`` and take the square root. The iteration stops early
    (keeping the last estimates) if :math:`v` becomes zero or non-finite.

    Parameters
    ----------
    matvec : callable
        ``v -> A v``.
    start : array, shape (n,)
        Start vector (not modified), e.g. ``numpy.random.default_rng(seed).standard_normal(n)``.
    steps : int
        Number of products with ``A``.

    Returns
    -------
    rayleigh : float
        :math:`v_k^\top A v_k` of the last normalized iterate.
    norm : float
        :math:`\|A v_k\|`.
    vector : array
        The last normalized iterate :math:`v_k`.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.core.linalg import power_iteration
    >>> A = np.diag([3.0, 1.0, -0.5])
    >>> rq, norm, v = power_iteration(lambda v: A @ v, np.ones(3), 60)
    >>> round(rq, 8), round(norm, 8)
    (3.0, 3.0)
    """
    v = vector = start
    rayleigh = norm = 0.0
    for _ in range(steps):
        length = _norm(v)
        if length == 0.0 or not np.isfinite(length):
            break
        vector = v / length
        w = matvec(vector)
        rayleigh, norm, v = _dot(vector, w), _norm(w), w
    return rayleigh, norm, vector


def _norm(v):
    if isinstance(v, np.ndarray):
        return float(np.linalg.norm(v))
    from ..backend import namespace_of

    return float(namespace_of(v).linalg.vector_norm(v))


def _dot(u, v):
    if isinstance(u, np.ndarray):
        return float(u @ v)
    from ..backend import namespace_of

    return float(namespace_of(u).vecdot(u, v))


def cg(xp, matvec, precondition, rhs, rtol, max_iter, *, project=None, check_every=1):
    r"""Solve :math:`K d = \mathrm{rhs}` by preconditioned conjugate gradients from
    :math:`d = 0`.

    Hestenes & Stiefel (1952), *J. Res. Nat. Bur. Standards* 49(6), Alg. (3:1), with a
    preconditioner and an optional projection (for a system with a known null space, e.g.
    the transport Newton system). The loop stops when :math:`\|r_k\| \le
    \mathrm{rtol}\,\|\mathrm{rhs}\|` or at a non-positive (or NaN) curvature
    :math:`p_k^\top K p_k` (breakdown: negative curvature or an indefinite preconditioner).

    With ``check_every = 1`` (host arrays) the tests run before each product, as in the
    textbook. With ``check_every = k > 1`` (device arrays) every scalar stays on the device,
    ``k`` iterations run ahead and their residual norms and curvatures are read back in one
    transfer; the first iteration that met a test is then located and its iterate returned,
    so the result equals the ``k = 1`` loop (same operations, same order) at ``1/k`` of the
    synchronizations.

    Parameters
    ----------
    xp : module
        Array namespace of ``rhs``.
    matvec : callable
        ``v -> K v``.
    precondition : callable or None
        ``r -> M^{-1} r`` (projected when the system has a null space); None: identity.
    rhs : array, shape (n,)
    rtol : float
        Relative residual tolerance.
    max_iter : int
        Iteration cap (products with ``K``).
    project : callable, optional
        Applied to ``K p`` before the residual update (null-space projection).
    check_every : int, default 1
        Iterations between two host reads.

    Returns
    -------
    d : array
    iterations : int
    breakdown : bool
        True when a non-positive (or NaN) curvature was met; ``d`` is then the iterate
        before it.

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_compat.numpy as xp
    >>> from numopt.core.linalg import cg
    >>> K = np.array([[4.0, 1.0], [1.0, 3.0]]); b = np.array([1.0, 2.0])
    >>> d, it, broke = cg(xp, lambda v: K @ v, lambda r: r / np.diag(K), b, 1e-12, 10)
    >>> bool(np.allclose(K @ d, b)), it, broke
    (True, 2, False)
    >>> cg(xp, lambda v: K @ v, None, b, 1e-12, 10, check_every=4)[1:]
    (2, False)
    """
    from ..backend.namespace import to_numpy

    project = project or _identity
    precondition = precondition or _identity
    d = xp.zeros_like(rhs)
    r = rhs
    z = precondition(r)
    p = z
    rz = xp.vecdot(r, z)
    target = rtol * xp.linalg.vector_norm(rhs)
    done = 0
    while done < max_iter:
        k = min(check_every, max_iter - done)
        if k == 1:
            if float(xp.linalg.vector_norm(r)) <= float(target):
                return d, done, False
            q = matvec(p)
            curvature = float(xp.vecdot(p, q))
            if not curvature > 0:
                return d, done, True
            d, r, p, rz = _cg_update(xp, d, r, p, rz, q, curvature, project, precondition)
            done += 1
            continue
        iterates, norms, curvatures = [], [], []
        for _ in range(k):
            iterates.append(d)
            norms.append(xp.linalg.vector_norm(r))
            q = matvec(p)
            curvature = xp.vecdot(p, q)
            curvatures.append(curvature)
            d, r, p, rz = _cg_update(xp, d, r, p, rz, q, curvature, project, precondition)
        host = to_numpy(xp.stack(norms + curvatures + [target]))  # one device -> host read
        for j in range(k):
            if host[j] <= host[-1]:
                return iterates[j], done + j, False
            if not host[k + j] > 0:
                return iterates[j], done + j, True
        done += k
    return d, max_iter, False


def _cg_update(xp, d, r, p, rz, q, curvature, project, precondition):
    alpha = rz / curvature
    d = d + alpha * p
    r = r - alpha * project(q)
    z = precondition(r)
    rz_new = xp.vecdot(r, z)
    p = z + (rz_new / rz) * p
    return d, r, p, rz_new


def _identity(v):
    return v
