"""Nonconvex test functions with strict saddle points (negative Hessian eigenvalue there).

Each problem carries ``saddle``, an exact strict saddle point, besides the usual ``x0``,
``x_star`` and ``f_star``: start a method at ``problem.saddle`` to test saddle escape, and at
``problem.x0`` (near the saddle, off its stable manifold) to test ordinary convergence.
"""

import numpy as np

from ._base import ClassicProblem

SIX_HUMP_X_STAR = (0.08984201310031806, -0.7126564030207396)
HIMMELBLAU_SADDLE = (0.08667750455539634, 2.884254701174776)


def _problem(fun, grad, hess, **kwargs):
    return ClassicProblem(fun, grad, hess, lambda x, v: hess(x) @ v, **kwargs)


def saddle_quartic():
    r"""The strict saddle :math:`f(x, y) = x^2 - y^2 + y^4/4`.

    Saddle at the origin (Hessian ``diag(2, -2)``), minimizers :math:`(0, \pm\sqrt2)`,
    :math:`f^* = -1`; ``x0 = (1, 0.01)``. Gradient descent from exactly ``(0, 0)`` stays there;
    escaping needs second-order information or noise (Ren, Tang & Li 2023 use it as the
    acceptance test of perturbed zeroth-order descent).

    Examples
    --------
    >>> p = saddle_quartic()
    >>> p.fun(p.saddle), round(p.fun(p.x_star), 12)
    (0.0, -1.0)
    """

    def fun(x):
        return float(x[0] ** 2 - x[1] ** 2 + x[1] ** 4 / 4.0)

    def grad(x):
        return np.array([2.0 * x[0], -2.0 * x[1] + x[1] ** 3])

    def hess(x):
        return np.array([[2.0, 0.0], [0.0, -2.0 + 3.0 * x[1] ** 2]])

    return _problem(fun, grad, hess, x0=[1.0, 0.01], name="saddle_quartic", f_star=-1.0,
                    x_star=[0.0, np.sqrt(2.0)], saddle=[0.0, 0.0],
                    reference="strict saddle x^2 - y^2 + y^4/4 (Ren, Tang & Li 2023, §5)")


def double_well():
    r"""Double well :math:`f(x, y) = x^4/4 - x^2/2 + y^2/2`.

    Saddle at the origin (Hessian ``diag(-1, 1)``), minimizers :math:`(\pm 1, 0)`,
    :math:`f^* = -1/4`; ``x0 = (0.01, 1)``.

    Examples
    --------
    >>> p = double_well()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('double_well', 2, -0.25)
    """

    def fun(x):
        return float(x[0] ** 4 / 4.0 - x[0] ** 2 / 2.0 + x[1] ** 2 / 2.0)

    def grad(x):
        return np.array([x[0] ** 3 - x[0], x[1]])

    def hess(x):
        return np.array([[3.0 * x[0] ** 2 - 1.0, 0.0], [0.0, 1.0]])

    return _problem(fun, grad, hess, x0=[0.01, 1.0], name="double_well", f_star=-0.25,
                    x_star=[1.0, 0.0], saddle=[0.0, 0.0],
                    reference="double-well strict saddle (Jin et al. 2017, arXiv:1703.00887)")


def himmelblau():
    r"""Himmelblau's function :math:`(x^2 + y - 11)^2 + (x + y^2 - 7)^2`.

    Four minimizers with :math:`f^* = 0` (``x_star = (3, 2)``), a local maximum and four
    strict saddles (``saddle`` is the one near ``(0.087, 2.884)``); ``x0 = (0, 0)``
    (Himmelblau 1972, *Applied Nonlinear Programming*).

    Examples
    --------
    >>> p = himmelblau()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('himmelblau', 2, 0.0)
    """

    def fun(x):
        return float((x[0] ** 2 + x[1] - 11.0) ** 2 + (x[0] + x[1] ** 2 - 7.0) ** 2)

    def grad(x):
        a, b = x[0] ** 2 + x[1] - 11.0, x[0] + x[1] ** 2 - 7.0
        return np.array([4.0 * x[0] * a + 2.0 * b, 2.0 * a + 4.0 * x[1] * b])

    def hess(x):
        a, b = x[0] ** 2 + x[1] - 11.0, x[0] + x[1] ** 2 - 7.0
        cross = 4.0 * x[0] + 4.0 * x[1]
        return np.array([[4.0 * a + 8.0 * x[0] ** 2 + 2.0, cross],
                         [cross, 2.0 + 4.0 * b + 8.0 * x[1] ** 2]])

    return _problem(fun, grad, hess, x0=[0.0, 0.0], name="himmelblau", f_star=0.0,
                    x_star=[3.0, 2.0], saddle=HIMMELBLAU_SADDLE,
                    reference="Himmelblau (1972), Applied Nonlinear Programming")


def six_hump_camel():
    r"""Six-hump camel :math:`(4 - 2.1x^2 + x^4/3)x^2 + xy + (4y^2 - 4)y^2`.

    Two global minimizers :math:`\pm(0.0898, -0.7127)` with :math:`f^* = -1.0316...`, and a
    strict saddle at the origin (Hessian ``[[8, 1], [1, -8]]``); ``x0 = (0.5, 0.5)``
    (Dixon & Szegő 1978, *Towards Global Optimisation 2*).

    Examples
    --------
    >>> p = six_hump_camel()
    >>> p.name, p.dim, float(f"{p.f_star:.6g}")
    ('six_hump_camel', 2, -1.03163)
    """

    def fun(x):
        return float((4.0 - 2.1 * x[0] ** 2 + x[0] ** 4 / 3.0) * x[0] ** 2 + x[0] * x[1]
                     + (4.0 * x[1] ** 2 - 4.0) * x[1] ** 2)

    def grad(x):
        return np.array([8.0 * x[0] - 8.4 * x[0] ** 3 + 2.0 * x[0] ** 5 + x[1],
                         x[0] - 8.0 * x[1] + 16.0 * x[1] ** 3])

    def hess(x):
        return np.array([[8.0 - 25.2 * x[0] ** 2 + 10.0 * x[0] ** 4, 1.0],
                         [1.0, -8.0 + 48.0 * x[1] ** 2]])

    problem = _problem(fun, grad, hess, x0=[0.5, 0.5], name="six_hump_camel", f_star=0.0,
                       x_star=SIX_HUMP_X_STAR, saddle=[0.0, 0.0],
                       reference="Dixon & Szegő (1978), six-hump camel back")
    problem.f_star = fun(problem.x_star)
    return problem
