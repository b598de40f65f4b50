r"""Hock–Schittkowski problems with inequalities and bounds (Hock & Schittkowski, *Test
Examples for Nonlinear Programming Codes*, Lecture Notes in Econ. and Math. Systems 187,
Springer 1981; problem numbers as in the book, cross-checked against the CUTEst SIF files).

Every problem is ``min f(x)`` s.t. ``g(x) >= 0`` (inequality rows), ``h(x) = 0`` (equality
rows), ``lower <= x <= upper``; HS118 uses two-sided rows ``0 <= g(x) <= u``. Starts are the
published ones (some infeasible), ``f_star`` the published optimal value.

>>> from numopt.problems.constrained import inequality_collection
>>> p = inequality_collection()["HS71"]()
>>> p.f_star, [(float(c.lb[0]), float(c.ub[0])) for c in p.constraints]
(17.0140173, [(0.0, 0.0), (0.0, inf)])
"""

import math

import numpy as np

from ...core.constraints import Constraint
from ._build import KnownOptimumProblem, _Formula
from ._jet import Jet, exp, sin

INF = math.inf
S3 = math.sqrt(3.0)
SOURCE = "Hock & Schittkowski 1981"


def build_general(name, objective, equalities, inequalities, x0, f_star, lower=None,
                  upper=None, x_star=None, ineq_upper=None, source=SOURCE):
    """A :class:`KnownOptimumProblem` with ``h(x) = 0``, ``0 <= g(x) <= ineq_upper`` (default
    ``inf``) and bounds, from Jet formulas ``equalities(x)``, ``inequalities(x)`` (lists)."""
    x0 = np.asarray(x0, dtype=float)
    n = x0.shape[0]

    def rows(x):
        return list(equalities(x)) + list(inequalities(x))

    formula = _Formula(objective, rows, n)
    variables = Jet.variables(x0)
    n_eq, m = len(equalities(variables)), len(rows(variables))
    lb = np.zeros(m)
    ub = np.concatenate([np.zeros(n_eq), np.full(m - n_eq, INF) if ineq_upper is None
                         else np.asarray(ineq_upper, dtype=float)])
    constraints = []
    if n_eq:
        constraints.append(Constraint(lambda x: formula.c(x)[:n_eq], lb[:n_eq], ub[:n_eq],
                                      jac=lambda x: formula.jac(x)[:n_eq],
                                      hess=lambda x, v: formula.c_hess(
                                          x, np.concatenate([v, np.zeros(m - n_eq)])),
                                      name=f"{name} equalities"))
    if m > n_eq:
        constraints.append(Constraint(lambda x: formula.c(x)[n_eq:], lb[n_eq:], ub[n_eq:],
                                      jac=lambda x: formula.jac(x)[n_eq:],
                                      hess=lambda x, v: formula.c_hess(
                                          x, np.concatenate([np.zeros(n_eq), v])),
                                      name=f"{name} inequalities"))
    bounds = None
    if lower is not None or upper is not None:
        lo = np.full(n, -INF) if lower is None else np.asarray(lower, dtype=float)
        hi = np.full(n, INF) if upper is None else np.asarray(upper, dtype=float)
        bounds = list(zip(lo, hi, strict=True))
    return KnownOptimumProblem(formula.fun, grad=formula.grad, hess=formula.hess, x0=x0,
                               name=name, f_star=f_star, x_star=x_star, source=source,
                               constraints=constraints, bounds=bounds)


def _none(x):
    return []


def _p(name, f, g, x0, f_star, lower=None, upper=None, h=_none, x_star=None, ineq_upper=None):
    return lambda: build_general(name, f, h, g, x0, f_star, lower, upper, x_star, ineq_upper)


