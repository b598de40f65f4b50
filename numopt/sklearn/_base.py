"""Shared pieces of the scikit-learn estimators: validation, sample weights, the intercept,
and turning numopt's non-convergence warning into scikit-learn's."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning as _SklearnConvergenceWarning
from sklearn.utils.validation import _check_sample_weight

from ..errors import ConvergenceWarning as _NumoptConvergenceWarning


class ConvergenceWarning(_NumoptConvergenceWarning, _SklearnConvergenceWarning):
    """Raised by the :mod:`numopt.sklearn` estimators when a fit stops before converging.

    It is both a :class:`numopt.ConvergenceWarning` and a
    :class:`sklearn.exceptions.ConvergenceWarning`, so a filter on either silences it.

    Examples
    --------
    >>> import numopt
    >>> from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
    >>> from numopt.sklearn import ConvergenceWarning
    >>> issubclass(ConvergenceWarning, (numopt.ConvergenceWarning, SklearnConvergenceWarning))
    True
    """


def run_quietly(fit: Callable[[], Any], estimator: str) -> Any:
    """Call ``fit()``; numopt's warning for a non-converged run comes out as one
    :class:`ConvergenceWarning` naming the estimator and what to raise (``max_iter``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", _NumoptConvergenceWarning)
        out = fit()
    for w in caught:
        if issubclass(w.category, _NumoptConvergenceWarning):
            warnings.warn(f"{estimator}: {w.message}", ConvergenceWarning, stacklevel=3)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out


def sample_weights(sample_weight: Any, X: Any, *, rescale: bool) -> np.ndarray:
    """Validated non-negative weights; with ``rescale`` they are scaled to sum to
    ``n_samples``, as scikit-learn's ``Lasso``/``ElasticNet`` do (so ``alpha`` keeps its
    meaning), while its ``LogisticRegression`` uses them as given."""
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    total = float(sw.sum())
    if total <= 0.0:
        raise ValueError("sample_weight must have a positive sum; got all zeros.")
    return sw * (X.shape[0] / total) if rescale else sw


def binary_targets(estimator: Any, y: Any) -> np.ndarray:
    """Set ``classes_`` and return labels as ±1 (the larger label is the positive class)."""
    from sklearn.utils.multiclass import check_classification_targets, type_of_target

    check_classification_targets(y)
    classes = np.unique(y)
    kind = type_of_target(y, input_name="y", raise_unknown=True)
    if kind != "binary" or classes.size != 2:
        raise ValueError(
            f"Only binary classification is supported. The type of the target is {kind}: "
            f"{type(estimator).__name__} needs exactly 2 classes in y, got {classes.size} "
            f"class{'es' if classes.size != 1 else ''} ({classes[:5].tolist()}). For more "
            "classes wrap it in sklearn.multiclass.OneVsRestClassifier."
        )
    estimator.classes_ = classes
    return np.where(y == classes[1], 1.0, -1.0)


def intercept_design(X: Any, fit_intercept: bool) -> tuple[Any, np.ndarray]:
    """``([X, 1], ω)`` with penalty factors ``ω = (1, …, 1, 0)`` (the intercept column is not
    penalized), or ``(X, 1)`` without an intercept; sparse ``X`` stays sparse (CSC)."""
    import scipy.sparse as sp

    if not fit_intercept:
        return X, np.ones(X.shape[1])
    ones = np.ones((X.shape[0], 1))
    design = (sp.hstack([X, sp.csr_matrix(ones)], format="csc") if sp.issparse(X)
              else np.hstack([X, ones]))
    penalty_weights = np.ones(design.shape[1])
    penalty_weights[-1] = 0.0
    return design, penalty_weights
