"""Block coordinate descent with greedy block rules, variable blocks, Newton/matrix updates,
message passing and active sets (Nutini, Laradji & Schmidt, JMLR 2022, arXiv 1712.08859).

``numopt.minimize(problem, method="bcd", ...)`` runs :class:`BCD` on the structured problems
of :mod:`numopt.problems`; :func:`lasso` and :func:`l1_logistic` are scikit-learn-style entry
points with a duality-gap stopping rule.
"""

from .bcd import BCD
from .estimators import l1_logistic, lasso

__all__ = ["BCD", "l1_logistic", "lasso"]
