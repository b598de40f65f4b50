"""Problems: data plus counted oracles."""

from typing import Any

from ..backend import is_device_array, namespace_of
from ..errors import InvalidProblemError
from .bounds import as_bounds, gives_dimension
from .budget import note_nonfinite
from .constraints import as_constraints, from_equality, kinds
from .validate import as_float_array, as_real_scalar, check_callable, check_not_complex

ORACLES = ("fun", "grad", "hess", "hessp")
_INF = float("inf")


class _LastPoint:
    """Remembers the value of one oracle at the last point it was evaluated at."""

    __slots__ = ("x", "value")

    def __init__(self):
        self.x = None
        self.value = None

    def lookup(self, x):
        last = self.x
        if last is None or last.shape != x.shape:
            return None
        xp = namespace_of(x)
        return self.value if bool(xp.all(last == x)) else None

    def store(self, x, value):
        xp = namespace_of(x)
        self.x = xp.asarray(x, copy=True)
        self.value = value


class Problem:
    r"""An unconstrained (or equality-constrained) problem :math:`\min_x f(x)`.

    A problem is data plus oracles. Oracles not given are absent, never guessed: a method
    that needs one checks up front and raises :class:`InvalidProblemError` naming it.
    Every oracle call is counted in :attr:`counts`; ``fun`` and ``grad`` cache their last
    evaluation point, so asking twice at the same ``x`` costs one call.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float``.
    grad, hess, hessp : callable, optional
        ``grad(x) -> (n,)``, ``hess(x) -> (n, n)`` (dense or ``scipy.sparse``),
        ``hessp(x, v) -> (n,)``.
    x0 : array_like, optional
        Default starting point, shape ``(n,)``.
    eq : Equality, optional
        Equality constraints ``c(x) = 0``.
    name : str, optional
        Label for reports and plots.
    dim : int, optional
        Dimension when no ``x0`` is given.
    bounds : scipy.optimize.Bounds or sequence of (low, high), optional
        Simple bounds (``None`` in a pair for an infinite side); see
        :func:`numopt.core.bounds.as_bounds`.
    constraints : constraint or list of constraints, optional
        ``lb <= c(x) <= ub`` as SciPy ``NonlinearConstraint``/``LinearConstraint``, SciPy
        dicts or :class:`numopt.core.constraints.Constraint`; see
        :func:`numopt.core.constraints.as_constraints`.

    Attributes
    ----------
    dim : int or None
    x0 : ndarray or None
    bounds : Box or None
        The bounds (:class:`numopt.core.bounds.Box`), None when nothing is bounded.
    constraints : tuple of Constraint
        ``eq`` (as an equality) followed by ``constraints=``; empty when unconstrained.
    declares : frozenset
        What a method must honour: a subset of ``{"bounds", "equality", "inequality"}``.
    counts : dict
        ``{"fun": .., "grad": .., "hess": .., "hessp": ..}`` oracle call counts.

    Raises
    ------
    InvalidProblemError
        Non-callable oracles, an ``x0`` that is not a finite vector, or ``dim`` disagreeing
        with ``x0``.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x, x0=np.ones(3))
    >>> p.dim, p.fun(p.x0), p.counts["fun"]
    (3, 3.0, 1)
    """

    def __init__(self, fun: Any, grad: Any = None, hess: Any = None, hessp: Any = None,
                 x0: Any = None, eq: Any = None, name: str | None = None, dim: int | None = None,
                 bounds: Any = None, constraints: Any = None) -> None:
        check_callable("fun", fun, allow_none=False)
        self._oracles = {
            "fun": fun,
            "grad": check_callable("grad", grad),
            "hess": check_callable("hess", hess),
            "hessp": check_callable("hessp", hessp),
        }
        if eq is not None and not isinstance(eq, Equality):
            raise InvalidProblemError(
                f"eq must be a numopt.Equality(fun=c, jac=J), got {type(eq).__name__}."
            )
        self.eq = eq
        self.x0 = None if x0 is None else as_start_point(x0)
        if dim is not None and self.x0 is not None and int(dim) != self.x0.shape[0]:
            raise InvalidProblemError(f"dim={dim} disagrees with x0 of length {self.x0.shape[0]}.")
        self.dim = int(dim) if dim is not None else (None if self.x0 is None else self.x0.shape[0])
        self.bounds = as_bounds(bounds, self.dim)
        if self.dim is None and self.bounds is not None and gives_dimension(bounds):
            self.dim = self.bounds.n  # pairs and arrays give the dimension; scalars do not
        self._constraints = as_constraints(constraints, self.dim)
        self.name = name or getattr(fun, "__name__", "problem")
        self.counts = dict.fromkeys(ORACLES, 0)
        self._last_fun = _LastPoint()
        self._last_grad = _LastPoint()

    @property
    def constraints(self):
        """``eq`` (as a :class:`~numopt.core.constraints.Constraint`) and ``constraints=``."""
        eq = getattr(self, "eq", None)
        extra = getattr(self, "_constraints", ())
        if eq is None:
            return extra
        cached = getattr(self, "_eq_constraint", None)
        if cached is None or cached[0] is not eq:
            cached = self._eq_constraint = (eq, from_equality(eq))
        return (cached[1], *extra)

    @property
    def declares(self):
        """``{"bounds", "equality", "inequality"}`` restricted to what this problem has."""
        found = set(kinds(self.constraints))
        if getattr(self, "bounds", None) is not None:
            found.add("bounds")
        return frozenset(found)

    def has(self, oracle):
        """True when the oracle (``"fun"``, ``"grad"``, ``"hess"``, ``"hessp"``) was given."""
        return self._oracles.get(oracle) is not None

    def require(self, oracles, method):
        """Raise :class:`InvalidProblemError` naming the first oracle in ``oracles`` missing."""
        for oracle in oracles:
            if not self.has(oracle):
                alternatives = {
                    "grad": "pass grad= (jac= in the SciPy-style call) or use a zeroth-order "
                            "method such as 'zo_gd'",
                    "hess": "pass hess=, or use a method that needs only hessp or grad",
                    "hessp": "pass hessp= (or hess=)",
                }.get(oracle, f"pass {oracle}=")
                raise InvalidProblemError(
                    f"method '{method}' needs the oracle '{oracle}', which problem "
                    f"'{self.name}' does not provide; {alternatives}."
                )

    def fun(self, x):
        """Objective value ``f(x)`` as a Python float (counted, cached at the last point)."""
        cached = self._last_fun.lookup(x)
        if cached is not None:
            return cached
        self.counts["fun"] += 1
        value = self._oracles["fun"](x)
        try:
            value = as_real_scalar(value)
        except (TypeError, ValueError) as err:
            raise InvalidProblemError(
                f"fun must return a real scalar, got {type(value).__name__}"
                f"{getattr(value, 'shape', '')}; return float(...) of the objective."
            ) from err
        if value != value or value in (_INF, -_INF):
            note_nonfinite(self.counts, "fun")  # the loop names NaN/inf in its message
        self._last_fun.store(x, value)
        return value

    def grad(self, x):
        """Gradient ``∇f(x)``, shape ``(n,)`` (counted, cached at the last point)."""
        cached = self._last_grad.lookup(x)
        if cached is not None:
            return cached
        self._need("grad")
        self.counts["grad"] += 1
        g = self._vector_out("grad", self._oracles["grad"](x), x)
        self._last_grad.store(x, g)
        return g

    def hess(self, x):
        """Hessian ``∇²f(x)``, shape ``(n, n)`` (counted)."""
        self._need("hess")
        self.counts["hess"] += 1
        return _square_out("hess", self._oracles["hess"](x), x)

    def hessp(self, x, v):
        """Hessian-vector product ``∇²f(x) v``, shape ``(n,)`` (counted)."""
        self._need("hessp")
        self.counts["hessp"] += 1
        return self._vector_out("hessp", self._oracles["hessp"](x, v), x)

    def oracle(self, name):
        """The user's callable for ``name``, uncounted and uncached: for callers that evaluate
        it elsewhere (on an executor, say) and add the calls to :attr:`counts` themselves."""
        self._need(name)
        return self._oracles[name]

    def reset_counts(self):
        """Zero the oracle counters (and the constraint counters) and forget the cache."""
        self.counts = dict.fromkeys(ORACLES, 0)
        self._last_fun = _LastPoint()
        self._last_grad = _LastPoint()
        if self.eq is not None:
            self.eq.reset_counts()
        for con in getattr(self, "_constraints", ()):
            con.reset_counts()

    def _need(self, oracle):
        if not self.has(oracle):
            raise InvalidProblemError(
                f"problem '{self.name}' has no '{oracle}' oracle; pass {oracle}= when building it."
            )

    @staticmethod
    def _vector_out(oracle, value, x):
        xp = namespace_of(x)
        check_not_complex(f"the vector {oracle} returned", value)
        if not hasattr(value, "shape"):
            try:
                value = xp.asarray(value, dtype=x.dtype)
            except (TypeError, ValueError) as err:
                raise InvalidProblemError(
                    f"{oracle} must return a real vector of shape {tuple(x.shape)}, got "
                    f"{type(value).__name__}."
                ) from err
        elif getattr(getattr(value, "dtype", None), "kind", "f") not in "biuf":
            raise InvalidProblemError(
                f"{oracle} returned an array of dtype {value.dtype}; return real numbers."
            )
        if tuple(value.shape) != tuple(x.shape):
            raise InvalidProblemError(
                f"{oracle} returned shape {tuple(value.shape)}, expected {tuple(x.shape)} "
                f"(the shape of x); return a flat vector."
            )
        return value

    def __repr__(self):
        present = [o for o in ORACLES if self.has(o)]
        eq = f", eq={self.eq.dim_out} constraints" if self.eq is not None else ""
        return f"Problem(name={self.name!r}, dim={self.dim}, oracles={present}{eq})"


