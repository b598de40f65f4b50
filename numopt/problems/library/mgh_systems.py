"""Moré–Garbow–Hillstrom square and linear systems of variable dimension: 28, 30 and 32.

Each factory takes ``dim=`` and returns a fresh
:class:`~numopt.problems.library.SumOfSquares`; the roots of the nonlinear systems are
computed by Newton's method at construction.
"""

import numpy as np

from ._base import MGH, SumOfSquares, check_dim, newton_root


def discrete_boundary_value(dim=10):
    r"""Discrete boundary value function (MGH #28).

    :math:`r_i = 2x_i - x_{i-1} - x_{i+1} + h^2(x_i + t_i + 1)^3/2`, :math:`h = 1/(n+1)`,
    :math:`t_i = ih`, :math:`x_0 = x_{n+1} = 0`; ``x0_i = t_i(t_i - 1)``; :math:`f^* = 0`
    at the solution of :math:`r(x) = 0` (computed by Newton's method at construction).

    Parameters
    ----------
    dim : int, default 10

    Examples
    --------
    >>> p = discrete_boundary_value()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('discrete_boundary_value', 10, 0.0)
    """
    n = check_dim("discrete_boundary_value", dim, low=1)
    h = 1.0 / (n + 1)
    t = h * np.arange(1.0, n + 1)
    second_difference = 2.0 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)

    def residuals(x):
        return second_difference @ x + h * h * (x + t + 1.0) ** 3 / 2.0

    def jacobian(x):
        return second_difference + np.diag(1.5 * h * h * (x + t + 1.0) ** 2)

    def curvature(x, w):
        return np.diag(3.0 * h * h * w * (x + t + 1.0))

    x0 = t * (t - 1.0)
    return SumOfSquares(residuals, jacobian, curvature, x0=x0, name="discrete_boundary_value",
                        f_star=0.0, x_star=newton_root(residuals, jacobian, x0),
                        reference=f"{MGH}, problem 28")


def broyden_tridiagonal(dim=10):
    r"""Broyden tridiagonal function (MGH #30).

    :math:`r_i = (3 - 2x_i)x_i - x_{i-1} - 2x_{i+1} + 1`, :math:`x_0 = x_{n+1} = 0`;
    ``x0 = (-1, ...)``; :math:`f^* = 0` at the root of :math:`r` near ``x0`` (computed by
    Newton's method at construction).

    Parameters
    ----------
    dim : int, default 10

    Examples
    --------
    >>> p = broyden_tridiagonal()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('broyden_tridiagonal', 10, 0.0)
    """
    n = check_dim("broyden_tridiagonal", dim, low=1)
    coupling = -np.eye(n, k=-1) - 2.0 * np.eye(n, k=1)

    def residuals(x):
        return (3.0 - 2.0 * x) * x + coupling @ x + 1.0

    def jacobian(x):
        return coupling + np.diag(3.0 - 4.0 * x)

    def curvature(x, w):
        return np.diag(-4.0 * w)

    x0 = -np.ones(n)
    return SumOfSquares(residuals, jacobian, curvature, x0=x0, name="broyden_tridiagonal",
                        f_star=0.0, x_star=newton_root(residuals, jacobian, x0),
                        reference=f"{MGH}, problem 30")


def linear_full_rank(dim=10, rows=20):
    r"""Linear function, full rank (MGH #32).

    :math:`r_i = x_i - \frac{2}{m}\sum_j x_j - 1` (:math:`i \le n`),
    :math:`r_i = -\frac{2}{m}\sum_j x_j - 1` (:math:`i > n`); ``x0 = (1, ...)``;
    :math:`f^* = m - n` at ``(-1, ..., -1)``.

    Parameters
    ----------
    dim : int, default 10
    rows : int, default 20
        Number of residuals ``m >= dim``.

    Examples
    --------
    >>> p = linear_full_rank()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('linear_full_rank', 10, 10.0)
    """
    n = check_dim("linear_full_rank", dim, low=1)
    m = check_dim("linear_full_rank", rows, low=n)
    A = np.vstack([np.eye(n), np.zeros((m - n, n))]) - 2.0 / m

    def residuals(x):
        return A @ x - 1.0

    def jacobian(x):
        return A

    def curvature(x, w):
        return np.zeros((n, n))

    return SumOfSquares(residuals, jacobian, curvature, x0=np.ones(n), name="linear_full_rank",
                        f_star=float(m - n), x_star=-np.ones(n), reference=f"{MGH}, problem 32")
