"""Plots of numopt results (matplotlib is imported only when a plot is drawn).

>>> import numopt as no
>>> callable(no.plot.convergence)
True
"""

from .convergence import convergence
from .tuning import chosen_omega, cumulative_cost

__all__ = ["chosen_omega", "convergence", "cumulative_cost"]
