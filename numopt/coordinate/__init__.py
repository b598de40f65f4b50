"""Block coordinate descent with greedy block rules, variable blocks, Newton/matrix updates
and active sets.
"""

from .bcd import BCD
from .estimators import l1_logistic, lasso

__all__ = ["BCD", "l1_logistic", "lasso"]
