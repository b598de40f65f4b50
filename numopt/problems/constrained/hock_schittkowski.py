"""Equality-constrained test problems of Hock & Schittkowski (*Test Examples for Nonlinear
Programming Codes*, Lecture Notes in Econ. and Math. Systems 187, 1981), Boggs & Tolle
(*A strategy for global convergence in a sequential quadratic programming algorithm*, SIAM
J. Numer. Anal. 26, 1989; the BT set as coded in CUTEst) and the CUTEst equation-system
problems used by Hong et al. (2023, arXiv 2305.18379, Table 4). Formulas, standard starts and
optimal values are the published ones; ``HS100LNP`` is HS100 with both inequalities as
equalities (its published optimum has them active).
"""

import math

from ._build import build
from ._jet import cos, exp, log, sin

R2 = math.sqrt(2.0)


def _hs(name, f, c, x0, f_star, x_star=None, source="Hock & Schittkowski 1981"):
    return lambda: build(name, f, c, x0, f_star, x_star, source)


def HS77_F(x):
    return ((x[0] - 1) ** 2 + (x[0] - x[1]) ** 2 + (x[2] - 1) ** 2 + (x[3] - 1) ** 4
            + (x[4] - 1) ** 6)


def HS79_F(x):
    return ((x[0] - 1) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[2] - x[3]) ** 4
            + (x[3] - x[4]) ** 4)


def HS39_C(x):
    return [x[1] - x[0] ** 3 - x[2] ** 2, x[0] ** 2 - x[1] - x[3] ** 2]


def HS52_C(x):
    return [x[0] + 3 * x[1], x[2] + x[3] - 2 * x[4], x[1] - x[4]]


A56, B56 = math.asin(math.sqrt(1 / 4.2)), math.asin(math.sqrt(5 / 7.2))


def _genhs28(x):
    return sum(((x[i] + x[i + 1]) ** 2 for i in range(len(x) - 1)), 0.0)


