"""``Lasso``, ``ElasticNet`` and ``lasso_path`` with scikit-learn's objective and interface,
solved by numopt's working-set coordinate descent (:mod:`numopt.coordinate`) with a relative
duality-gap stop."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import intercept_design, run_quietly, sample_weights
from ._l1 import solve_l1


class Lasso(RegressorMixin, BaseEstimator):
    r"""Linear regression with an L1 penalty, scikit-learn's ``Lasso`` objective

    .. math:: \min_{w, b}\ \frac{1}{2n}\sum_i s_i (y_i - x_i^\top w - b)^2 + \alpha\|w\|_1

    (:math:`s` the sample weights rescaled to sum to :math:`n`; :math:`b` unpenalized: a column of
    ones with penalty factor 0, so sparse ``X`` stays sparse). Solved by numopt's Lasso solver
    (:mod:`numopt.coordinate`: working sets grown by dual-constraint violation, coordinate
    descent with Anderson extrapolation, gap-safe screening; Massias, Gramfort & Salmon 2018;
    Bertrand et al. 2022), stopped on the relative duality gap.

    Parameters
    ----------
    alpha : float, default 1.0
        Penalty weight (> 0), on scikit-learn's scale.
    fit_intercept : bool, default True
        Fit an unpenalized intercept.
    tol : float, default 1e-6
        Relative duality gap ``(P − D)/P(0)`` at which the fit stops.
    max_iter : int, default 1000
        Iterations of the coordinate method; reaching it warns (:class:`ConvergenceWarning`).
    warm_start : bool, default False
        Start from the previous ``coef_`` (refits along a sequence of ``alpha``).

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Iterations of the last fit.
    dual_gap_ : float
        Relative duality gap at the end of the last fit.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.sklearn import Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8)); y = 3 * X[:, 1] - 2 * X[:, 5] + 1.0
    >>> model = Lasso(alpha=0.05).fit(X, y)
    >>> np.flatnonzero(np.abs(model.coef_) > 0.5).tolist(), round(model.intercept_, 1)
    ([1, 5], 1.0)
    """

    coef_: np.ndarray
    intercept_: float
    n_iter_: int
    dual_gap_: float

    def __init__(self, alpha: float = 1.0, *, fit_intercept: bool = True, tol: float = 1e-6,
                 max_iter: int = 1000, warm_start: bool = False) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _penalties(self, n_samples: int, n_features: int) -> tuple[float, float]:
        """(l1, l2) weights on numopt's sum scale ``½‖Xw − y‖² + l1‖w‖₁ + (l2/2)‖w‖²``."""
        return n_samples * float(self.alpha), 0.0

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Lasso:
        """Fit the model; returns ``self``.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)
        sample_weight : array_like, shape (n_samples,), optional
            Non-negative weights (rescaled internally to sum to ``n_samples``).
        """
        X, y = validate_data(self, X, y, accept_sparse=["csc", "csr"], y_numeric=True,
                             dtype=np.float64)
        _check_params(self.alpha, self.tol, self.max_iter)
        sw = sample_weights(sample_weight, X, rescale=True)
        design, penalty_weights = intercept_design(X, self.fit_intercept)
        target = y
        l1, l2 = self._penalties(X.shape[0], X.shape[1])
        if l2 > 0.0:  # ridge part as extra rows: ½‖Xw − y‖² + (l2/2)‖w‖²
            ridge = sp.diags(np.sqrt(l2) * penalty_weights)
            design = (sp.vstack([design, ridge], format="csc") if sp.issparse(design)
                      else np.vstack([design, ridge.toarray()]))
            target = np.concatenate([y, np.zeros(design.shape[1])])
            sw = np.concatenate([sw, np.ones(design.shape[1])])
        x0 = None
        if self.warm_start and hasattr(self, "coef_"):
            x0 = np.append(self.coef_, self.intercept_) if self.fit_intercept else self.coef_
            if x0.shape != (design.shape[1],):
                x0 = None  # the number of features changed: start afresh
        theta, res = run_quietly(
            lambda: solve_l1(design, target, l1, logistic=False, tol=self.tol,
                             max_iter=self.max_iter, x0=x0, penalty_weights=penalty_weights,
                             sample_weight=sw), type(self).__name__)
        self.coef_ = theta[:X.shape[1]]
        self.intercept_ = float(theta[-1]) if self.fit_intercept else 0.0
        self.n_iter_ = int(res.nit)
        self.dual_gap_ = float(res.duality_gap)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """``X @ coef_ + intercept_``, shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                          dtype=np.float64)
        return np.asarray(X @ self.coef_).ravel() + self.intercept_


class ElasticNet(Lasso):
    r"""Linear regression with L1 + L2 penalties, scikit-learn's ``ElasticNet`` objective

    .. math:: \min_{w, b}\ \frac{1}{2n}\sum_i s_i (y_i - x_i^\top w - b)^2
              + \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}{2}\|w\|^2,

    :math:`\rho` = ``l1_ratio``. The ridge term becomes :math:`d` extra rows of the design
    (:math:`\sqrt{n\alpha(1-\rho)}\,I`, sparse), so the Lasso solver runs unchanged.

    Parameters
    ----------
    alpha : float, default 1.0
    l1_ratio : float, default 0.5
        In (0, 1]; 1 is the Lasso.
    fit_intercept, tol, max_iter, warm_start
        As in :class:`Lasso`.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.sklearn import ElasticNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8)); y = 3 * X[:, 1] - 2 * X[:, 5]
    >>> model = ElasticNet(alpha=0.05, l1_ratio=0.7).fit(X, y)
    >>> np.flatnonzero(np.abs(model.coef_) > 0.5).tolist()
    [1, 5]
    """

    def __init__(self, alpha: float = 1.0, *, l1_ratio: float = 0.5, fit_intercept: bool = True,
                 tol: float = 1e-6, max_iter: int = 1000, warm_start: bool = False) -> None:
        super().__init__(alpha, fit_intercept=fit_intercept, tol=tol, max_iter=max_iter,
                         warm_start=warm_start)
        self.l1_ratio = l1_ratio

    def _penalties(self, n_samples: int, n_features: int) -> tuple[float, float]:
        if not 0.0 < float(self.l1_ratio) <= 1.0:
            raise ValueError(f"l1_ratio must be in (0, 1], got {self.l1_ratio}; use Ridge for "
                             "l1_ratio = 0.")
        scale = n_samples * float(self.alpha)
        return scale * float(self.l1_ratio), scale * (1.0 - float(self.l1_ratio))


def lasso_path(X: Any, y: Any, *, alphas: Any = None, n_alphas: int = 100, eps: float = 1e-3,
               tol: float = 1e-6, max_iter: int = 1000,
               precompute: bool | str = "auto") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The Lasso solution along a decreasing sequence of ``alpha``, each fit warm-started
    from the previous one with gap-safe screening (:func:`numopt.coordinate.lasso_path`),
    returned in scikit-learn's ``sklearn.linear_model.lasso_path`` convention.

    No intercept is fitted (center ``X`` and ``y`` first, as scikit-learn's function also
    expects).

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    alphas : array_like, optional
        Penalties (sorted decreasingly); default ``n_alphas`` values log-spaced from
        :math:`\alpha_{max} = \|X^\top y\|_\infty / n` down to ``eps`` times it.
    n_alphas : int, default 100
    eps : float, default 1e-3
    tol, max_iter
        Per-fit relative duality gap and iteration cap, as in :class:`Lasso`.
    precompute : {"auto", True, False}, default "auto"
        Coordinate descent on the Gram matrix ``XᵀX``, formed once for the whole path;
        "auto": dense ``X`` with more samples than features, as scikit-learn
        (:func:`numopt.coordinate.lasso_path`).

    Returns
    -------
    alphas : ndarray, shape (n_alphas,)
    coefs : ndarray, shape (n_features, n_alphas)
    dual_gaps : ndarray, shape (n_alphas,)
        Relative duality gaps at the end of each fit.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.sklearn import lasso_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 6)); y = X[:, 0] - X[:, 2]
    >>> alphas, coefs, gaps = lasso_path(X, y, n_alphas=5)
    >>> coefs.shape, bool(np.all(coefs[:, 0] == 0)), bool(np.all(gaps <= 1e-6))
    ((6, 5), True, True)
    """
    from sklearn.utils import check_array

    from ..coordinate import lasso_path as path

    X = check_array(X, accept_sparse=["csc", "csr"], dtype=np.float64)
    y = check_array(y, ensure_2d=False, dtype=np.float64)
    if alphas is not None:
        alphas = np.sort(np.asarray(alphas, dtype=np.float64))[::-1]
        _check_params(float(alphas[-1]), tol, max_iter)
    alphas, coefs, results = run_quietly(
        partial(path, X, y, alphas, n_alphas=n_alphas, eps=eps, tol=tol, max_iter=max_iter,
                precompute=precompute),
        "lasso_path")
    gaps = np.array([float(r.duality_gap) for r in results])
    return np.asarray(alphas), np.asarray(coefs), gaps


def _check_params(alpha: float, tol: float, max_iter: int) -> None:
    if not np.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha must be a positive number, got {alpha}; for alpha = 0 use "
                         "sklearn.linear_model.LinearRegression.")
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol}.")
    if int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter}.")
