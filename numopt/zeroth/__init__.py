"""Zeroth-order optimization: gradient estimators and derivative-free solvers with parallel
evaluation.
"""

__all__ = []
