"""Plots of numopt results (matplotlib is imported only when a plot is drawn).

>>> import numopt as no
>>> callable(no.plot.convergence)
True
"""

from .convergence import convergence
from .tuning import chosen_omega, cumulative_cost  # noqa: F401

__all__ = ["convergence"]
