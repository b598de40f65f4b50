"""Moré–Garbow–Hillstrom data-fitting functions 6, 8–10 and 15–18 (non-zero residuals).

The minimizers with non-zero residual were computed once in float64 (least squares to
convergence, then Newton polishing on the exact gradient); ``f_star`` is ``f(x_star)`` and
agrees with the digits published by Moré, Garbow & Hillstrom (1981).
"""

import numpy as np

from ._base import MGH, SumOfSquares

JENNRICH_SAMPSON_X_STAR = (0.2578252136703641, 0.2578252136703641)
BARD_X_STAR = (0.08241055974978899, 1.1330360920297229, 2.343695178642536)
GAUSSIAN_X_STAR = (0.39895613783875666, 1.0000190844878056, 0.0)
MEYER_X_STAR = (0.005609636471028989, 6181.346346286231, 345.22363462413165)
KOWALIK_OSBORNE_X_STAR = (0.19280693457903791, 0.19128232873436632, 0.12305650692632084,
                          0.13606233068379453)
BROWN_DENNIS_X_STAR = (-11.594439904762163, 13.203630051207202, -0.4034394881768596,
                       0.23677877445573628)
OSBORNE_1_X_STAR = (0.37541005210695194, 1.9358469127123488, -1.4646871366134047,
                    0.012867534640057255, 0.022122699661672695)

BARD_Y = np.array([0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96,
                   1.34, 2.10, 4.39])
GAUSSIAN_Y = np.array([0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521,
                       0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009])
MEYER_Y = np.array([34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0, 9744.0,
                    8261.0, 7030.0, 6005.0, 5147.0, 4427.0, 3820.0, 3307.0, 2872.0])
KOWALIK_OSBORNE_Y = np.array([0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342,
                              0.0323, 0.0235, 0.0246])
KOWALIK_OSBORNE_U = np.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714,
                              0.0625])
OSBORNE_1_Y = np.array([0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784,
                        0.751, 0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522,
                        0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420,
                        0.414, 0.411, 0.406])


def _known(problem_factory, x_star):
    """Fill ``f_star = f(x_star)`` for a data-fitting function."""
    problem = problem_factory(x_star)
    problem.f_star = problem._value(problem.x_star)
    return problem


def jennrich_sampson():
    r"""Jennrich and Sampson function (MGH #6), ``m = 10``.

    :math:`r_i = 2 + 2i - (e^{i x_1} + e^{i x_2})`; ``x0 = (0.3, 0.4)``;
    :math:`f^* = 124.362...` at :math:`x_1 = x_2 = 0.2578...`.

    Examples
    --------
    >>> p = jennrich_sampson()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('jennrich_sampson', 2, 124.362)
    """
    i = np.arange(1.0, 11.0)

    def residuals(x):
        return 2.0 + 2.0 * i - np.exp(i * x[0]) - np.exp(i * x[1])

    def jacobian(x):
        return np.column_stack([-i * np.exp(i * x[0]), -i * np.exp(i * x[1])])

    def curvature(x, w):
        return np.diag([-(w @ (i * i * np.exp(i * x[0]))), -(w @ (i * i * np.exp(i * x[1])))])

    return _known(lambda xs: SumOfSquares(
        residuals, jacobian, curvature, x0=[0.3, 0.4], name="jennrich_sampson", f_star=0.0,
        x_star=xs, reference=f"{MGH}, problem 6"), JENNRICH_SAMPSON_X_STAR)


