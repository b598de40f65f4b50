"""Second-order methods: damped Newton, adaptive cubic Newton, gradient-regularized Newton
and lazy-Hessian Newton.
"""

__all__ = []
