"""Moré–Garbow–Hillstrom functions 1–7, 12 and 13: small fixed-dimension residual systems.

Each factory returns a fresh :class:`~numopt.problems.library.SumOfSquares` with the
standard start of Moré, Garbow & Hillstrom (1981) and the known optimum.
"""

import math

import numpy as np

from ._base import MGH, SumOfSquares

POWELL_BADLY_SCALED_X_STAR = (1.0981593296998185e-05, 9.106146739866515)
TWO_PI = 2.0 * math.pi


def rosenbrock():
    r"""Rosenbrock's function (MGH #1): :math:`r = (10(x_2 - x_1^2),\ 1 - x_1)`.

    ``x0 = (-1.2, 1)``, :math:`f^* = 0` at ``(1, 1)``.

    Examples
    --------
    >>> p = rosenbrock()
    >>> p.fun(p.x_star), p.fun(p.x0)
    (0.0, 24.199999999999996)
    """

    def residuals(x):
        return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])

    def jacobian(x):
        return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])

    def curvature(x, w):
        return np.array([[-20.0 * w[0], 0.0], [0.0, 0.0]])

    return SumOfSquares(residuals, jacobian, curvature, x0=[-1.2, 1.0], name="rosenbrock",
                        f_star=0.0, x_star=[1.0, 1.0], reference=f"{MGH}, problem 1")


def freudenstein_roth():
    r"""Freudenstein and Roth function (MGH #2).

    :math:`r_1 = -13 + x_1 + ((5 - x_2)x_2 - 2)x_2`,
    :math:`r_2 = -29 + x_1 + ((x_2 + 1)x_2 - 14)x_2`; ``x0 = (0.5, -2)``;
    :math:`f^* = 0` at ``(5, 4)`` (a local minimum with f = 48.9842... also exists).

    Examples
    --------
    >>> p = freudenstein_roth()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('freudenstein_roth', 2, 0.0)
    """

    def residuals(x):
        return np.array([-13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1],
                         -29.0 + x[0] + ((x[1] + 1.0) * x[1] - 14.0) * x[1]])

    def jacobian(x):
        return np.array([[1.0, 10.0 * x[1] - 3.0 * x[1] ** 2 - 2.0],
                         [1.0, 3.0 * x[1] ** 2 + 2.0 * x[1] - 14.0]])

    def curvature(x, w):
        return np.array([[0.0, 0.0],
                         [0.0, w[0] * (10.0 - 6.0 * x[1]) + w[1] * (6.0 * x[1] + 2.0)]])

    return SumOfSquares(residuals, jacobian, curvature, x0=[0.5, -2.0], name="freudenstein_roth",
                        f_star=0.0, x_star=[5.0, 4.0], reference=f"{MGH}, problem 2")


def powell_badly_scaled():
    r"""Powell badly scaled function (MGH #3).

    :math:`r = (10^4 x_1 x_2 - 1,\ e^{-x_1} + e^{-x_2} - 1.0001)`; ``x0 = (0, 1)``;
    :math:`f^* = 0` at about ``(1.098e-5, 9.106)``.

    Examples
    --------
    >>> p = powell_badly_scaled()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('powell_badly_scaled', 2, 0.0)
    """

    def residuals(x):
        return np.array([1e4 * x[0] * x[1] - 1.0, np.exp(-x[0]) + np.exp(-x[1]) - 1.0001])

    def jacobian(x):
        return np.array([[1e4 * x[1], 1e4 * x[0]], [-np.exp(-x[0]), -np.exp(-x[1])]])

    def curvature(x, w):
        return np.array([[w[1] * np.exp(-x[0]), 1e4 * w[0]],
                         [1e4 * w[0], w[1] * np.exp(-x[1])]])

    return SumOfSquares(residuals, jacobian, curvature, x0=[0.0, 1.0], name="powell_badly_scaled",
                        f_star=0.0, x_star=POWELL_BADLY_SCALED_X_STAR,
                        reference=f"{MGH}, problem 3")


