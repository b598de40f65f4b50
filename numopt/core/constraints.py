r"""General constraints :math:`l \le c(x) \le u` (the ``constraints=`` argument).

One data model for every method: :func:`as_constraints` turns what a user passes — numopt's
:class:`Constraint` or :class:`~numopt.Equality`, SciPy's ``NonlinearConstraint`` and
``LinearConstraint``, SciPy constraint dicts ``{'type': 'eq' | 'ineq', 'fun', 'jac', 'args'}``,
or a list of these — into a tuple of :class:`Constraint`. Rows with ``lb == ub`` are
equalities, the others inequalities (one side may be infinite). The conventions are
SciPy's (``scipy.optimize.minimize``, method ``trust-constr``): a dict ``'ineq'`` means
:math:`c(x) \ge 0`.
"""

import numbers

import numpy as np
import scipy.sparse

from ..errors import InvalidProblemError
from .validate import check_callable

FD_JAC = ("2-point", "3-point")
EPS = float(np.finfo(np.float64).eps)


class Constraint:
    r"""Constraints :math:`lb \le c(x) \le ub` with :math:`c: \mathbb{R}^n \to \mathbb{R}^m`.

    Parameters
    ----------
    fun : callable
        ``c(x) -> (m,)`` (a scalar is read as ``m = 1``).
    lb, ub : float or array_like, shape (m,)
        Bounds on ``c(x)``; ``-inf``/``inf`` for a free side, ``lb == ub`` for an equality.
        Scalars broadcast to m.
    jac : callable or {"2-point", "3-point"}, optional
        ``J(x) -> (m, n)`` (dense or ``scipy.sparse``; a vector is read as one row). The
        strings ask, explicitly, for forward/central differences (SciPy's
        ``NonlinearConstraint`` default is ``"2-point"``); None: no Jacobian (a method that
        needs one refuses the problem).
    hess : callable, optional
        ``hess(x, v) -> (n, n)``: :math:`\sum_i v_i \nabla^2 c_i(x)` (SciPy's convention).
    name : str, optional
        Label for messages.

    Attributes
    ----------
    lb, ub : ndarray, shape (m,)
        Broadcast to m once m is known (after the first evaluation, or at once when
        ``lb``/``ub`` are arrays).
    m : int or None
        Number of constraint rows.
    is_linear : bool
    equality : ndarray of bool
        Rows with ``lb == ub``.
    counts : dict
        ``{"fun": .., "jac": .., "hess": ..}`` (finite-difference queries count as ``fun``).

    Raises
    ------
    InvalidProblemError
        Non-callable ``fun``, NaN or ``lb > ub`` bounds, rows with ``lb == ub == ±inf``, an
        unknown ``jac`` string.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.core.constraints import Constraint
    >>> disk = Constraint(lambda x: np.array([x @ x]), -np.inf, 1.0,
    ...                   jac=lambda x: 2 * x[None, :])
    >>> disk.fun(np.array([0.5, 0.5])), disk.equality, disk.violation(np.array([1.0, 1.0]))
    (array([0.5]), array([False]), 1.0)
    >>> lin = Constraint.linear([[1.0, 1.0]], 1.0, 1.0)
    >>> lin.jac(np.zeros(2)), bool(lin.equality[0]), lin.is_linear
    (array([[1., 1.]]), True, True)
    """

    def __init__(self, fun, lb, ub, jac=None, hess=None, name=None):
        check_callable("constraint fun", fun, allow_none=False)
        self._fun = fun
        if isinstance(jac, str):
            if jac not in FD_JAC:
                raise InvalidProblemError(
                    f"constraint jac={jac!r} is not supported; pass a callable J(x) -> (m, n), "
                    f"or one of {FD_JAC} to ask for finite differences."
                )
            self.jac_kind = jac
            self._jac = None
        else:
            self._jac = check_callable("constraint jac", jac)
            self.jac_kind = None if jac is None else "exact"
        self._hess = hess if callable(hess) else None
        #: a SciPy ``HessianUpdateStrategy`` given as ``hess`` (quasi-Newton request), else None
        self.hess_update = hess if (hess is not None and not callable(hess)) else None
        if hess is not None and not callable(hess) and not _is_update_strategy(hess):
            raise InvalidProblemError(
                f"constraint hess must be a callable hess(x, v) -> (n, n) or a SciPy "
                f"HessianUpdateStrategy, got {type(hess).__name__}."
            )
        self.is_linear = False
        self.name = name or getattr(fun, "__name__", "constraint")
        self._lb_raw = _bound_vector("lb", lb, self.name)
        self._ub_raw = _bound_vector("ub", ub, self.name)
        self.m = None
        for raw in (self._lb_raw, self._ub_raw):
            if raw.size != 1:
                self._set_m(raw.size)
        if self.m is None:
            self._check_bounds(self._lb_raw, self._ub_raw)
        self.counts = {"fun": 0, "jac": 0, "hess": 0}

    # ------------------------------------------------------------------ constructors
    @classmethod
    def linear(cls, A, lb, ub, name=None):
        r"""Linear constraints :math:`lb \le A x \le ub` (``A`` dense or ``scipy.sparse``);
        the Jacobian is ``A`` and the Hessian is zero (returned as a sparse zero matrix)."""
        A = _as_matrix(A, "A")
        con = cls(lambda x: A @ x, lb, ub, jac=lambda x: A, name=name or "linear")
        con.A = A
        con.is_linear = True
        con._set_m(A.shape[0])
        return con

    # ------------------------------------------------------------------ oracles
    @property
    def lb(self):
        """Lower bounds on ``c(x)``, shape ``(m,)``."""
        return self._lb

    @property
    def ub(self):
        """Upper bounds on ``c(x)``, shape ``(m,)``."""
        return self._ub

    @property
    def equality(self):
        """Boolean mask of equality rows (``lb == ub``)."""
        return self._lb == self._ub

    @property
    def has_equality(self):
        """True when some row is an equality."""
        return bool(np.any(self.equality))

    @property
    def has_inequality(self):
        """True when some row is an inequality."""
        return bool(np.any(~self.equality))

    @property
    def has_jac(self):
        """True when a Jacobian (exact or explicitly finite-difference) is available."""
        return self.jac_kind is not None

    @property
    def has_hess(self):
        """True when ``hess(x, v)`` returns the constraint Hessians (linear: zero)."""
        return self._hess is not None or self.is_linear

    def fun(self, x):
        """Constraint values ``c(x)``, shape ``(m,)`` (counted)."""
        self.counts["fun"] += 1
        return self._values(x)

    def jac(self, x):
        """Jacobian ``J(x)``, shape ``(m, n)`` (counted; finite differences when asked)."""
        if self.jac_kind is None:
            raise InvalidProblemError(
                f"constraint '{self.name}' has no Jacobian; pass jac= (a callable J(x) -> "
                "(m, n)), or jac='2-point' to allow finite differences."
            )
        self.counts["jac"] += 1
        if self._jac is None:
            return self._fd_jac(x)
        J = self._jac(x)
        if scipy.sparse.issparse(J):
            J = J.tocsr()
        else:
            J = np.asarray(J, dtype=np.float64)
            if J.ndim == 1:
                J = J[None, :]
        n = np.shape(x)[0]
        if J.ndim != 2 or J.shape[1] != n or (self.m is not None and J.shape[0] != self.m):
            m = "m" if self.m is None else self.m
            raise InvalidProblemError(
                f"constraint '{self.name}' jac returned shape {tuple(J.shape)}, expected "
                f"({m}, {n}); return one row per constraint and one column per variable."
            )
        return J

    def hess(self, x, v):
        r""":math:`\sum_i v_i \nabla^2 c_i(x)`, shape ``(n, n)``, or None when absent."""
        n = np.shape(x)[0]
        if self.is_linear:
            return scipy.sparse.csr_matrix((n, n))
        if self._hess is None:
            return None
        self.counts["hess"] += 1
        H = self._hess(x, v)
        if tuple(np.shape(H)) != (n, n):
            raise InvalidProblemError(
                f"constraint '{self.name}' hess returned shape {tuple(np.shape(H))}, expected "
                f"({n}, {n})."
            )
        return H

    def violation(self, x):
        """Largest violation ``max(lb - c(x), c(x) - ub, 0)`` (uncounted)."""
        c = self._values(np.asarray(x, dtype=np.float64))
        if c.size == 0:
            return 0.0
        return float(max(0.0, np.max(self._lb - c), np.max(c - self._ub)))

    def reset_counts(self):
        """Zero the oracle counters."""
        self.counts = {"fun": 0, "jac": 0, "hess": 0}

    # ------------------------------------------------------------------ internals
    def _values(self, x):
        c = np.asarray(self._fun(x), dtype=np.float64)
        if c.ndim == 0:
            c = c.reshape(1)
        if c.ndim != 1:
            raise InvalidProblemError(
                f"constraint '{self.name}' fun returned shape {c.shape}; return a vector of "
                "shape (m,)."
            )
        if self.m is None:
            self._set_m(c.shape[0])
        elif c.shape[0] != self.m:
            raise InvalidProblemError(
                f"constraint '{self.name}' fun returned {c.shape[0]} values but lb/ub have "
                f"{self.m}; give lb and ub one entry per constraint."
            )
        return c

    def _set_m(self, m):
        if self.m is not None and m != self.m:
            raise InvalidProblemError(
                f"constraint '{self.name}': lb, ub and c(x) disagree on the number of "
                f"constraints ({self.m} vs {m}); give one bound per constraint."
            )
        self.m = int(m)
        lb, ub = (_broadcast(raw, self.m, side, self.name)
                  for raw, side in ((self._lb_raw, "lb"), (self._ub_raw, "ub")))
        self._check_bounds(lb, ub)
        self._lb, self._ub = lb, ub

    def _check_bounds(self, lb, ub):
        bad = np.flatnonzero(lb > ub)
        if bad.size:
            raise InvalidProblemError(
                f"constraint '{self.name}': lb > ub in row {int(bad[0])} ({lb[bad[0]]} > "
                f"{ub[bad[0]]}); swap or fix the bounds."
            )
        bad = np.flatnonzero((lb == ub) & ~np.isfinite(lb))
        if bad.size:
            raise InvalidProblemError(
                f"constraint '{self.name}': lb == ub == {lb[bad[0]]} in row {int(bad[0])}; an "
                "equality needs a finite value."
            )
        if self.m is None:
            self._lb, self._ub = lb, ub

    def _fd_jac(self, x):
        x = np.asarray(x, dtype=np.float64)
        central = self.jac_kind == "3-point"
        h = (EPS ** (1 / 3) if central else EPS ** 0.5) * np.maximum(1.0, np.abs(x))
        c0 = None if central else self.fun(x)
        cols = []
        for i in range(x.shape[0]):
            e = np.zeros_like(x)
            e[i] = h[i]
            step = (x[i] + h[i]) - x[i]
            if central:
                cols.append((self.fun(x + e) - self.fun(x - e)) / (2 * step))
            else:
                cols.append((self.fun(x + e) - c0) / step)
        return np.stack(cols, axis=1) if cols else np.zeros((self.m or 0, 0))

    def __repr__(self):
        kind = "linear" if self.is_linear else "nonlinear"
        return f"Constraint(name={self.name!r}, m={self.m}, {kind})"


