"""Equality-constrained optimization: adaptive sketched Newton with an exact augmented
Lagrangian.
"""

__all__ = []
