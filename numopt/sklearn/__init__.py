"""scikit-learn estimators on numopt's solvers: ``fit``/``predict``, ``coef_``,
``intercept_``, ``n_iter_``, usable in ``Pipeline`` and ``GridSearchCV`` (needs the
``sklearn`` extra, i.e. scikit-learn).

========================  ==============================================================
``Lasso``                 L1 least squares, working-set coordinate descent
``ElasticNet``            L1 + L2 least squares, the same solver
``L1LogisticRegression``  binary L1 logistic regression, the same solver
``LogisticRegression``    binary L2 logistic regression, Newton-type methods
``lasso_path``            the Lasso along a sequence of penalties, warm-started
========================  ==============================================================

Non-convergence warns with :class:`numopt.sklearn.ConvergenceWarning` (both numopt's and
scikit-learn's warning class).

Examples
--------
>>> import numpy as np
>>> from sklearn.model_selection import GridSearchCV
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from numopt.sklearn import Lasso
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((80, 6)); y = X @ np.array([2.0, 0, 0, -1.0, 0, 0])
>>> search = GridSearchCV(make_pipeline(StandardScaler(), Lasso()),
...                       {"lasso__alpha": [0.01, 0.1, 1.0]}, cv=3).fit(X, y)
>>> search.best_params_
{'lasso__alpha': 0.01}
"""

from ..errors import require as _require

_require("sklearn", "sklearn", "numopt.sklearn")

from ._base import ConvergenceWarning  # noqa: E402
from .linear_model import ElasticNet, Lasso, lasso_path  # noqa: E402
from .logistic import L1LogisticRegression, LogisticRegression  # noqa: E402

__all__ = ["ConvergenceWarning", "ElasticNet", "L1LogisticRegression", "Lasso",
           "LogisticRegression", "lasso_path"]