def as_constraints(constraints, n=None):
    """A tuple of :class:`Constraint` from what a user passed as ``constraints=``.

    Parameters
    ----------
    constraints : None, Constraint, Equality, NonlinearConstraint, LinearConstraint, dict, \
or a list of these
        SciPy dicts: ``{'type': 'eq', 'fun': c}`` means ``c(x) = 0`` and ``{'type': 'ineq',
        'fun': c}`` means ``c(x) >= 0``; optional ``'jac'`` and ``'args'``.
    n : int, optional
        Number of variables (checked against a ``LinearConstraint``'s columns).

    Returns
    -------
    tuple of Constraint
        Empty for None or an empty list.

    Raises
    ------
    InvalidProblemError
        An entry of an unknown type, a dict with a bad ``type`` or no callable ``fun``, a
        linear constraint with the wrong number of columns.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.optimize import LinearConstraint, NonlinearConstraint
    >>> from numopt.core.constraints import as_constraints
    >>> cons = as_constraints([
    ...     {"type": "ineq", "fun": lambda x: x[0] - 1.0},
    ...     LinearConstraint(np.ones((1, 2)), 1.0, 1.0),
    ...     NonlinearConstraint(lambda x: x @ x, 0.0, 4.0, jac=lambda x: 2 * x),
    ... ], n=2)
    >>> [(float(c.lb[0]), float(c.ub[0])) for c in cons]
    [(0.0, inf), (1.0, 1.0), (0.0, 4.0)]
    """
    if constraints is None:
        return ()
    if isinstance(constraints, (dict, Constraint)) or _is_single(constraints):
        constraints = [constraints]
    if not isinstance(constraints, (list, tuple)):
        raise InvalidProblemError(
            f"constraints must be a constraint or a list of them, got "
            f"{type(constraints).__name__}; use scipy.optimize.NonlinearConstraint, "
            "LinearConstraint, {'type': 'eq'|'ineq', 'fun': ...} dicts or numopt.Equality."
        )
    out = []
    for i, entry in enumerate(constraints):
        con = _one(entry, i)
        if con.is_linear and n is not None and con.A.shape[1] != n:
            raise InvalidProblemError(
                f"constraints[{i}]: the linear constraint matrix has {con.A.shape[1]} columns "
                f"but x has {n} variables."
            )
        out.append(con)
    return tuple(out)


