"""Turn a formula ``(f, c)`` written on Jets into a :class:`numopt.Problem` with exact
derivatives and equality constraints."""

import numpy as np

from ...core.problem import Equality, Problem
from ._jet import Jet, as_jet


class KnownOptimumProblem(Problem):
    """A :class:`numopt.Problem` with its published optimum.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`numopt.Problem` (``fun``, ``grad``, ``hess``, ``x0``, ``eq``, ...).
    f_star : float
        Published optimal value.
    x_star : array_like, optional
        Published solution.
    source : str
        Reference of the formula.

    Attributes
    ----------
    f_star : float
        Published optimal value (from the standard start).
    x_star : ndarray or None
        Published solution, where one is given.
    source : str
        Where the formula and optimum come from.

    Examples
    --------
    >>> import numopt as no
    >>> p = no.problems.constrained.collection()["HS6"]()
    >>> p.f_star, p.x_star.tolist(), p.eq.fun(p.x_star).tolist()
    (0.0, [1.0, 1.0], [0.0])
    """

    def __init__(self, *args, f_star, x_star=None, source="", **kwargs):
        super().__init__(*args, **kwargs)
        self.f_star = float(f_star)
        self.x_star = None if x_star is None else np.asarray(x_star, dtype=float)
        self.source = source


class _Formula:
    """Evaluates ``f`` and ``c`` once per point and serves values and derivatives."""

    def __init__(self, objective, constraints, n):
        self.objective, self.constraints, self.n = objective, constraints, n
        self._x, self._f, self._c = None, None, None

    def _at(self, x):
        x = np.asarray(x, dtype=float)
        if self._x is None or not np.array_equal(self._x, x):
            variables = Jet.variables(x)
            with np.errstate(all="ignore"):
                self._f = as_jet(self.objective(variables), self.n)
                self._c = [as_jet(ci, self.n) for ci in self.constraints(variables)]
            self._x = x.copy()
        return self._f, self._c

    def fun(self, x):
        return self._at(x)[0].value

    def grad(self, x):
        return self._at(x)[0].grad.copy()

    def hess(self, x):
        return self._at(x)[0].hess.copy()

    def c(self, x):
        return np.array([ci.value for ci in self._at(x)[1]])

    def jac(self, x):
        return np.array([ci.grad for ci in self._at(x)[1]])

    def c_hess(self, x, lam):
        return sum((li * ci.hess for li, ci in zip(lam, self._at(x)[1], strict=True)),
                   np.zeros((self.n, self.n)))


def build(name, objective, constraints, x0, f_star, x_star=None, source=""):
    """A :class:`KnownOptimumProblem` from Jet formulas ``objective(x) -> Jet`` and
    ``constraints(x) -> list of Jet``."""
    x0 = np.asarray(x0, dtype=float)
    formula = _Formula(objective, constraints, x0.shape[0])
    eq = Equality(formula.c, formula.jac, hess=formula.c_hess)
    return KnownOptimumProblem(formula.fun, grad=formula.grad, hess=formula.hess, x0=x0, eq=eq,
                       name=name, f_star=f_star, x_star=x_star, source=source)
