"""Second-order methods: damped Newton, adaptive cubic Newton, gradient-regularized Newton
and lazy-Hessian Newton, on shared direction solvers (regularized Cholesky, eigen-model,
cubic subproblem, Krylov).
"""

from .cubic_newton import CubicNewton
from .damped import DampedNewton
from .grad_reg import GradRegNewton
from .lazy import LazyNewton

__all__ = ["CubicNewton", "DampedNewton", "GradRegNewton", "LazyNewton"]