def brown_badly_scaled():
    r"""Brown badly scaled function (MGH #4).

    :math:`r = (x_1 - 10^6,\ x_2 - 2\cdot 10^{-6},\ x_1 x_2 - 2)`; ``x0 = (1, 1)``;
    :math:`f^* = 0` at ``(1e6, 2e-6)``.

    Examples
    --------
    >>> p = brown_badly_scaled()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('brown_badly_scaled', 2, 0.0)
    """

    def residuals(x):
        return np.array([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2.0])

    def jacobian(x):
        return np.array([[1.0, 0.0], [0.0, 1.0], [x[1], x[0]]])

    def curvature(x, w):
        return np.array([[0.0, w[2]], [w[2], 0.0]])

    return SumOfSquares(residuals, jacobian, curvature, x0=[1.0, 1.0], name="brown_badly_scaled",
                        f_star=0.0, x_star=[1e6, 2e-6], reference=f"{MGH}, problem 4")


def beale():
    r"""Beale function (MGH #5): :math:`r_i = y_i - x_1(1 - x_2^i)`, ``y = (1.5, 2.25, 2.625)``.

    ``x0 = (1, 1)``; :math:`f^* = 0` at ``(3, 0.5)``.

    Examples
    --------
    >>> p = beale()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('beale', 2, 0.0)
    """
    y = np.array([1.5, 2.25, 2.625])
    i = np.arange(1.0, 4.0)

    def residuals(x):
        return y - x[0] * (1.0 - x[1] ** i)

    def jacobian(x):
        return np.column_stack([-(1.0 - x[1] ** i), x[0] * i * x[1] ** (i - 1.0)])

    def curvature(x, w):
        cross = w @ (i * x[1] ** (i - 1.0))
        second = w @ (x[0] * i * (i - 1.0) * x[1] ** np.maximum(i - 2.0, 0.0))
        return np.array([[0.0, cross], [cross, second]])

    return SumOfSquares(residuals, jacobian, curvature, x0=[1.0, 1.0], name="beale",
                        f_star=0.0, x_star=[3.0, 0.5], reference=f"{MGH}, problem 5")


def helical_valley():
    r"""Helical valley function (MGH #7).

    :math:`r = (10(x_3 - 10\theta),\ 10(\sqrt{x_1^2 + x_2^2} - 1),\ x_3)` with
    :math:`2\pi\theta = \arctan(x_2/x_1)` (plus :math:`\pi` when :math:`x_1 < 0`);
    ``x0 = (-1, 0, 0)``; :math:`f^* = 0` at ``(1, 0, 0)``.

    Examples
    --------
    >>> p = helical_valley()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('helical_valley', 3, 0.0)
    """

    def theta(x):
        if x[0] == 0.0:
            return 0.25 * math.copysign(1.0, x[1])
        return math.atan(x[1] / x[0]) / TWO_PI + (0.5 if x[0] < 0.0 else 0.0)

    def residuals(x):
        return np.array([10.0 * (x[2] - 10.0 * theta(x)),
                         10.0 * (math.hypot(x[0], x[1]) - 1.0), x[2]])

    def jacobian(x):
        rho2 = x[0] ** 2 + x[1] ** 2
        rho = math.sqrt(rho2)
        return np.array([[100.0 * x[1] / (TWO_PI * rho2), -100.0 * x[0] / (TWO_PI * rho2), 10.0],
                         [10.0 * x[0] / rho, 10.0 * x[1] / rho, 0.0],
                         [0.0, 0.0, 1.0]])

    def curvature(x, w):
        rho2 = x[0] ** 2 + x[1] ** 2
        rho3 = rho2 ** 1.5
        a, b = x[0], x[1]
        theta_hess = np.array([[2 * a * b, b * b - a * a], [b * b - a * a, -2 * a * b]]) / (
            TWO_PI * rho2 ** 2)
        rho_hess = np.array([[b * b, -a * b], [-a * b, a * a]]) / rho3
        H = np.zeros((3, 3))
        H[:2, :2] = -100.0 * w[0] * theta_hess + 10.0 * w[1] * rho_hess
        return H

    return SumOfSquares(residuals, jacobian, curvature, x0=[-1.0, 0.0, 0.0], name="helical_valley",
                        f_star=0.0, x_star=[1.0, 0.0, 0.0], reference=f"{MGH}, problem 7")