def _rosen(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


def _hs38(x):
    return (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2 + 90 * (x[3] - x[2] ** 2) ** 2
            + (1 - x[2]) ** 2 + 10.1 * ((x[1] - 1) ** 2 + (x[3] - 1) ** 2)
            + 19.8 * (x[1] - 1) * (x[3] - 1))


def _hs100(x):
    return ((x[0] - 10) ** 2 + 5 * (x[1] - 12) ** 2 + x[2] ** 4 + 3 * (x[3] - 11) ** 2
            + 10 * x[4] ** 6 + 7 * x[5] ** 2 + x[6] ** 4 - 4 * x[5] * x[6] - 10 * x[5]
            - 8 * x[6])


def _hs100_g(x):
    return [127 - 2 * x[0] ** 2 - 3 * x[1] ** 4 - x[2] - 4 * x[3] ** 2 - 5 * x[4],
            282 - 7 * x[0] - 3 * x[1] - 10 * x[2] ** 2 - x[3] + x[4],
            196 - 23 * x[0] - x[1] ** 2 - 6 * x[5] ** 2 + 8 * x[6],
            -4 * x[0] ** 2 - x[1] ** 2 + 3 * x[0] * x[1] - 2 * x[2] ** 2 - 5 * x[5] + 11 * x[6]]


def _hs113(x):
    return (x[0] ** 2 + x[1] ** 2 + x[0] * x[1] - 14 * x[0] - 16 * x[1] + (x[2] - 10) ** 2
            + 4 * (x[3] - 5) ** 2 + (x[4] - 3) ** 2 + 2 * (x[5] - 1) ** 2 + 5 * x[6] ** 2
            + 7 * (x[7] - 11) ** 2 + 2 * (x[8] - 10) ** 2 + (x[9] - 7) ** 2 + 45)


def _hs113_g(x):
    return [105 - 4 * x[0] - 5 * x[1] + 3 * x[6] - 9 * x[7],
            -10 * x[0] + 8 * x[1] + 17 * x[6] - 2 * x[7],
            8 * x[0] - 2 * x[1] - 5 * x[8] + 2 * x[9] + 12,
            -3 * (x[0] - 2) ** 2 - 4 * (x[1] - 3) ** 2 - 2 * x[2] ** 2 + 7 * x[3] + 120,
            -5 * x[0] ** 2 - 8 * x[1] - (x[2] - 6) ** 2 + 2 * x[3] + 40,
            -0.5 * (x[0] - 8) ** 2 - 2 * (x[1] - 4) ** 2 - 3 * x[4] ** 2 + x[5] + 30,
            -x[0] ** 2 - 2 * (x[1] - 2) ** 2 + 2 * x[0] * x[1] - 14 * x[4] + 6 * x[5],
            3 * x[0] - 6 * x[1] - 12 * (x[8] - 8) ** 2 + 7 * x[9]]


def _hs118(x):
    return sum((2.3 * x[3 * k] + 1e-4 * x[3 * k] ** 2 + 1.7 * x[3 * k + 1]
                + 1e-4 * x[3 * k + 1] ** 2 + 2.2 * x[3 * k + 2] + 1.5e-4 * x[3 * k + 2] ** 2
                for k in range(5)), 0.0)


def _hs118_g(x):
    rows = []
    for j in range(1, 5):
        rows += [x[3 * j] - x[3 * j - 3] + 7, x[3 * j + 1] - x[3 * j - 2] + 7,
                 x[3 * j + 2] - x[3 * j - 1] + 7]
    return rows + [x[0] + x[1] + x[2] - 60, x[3] + x[4] + x[5] - 50, x[6] + x[7] + x[8] - 70,
                   x[9] + x[10] + x[11] - 85, x[12] + x[13] + x[14] - 100]


HS118_UPPER = [13.0, 14.0, 13.0] * 4 + [INF] * 5
HS118_LOWER = [8.0, 43.0, 3.0] + [0.0] * 12
HS118_UPPERX = [21.0, 57.0, 16.0] + [90.0, 120.0, 60.0] * 4
HS118_X0 = [20.0, 55.0, 15.0] + [20.0, 60.0, 20.0] * 4

PROBLEMS = {
    "HS1": _p("HS1", _rosen, _none, [-2.0, 1.0], 0.0, [-INF, -1.5], x_star=[1.0, 1.0]),
    "HS2": _p("HS2", _rosen, _none, [-2.0, 1.0], 0.0504261879, [-INF, 1.5]),
    "HS3": _p("HS3", lambda x: x[1] + 1e-5 * (x[1] - x[0]) ** 2, _none, [10.0, 1.0], 0.0,
              [-INF, 0.0], x_star=[0.0, 0.0]),
    "HS4": _p("HS4", lambda x: (x[0] + 1) ** 3 / 3 + x[1], _none, [1.125, 0.125], 8 / 3,
              [1.0, 0.0], x_star=[1.0, 0.0]),
    "HS5": _p("HS5", lambda x: sin(x[0] + x[1]) + (x[0] - x[1]) ** 2 - 1.5 * x[0] + 2.5 * x[1]
              + 1, _none, [0.0, 0.0], -S3 / 2 - math.pi / 3, [-1.5, -3.0], [4.0, 3.0],
              x_star=[0.5 - math.pi / 3, -0.5 - math.pi / 3]),
    "HS10": _p("HS10", lambda x: x[0] - x[1],
               lambda x: [-3 * x[0] ** 2 + 2 * x[0] * x[1] - x[1] ** 2 + 1], [-10.0, 10.0],
               -1.0, x_star=[0.0, 1.0]),
    "HS11": _p("HS11", lambda x: (x[0] - 5) ** 2 + x[1] ** 2 - 25,
               lambda x: [-x[0] ** 2 + x[1]], [4.9, 0.1], -8.498464223),
    "HS12": _p("HS12", lambda x: 0.5 * x[0] ** 2 + x[1] ** 2 - x[0] * x[1] - 7 * x[0] - 7 * x[1],
               lambda x: [25 - 4 * x[0] ** 2 - x[1] ** 2], [0.0, 0.0], -30.0,
               x_star=[2.0, 3.0]),
    "HS14": _p("HS14", lambda x: (x[0] - 2) ** 2 + (x[1] - 1) ** 2,
               lambda x: [-0.25 * x[0] ** 2 - x[1] ** 2 + 1], [2.0, 2.0],
               9 - 2.875 * math.sqrt(7), h=lambda x: [x[0] - 2 * x[1] + 1],
               x_star=[0.5 * (math.sqrt(7) - 1), 0.25 * (math.sqrt(7) + 1)]),
    "HS15": _p("HS15", _rosen, lambda x: [x[0] * x[1] - 1, x[0] + x[1] ** 2], [-2.0, 1.0], 306.5,
               upper=[0.5, INF], x_star=[0.5, 2.0]),
    "HS16": _p("HS16", _rosen, lambda x: [x[0] + x[1] ** 2, x[0] ** 2 + x[1]], [-2.0, 1.0], 0.25,
               [-0.5, -INF], [0.5, 1.0], x_star=[0.5, 0.25]),
    "HS17": _p("HS17", _rosen, lambda x: [x[1] ** 2 - x[0], x[0] ** 2 - x[1]], [-2.0, 1.0], 1.0,
               [-0.5, -INF], [0.5, 1.0], x_star=[0.0, 0.0]),
    "HS18": _p("HS18", lambda x: 0.01 * x[0] ** 2 + x[1] ** 2,
               lambda x: [x[0] * x[1] - 25, x[0] ** 2 + x[1] ** 2 - 25], [2.0, 2.0], 5.0,
               [2.0, 0.0], [50.0, 50.0], x_star=[math.sqrt(250), math.sqrt(2.5)]),
    "HS19": _p("HS19", lambda x: (x[0] - 10) ** 3 + (x[1] - 20) ** 3,
               lambda x: [(x[0] - 5) ** 2 + (x[1] - 5) ** 2 - 100,
                          -(x[1] - 5) ** 2 - (x[0] - 6) ** 2 + 82.81], [20.1, 5.84],
               -6961.81381, [13.0, 0.0], [100.0, 100.0]),
    "HS20": _p("HS20", _rosen, lambda x: [x[0] + x[1] ** 2, x[0] ** 2 + x[1],
                                          x[0] ** 2 + x[1] ** 2 - 1], [-2.0, 1.0],
               81.5 - 25 * S3, [-0.5, -INF], [0.5, INF], x_star=[0.5, 0.5 * S3]),
    "HS21": _p("HS21", lambda x: 0.01 * x[0] ** 2 + x[1] ** 2 - 100,
               lambda x: [10 * x[0] - x[1] - 10], [-1.0, -1.0], -99.96, [2.0, -50.0],
               [50.0, 50.0], x_star=[2.0, 0.0]),
    "HS22": _p("HS22", lambda x: (x[0] - 2) ** 2 + (x[1] - 1) ** 2,
               lambda x: [2 - x[0] - x[1], x[1] - x[0] ** 2], [2.0, 2.0], 1.0,
               x_star=[1.0, 1.0]),
    "HS23": _p("HS23", lambda x: x[0] ** 2 + x[1] ** 2,
               lambda x: [x[0] + x[1] - 1, x[0] ** 2 + x[1] ** 2 - 1, 9 * x[0] ** 2 + x[1] ** 2 - 9,
                          x[0] ** 2 - x[1], x[1] ** 2 - x[0]], [3.0, 1.0], 2.0,
               [-50.0, -50.0], [50.0, 50.0], x_star=[1.0, 1.0]),
    "HS24": _p("HS24", lambda x: ((x[0] - 3) ** 2 - 9) * x[1] ** 3 / (27 * S3),
               lambda x: [x[0] / S3 - x[1], x[0] + S3 * x[1], 6 - x[0] - S3 * x[1]],
               [1.0, 0.5], -1.0, [0.0, 0.0], x_star=[3.0, S3]),
    "HS29": _p("HS29", lambda x: -x[0] * x[1] * x[2],
               lambda x: [48 - x[0] ** 2 - 2 * x[1] ** 2 - 4 * x[2] ** 2], [1.0, 1.0, 1.0],
               -16 * math.sqrt(2), x_star=[4.0, 2 * math.sqrt(2), 2.0]),
    "HS30": _p("HS30", lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2,
               lambda x: [x[0] ** 2 + x[1] ** 2 - 1], [1.0, 1.0, 1.0], 1.0,
               [1.0, -10.0, -10.0], [10.0, 10.0, 10.0], x_star=[1.0, 0.0, 0.0]),
    "HS31": _p("HS31", lambda x: 9 * x[0] ** 2 + x[1] ** 2 + 9 * x[2] ** 2,
               lambda x: [x[0] * x[1] - 1], [1.0, 1.0, 1.0], 6.0, [-10.0, 1.0, -10.0],
               [10.0, 10.0, 1.0], x_star=[1 / S3, S3, 0.0]),
    "HS32": _p("HS32", lambda x: (x[0] + 3 * x[1] + x[2]) ** 2 + 4 * (x[0] - x[1]) ** 2,
               lambda x: [6 * x[1] + 4 * x[2] - x[0] ** 3 - 3], [0.1, 0.7, 0.2], 1.0,
               [0.0, 0.0, 0.0], h=lambda x: [1 - x[0] - x[1] - x[2]], x_star=[0.0, 0.0, 1.0]),
    "HS33": _p("HS33", lambda x: (x[0] - 1) * (x[0] - 2) * (x[0] - 3) + x[2],
               lambda x: [x[2] ** 2 - x[1] ** 2 - x[0] ** 2,
                          x[0] ** 2 + x[1] ** 2 + x[2] ** 2 - 4], [0.0, 0.0, 3.0],
               math.sqrt(2) - 6, [0.0, 0.0, 0.0], [INF, INF, 5.0],
               x_star=[0.0, math.sqrt(2), math.sqrt(2)]),
    "HS34": _p("HS34", lambda x: -x[0], lambda x: [x[1] - exp(x[0]), x[2] - exp(x[1])],
               [0.0, 1.05, 2.9], -math.log(math.log(10.0)), [0.0, 0.0, 0.0], [100.0, 100.0, 10.0],
               x_star=[math.log(math.log(10.0)), math.log(10.0), 10.0]),
    "HS35": _p("HS35", lambda x: (9 - 8 * x[0] - 6 * x[1] - 4 * x[2] + 2 * x[0] ** 2
                                  + 2 * x[1] ** 2 + x[2] ** 2 + 2 * x[0] * x[1]
                                  + 2 * x[0] * x[2]),
               lambda x: [3 - x[0] - x[1] - 2 * x[2]], [0.5, 0.5, 0.5], 1 / 9, [0.0, 0.0, 0.0],
               x_star=[4 / 3, 7 / 9, 4 / 9]),
    "HS36": _p("HS36", lambda x: -x[0] * x[1] * x[2], lambda x: [72 - x[0] - 2 * x[1] - 2 * x[2]],
               [10.0, 10.0, 10.0], -3300.0, [0.0, 0.0, 0.0], [20.0, 11.0, 42.0],
               x_star=[20.0, 11.0, 15.0]),
    "HS37": _p("HS37", lambda x: -x[0] * x[1] * x[2],
               lambda x: [72 - x[0] - 2 * x[1] - 2 * x[2], x[0] + 2 * x[1] + 2 * x[2]],
               [10.0, 10.0, 10.0], -3456.0, [0.0, 0.0, 0.0], [42.0, 42.0, 42.0],
               x_star=[24.0, 12.0, 12.0]),
    "HS38": _p("HS38", _hs38, _none, [-3.0, -1.0, -3.0, -1.0], 0.0, [-10.0] * 4, [10.0] * 4,
               x_star=[1.0] * 4),
    "HS41": _p("HS41", lambda x: 2 - x[0] * x[1] * x[2], _none, [2.0] * 4, 52 / 27,
               [0.0] * 4, [1.0, 1.0, 1.0, 2.0], h=lambda x: [x[0] + 2 * x[1] + 2 * x[2] - x[3]],
               x_star=[2 / 3, 1 / 3, 1 / 3, 2.0]),
    "HS43": _p("HS43", lambda x: (x[0] ** 2 + x[1] ** 2 + 2 * x[2] ** 2 + x[3] ** 2 - 5 * x[0]
                                  - 5 * x[1] - 21 * x[2] + 7 * x[3]),
               lambda x: [8 - x[0] ** 2 - x[1] ** 2 - x[2] ** 2 - x[3] ** 2 - x[0] + x[1] - x[2]
                          + x[3],
                          10 - x[0] ** 2 - 2 * x[1] ** 2 - x[2] ** 2 - 2 * x[3] ** 2 + x[0] + x[3],
                          5 - 2 * x[0] ** 2 - x[1] ** 2 - x[2] ** 2 - 2 * x[0] + x[1] + x[3]],
               [0.0] * 4, -44.0, x_star=[0.0, 1.0, 2.0, -1.0]),
    "HS44": _p("HS44", lambda x: (x[0] - x[1] - x[2] - x[0] * x[2] + x[0] * x[3] + x[1] * x[2]
                                  - x[1] * x[3]),
               lambda x: [8 - x[0] - 2 * x[1], 12 - 4 * x[0] - x[1], 12 - 3 * x[0] - 4 * x[1],
                          8 - 2 * x[2] - x[3], 8 - x[2] - 2 * x[3], 5 - x[2] - x[3]],
               [0.0] * 4, -15.0, [0.0] * 4, x_star=[0.0, 3.0, 0.0, 4.0]),
    "HS45": _p("HS45", lambda x: 2 - x[0] * x[1] * x[2] * x[3] * x[4] / 120, _none, [2.0] * 5,
               1.0, [0.0] * 5, [1.0, 2.0, 3.0, 4.0, 5.0], x_star=[1.0, 2.0, 3.0, 4.0, 5.0]),
    "HS60": _p("HS60", lambda x: (x[0] - 1) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 4,
               _none, [2.0] * 3, 0.03256820025, [-10.0] * 3, [10.0] * 3,
               h=lambda x: [x[0] * (1 + x[1] ** 2) + x[2] ** 4 - 4 - 3 * math.sqrt(2)]),
    "HS65": _p("HS65", lambda x: ((x[0] - x[1]) ** 2 + (x[0] + x[1] - 10) ** 2 / 9
                                  + (x[2] - 5) ** 2),
               lambda x: [48 - x[0] ** 2 - x[1] ** 2 - x[2] ** 2], [-5.0, 5.0, 0.0],
               0.9535288567, [-4.5, -4.5, -5.0], [4.5, 4.5, 5.0]),
    "HS71": _p("HS71", lambda x: x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
               lambda x: [x[0] * x[1] * x[2] * x[3] - 25], [1.0, 5.0, 5.0, 1.0], 17.0140173,
               [1.0] * 4, [5.0] * 4, h=lambda x: [sum((xi ** 2 for xi in x), 0.0) - 40]),
    "HS76": _p("HS76", lambda x: (x[0] ** 2 + 0.5 * x[1] ** 2 + x[2] ** 2 + 0.5 * x[3] ** 2
                                  - x[0] * x[2] + x[2] * x[3] - x[0] - 3 * x[1] + x[2] - x[3]),
               lambda x: [5 - x[0] - 2 * x[1] - x[2] - x[3], 4 - 3 * x[0] - x[1] - 2 * x[2] + x[3],
                          x[1] + 4 * x[2] - 1.5], [0.5] * 4, -4.681818181, [0.0] * 4),
    "HS100": _p("HS100", _hs100, _hs100_g, [1.0, 2.0, 0.0, 4.0, 0.0, 1.0, 1.0], 680.6300573),
    "HS113": _p("HS113", _hs113, _hs113_g, [2.0, 3.0, 5.0, 5.0, 1.0, 2.0, 7.0, 3.0, 6.0, 10.0],
                24.3062091),
    "HS118": _p("HS118", _hs118, _hs118_g, HS118_X0, 664.8204500, HS118_LOWER, HS118_UPPERX,
                ineq_upper=HS118_UPPER),
}
