"""Base classes of the classic test functions: a :class:`Problem` with a known optimum."""

import numpy as np

from ...core.problem import Problem
from ...core.validate import check_int
from ...errors import InvalidProblemError

MGH = "Moré, Garbow & Hillstrom (1981), ACM TOMS 7(1):17-41"
NEWTON_ROOT_STEPS = 50  # quadratic convergence from the MGH start needs < 10 in practice
ROOT_RESIDUAL_TOL = 1e-12  # |r(x_star)| relative to |x_star| accepted as a root


class ClassicProblem(Problem):
    r"""A classic test function: a :class:`numopt.Problem` with exact ``grad``, ``hess`` and
    ``hessp``, a standard start ``x0`` and the known optimum.

    Parameters
    ----------
    fun, grad, hess, hessp : callable
        Exact oracles (see :class:`numopt.Problem`).
    x0 : array_like, shape (n,)
        The standard starting point.
    name : str
        Library key.
    f_star : float
        The known minimum value (for least-squares functions with a non-zero residual, the
        published value to the digits given by the reference, refined in float64).
    x_star : array_like or None
        A known minimizer, or ``None`` when only ``f_star`` is known.
    reference : str
        Where the function comes from (MGH problem number, ...).
    saddle : array_like or None
        A strict saddle point, for the nonconvex functions built to have one.

    Attributes
    ----------
    f_star, x_star, reference, saddle

    Examples
    --------
    >>> import numpy as np
    >>> p = ClassicProblem(lambda x: float(x @ x), lambda x: 2 * x, lambda x: 2 * np.eye(2),
    ...                    lambda x, v: 2 * v, x0=[1.0, 1.0], name="sphere", f_star=0.0,
    ...                    x_star=[0.0, 0.0], reference="textbook")
    >>> p.fun(p.x_star) == p.f_star, p.reference
    (True, 'textbook')
    """

    def __init__(self, fun, grad, hess, hessp, *, x0, name, f_star, x_star, reference,
                 saddle=None):
        super().__init__(fun, grad=grad, hess=hess, hessp=hessp, x0=x0, name=name)
        self.f_star = float(f_star)
        self.x_star = None if x_star is None else np.asarray(x_star, dtype=np.float64)
        self.saddle = None if saddle is None else np.asarray(saddle, dtype=np.float64)
        self.reference = reference

    def __repr__(self):
        return (f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, "
                f"f_star={self.f_star:.6g}, reference={self.reference!r})")


class SumOfSquares(ClassicProblem):
    r"""A least-squares test function :math:`f(x) = \sum_i r_i(x)^2 = \|r(x)\|^2`.

    Built from the residuals, their Jacobian and their contracted second derivatives:
    :math:`\nabla f = 2 J^\top r`, :math:`\nabla^2 f = 2 (J^\top J + \sum_i r_i \nabla^2 r_i)`.
    This is the form in which Moré, Garbow & Hillstrom (1981) state their functions.

    Parameters
    ----------
    residuals : callable
        ``residuals(x) -> (m,)``.
    jacobian : callable
        ``jacobian(x) -> (m, n)``.
    curvature : callable
        ``curvature(x, w) -> (n, n)``: :math:`\sum_i w_i \nabla^2 r_i(x)`.
    **kwargs
        ``x0``, ``name``, ``f_star``, ``x_star``, ``reference`` (see :class:`ClassicProblem`).

    Examples
    --------
    >>> import numpy as np
    >>> p = SumOfSquares(lambda x: x - 1.0, lambda x: np.eye(2), lambda x, w: np.zeros((2, 2)),
    ...                  x0=[0.0, 0.0], name="shift", f_star=0.0, x_star=[1.0, 1.0],
    ...                  reference="textbook")
    >>> p.fun(p.x0), p.grad(p.x0), p.hess(p.x0)
    (2.0, array([-2., -2.]), array([[2., 0.],
           [0., 2.]]))
    """

    def __init__(self, residuals, jacobian, curvature, **kwargs):
        self.residuals, self.jacobian, self.curvature = residuals, jacobian, curvature
        super().__init__(self._value, self._gradient, self._hessian, self._hessian_vector,
                         **kwargs)

    def _value(self, x):
        r = self.residuals(x)
        return float(r @ r)

    def _gradient(self, x):
        return 2.0 * (self.jacobian(x).T @ self.residuals(x))

    def _hessian(self, x):
        J = self.jacobian(x)
        return 2.0 * (J.T @ J + self.curvature(x, self.residuals(x)))

    def _hessian_vector(self, x, v):
        J = self.jacobian(x)
        return 2.0 * (J.T @ (J @ v) + self.curvature(x, self.residuals(x)) @ v)


def check_dim(name, dim, *, low, multiple=1):
    """Validate the dimension ``dim`` of a variable-dimension function."""
    dim = check_int("dim", dim, low=low)
    if dim % multiple:
        raise InvalidProblemError(
            f"dim={dim} is not valid for '{name}': it must be a multiple of {multiple}."
        )
    return dim


def newton_root(residuals, jacobian, x, steps=NEWTON_ROOT_STEPS):
    """Solve the square system ``r(x) = 0`` by Newton's method (for exact ``x_star``).

    Used only at construction, on well-posed systems started at the standard ``x0``; the
    iteration stops once the update no longer changes ``x``.

    Raises
    ------
    RuntimeError
        If the residual is not at rounding level after ``steps`` iterations (the library
        never ships a wrong ``x_star``).
    """
    for _ in range(steps):
        dx = np.linalg.solve(jacobian(x), -residuals(x))
        x = x + dx
        if np.linalg.norm(dx) <= 1e-15 * max(1.0, np.linalg.norm(x)):
            break
    if not np.linalg.norm(residuals(x)) <= ROOT_RESIDUAL_TOL * max(1.0, np.linalg.norm(x)):
        raise RuntimeError(f"Newton's method did not solve r(x) = 0 in {steps} steps "
                           f"(|r| = {np.linalg.norm(residuals(x)):.2e}); x_star is unknown.")
    return x
