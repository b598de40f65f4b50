"""numopt: classical numerical optimization solvers on NumPy/SciPy, with numba CPU kernels
and CuPy GPU backends behind one problem/solver API.

>>> import numpy as np
>>> import numopt as no
>>> res = no.minimize(lambda x: float(x @ x), np.ones(3), jac=lambda x: 2 * x, method="gd")
>>> bool(res.success)
True
"""

from . import (
               backend,
               constrained,
               coordinate,
               linear,
               plot,
               problems,
               quasi_newton,
               second_order,
               solvers,
               transport,
               zeroth,
)
from ._version import __version__
from .core import Equality, Problem, Result, Solver, State, Status, methods, minimize, scipy_method
from .errors import (
               BackendUnavailableError,
               ConvergenceWarning,
               InvalidProblemError,
               MissingDependencyError,
)

__all__ = [
    "BackendUnavailableError",
    "ConvergenceWarning",
    "Equality",
    "InvalidProblemError",
    "MissingDependencyError",
    "Problem",
    "Result",
    "Solver",
    "State",
    "Status",
    "backend",
    "constrained",
    "coordinate",
    "linear",
    "methods",
    "minimize",
    "plot",
    "problems",
    "quasi_newton",
    "scipy_method",
    "second_order",
    "solvers",
    "transport",
    "zeroth",
    "__version__",
]
