"""Equality-constrained test problems: the Hock–Schittkowski / Boggs–Tolle / CUTEst set with
known optima, constrained logistic regression and the PDE-constrained control problem.

>>> import numopt as no
>>> problems = no.problems.constrained.collection()
>>> len(problems) >= 25, problems["HS28"]().f_star
(True, 0.0)
"""

from ._build import KnownOptimumProblem
from .hock_schittkowski import PROBLEMS
from .inequality import PROBLEMS as INEQUALITY_PROBLEMS
from .logistic import constrained_logistic
from .pde import laplacian_2d, pde_control


def collection():
    """The equality-constrained test set: ``{name: factory}``; each factory returns a fresh
    :class:`KnownOptimumProblem` (``x0`` the standard start, ``f_star`` the published
    optimum).

    Examples
    --------
    >>> p = collection()["HS40"]()
    >>> p.dim, p.eq.fun(p.x0).shape, p.f_star
    (4, (3,), -0.25)
    """
    return dict(PROBLEMS)


def inequality_collection():
    """The inequality/bounds test set (Hock & Schittkowski 1981): ``{name: factory}``; each
    factory returns a fresh :class:`KnownOptimumProblem` with ``constraints`` (rows
    ``lb <= c(x) <= ub``) and ``bounds``, its published start and optimal value.

    Examples
    --------
    >>> p = inequality_collection()["HS35"]()
    >>> p.dim, p.bounds.lower.tolist(), round(p.f_star, 6)
    (3, [0.0, 0.0, 0.0], 0.111111)
    """
    return dict(INEQUALITY_PROBLEMS)


__all__ = ["KnownOptimumProblem", "collection", "constrained_logistic", "inequality_collection",
           "laplacian_2d", "pde_control"]
