"""Second-order methods: damped Newton, adaptive cubic Newton, gradient-regularized Newton
and lazy-Hessian Newton, on shared direction solvers (regularized Cholesky, eigen-model,
cubic subproblem, Krylov) and shared Hessian models (:func:`hessian_model`: BFGS, SR1,
compact L-BFGS/L-SR1, gradient differences).
"""

from .cubic import cubic_step_cholesky, cubic_step_eigen
from .cubic_newton import CubicNewton
from .damped import DampedNewton
from .grad_reg import GradRegNewton
from .hessian_models import hessian_model
from .krylov import cubic_step_krylov, min_eigenpair
from .lazy import LazyNewton
from .linalg import EigenModel, cholesky, solve_shifted

__all__ = [
    "CubicNewton",
    "DampedNewton",
    "EigenModel",
    "GradRegNewton",
    "LazyNewton",
    "cholesky",
    "cubic_step_cholesky",
    "cubic_step_eigen",
    "cubic_step_krylov",
    "hessian_model",
    "min_eigenpair",
    "solve_shifted",
]
