"""Block coordinate descent with greedy block rules, variable blocks, Newton/matrix updates,
message passing and active sets (Nutini, Laradji & Schmidt, JMLR 2022, arXiv 1712.08859).

``numopt.minimize(problem, method="bcd", ...)`` runs :class:`BCD` on the structured problems
of :mod:`numopt.problems`; :func:`lasso`, :func:`l1_logistic` and their ``*_path`` versions
are scikit-learn-style entry points (working sets, Anderson extrapolation, gap-safe screening)
with a relative duality-gap stopping rule.
"""

from .bcd import BCD
from .estimators import alpha_max, l1_logistic, l1_logistic_path, lasso, lasso_path

__all__ = ["BCD", "alpha_max", "l1_logistic", "l1_logistic_path", "lasso", "lasso_path"]
