r"""Bound-constrained test problems of Hock & Schittkowski (*Test Examples for Nonlinear
Programming Codes*, Lecture Notes in Economics and Mathematical Systems 187, Springer 1981):
every problem of that collection whose only constraints are simple bounds, with the published
start, bounds and optimum (problems 1, 2, 3, 4, 5, 25, 38, 45, 110).

Derivatives are exact (second-order forward mode, :mod:`numopt.problems.constrained._jet`).
At the published solutions of HS2, HS3, HS4 and HS45 bounds are active; the others test that
inactive bounds cost nothing.

Examples
--------
>>> import numopt as no
>>> lib = no.problems.bounded.bounded_library()
>>> p = lib["HS4"]
>>> p.bounds.lower.tolist(), round(p.f_star, 6), p.source
([1.0, 0.0], 2.666667, 'Hock & Schittkowski (1981), problem 4')
"""

import math

import numpy as np

from .constrained._build import KnownOptimumProblem, _Formula
from .constrained._jet import exp, log, sin

INF = math.inf


def _rosenbrock(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


def _hs5(x):
    return sin(x[0] + x[1]) + (x[0] - x[1]) ** 2 - 1.5 * x[0] + 2.5 * x[1] + 1


HS25_U = [25.0 + (-50.0 * math.log(0.01 * i)) ** (2.0 / 3.0) for i in range(1, 100)]


def _hs25(x):
    total = 0.0
    for i, u in enumerate(HS25_U, start=1):
        # (u - x2)^x3 written as exp(x3 log(u - x2)); u - x2 >= 0.03 inside the bounds
        r = -0.01 * i + exp(-exp(x[2] * log(u - x[1])) / x[0])
        total = r * r + total
    return total


def _hs38(x):
    return (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2 + 90 * (x[3] - x[2] ** 2) ** 2
            + (1 - x[2]) ** 2 + 10.1 * ((x[1] - 1) ** 2 + (x[3] - 1) ** 2)
            + 19.8 * (x[1] - 1) * (x[3] - 1))


def _hs45(x):
    return 2 - x[0] * x[1] * x[2] * x[3] * x[4] / 120.0


def _hs110(x):
    total, logs = 0.0, 0.0
    for xi in x:
        total = log(xi - 2) ** 2 + log(10 - xi) ** 2 + total
        logs = log(xi) + logs
    return total - exp(0.2 * logs)


HS110_X = 9.350265655  # the published solution, every coordinate

#: name -> (objective on Jets, x0, (lower, upper), f_star, x_star)
HOCK_SCHITTKOWSKI = {
    "HS1": (_rosenbrock, [-2.0, 1.0], ([-INF, -1.5], [INF, INF]), 0.0, [1.0, 1.0]),
    "HS2": (_rosenbrock, [-2.0, 1.0], ([-INF, 1.5], [INF, INF]), 0.0504261879,
            [1.224370749, 1.5]),
    "HS3": (lambda x: x[1] + 1e-5 * (x[1] - x[0]) ** 2, [10.0, 1.0],
            ([-INF, 0.0], [INF, INF]), 0.0, [0.0, 0.0]),
    "HS4": (lambda x: (x[0] + 1) ** 3 / 3.0 + x[1], [1.125, 0.125], ([1.0, 0.0], [INF, INF]),
            8.0 / 3.0, [1.0, 0.0]),
    "HS5": (_hs5, [0.0, 0.0], ([-1.5, -3.0], [4.0, 3.0]), -math.sqrt(3) / 2 - math.pi / 3,
            [0.5 - math.pi / 3, -0.5 - math.pi / 3]),
    "HS25": (_hs25, [100.0, 12.5, 3.0], ([0.1, 0.0, 0.0], [100.0, 25.6, 5.0]), 0.0,
             [50.0, 25.0, 1.5]),
    "HS38": (_hs38, [-3.0, -1.0, -3.0, -1.0], ([-10.0] * 4, [10.0] * 4), 0.0, [1.0] * 4),
    "HS45": (_hs45, [2.0] * 5, ([0.0] * 5, [1.0, 2.0, 3.0, 4.0, 5.0]), 1.0,
             [1.0, 2.0, 3.0, 4.0, 5.0]),
    "HS110": (_hs110, [9.0] * 10, ([2.001] * 10, [9.999] * 10), -45.77846971, [HS110_X] * 10),
}


def bounded_problem(name):
    """A fresh :class:`~numopt.problems.constrained._build.KnownOptimumProblem` with
    ``bounds`` for the Hock–Schittkowski problem ``name`` (a key of
    :data:`HOCK_SCHITTKOWSKI`)."""
    objective, x0, (lower, upper), f_star, x_star = HOCK_SCHITTKOWSKI[name]
    x0 = np.asarray(x0, dtype=float)
    formula = _Formula(objective, lambda x: [], x0.shape[0])
    number = name[2:]
    return KnownOptimumProblem(formula.fun, grad=formula.grad, hess=formula.hess, x0=x0,
                               bounds=list(zip(lower, upper, strict=True)), name=name,
                               f_star=f_star, x_star=x_star,
                               source=f"Hock & Schittkowski (1981), problem {number}")


def bounded_library(names=None):
    """Fresh bound-constrained problems by name (all of :data:`HOCK_SCHITTKOWSKI` when
    ``names`` is None); each has ``x0``, ``bounds``, exact ``grad``/``hess``, ``f_star``,
    ``x_star`` and ``source``."""
    from ..core.validate import reject_unknown

    names = list(HOCK_SCHITTKOWSKI) if names is None else list(names)
    reject_unknown("bounded problem", names, HOCK_SCHITTKOWSKI)
    return {name: bounded_problem(name) for name in names}
