r"""Linear minimization oracles :math:`\mathrm{LMO}(g) = \arg\min_{s \in C} \langle s, g\rangle`
for the sets ``zo_frank_wolfe`` handles (Jaggi, ICML 2013, Table 1)."""

import abc

import numpy as np

from ..core.validate import as_float_array, check_choice, check_int, check_positive
from ..errors import InvalidProblemError

FEASIBILITY_TOL = 1e-9  # relative slack when checking that x0 lies in the set


class LinearMinimizationOracle(abc.ABC):
    """Base class: a compact convex set given by its LMO.

    Subclasses implement ``__call__(g)``, ``contains(x)`` and ``center(dim)``; any such object
    can be passed as ``constraint=`` to ``zo_frank_wolfe``.

    Examples
    --------
    >>> import numpy as np
    >>> ball = L2Ball(1.0)
    >>> isinstance(ball, LinearMinimizationOracle), ball.contains(ball(np.ones(2)))
    (True, True)
    """

    @abc.abstractmethod
    def __call__(self, g):
        """A minimizer of ``<s, g>`` over the set."""

    @abc.abstractmethod
    def contains(self, x):
        """True when ``x`` lies in the set (up to a relative 1e-9)."""

    @abc.abstractmethod
    def center(self, dim=None):
        """A feasible starting point of dimension ``dim``."""


class Simplex(LinearMinimizationOracle):
    r"""The scaled simplex :math:`\{x \ge 0, \sum_i x_i = r\}`; LMO: :math:`r e_{\arg\min g}`.

    Parameters
    ----------
    radius : float, default 1.0
        The sum r of the coordinates.

    Examples
    --------
    >>> import numpy as np
    >>> Simplex(2.0)(np.array([3.0, -1.0, 0.0]))
    array([0., 2., 0.])
    """

    def __init__(self, radius=1.0):
        self.radius = check_positive("radius", radius)

    def __call__(self, g):
        s = np.zeros_like(g)
        s[int(np.argmin(g))] = self.radius
        return s

    def contains(self, x):
        slack = FEASIBILITY_TOL * max(1.0, self.radius)
        return bool(np.all(x >= -slack) and abs(x.sum() - self.radius) <= slack * x.size)

    def center(self, dim=None):
        dim = check_int("dim", dim, low=1)
        return np.full(dim, self.radius / dim)


class L1Ball(LinearMinimizationOracle):
    r""":math:`\{\|x\|_1 \le r\}`; LMO: :math:`-r\,\mathrm{sign}(g_i) e_i`, :math:`i =
    \arg\max |g_i|`.

    Parameters
    ----------
    radius : float, default 1.0
        The radius r.

    Examples
    --------
    >>> import numpy as np
    >>> L1Ball(1.0)(np.array([0.5, -2.0]))
    array([0., 1.])
    """

    def __init__(self, radius=1.0):
        self.radius = check_positive("radius", radius)

    def __call__(self, g):
        s = np.zeros_like(g)
        i = int(np.argmax(np.abs(g)))
        s[i] = -self.radius * np.sign(g[i])
        return s

    def contains(self, x):
        return bool(np.abs(x).sum() <= self.radius * (1 + FEASIBILITY_TOL))

    def center(self, dim=None):
        return np.zeros(check_int("dim", dim, low=1))


class L2Ball(LinearMinimizationOracle):
    r""":math:`\{\|x\|_2 \le r\}`; LMO: :math:`-r g / \|g\|`.

    Parameters
    ----------
    radius : float, default 1.0
        The radius r.

    Examples
    --------
    >>> import numpy as np
    >>> L2Ball(5.0)(np.array([3.0, 4.0]))
    array([-3., -4.])
    """

    def __init__(self, radius=1.0):
        self.radius = check_positive("radius", radius)

    def __call__(self, g):
        norm = float(np.linalg.norm(g))
        return np.zeros_like(g) if norm == 0 else -self.radius * g / norm

    def contains(self, x):
        return bool(np.linalg.norm(x) <= self.radius * (1 + FEASIBILITY_TOL))

    def center(self, dim=None):
        return np.zeros(check_int("dim", dim, low=1))