def bard():
    r"""Bard function (MGH #8), ``m = 15``.

    :math:`r_i = y_i - (x_1 + u_i / (v_i x_2 + w_i x_3))`, :math:`u_i = i`,
    :math:`v_i = 16 - i`, :math:`w_i = \min(u_i, v_i)`; ``x0 = (1, 1, 1)``;
    :math:`f^* = 8.21487...\cdot 10^{-3}`.

    Examples
    --------
    >>> p = bard()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('bard', 3, 0.00821488)
    """
    u = np.arange(1.0, 16.0)
    v = 16.0 - u
    w_ = np.minimum(u, v)

    def residuals(x):
        return BARD_Y - (x[0] + u / (v * x[1] + w_ * x[2]))

    def jacobian(x):
        d2 = (v * x[1] + w_ * x[2]) ** 2
        return np.column_stack([-np.ones_like(u), u * v / d2, u * w_ / d2])

    def curvature(x, w):
        c = -2.0 * w * u / (v * x[1] + w_ * x[2]) ** 3
        H = np.zeros((3, 3))
        H[1, 1], H[1, 2], H[2, 2] = c @ (v * v), c @ (v * w_), c @ (w_ * w_)
        H[2, 1] = H[1, 2]
        return H

    return _known(lambda xs: SumOfSquares(
        residuals, jacobian, curvature, x0=[1.0, 1.0, 1.0], name="bard", f_star=0.0,
        x_star=xs, reference=f"{MGH}, problem 8"), BARD_X_STAR)


def gaussian():
    r"""Gaussian function (MGH #9), ``m = 15``.

    :math:`r_i = x_1 \exp(-x_2 (t_i - x_3)^2 / 2) - y_i`, :math:`t_i = (8 - i)/2`;
    ``x0 = (0.4, 1, 0)``; :math:`f^* = 1.12793...\cdot 10^{-8}`.

    Examples
    --------
    >>> p = gaussian()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('gaussian', 3, 1.12793e-08)
    """
    t = (8.0 - np.arange(1.0, 16.0)) / 2.0

    def parts(x):
        d = t - x[2]
        s = d * d
        return d, s, np.exp(-x[1] * s / 2.0)

    def residuals(x):
        return x[0] * parts(x)[2] - GAUSSIAN_Y

    def jacobian(x):
        d, s, e = parts(x)
        return np.column_stack([e, -x[0] * e * s / 2.0, x[0] * x[1] * e * d])

    def curvature(x, w):
        d, s, e = parts(x)
        we = w * e
        H = np.empty((3, 3))
        H[0, 0] = 0.0
        H[0, 1] = H[1, 0] = -(we @ s) / 2.0
        H[0, 2] = H[2, 0] = x[1] * (we @ d)
        H[1, 1] = x[0] * (we @ (s * s)) / 4.0
        H[1, 2] = H[2, 1] = x[0] * (we @ (d * (1.0 - x[1] * s / 2.0)))
        H[2, 2] = x[0] * x[1] * (we @ (x[1] * s - 1.0))
        return H

    return _known(lambda xs: SumOfSquares(
        residuals, jacobian, curvature, x0=[0.4, 1.0, 0.0], name="gaussian", f_star=0.0,
        x_star=xs, reference=f"{MGH}, problem 9"), GAUSSIAN_X_STAR)


def meyer():
    r"""Meyer function (MGH #10), ``m = 16``: extremely badly scaled.

    :math:`r_i = x_1 \exp(x_2 / (t_i + x_3)) - y_i`, :math:`t_i = 45 + 5i`;
    ``x0 = (0.02, 4000, 250)``; :math:`f^* = 87.9458...`.

    Examples
    --------
    >>> p = meyer()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('meyer', 3, 87.9459)
    """
    t = 45.0 + 5.0 * np.arange(1.0, 17.0)

    def residuals(x):
        return x[0] * np.exp(x[1] / (t + x[2])) - MEYER_Y

    def jacobian(x):
        q = t + x[2]
        e = np.exp(x[1] / q)
        return np.column_stack([e, x[0] * e / q, -x[0] * x[1] * e / q ** 2])

    def curvature(x, w):
        q = t + x[2]
        we = w * np.exp(x[1] / q)
        H = np.empty((3, 3))
        H[0, 0] = 0.0
        H[0, 1] = H[1, 0] = we @ (1.0 / q)
        H[0, 2] = H[2, 0] = -x[1] * (we @ q ** -2.0)
        H[1, 1] = x[0] * (we @ q ** -2.0)
        H[1, 2] = H[2, 1] = -x[0] * (we @ ((x[1] + q) / q ** 3))
        H[2, 2] = x[0] * x[1] * (we @ ((x[1] + 2.0 * q) / q ** 4))
        return H

    return _known(lambda xs: SumOfSquares(
        residuals, jacobian, curvature, x0=[0.02, 4000.0, 250.0], name="meyer", f_star=0.0,
        x_star=xs, reference=f"{MGH}, problem 10"), MEYER_X_STAR)