def max_violation(constraints, x):
    """Largest violation over all constraints at ``x`` (0 when feasible or none)."""
    return max((c.violation(x) for c in constraints), default=0.0)


def kinds(constraints):
    """The subset of ``{"equality", "inequality"}`` that ``constraints`` declare."""
    found = set()
    for c in constraints:
        if c.has_equality:
            found.add("equality")
        if c.has_inequality:
            found.add("inequality")
    return frozenset(found)


# ---------------------------------------------------------------------- conversions
def _is_single(entry):
    from scipy.optimize import LinearConstraint, NonlinearConstraint

    from .problem import Equality

    return isinstance(entry, (LinearConstraint, NonlinearConstraint, Equality))


def _one(entry, i):
    from scipy.optimize import LinearConstraint, NonlinearConstraint

    from .problem import Equality

    if isinstance(entry, Constraint):
        return entry
    if isinstance(entry, Equality):
        return from_equality(entry)
    if isinstance(entry, LinearConstraint):
        return Constraint.linear(entry.A, entry.lb, entry.ub, name=f"linear[{i}]")
    if isinstance(entry, NonlinearConstraint):
        return Constraint(entry.fun, entry.lb, entry.ub, jac=entry.jac, hess=entry.hess,
                          name=getattr(entry.fun, "__name__", None) or f"constraints[{i}]")
    if isinstance(entry, dict):
        return _from_dict(entry, i)
    raise InvalidProblemError(
        f"constraints[{i}] has type {type(entry).__name__}; use scipy.optimize."
        "NonlinearConstraint, LinearConstraint, a {'type': 'eq'|'ineq', 'fun': ...} dict, "
        "numopt.core.constraints.Constraint or numopt.Equality."
    )