def box_3d():
    r"""Box three-dimensional function (MGH #12), ``m = 10``.

    :math:`r_i = e^{-t_i x_1} - e^{-t_i x_2} - x_3(e^{-t_i} - e^{-10 t_i})`, :math:`t_i = i/10`;
    ``x0 = (0, 10, 20)``; :math:`f^* = 0` at ``(1, 10, 1)`` (also ``(10, 1, -1)`` and the
    line :math:`x_1 = x_2, x_3 = 0`).

    Examples
    --------
    >>> p = box_3d()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('box_3d', 3, 0.0)
    """
    t = 0.1 * np.arange(1.0, 11.0)
    c = np.exp(-t) - np.exp(-10.0 * t)

    def residuals(x):
        return np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * c

    def jacobian(x):
        return np.column_stack([-t * np.exp(-t * x[0]), t * np.exp(-t * x[1]), -c])

    def curvature(x, w):
        return np.diag([w @ (t * t * np.exp(-t * x[0])), -(w @ (t * t * np.exp(-t * x[1]))), 0.0])

    return SumOfSquares(residuals, jacobian, curvature, x0=[0.0, 10.0, 20.0], name="box_3d",
                        f_star=0.0, x_star=[1.0, 10.0, 1.0], reference=f"{MGH}, problem 12")


def powell_singular():
    r"""Powell singular function (MGH #13): singular Hessian at the solution.

    :math:`r = (x_1 + 10x_2,\ \sqrt5(x_3 - x_4),\ (x_2 - 2x_3)^2,\ \sqrt{10}(x_1 - x_4)^2)`;
    ``x0 = (3, -1, 0, 1)``; :math:`f^* = 0` at the origin.

    Examples
    --------
    >>> p = powell_singular()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('powell_singular', 4, 0.0)
    """
    a = np.array([0.0, 1.0, -2.0, 0.0])
    b = np.array([1.0, 0.0, 0.0, -1.0])
    s5, s10 = math.sqrt(5.0), math.sqrt(10.0)

    def residuals(x):
        return np.array([x[0] + 10.0 * x[1], s5 * (x[2] - x[3]), (a @ x) ** 2, s10 * (b @ x) ** 2])

    def jacobian(x):
        return np.array([[1.0, 10.0, 0.0, 0.0], [0.0, 0.0, s5, -s5],
                         2.0 * (a @ x) * a, 2.0 * s10 * (b @ x) * b])

    def curvature(x, w):
        return 2.0 * w[2] * np.outer(a, a) + 2.0 * s10 * w[3] * np.outer(b, b)

    return SumOfSquares(residuals, jacobian, curvature, x0=[3.0, -1.0, 0.0, 1.0],
                        name="powell_singular", f_star=0.0, x_star=np.zeros(4),
                        reference=f"{MGH}, problem 13")


def wood():
    r"""Wood function (MGH #14), written as six residuals.

    :math:`f = 100(x_1^2 - x_2)^2 + (x_1 - 1)^2 + 90(x_3^2 - x_4)^2 + (x_3 - 1)^2
    + 10.1((x_2 - 1)^2 + (x_4 - 1)^2) + 19.8(x_2 - 1)(x_4 - 1)`;
    ``x0 = (-3, -1, -3, -1)``; :math:`f^* = 0` at ``(1, 1, 1, 1)``.

    Examples
    --------
    >>> p = wood()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('wood', 4, 0.0)
    """
    s90, s10 = math.sqrt(90.0), math.sqrt(10.0)

    def residuals(x):
        return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0], s90 * (x[3] - x[2] ** 2),
                         1.0 - x[2], s10 * (x[1] + x[3] - 2.0), (x[1] - x[3]) / s10])

    def jacobian(x):
        J = np.zeros((6, 4))
        J[0, :2] = -20.0 * x[0], 10.0
        J[1, 0] = -1.0
        J[2, 2:] = -2.0 * s90 * x[2], s90
        J[3, 2] = -1.0
        J[4, [1, 3]] = s10
        J[5, [1, 3]] = 1.0 / s10, -1.0 / s10
        return J

    def curvature(x, w):
        return np.diag([-20.0 * w[0], 0.0, -2.0 * s90 * w[2], 0.0])

    return SumOfSquares(residuals, jacobian, curvature, x0=[-3.0, -1.0, -3.0, -1.0], name="wood",
                        f_star=0.0, x_star=np.ones(4), reference=f"{MGH}, problem 14")