class Equality:
    r"""Equality constraints :math:`c(x) = 0`, :math:`c: \mathbb{R}^n \to \mathbb{R}^m`.

    Parameters
    ----------
    fun : callable
        ``c(x) -> (m,)``.
    jac : callable
        ``J(x) -> (m, n)`` (dense or ``scipy.sparse``).
    hess : callable, optional
        ``hess(x, lam) -> (n, n)``: the constraint Hessians contracted with the multipliers,
        :math:`\sum_i \lambda_i \nabla^2 c_i(x)`.
    dim_out : int, optional
        Number of constraints ``m`` (found at the first call otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> eq = no.Equality(lambda x: np.array([x.sum() - 1.0]), lambda x: np.ones((1, x.size)))
    >>> eq.fun(np.array([0.5, 0.5]))
    array([0.])
    """

    def __init__(self, fun, jac, hess=None, dim_out=None):
        check_callable("Equality fun", fun, allow_none=False)
        check_callable("Equality jac", jac, allow_none=False)
        self._fun, self._jac = fun, jac
        self._hess = check_callable("Equality hess", hess)
        self.dim_out = dim_out
        self.counts = {"fun": 0, "jac": 0, "hess": 0}

    def has_hess(self):
        """True when constraint Hessians were given."""
        return self._hess is not None

    def fun(self, x):
        """Constraint values ``c(x)``, shape ``(m,)`` (counted)."""
        self.counts["fun"] += 1
        c = namespace_of(x).asarray(self._fun(x), dtype=x.dtype)
        if c.ndim != 1:
            raise InvalidProblemError(
                f"Equality fun must return a vector of shape (m,), got shape {tuple(c.shape)}."
            )
        if self.dim_out is None:
            self.dim_out = c.shape[0]
        return c

    def jac(self, x):
        """Constraint Jacobian ``J(x)``, shape ``(m, n)`` (counted)."""
        self.counts["jac"] += 1
        J = self._jac(x)
        if not hasattr(J, "shape"):
            J = namespace_of(x).asarray(J, dtype=x.dtype)
        m = "m" if self.dim_out is None else self.dim_out
        if len(J.shape) != 2 or J.shape[1] != x.shape[0] or J.shape[0] != (
                J.shape[0] if self.dim_out is None else self.dim_out):
            raise InvalidProblemError(
                f"Equality jac must return shape ({m}, {x.shape[0]}) (one row per constraint, "
                f"one column per variable), got {tuple(J.shape)}."
            )
        return J

    def hess(self, x, lam):
        r"""``\sum_i lam_i ∇²c_i(x)``, shape ``(n, n)`` (counted)."""
        if self._hess is None:
            raise InvalidProblemError("these constraints have no hess; pass hess= to Equality.")
        self.counts["hess"] += 1
        return _square_out("Equality hess (sum_i lam_i * hess c_i(x))", self._hess(x, lam), x)

    def reset_counts(self):
        """Zero the constraint oracle counters."""
        self.counts = {"fun": 0, "jac": 0, "hess": 0}