def kowalik_osborne():
    r"""Kowalik and Osborne function (MGH #15), ``m = 11``.

    :math:`r_i = y_i - x_1(u_i^2 + u_i x_2)/(u_i^2 + u_i x_3 + x_4)`;
    ``x0 = (0.25, 0.39, 0.415, 0.39)``; :math:`f^* = 3.07505...\cdot 10^{-4}`.

    Examples
    --------
    >>> p = kowalik_osborne()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('kowalik_osborne', 4, 0.000307506)
    """
    u = KOWALIK_OSBORNE_U

    def parts(x):
        return u * u + u * x[1], u * u + u * x[2] + x[3]

    def residuals(x):
        num, den = parts(x)
        return KOWALIK_OSBORNE_Y - x[0] * num / den

    def jacobian(x):
        num, den = parts(x)
        return -np.column_stack([num / den, x[0] * u / den, -x[0] * num * u / den ** 2,
                                 -x[0] * num / den ** 2])

    def curvature(x, w):
        num, den = parts(x)
        m = np.zeros((4, 4))  # second derivatives of the model, weighted; r = y - model
        m[0, 1] = w @ (u / den)
        m[0, 2] = -(w @ (num * u / den ** 2))
        m[0, 3] = -(w @ (num / den ** 2))
        m[1, 2] = -x[0] * (w @ (u * u / den ** 2))
        m[1, 3] = -x[0] * (w @ (u / den ** 2))
        m[2, 2] = 2.0 * x[0] * (w @ (num * u * u / den ** 3))
        m[2, 3] = 2.0 * x[0] * (w @ (num * u / den ** 3))
        m[3, 3] = 2.0 * x[0] * (w @ (num / den ** 3))
        m = m + np.triu(m, 1).T
        return -m

    return _known(lambda xs: SumOfSquares(
        residuals, jacobian, curvature, x0=[0.25, 0.39, 0.415, 0.39], name="kowalik_osborne",
        f_star=0.0, x_star=xs, reference=f"{MGH}, problem 15"), KOWALIK_OSBORNE_X_STAR)


def brown_dennis():
    r"""Brown and Dennis function (MGH #16), ``m = 20``.

    :math:`r_i = (x_1 + t_i x_2 - e^{t_i})^2 + (x_3 + x_4 \sin t_i - \cos t_i)^2`,
    :math:`t_i = i/5`; ``x0 = (25, 5, -5, -1)``; :math:`f^* = 85822.2...`.

    Examples
    --------
    >>> p = brown_dennis()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('brown_dennis', 4, 85822.2)
    """
    t = np.arange(1.0, 21.0) / 5.0
    sin_t = np.sin(t)
    p = np.column_stack([np.ones_like(t), t, np.zeros_like(t), np.zeros_like(t)])
    q = np.column_stack([np.zeros_like(t), np.zeros_like(t), np.ones_like(t), sin_t])

    def parts(x):
        return x[0] + t * x[1] - np.exp(t), x[2] + x[3] * sin_t - np.cos(t)

    def residuals(x):
        a, b = parts(x)
        return a * a + b * b

    def jacobian(x):
        a, b = parts(x)
        return 2.0 * (a[:, None] * p + b[:, None] * q)

    def curvature(x, w):
        return 2.0 * ((p * w[:, None]).T @ p + (q * w[:, None]).T @ q)

    return _known(lambda xs: SumOfSquares(
        residuals, jacobian, curvature, x0=[25.0, 5.0, -5.0, -1.0], name="brown_dennis",
        f_star=0.0, x_star=xs, reference=f"{MGH}, problem 16"), BROWN_DENNIS_X_STAR)