def from_equality(eq):
    """The :class:`Constraint` ``c(x) = 0`` of a :class:`numopt.Equality` (its own oracles,
    so ``eq.counts`` keep counting)."""
    hess = None
    if eq.has_hess():
        def hess(x, v):
            return eq.hess(x, v)
    con = Constraint(eq.fun, 0.0, 0.0, jac=eq.jac, hess=hess, name="eq")
    if eq.dim_out is not None:
        con._set_m(eq.dim_out)
    return con


def _from_dict(entry, i):
    unknown = set(entry) - {"type", "fun", "jac", "args"}
    if unknown:
        raise InvalidProblemError(
            f"constraints[{i}] has unknown key(s) {sorted(unknown)}; a constraint dict has "
            "'type', 'fun' and optionally 'jac' and 'args'."
        )
    kind = entry.get("type")
    if kind not in ("eq", "ineq"):
        raise InvalidProblemError(
            f"constraints[{i}]['type'] = {kind!r}; use 'eq' (c(x) = 0) or 'ineq' (c(x) >= 0)."
        )
    fun = entry.get("fun")
    if not callable(fun):
        raise InvalidProblemError(f"constraints[{i}] needs a callable 'fun'.")
    args = tuple(entry.get("args", ()))
    jac = entry.get("jac")
    if jac is not None and not callable(jac):
        raise InvalidProblemError(f"constraints[{i}]['jac'] must be callable.")
    if args:
        fun = _bind(fun, args)
        jac = None if jac is None else _bind(jac, args)
    ub = 0.0 if kind == "eq" else np.inf
    return Constraint(fun, 0.0, ub, jac=jac, name=getattr(fun, "__name__", None)
                      or f"constraints[{i}]")


def _bind(f, args):
    def bound(x):
        return f(x, *args)

    bound.__name__ = getattr(f, "__name__", "constraint")
    return bound


def _as_matrix(A, name):
    if scipy.sparse.issparse(A):
        return A.tocsr()
    A = np.asarray(A, dtype=np.float64)
    if A.ndim == 1:
        A = A[None, :]
    if A.ndim != 2:
        raise InvalidProblemError(f"linear constraint {name} must be 2-D, got shape {A.shape}.")
    if not np.all(np.isfinite(A)):
        raise InvalidProblemError(f"linear constraint {name} contains NaN or inf entries.")
    return A


def _bound_vector(side, value, name):
    if isinstance(value, (str, bytes)) or (value is not None and not isinstance(
            value, numbers.Number) and not hasattr(value, "__len__")
            and not hasattr(value, "shape")):
        raise InvalidProblemError(f"constraint '{name}' {side} must be real, got {value!r}.")
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=np.float64)).reshape(-1)
    except (TypeError, ValueError) as err:
        raise InvalidProblemError(
            f"constraint '{name}' {side} must be real numbers (±inf for a free side), got "
            f"{value!r}."
        ) from err
    if np.any(np.isnan(arr)):
        raise InvalidProblemError(f"constraint '{name}' {side} contains NaN; use ±inf instead.")
    return arr


def _broadcast(raw, m, side, name):
    if raw.size == m:
        return raw.copy()
    if raw.size == 1:
        return np.full(m, raw[0])
    raise InvalidProblemError(
        f"constraint '{name}' {side} has {raw.size} entries but there are {m} constraints."
    )


def _is_update_strategy(obj):
    from scipy.optimize import HessianUpdateStrategy

    return isinstance(obj, HessianUpdateStrategy)
