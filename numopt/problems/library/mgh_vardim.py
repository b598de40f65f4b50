"""Moré–Garbow–Hillstrom variable-dimension functions 20–23 and 25–27.

Each factory takes ``dim=`` (the number of variables, validated) and returns a fresh
:class:`~numopt.problems.library.SumOfSquares` with the standard start and known optimum.
"""

import math

import numpy as np

from ...core.validate import check_choice
from ._base import MGH, SumOfSquares, check_dim

WATSON_X_STAR = {
    6: (-0.01572508640145861, 1.0124348693691099, -0.23299162595673842, 1.2604300877996102,
        -1.513728922722282, 0.9929964324311358),
    9: (-1.530703652143396e-05, 0.9997897039319482, 0.014763963693563033, 0.14634232829928645,
        1.0008211030051095, -2.617731140520067, 4.104403164480308, -3.1436122785574496,
        1.0526264080104444),
}
PENALTY_WEIGHT = 1e-5  # the constant a of MGH problem 23


def extended_rosenbrock(dim=100):
    r"""Extended Rosenbrock function (MGH #21): ``dim/2`` independent Rosenbrock pairs.

    :math:`r_{2i-1} = 10(x_{2i} - x_{2i-1}^2)`, :math:`r_{2i} = 1 - x_{2i-1}`;
    ``x0 = (-1.2, 1, -1.2, 1, ...)``; :math:`f^* = 0` at ``(1, ..., 1)``.

    Parameters
    ----------
    dim : int, default 100
        Number of variables (even).

    Examples
    --------
    >>> p = extended_rosenbrock(4)
    >>> p.dim, p.fun(p.x_star)
    (4, 0.0)
    """
    n = check_dim("extended_rosenbrock", dim, low=2, multiple=2)
    odd = np.arange(0, n, 2)

    def residuals(x):
        r = np.empty(n)
        r[0::2] = 10.0 * (x[1::2] - x[0::2] ** 2)
        r[1::2] = 1.0 - x[0::2]
        return r

    def jacobian(x):
        J = np.zeros((n, n))
        J[odd, odd] = -20.0 * x[0::2]
        J[odd, odd + 1] = 10.0
        J[odd + 1, odd] = -1.0
        return J

    def curvature(x, w):
        d = np.zeros(n)
        d[0::2] = -20.0 * w[0::2]
        return np.diag(d)

    return SumOfSquares(residuals, jacobian, curvature, x0=np.tile([-1.2, 1.0], n // 2),
                        name="extended_rosenbrock", f_star=0.0, x_star=np.ones(n),
                        reference=f"{MGH}, problem 21")


def extended_powell(dim=8):
    r"""Extended Powell singular function (MGH #22): ``dim/4`` Powell singular blocks.

    ``x0 = (3, -1, 0, 1, ...)``; :math:`f^* = 0` at the origin (singular Hessian there).

    Parameters
    ----------
    dim : int, default 8
        Number of variables (a multiple of 4).

    Examples
    --------
    >>> p = extended_powell()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('extended_powell', 8, 0.0)
    """
    n = check_dim("extended_powell", dim, low=4, multiple=4)
    k = np.arange(0, n, 4)
    s5, s10 = math.sqrt(5.0), math.sqrt(10.0)

    def residuals(x):
        r = np.empty(n)
        r[0::4] = x[k] + 10.0 * x[k + 1]
        r[1::4] = s5 * (x[k + 2] - x[k + 3])
        r[2::4] = (x[k + 1] - 2.0 * x[k + 2]) ** 2
        r[3::4] = s10 * (x[k] - x[k + 3]) ** 2
        return r

    def jacobian(x):
        J = np.zeros((n, n))
        a, b = x[k + 1] - 2.0 * x[k + 2], x[k] - x[k + 3]
        J[k, k], J[k, k + 1] = 1.0, 10.0
        J[k + 1, k + 2], J[k + 1, k + 3] = s5, -s5
        J[k + 2, k + 1], J[k + 2, k + 2] = 2.0 * a, -4.0 * a
        J[k + 3, k], J[k + 3, k + 3] = 2.0 * s10 * b, -2.0 * s10 * b
        return J

    def curvature(x, w):
        H = np.zeros((n, n))
        wa, wb = 2.0 * w[k + 2], 2.0 * s10 * w[k + 3]
        H[k + 1, k + 1], H[k + 1, k + 2], H[k + 2, k + 1], H[k + 2, k + 2] = (
            wa, -2.0 * wa, -2.0 * wa, 4.0 * wa)
        H[k, k], H[k, k + 3], H[k + 3, k], H[k + 3, k + 3] = wb, -wb, -wb, wb
        return H

    return SumOfSquares(residuals, jacobian, curvature, x0=np.tile([3.0, -1.0, 0.0, 1.0], n // 4),
                        name="extended_powell", f_star=0.0, x_star=np.zeros(n),
                        reference=f"{MGH}, problem 22")


def watson(dim=6):
    r"""Watson function (MGH #20), ``m = 31``.

    :math:`r_i = \sum_{j=2}^n (j-1)x_j t_i^{j-2} - (\sum_{j=1}^n x_j t_i^{j-1})^2 - 1`,
    :math:`t_i = i/29` (:math:`i \le 29`), :math:`r_{30} = x_1`,
    :math:`r_{31} = x_2 - x_1^2 - 1`; ``x0 = 0``; :math:`f^* = 2.28767...\cdot 10^{-3}` for
    ``dim=6`` and :math:`1.39976...\cdot 10^{-6}` for ``dim=9``.

    Parameters
    ----------
    dim : {6, 9}, default 6
        Number of variables (the sizes whose minimizer MGH tabulate and numopt stores).

    Examples
    --------
    >>> p = watson()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('watson', 6, 0.00228767)
    """
    n = check_choice("dim", dim, tuple(WATSON_X_STAR))
    t = np.arange(1.0, 30.0) / 29.0
    powers = t[:, None] ** np.arange(n)  # a_ij = t_i^(j-1)
    slopes = np.zeros((29, n))
    slopes[:, 1:] = np.arange(1.0, n) * powers[:, :-1]  # (j-1) t_i^(j-2)

    def residuals(x):
        s = powers @ x
        return np.concatenate([slopes @ x - s * s - 1.0, [x[0], x[1] - x[0] ** 2 - 1.0]])

    def jacobian(x):
        s = powers @ x
        tail = np.zeros((2, n))
        tail[0, 0] = 1.0
        tail[1, :2] = -2.0 * x[0], 1.0
        return np.vstack([slopes - 2.0 * s[:, None] * powers, tail])

    def curvature(x, w):
        H = -2.0 * (powers * w[:29, None]).T @ powers
        H[0, 0] -= 2.0 * w[30]
        return H

    problem = SumOfSquares(residuals, jacobian, curvature, x0=np.zeros(n), name="watson",
                           f_star=0.0, x_star=WATSON_X_STAR[n], reference=f"{MGH}, problem 20")
    problem.f_star = problem._value(problem.x_star)
    return problem


def penalty_1(dim=4):
    r"""Penalty function I (MGH #23).

    :math:`r_i = \sqrt{a}(x_i - 1)` (:math:`i \le n`), :math:`r_{n+1} = \|x\|^2 - 1/4`,
    :math:`a = 10^{-5}`; ``x0 = (1, 2, ..., n)``; :math:`f^* = 2.24997...\cdot 10^{-5}` for
    ``dim=4``. The minimizer has equal entries :math:`c`, the root of
    :math:`2n c^3 + (a - 1/2)c - a = 0` of least objective.

    Parameters
    ----------
    dim : int, default 4

    Examples
    --------
    >>> p = penalty_1()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('penalty_1', 4, 2.24998e-05)
    """
    n = check_dim("penalty_1", dim, low=1)
    root_a = math.sqrt(PENALTY_WEIGHT)

    def residuals(x):
        return np.append(root_a * (x - 1.0), x @ x - 0.25)

    def jacobian(x):
        return np.vstack([root_a * np.eye(n), 2.0 * x])

    def curvature(x, w):
        return 2.0 * w[n] * np.eye(n)

    problem = SumOfSquares(residuals, jacobian, curvature, x0=np.arange(1.0, n + 1),
                           name="penalty_1", f_star=0.0, x_star=None,
                           reference=f"{MGH}, problem 23")
    roots = np.roots([2.0 * n, 0.0, PENALTY_WEIGHT - 0.5, -PENALTY_WEIGHT])
    candidates = [np.full(n, c.real) for c in roots if abs(c.imag) < 1e-12]
    problem.x_star = min(candidates, key=problem._value)
    problem.f_star = problem._value(problem.x_star)
    return problem


def variably_dimensioned(dim=10):
    r"""Variably dimensioned function (MGH #25).

    :math:`r_i = x_i - 1` (:math:`i \le n`), :math:`r_{n+1} = \sum_j j(x_j - 1)`,
    :math:`r_{n+2} = r_{n+1}^2`; ``x0_j = 1 - j/n``; :math:`f^* = 0` at ``(1, ..., 1)``.

    Parameters
    ----------
    dim : int, default 10

    Examples
    --------
    >>> p = variably_dimensioned()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('variably_dimensioned', 10, 0.0)
    """
    n = check_dim("variably_dimensioned", dim, low=1)
    j = np.arange(1.0, n + 1)

    def residuals(x):
        s = j @ (x - 1.0)
        return np.concatenate([x - 1.0, [s, s * s]])

    def jacobian(x):
        s = j @ (x - 1.0)
        return np.vstack([np.eye(n), j, 2.0 * s * j])

    def curvature(x, w):
        return 2.0 * w[n + 1] * np.outer(j, j)

    return SumOfSquares(residuals, jacobian, curvature, x0=1.0 - j / n,
                        name="variably_dimensioned", f_star=0.0, x_star=np.ones(n),
                        reference=f"{MGH}, problem 25")


def trigonometric(dim=10):
    r"""Trigonometric function (MGH #26).

    :math:`r_i = n - \sum_j \cos x_j + i(1 - \cos x_i) - \sin x_i`; ``x0 = (1/n, ...)``;
    :math:`f^* = 0`, attained at the origin (other local minima exist).

    Parameters
    ----------
    dim : int, default 10

    Examples
    --------
    >>> p = trigonometric()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('trigonometric', 10, 0.0)
    """
    n = check_dim("trigonometric", dim, low=1)
    i = np.arange(1.0, n + 1)

    def residuals(x):
        return n - np.cos(x).sum() + i * (1.0 - np.cos(x)) - np.sin(x)

    def jacobian(x):
        return np.tile(np.sin(x), (n, 1)) + np.diag(i * np.sin(x) - np.cos(x))

    def curvature(x, w):
        return np.diag(w.sum() * np.cos(x) + w * (i * np.cos(x) + np.sin(x)))

    return SumOfSquares(residuals, jacobian, curvature, x0=np.full(n, 1.0 / n),
                        name="trigonometric", f_star=0.0, x_star=np.zeros(n),
                        reference=f"{MGH}, problem 26")


def brown_almost_linear(dim=10):
    r"""Brown almost-linear function (MGH #27).

    :math:`r_i = x_i + \sum_j x_j - (n + 1)` (:math:`i < n`), :math:`r_n = \prod_j x_j - 1`;
    ``x0 = (1/2, ...)``; :math:`f^* = 0` at ``(1, ..., 1)``.

    Parameters
    ----------
    dim : int, default 10

    Examples
    --------
    >>> p = brown_almost_linear()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('brown_almost_linear', 10, 0.0)
    """
    n = check_dim("brown_almost_linear", dim, low=2)
    linear = np.eye(n)[:-1] + 1.0

    def products_without(x, skip):
        keep = np.ones(n, dtype=bool)
        keep[list(skip)] = False
        return float(np.prod(x[keep]))

    def residuals(x):
        return np.append(linear @ x - (n + 1.0), np.prod(x) - 1.0)

    def jacobian(x):
        return np.vstack([linear, [products_without(x, (k,)) for k in range(n)]])

    def curvature(x, w):
        H = np.array([[0.0 if a == b else products_without(x, (a, b)) for b in range(n)]
                      for a in range(n)])
        return w[n - 1] * H

    return SumOfSquares(residuals, jacobian, curvature, x0=np.full(n, 0.5),
                        name="brown_almost_linear", f_star=0.0, x_star=np.ones(n),
                        reference=f"{MGH}, problem 27")