class Box(LinearMinimizationOracle):
    r"""The box :math:`\{l \le x \le u\}`; LMO: :math:`l_i` where :math:`g_i > 0`, else
    :math:`u_i`.

    Parameters
    ----------
    lower, upper : array_like, shape (d,)
        The bounds, ``lower <= upper``.

    Examples
    --------
    >>> import numpy as np
    >>> Box([0, 0], [1, 2])(np.array([1.0, -1.0]))
    array([0., 2.])
    """

    def __init__(self, lower, upper):
        self.lower = as_float_array("lower", lower, ndim=1)
        self.upper = as_float_array("upper", upper, ndim=1, shape=self.lower.shape)
        if np.any(self.lower > self.upper):
            raise InvalidProblemError("Box needs lower <= upper in every coordinate.")

    def __call__(self, g):
        self._check_dim(g)
        return np.where(g > 0, self.lower, self.upper)

    def contains(self, x):
        self._check_dim(x)
        slack = FEASIBILITY_TOL * np.maximum(1.0, np.abs(self.upper - self.lower))
        return bool(np.all(x >= self.lower - slack) and np.all(x <= self.upper + slack))

    def _check_dim(self, v):
        if v.shape != self.lower.shape:
            raise InvalidProblemError(
                f"Box has dimension {self.lower.size} but the problem has {v.size}; give "
                "lower and upper one entry per variable."
            )

    def center(self, dim=None):
        return 0.5 * (self.lower + self.upper)


class NuclearBall(LinearMinimizationOracle):
    r"""Matrices of nuclear norm at most r, flattened (row-major) to vectors of length
    ``rows * cols``; LMO: :math:`-r\, u_1 v_1^T` from the top singular pair of
    :math:`g` reshaped (``scipy.sparse.linalg.svds``, deterministic start vector).

    Parameters
    ----------
    radius : float
        The nuclear-norm radius r.
    shape : tuple of int
        ``(rows, cols)`` of the matrix variable.

    Examples
    --------
    >>> import numpy as np
    >>> s = NuclearBall(1.0, (2, 2))(np.array([3.0, 0.0, 0.0, 1.0]))
    >>> s.reshape(2, 2).round(6) + 0.0
    array([[-1.,  0.],
           [ 0.,  0.]])
    """

    def __init__(self, radius, shape):
        self.radius = check_positive("radius", radius)
        if len(tuple(shape)) != 2:
            raise InvalidProblemError(f"shape must be (rows, cols), got {shape!r}.")
        self.shape = tuple(check_int("shape", n, low=1) for n in shape)

    def __call__(self, g):
        G = self._matrix(g)
        if min(self.shape) <= 2:
            U, _, Vt = np.linalg.svd(G, full_matrices=False)
            u, v = U[:, 0], Vt[0]
        else:
            from scipy.sparse.linalg import svds

            U, _, Vt = svds(G, k=1, v0=np.ones(min(self.shape)) / np.sqrt(min(self.shape)))
            u, v = U[:, 0], Vt[0]
        return (-self.radius * np.outer(u, v)).ravel()

    def contains(self, x):
        norm = np.linalg.norm(self._matrix(x), ord="nuc")
        return bool(norm <= self.radius * (1 + FEASIBILITY_TOL))

    def center(self, dim=None):
        return np.zeros(self.shape[0] * self.shape[1])

    def _matrix(self, v):
        if v.size != self.shape[0] * self.shape[1]:
            raise InvalidProblemError(
                f"NuclearBall of shape {self.shape} needs vectors of length "
                f"{self.shape[0] * self.shape[1]}, got {v.size}."
            )
        return np.reshape(v, self.shape)


SETS = {"simplex": Simplex, "l1": L1Ball, "l2": L2Ball}


def as_lmo(constraint):
    """An LMO from an instance or a name of a radius-1 set (``"simplex"``, ``"l1"``,
    ``"l2"``)."""
    if isinstance(constraint, LinearMinimizationOracle):
        return constraint
    if isinstance(constraint, str):
        return SETS[check_choice("constraint", constraint, tuple(SETS))]()
    raise InvalidProblemError(
        "zo_frank_wolfe needs constraint=, a numopt.zeroth set (Simplex(r), L1Ball(r), "
        "L2Ball(r), Box(lower, upper), NuclearBall(r, shape)) or one of 'simplex', 'l1', "
        f"'l2'; got {type(constraint).__name__}."
    )