def osborne_1():
    r"""Osborne 1 function (MGH #17), ``m = 33``.

    :math:`r_i = y_i - (x_1 + x_2 e^{-t_i x_4} + x_3 e^{-t_i x_5})`, :math:`t_i = 10(i - 1)`;
    ``x0 = (0.5, 1.5, -1, 0.01, 0.02)``; :math:`f^* = 5.46489...\cdot 10^{-5}`.

    Examples
    --------
    >>> p = osborne_1()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('osborne_1', 5, 5.46489e-05)
    """
    t = 10.0 * np.arange(33.0)

    def residuals(x):
        return OSBORNE_1_Y - (x[0] + x[1] * np.exp(-t * x[3]) + x[2] * np.exp(-t * x[4]))

    def jacobian(x):
        e4, e5 = np.exp(-t * x[3]), np.exp(-t * x[4])
        return -np.column_stack([np.ones_like(t), e4, e5, -t * x[1] * e4, -t * x[2] * e5])

    def curvature(x, w):
        we4, we5 = w * np.exp(-t * x[3]), w * np.exp(-t * x[4])
        m = np.zeros((5, 5))  # weighted model second derivatives; r = y - model
        m[1, 3] = m[3, 1] = -(we4 @ t)
        m[3, 3] = x[1] * (we4 @ (t * t))
        m[2, 4] = m[4, 2] = -(we5 @ t)
        m[4, 4] = x[2] * (we5 @ (t * t))
        return -m

    return _known(lambda xs: SumOfSquares(
        residuals, jacobian, curvature, x0=[0.5, 1.5, -1.0, 0.01, 0.02], name="osborne_1",
        f_star=0.0, x_star=xs, reference=f"{MGH}, problem 17"), OSBORNE_1_X_STAR)


def biggs_exp6():
    r"""Biggs EXP6 function (MGH #18), ``m = 13``.

    :math:`r_i = x_3 e^{-t_i x_1} - x_4 e^{-t_i x_2} + x_6 e^{-t_i x_5} - y_i`,
    :math:`t_i = i/10`, :math:`y_i = e^{-t_i} - 5e^{-10 t_i} + 3e^{-4 t_i}`;
    ``x0 = (1, 2, 1, 1, 1, 1)``; :math:`f^* = 0` at ``(1, 10, 1, 5, 4, 3)`` (a local minimum
    with f = 5.65565e-3 also exists).

    Examples
    --------
    >>> p = biggs_exp6()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('biggs_exp6', 6, 0.0)
    """
    t = 0.1 * np.arange(1.0, 14.0)
    y = np.exp(-t) - 5.0 * np.exp(-10.0 * t) + 3.0 * np.exp(-4.0 * t)

    def residuals(x):
        return (x[2] * np.exp(-t * x[0]) - x[3] * np.exp(-t * x[1])
                + x[5] * np.exp(-t * x[4]) - y)

    def jacobian(x):
        e1, e2, e5 = np.exp(-t * x[0]), np.exp(-t * x[1]), np.exp(-t * x[4])
        return np.column_stack([-t * x[2] * e1, t * x[3] * e2, e1, -e2, -t * x[5] * e5, e5])

    def curvature(x, w):
        we1, we2, we5 = w * np.exp(-t * x[0]), w * np.exp(-t * x[1]), w * np.exp(-t * x[4])
        H = np.zeros((6, 6))
        H[0, 0], H[0, 2] = x[2] * (we1 @ (t * t)), -(we1 @ t)
        H[1, 1], H[1, 3] = -x[3] * (we2 @ (t * t)), we2 @ t
        H[4, 4], H[4, 5] = x[5] * (we5 @ (t * t)), -(we5 @ t)
        return H + np.triu(H, 1).T

    return SumOfSquares(residuals, jacobian, curvature, x0=[1.0, 2.0, 1.0, 1.0, 1.0, 1.0],
                        name="biggs_exp6", f_star=0.0, x_star=[1.0, 10.0, 1.0, 5.0, 4.0, 3.0],
                        reference=f"{MGH}, problem 18")
