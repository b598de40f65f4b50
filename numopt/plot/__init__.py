"""Plots of numopt results (matplotlib is imported only when a plot is drawn).

>>> import numopt as no
>>> callable(no.plot.convergence)
True
"""

from .convergence import convergence

__all__ = ["convergence"]