PROBLEMS = {
    "HS6": _hs("HS6", lambda x: (1 - x[0]) ** 2, lambda x: [10 * (x[1] - x[0] ** 2)],
               [-1.2, 1.0], 0.0, [1.0, 1.0]),
    "HS7": _hs("HS7", lambda x: log(1 + x[0] ** 2) - x[1],
               lambda x: [(1 + x[0] ** 2) ** 2 + x[1] ** 2 - 4], [2.0, 2.0], -math.sqrt(3.0),
               [0.0, math.sqrt(3.0)]),
    "HS8": _hs("HS8", lambda x: -1.0, lambda x: [x[0] ** 2 + x[1] ** 2 - 25, x[0] * x[1] - 9],
               [2.0, 1.0], -1.0),
    "HS9": _hs("HS9", lambda x: sin(math.pi * x[0] / 12) * cos(math.pi * x[1] / 16),
               lambda x: [4 * x[0] - 3 * x[1]], [0.0, 0.0], -0.5, [-3.0, -4.0]),
    "HS26": _hs("HS26", lambda x: (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 4,
                lambda x: [(1 + x[1] ** 2) * x[0] + x[2] ** 4 - 3], [-2.6, 2.0, 2.0], 0.0,
                [1.0, 1.0, 1.0]),
    "HS27": _hs("HS27", lambda x: 0.01 * (x[0] - 1) ** 2 + (x[1] - x[0] ** 2) ** 2,
                lambda x: [x[0] + x[2] ** 2 + 1], [2.0, 2.0, 2.0], 0.04, [-1.0, 1.0, 0.0]),
    "HS28": _hs("HS28", lambda x: (x[0] + x[1]) ** 2 + (x[1] + x[2]) ** 2,
                lambda x: [x[0] + 2 * x[1] + 3 * x[2] - 1], [-4.0, 1.0, 1.0], 0.0,
                [0.5, -0.5, 0.5]),
    "HS39": _hs("HS39", lambda x: -x[0], HS39_C, [2.0] * 4, -1.0, [1.0, 1.0, 0.0, 0.0]),
    "HS40": _hs("HS40", lambda x: -x[0] * x[1] * x[2] * x[3],
                lambda x: [x[0] ** 3 + x[1] ** 2 - 1, x[0] ** 2 * x[3] - x[2], x[3] ** 2 - x[1]],
                [0.8] * 4, -0.25, [2 ** (-1 / 3), 2 ** -0.5, 2 ** (-11 / 12), 2 ** -0.25]),
    "HS42": _hs("HS42", lambda x: sum(((x[i] - i - 1) ** 2 for i in range(4)), 0.0),
                lambda x: [x[0] - 2, x[2] ** 2 + x[3] ** 2 - 2], [1.0] * 4, 28 - 10 * R2,
                [2.0, 2.0, 0.6 * R2, 0.8 * R2]),
    "HS46": _hs("HS46", lambda x: ((x[0] - x[1]) ** 2 + (x[2] - 1) ** 2 + (x[3] - 1) ** 4
                                   + (x[4] - 1) ** 6),
                lambda x: [x[0] ** 2 * x[3] + sin(x[3] - x[4]) - 1,
                           x[1] + x[2] ** 4 * x[3] ** 2 - 2],
                [R2 / 2, 1.75, 0.5, 2.0, 2.0], 0.0, [1.0] * 5),
    "HS47": _hs("HS47", lambda x: ((x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 3 + (x[2] - x[3]) ** 4
                                   + (x[3] - x[4]) ** 4),
                lambda x: [x[0] + x[1] ** 2 + x[2] ** 3 - 3, x[1] - x[2] ** 2 + x[3] - 1,
                           x[0] * x[4] - 1], [2.0, R2, -1.0, 2 - R2, 0.5], 0.0, [1.0] * 5),
    "HS48": _hs("HS48", lambda x: (x[0] - 1) ** 2 + (x[1] - x[2]) ** 2 + (x[3] - x[4]) ** 2,
                lambda x: [x[0] + x[1] + x[2] + x[3] + x[4] - 5, x[2] - 2 * (x[3] + x[4]) + 3],
                [3.0, 5.0, -3.0, 2.0, -2.0], 0.0, [1.0] * 5),
    "HS49": _hs("HS49", lambda x: ((x[0] - x[1]) ** 2 + (x[2] - 1) ** 2 + (x[3] - 1) ** 4
                                   + (x[4] - 1) ** 6),
                lambda x: [x[0] + x[1] + x[2] + 4 * x[3] - 7, x[2] + 5 * x[4] - 6],
                [10.0, 7.0, 2.0, -3.0, 0.8], 0.0, [1.0] * 5),
    "HS50": _hs("HS50", lambda x: ((x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[2] - x[3]) ** 4
                                   + (x[3] - x[4]) ** 2),
                lambda x: [x[i] + 2 * x[i + 1] + 3 * x[i + 2] - 6 for i in range(3)],
                [35.0, -31.0, 11.0, 5.0, -5.0], 0.0, [1.0] * 5),
    "HS51": _hs("HS51", lambda x: ((x[0] - x[1]) ** 2 + (x[1] + x[2] - 2) ** 2 + (x[3] - 1) ** 2
                                   + (x[4] - 1) ** 2),
                lambda x: [x[0] + 3 * x[1] - 4, x[2] + x[3] - 2 * x[4], x[1] - x[4]],
                [2.5, 0.5, 2.0, -1.0, 0.5], 0.0, [1.0] * 5),
    "HS52": _hs("HS52", lambda x: ((4 * x[0] - x[1]) ** 2 + (x[1] + x[2] - 2) ** 2
                                   + (x[3] - 1) ** 2 + (x[4] - 1) ** 2), HS52_C, [2.0] * 5,
                1859 / 349, [v / 349 for v in (-33, 11, 180, -158, 11)]),
    "HS56": _hs("HS56", lambda x: -x[0] * x[1] * x[2],
                lambda x: [x[0] - 4.2 * sin(x[3]) ** 2, x[1] - 4.2 * sin(x[4]) ** 2,
                           x[2] - 4.2 * sin(x[5]) ** 2,
                           x[0] + 2 * x[1] + 2 * x[2] - 7.2 * sin(x[6]) ** 2],
                [1.0, 1.0, 1.0, A56, A56, A56, B56], -3.456),
    "HS61": _hs("HS61", lambda x: (4 * x[0] ** 2 + 2 * x[1] ** 2 + 2 * x[2] ** 2 - 33 * x[0]
                                   + 16 * x[1] - 24 * x[2]),
                lambda x: [3 * x[0] - 2 * x[1] ** 2 - 7, 4 * x[0] - x[2] ** 2 - 11],
                [0.0, 0.0, 0.0], -143.6461422, [5.326770157, -2.118998639, 3.210464239]),
    "HS77": _hs("HS77", HS77_F,
                lambda x: [x[0] ** 2 * x[3] + sin(x[3] - x[4]) - 2 * R2,
                           x[1] + x[2] ** 4 * x[3] ** 2 - 8 - R2], [2.0] * 5, 0.24150513),
    "HS78": _hs("HS78", lambda x: x[0] * x[1] * x[2] * x[3] * x[4],
                lambda x: [sum((xi ** 2 for xi in x), 0.0) - 10, x[1] * x[2] - 5 * x[3] * x[4],
                           x[0] ** 3 + x[1] ** 3 + 1], [-2.0, 1.5, 2.0, -1.0, -1.0],
                -2.91970041),
    "HS79": _hs("HS79", HS79_F,
                lambda x: [x[0] + x[1] ** 2 + x[2] ** 3 - 2 - 3 * R2,
                           x[1] - x[2] ** 2 + x[3] + 2 - 2 * R2, x[0] * x[4] - 2], [2.0] * 5,
                0.0787768209),
    "HS100LNP": _hs("HS100LNP", lambda x: ((x[0] - 10) ** 2 + 5 * (x[1] - 12) ** 2 + x[2] ** 4
                                           + 3 * (x[3] - 11) ** 2 + 10 * x[4] ** 6
                                           + 7 * x[5] ** 2 + x[6] ** 4 - 4 * x[5] * x[6]
                                           - 10 * x[5] - 8 * x[6]),
                    lambda x: [2 * x[0] ** 2 + 3 * x[1] ** 4 + x[2] + 4 * x[3] ** 2 + 5 * x[4]
                               - 127, -4 * x[0] ** 2 - x[1] ** 2 + 3 * x[0] * x[1]
                               - 2 * x[2] ** 2 - 5 * x[5] + 11 * x[6]],
                    [1.0, 2.0, 0.0, 4.0, 0.0, 1.0, 1.0], 680.630057),
    "BT8": _hs("BT8", lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2,
               lambda x: [x[0] - x[3] ** 2 + x[1] ** 2 - 1, x[0] ** 2 + x[1] ** 2 - x[4] ** 2 - 1],
               [1.0, 1.0, 1.0, 0.0, 0.0], 1.0, [1.0, 0.0, 0.0, 0.0, 0.0],
               "Boggs & Tolle 1989 (CUTEst BT8; degenerate: J(x*) has rank 1 in x4, x5)"),
    "MARATOS": _hs("MARATOS", lambda x: -x[0] + 10 * (x[0] ** 2 + x[1] ** 2 - 1),
                   lambda x: [x[0] ** 2 + x[1] ** 2 - 1], [1.1, 0.1], -1.0, [1.0, 0.0],
                   "Maratos 1978 (CUTEst MARATOS): the full SQP step is rejected by l1 merits"),
    "BT1": _hs("BT1", lambda x: 100 * x[0] ** 2 + 100 * x[1] ** 2 - x[0] - 100,
               lambda x: [x[0] ** 2 + x[1] ** 2 - 1], [0.08, 0.06], -1.0, [1.0, 0.0],
               "Boggs & Tolle 1989"),
    "BT2": _hs("BT2", lambda x: (x[0] - 1) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 4,
               lambda x: [x[0] * (1 + x[1] ** 2) + x[2] ** 4 - 4 - 3 * R2], [10.0] * 3,
               0.032568200, source="Boggs & Tolle 1989"),
    "BT3": _hs("BT3", lambda x: ((x[0] - x[1]) ** 2 + (x[1] + x[2] - 2) ** 2 + (x[3] - 1) ** 2
                                 + (x[4] - 1) ** 2), HS52_C, [20.0] * 5, 176 / 43,
               source="Boggs & Tolle 1989"),
    "BT5": _hs("BT5", lambda x: (1000 - x[0] ** 2 - 2 * x[1] ** 2 - x[2] ** 2 - x[0] * x[1]
                                 - x[0] * x[2]),
               lambda x: [x[0] ** 2 + x[1] ** 2 + x[2] ** 2 - 25,
                          8 * x[0] + 14 * x[1] + 7 * x[2] - 56], [2.0] * 3, 961.7151721,
               source="Boggs & Tolle 1989 (HS63 without bounds)"),
    "BT9": _hs("BT9", lambda x: -x[0], HS39_C, [2.0] * 4, -1.0, [1.0, 1.0, 0.0, 0.0],
               "Boggs & Tolle 1989"),
    "BT10": _hs("BT10", lambda x: -x[0], lambda x: [x[1] - x[0] ** 3, x[0] ** 2 - x[1]],
                [2.0, 2.0], -1.0, [1.0, 1.0], "Boggs & Tolle 1989"),
    "BT12": _hs("BT12", lambda x: 0.01 * x[0] ** 2 + x[1] ** 2,
                lambda x: [x[0] + x[1] - x[2] ** 2 - 25, x[0] ** 2 + x[1] ** 2 - x[3] ** 2 - 25,
                           x[0] - x[4] ** 2 - 2], [2.0, 2.0, 2.0, 2.0, 3.0], 6.188118811,
                source="Boggs & Tolle 1989"),
    "GENHS28": _hs("GENHS28", _genhs28,
                   lambda x: [x[i] + 2 * x[i + 1] + 3 * x[i + 2] - 1 for i in range(8)],
                   [-4.0] + [1.0] * 9, 0.9271737729, source="CUTEst GENHS28 (n = 10)"),
    "BOOTH": _hs("BOOTH", lambda x: 0.0, lambda x: [x[0] + 2 * x[1] - 7, 2 * x[0] + x[1] - 5],
                 [0.0, 0.0], 0.0, [1.0, 3.0], "CUTEst BOOTH"),
    "CUBENE": _hs("CUBENE", lambda x: 0.0, lambda x: [x[0] - 1, 10 * (x[1] - x[0] ** 3)],
                  [-1.2, 1.0], 0.0, [1.0, 1.0], "CUTEst CUBENE"),
    "RSNBRNE": _hs("RSNBRNE", lambda x: 0.0, lambda x: [10 * (x[1] - x[0] ** 2), 1 - x[0]],
                   [-1.2, 1.0], 0.0, [1.0, 1.0], "CUTEst RSNBRNE"),
    "ZANGWIL3": _hs("ZANGWIL3", lambda x: 0.0,
                    lambda x: [x[0] - x[1] + x[2], -x[0] + x[1] + x[2], x[0] + x[1] - x[2]],
                    [100.0, -1.0, 2.5], 0.0, [0.0, 0.0, 0.0], "CUTEst ZANGWIL3"),
    "DENSCHNCNE": _hs("DENSCHNCNE", lambda x: 0.0,
                      lambda x: [x[0] ** 2 + x[1] ** 2 - 2, exp(x[0] - 1) + x[1] ** 3 - 2],
                      [2.0, 3.0], 0.0, [1.0, 1.0], "CUTEst DENSCHNCNE"),
    "DENSCHNFNE": _hs("DENSCHNFNE", lambda x: 0.0,
                      lambda x: [2 * (x[0] + x[1]) ** 2 + (x[0] - x[1]) ** 2 - 8,
                                 5 * x[0] ** 2 + (x[1] - 3) ** 2 - 9], [2.0, 0.0], 0.0,
                      source="CUTEst DENSCHNFNE"),
    "HIMMELBC": _hs("HIMMELBC", lambda x: 0.0,
                    lambda x: [x[0] ** 2 + x[1] - 11, x[0] + x[1] ** 2 - 7], [1.0, 1.0], 0.0,
                    [3.0, 2.0], "CUTEst HIMMELBC"),
}
