"""Seeded generators of structured problems with prescribed conditioning.

Dense design matrices are built as :math:`A = U \\operatorname{diag}(s) V^\\top` with random
orthonormal :math:`U, V` (QR of Gaussian matrices, signs fixed; Stewart 1980, SIAM J. Numer.
Anal. 17(3)) and singular values :math:`s` spaced geometrically from 1 down to ``1/cond``,
so ``cond`` is exactly the condition number of ``A`` (the Hessian :math:`A^\\top A` of a
least-squares problem has condition number ``cond**2``). The same ``seed`` gives the same
problem on every machine.
"""

import numpy as np
import scipy.sparse as sp

from ..core.validate import check_int, check_real
from .least_squares import LeastSquares
from .logistic import LogisticRegression
from .quadratic import Quadratic

NOISE_LEVEL = 0.1  # standard deviation of the additive noise in b (relative to ||A x||/sqrt(m))


def _orthonormal(rng, rows, cols):
    """A ``rows x cols`` matrix with orthonormal columns, Haar-distributed (Stewart 1980)."""
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    return q * np.sign(np.diag(r))


def singular_values(k, cond):
    """``k`` values spaced geometrically from 1 to ``1/cond`` (exactly, ends included)."""
    return np.geomspace(1.0, 1.0 / cond, k) if k > 1 else np.ones(k)


def _design(rng, m, n, cond, sparse_density):
    if sparse_density is None:
        k = min(m, n)
        return (_orthonormal(rng, m, k) * singular_values(k, cond)) @ _orthonormal(rng, n, k).T
    density = check_real("sparse_density", sparse_density, low=0.0, high=1.0, low_open=True)
    A = sp.random(m, n, density=density, format="lil", random_state=rng,
                  data_rvs=rng.standard_normal)
    rows = rng.integers(0, m, size=n)  # one guaranteed entry per column: no empty columns
    A[rows, np.arange(n)] = rng.standard_normal(n)
    return (A.tocsr() @ sp.diags(singular_values(n, cond))).tocsr()


def _check_sizes(m, n, cond):
    m, n = check_int("m", m, low=1), check_int("n", n, low=1)
    return m, n, check_real("cond", cond, low=1.0)


def make_least_squares(m, n, cond=10.0, sparse_density=None, l2=0.0, l1=0.0, seed=0):
    r"""A random least-squares problem :math:`\tfrac12\|Ax - b\|^2 + \tfrac{l_2}2\|x\|^2
    + l_1\|x\|_1` with prescribed conditioning.

    Parameters
    ----------
    m, n : int
        Rows and columns of ``A``.
    cond : float, default 10
        Condition number of ``A`` (dense). For sparse data the columns of a random sparse
        matrix are scaled geometrically from 1 to ``1/cond``, which sets the conditioning
        up to that of the unscaled random matrix.
    sparse_density : float in (0, 1], optional
        Build a ``scipy.sparse`` CSR ``A`` with this fraction of non-zeros.
    l2, l1 : float, default 0
        Regularization weights.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    LeastSquares
        With ``b = A x_true + noise``; ``x_true`` is stored on the problem.

    Raises
    ------
    InvalidProblemError
        Non-positive sizes, ``cond < 1``, a density outside (0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.problems import make_least_squares
    >>> p = make_least_squares(50, 10, cond=100.0, seed=0)
    >>> s = np.linalg.svd(p.A, compute_uv=False)
    >>> round(float(s[0] / s[-1]), 6)
    100.0
    """
    m, n, cond = _check_sizes(m, n, cond)
    rng = np.random.default_rng(seed)
    A = _design(rng, m, n, cond, sparse_density)
    x_true = rng.standard_normal(n)
    clean = A @ x_true
    b = clean + NOISE_LEVEL * np.linalg.norm(clean) / np.sqrt(m) * rng.standard_normal(m)
    problem = LeastSquares(A, b, l2=l2, l1=l1, name=f"least_squares m={m} n={n} cond={cond:g}")
    problem.x_true = x_true
    return problem


def make_logistic(m, n, cond=10.0, sparse_density=None, l2=1.0, l1=0.0, seed=0):
    r"""A random logistic regression :math:`\sum_i \log(1 + e^{-y_i a_i^\top x})
    + \tfrac{l_2}2\|x\|^2 + l_1\|x\|_1` with prescribed conditioning of ``A``.

    Labels are drawn from the model itself: :math:`P(y_i = 1) = \sigma(a_i^\top x_{true})`
    with :math:`x_{true}` scaled so that :math:`\|A x_{true}\|_\infty = 4` (labels neither
    separable nor pure noise).

    Parameters
    ----------
    m, n : int
        Samples and features.
    cond : float, default 10
        Condition number of ``A`` (see :func:`make_least_squares` for sparse data).
    sparse_density : float in (0, 1], optional
        Sparse CSR features.
    l2 : float, default 1.0
        Ridge weight (strong convexity; 0 allowed).
    l1 : float, default 0
    seed : int, default 0

    Returns
    -------
    LogisticRegression
        Labels in {-1, +1}; ``x_true`` stored on the problem.

    Examples
    --------
    >>> from numopt.problems import make_logistic
    >>> p = make_logistic(100, 5, cond=1e3, seed=1)
    >>> sorted(set(p.y.tolist()))
    [-1.0, 1.0]
    """
    m, n, cond = _check_sizes(m, n, cond)
    rng = np.random.default_rng(seed)
    A = _design(rng, m, n, cond, sparse_density)
    x_true = rng.standard_normal(n)
    margins = A @ x_true
    scale = 4.0 / max(np.abs(margins).max(), np.finfo(float).tiny)
    x_true, margins = scale * x_true, scale * margins
    y = np.where(rng.random(m) < 1.0 / (1.0 + np.exp(-margins)), 1.0, -1.0)
    problem = LogisticRegression(A, y, l2=l2, l1=l1,
                                 name=f"logistic m={m} n={n} cond={cond:g}")
    problem.x_true = x_true
    return problem


def make_quadratic(n, cond=10.0, seed=0):
    r"""A random strongly convex quadratic :math:`\tfrac12 x^\top Q x - c^\top x`.

    :math:`Q = V \operatorname{diag}(\lambda) V^\top` with eigenvalues spaced geometrically
    from 1 down to ``1/cond`` (so the gradient Lipschitz constant is 1 and the condition
    number is ``cond``), and :math:`c = Q x^*` for a Gaussian :math:`x^*`.

    Parameters
    ----------
    n : int
    cond : float, default 10
        Condition number of ``Q``.
    seed : int, default 0

    Returns
    -------
    Quadratic
        ``optimum()`` gives ``x*``.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.problems import make_quadratic
    >>> p = make_quadratic(20, cond=1e4, seed=0)
    >>> round(float(np.linalg.cond(p.Q)))
    10000
    """
    n = check_int("n", n, low=1)
    cond = check_real("cond", cond, low=1.0)
    rng = np.random.default_rng(seed)
    V = _orthonormal(rng, n, n)
    Q = (V * singular_values(n, cond)) @ V.T
    Q = (Q + Q.T) / 2.0
    x_star = rng.standard_normal(n)
    return Quadratic(Q, Q @ x_star, name=f"quadratic n={n} cond={cond:g}")
