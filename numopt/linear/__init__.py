"""Linear systems: SOR/SSOR with bandit-tuned relaxation, SSOR-preconditioned CG and
randomized sketching solvers.
"""

__all__ = []