def _square_out(oracle, H, x):
    """Check that an oracle returned a real ``(n, n)`` matrix (dense or sparse) for ``x``."""
    check_not_complex(f"the matrix {oracle} returned", H)
    if not hasattr(H, "shape"):
        try:
            H = namespace_of(x).asarray(H, dtype=x.dtype)
        except (TypeError, ValueError) as err:
            raise InvalidProblemError(
                f"{oracle} must return an (n, n) matrix, got {type(H).__name__}."
            ) from err
    n = x.shape[0]
    if tuple(H.shape) != (n, n):
        raise InvalidProblemError(
            f"{oracle} must return shape ({n}, {n}) for x of length {n}, got "
            f"{tuple(H.shape)}."
        )
    return H


def as_start_point(x0):
    """Validate a start point: a finite 1-D float vector, kept in its own array library."""
    if is_device_array(x0):
        xp = namespace_of(x0)
        if x0.ndim != 1:
            raise InvalidProblemError(
                f"x0 must be 1-dimensional, got shape {tuple(x0.shape)}; pass a flat vector."
            )
        x0 = xp.asarray(x0, dtype=xp.float64)
        if not bool(xp.all(xp.isfinite(x0))):
            raise InvalidProblemError("x0 contains NaN or inf entries; start from a finite point.")
    else:
        x0 = as_float_array("x0", x0, ndim=1)
    if x0.shape[0] == 0:
        raise InvalidProblemError(
            "x0 is empty (0 variables); pass a start point with one entry per variable."
        )
    return x0

