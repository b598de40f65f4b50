"""Binary logistic regression estimators: ``L1LogisticRegression`` (working-set proximal
Newton, :mod:`numopt.coordinate`) and ``LogisticRegression`` (L2, Newton-type second-order
methods through :func:`numopt.minimize`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..core.minimize import minimize
from ..core.problem import Problem
from ._base import binary_targets, intercept_design, run_quietly, sample_weights
from ._l1 import solve_l1

AUTO_NEWTON_COLUMNS = 200  # solver="auto": Newton up to this many columns (intercept included)
AUTO_NEWTON_WORK = 2e7  # ... and n·p² (the Hessian's formation) up to this


class _BinaryLinearClassifier(ClassifierMixin, BaseEstimator):
    """``decision_function``/``predict``/``predict_proba`` from ``coef_`` and ``intercept_``."""

    coef_: np.ndarray
    intercept_: np.ndarray
    classes_: np.ndarray

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = True
        return tags

    def _validated(self, X: Any, y: Any, sample_weight: Any) -> tuple[Any, np.ndarray,
                                                                       np.ndarray]:
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], dtype=np.float64)
        signs = binary_targets(self, y)
        if not float(self.C) > 0:
            raise ValueError(f"C must be a positive number, got {self.C}.")
        return X, signs, sample_weights(sample_weight, X, rescale=False)

    def _start(self, n_columns: int) -> np.ndarray | None:
        if not (self.warm_start and hasattr(self, "coef_")):
            return None
        start = np.append(self.coef_.ravel(), self.intercept_) if self.fit_intercept else (
            self.coef_.ravel())
        return start if start.shape == (n_columns,) else None

    def _store(self, theta: np.ndarray, n_features: int, nit: int) -> None:
        self.coef_ = theta[:n_features].reshape(1, -1)
        self.intercept_ = np.array([theta[n_features] if self.fit_intercept else 0.0])
        self.n_iter_ = np.array([nit])

    def decision_function(self, X: Any) -> np.ndarray:
        """``X @ coef_.T + intercept_``: positive means ``classes_[1]``; shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                          dtype=np.float64)
        return np.asarray(X @ self.coef_[0]).ravel() + self.intercept_[0]

    def predict(self, X: Any) -> np.ndarray:
        """Class labels (from ``classes_``), shape (n_samples,)."""
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, 2), columns ordered as ``classes_``."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithms of :meth:`predict_proba`, computed without underflow."""
        z = self.decision_function(X)
        return np.column_stack([log_expit(-z), log_expit(z)])


class L1LogisticRegression(_BinaryLinearClassifier):
    r"""Binary logistic regression with an L1 penalty: scikit-learn's
    ``LogisticRegression(penalty="l1", C=C)`` objective

    .. math:: \min_{w, b}\ C\sum_i s_i\log\left(1 + e^{-y_i(x_i^\top w + b)}\right) + \|w\|_1

    (labels mapped to :math:`\pm1`, the larger label positive; :math:`b` unpenalized: a column of
    ones with penalty factor 0), solved by numopt's L1-logistic solver (:mod:`numopt.coordinate`:
    working sets, proximal Newton with coordinate-descent inner solves) with a relative
    duality-gap stop.

    Parameters
    ----------
    C : float, default 1.0
        Inverse penalty strength (> 0).
    fit_intercept : bool, default True
        Fit an unpenalized intercept.
    tol : float, default 1e-10
        Relative duality gap at which the fit stops. The default is tight because the
        inexact Newton steps stop close to ``tol``: at 1e-10, fitting with integer
        ``sample_weight`` equals fitting on repeated rows to 1e-7 in probability
        (scikit-learn's estimator check; 1e-8 does not), at 20-40 % more work than 1e-6.
    max_iter : int, default 1000
    warm_start : bool, default False
        Start from the previous solution.

    Attributes
    ----------
    coef_ : ndarray, shape (1, n_features)
    intercept_ : ndarray, shape (1,)
    classes_ : ndarray, shape (2,)
    n_iter_ : ndarray, shape (1,)

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.sklearn import L1LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 10)); y = np.where(X[:, 3] + 0.5 > 0, "yes", "no")
    >>> clf = L1LogisticRegression(C=0.5).fit(X, y)
    >>> int(np.argmax(np.abs(clf.coef_))), clf.classes_.tolist(), clf.score(X, y) > 0.9
    (3, ['no', 'yes'], True)
    """

    def __init__(self, C: float = 1.0, *, fit_intercept: bool = True, tol: float = 1e-10,
                 max_iter: int = 1000, warm_start: bool = False) -> None:
        self.C = C
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> L1LogisticRegression:
        """Fit the model; returns ``self``.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)
            Exactly two distinct labels.
        sample_weight : array_like, shape (n_samples,), optional
        """
        X, signs, sw = self._validated(X, y, sample_weight)
        design, penalty_weights = intercept_design(X, self.fit_intercept)
        theta, res = run_quietly(
            lambda: solve_l1(design, signs, 1.0 / float(self.C), logistic=True, tol=self.tol,
                             max_iter=self.max_iter, x0=self._start(design.shape[1]),
                             penalty_weights=penalty_weights, sample_weight=sw),
            type(self).__name__)
        self._store(theta, X.shape[1], res.nit)
        return self


class LogisticRegression(_BinaryLinearClassifier):
    r"""Binary logistic regression with an L2 penalty, scikit-learn's ``LogisticRegression``
    objective

    .. math:: \min_{w, b}\ C\sum_i s_i\log\left(1 + e^{-y_i(x_i^\top w + b)}\right)
              + \tfrac12\|w\|^2,

    solved by a second-order method of :func:`numopt.minimize` on the exact gradient and
    Hessian (the objective is divided by :math:`C\sum_i s_i`, so ``tol`` is a gradient norm on
    the mean-loss scale, independent of the sample size).

    Parameters
    ----------
    C : float, default 1.0
        Inverse penalty strength (> 0).
    fit_intercept : bool, default True
        Fit an unpenalized intercept.
    solver : str, default "auto"
        The numopt method (see :func:`numopt.methods`): a second-order one using the exact
        Hessian (``"newton"``, ``"damped_newton"``, ``"cubic_newton"``, ...), or ``"lbfgs"``,
        which needs only gradients. ``"auto"`` picks ``"newton"`` when the design (with
        its intercept column) has at most 200 columns and ``n·p² ≤ 2·10⁷`` (forming the
        Hessian is then cheap), else ``"lbfgs"``. Measured (tol 1e-8, C = 1): breast cancer
        raw 569 × 30 — newton 4.7 ms, lbfgs did not converge in 1000 iterations,
        scikit-learn 569 ms; standardized — newton 2.5 ms, lbfgs 4.8, scikit-learn 9.2;
        synthetic 20 000 × 50 — newton 92 ms, lbfgs 31, scikit-learn 22; synthetic
        200 × 2000 — newton 2.8 s, lbfgs 10.6 ms, scikit-learn 26 ms.
    tol : float, default 1e-8
        Gradient-norm tolerance.
    max_iter : int, default 100
    warm_start : bool, default False

    Attributes
    ----------
    coef_ : ndarray, shape (1, n_features)
    intercept_ : ndarray, shape (1,)
    classes_ : ndarray, shape (2,)
    n_iter_ : ndarray, shape (1,)

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.sklearn import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5)); y = (X[:, 0] - X[:, 1] > 0).astype(int)
    >>> clf = LogisticRegression(C=10.0).fit(X, y)
    >>> clf.score(X, y) > 0.95, int(clf.n_iter_[0]) < 20
    (True, True)
    """

    def __init__(self, C: float = 1.0, *, fit_intercept: bool = True, solver: str = "auto",
                 tol: float = 1e-8, max_iter: int = 100, warm_start: bool = False) -> None:
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        """Fit the model; returns ``self``.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)
            Exactly two distinct labels.
        sample_weight : array_like, shape (n_samples,), optional
        """
        X, signs, sw = self._validated(X, y, sample_weight)
        design, _ = intercept_design(X, self.fit_intercept)
        problem = _l2_logistic(design, signs, sw, float(self.C), self.fit_intercept)
        start = self._start(design.shape[1])
        x0 = np.zeros(design.shape[1]) if start is None else start
        method = self.solver
        if method == "auto":
            n, p = design.shape
            method = "newton" if p <= AUTO_NEWTON_COLUMNS and n * p * p <= AUTO_NEWTON_WORK \
                else "lbfgs"
        res = run_quietly(lambda: minimize(problem, x0, method=method, tol=self.tol,
                                           max_iter=self.max_iter), type(self).__name__)
        self._store(np.asarray(res.x, dtype=np.float64), X.shape[1], res.nit)
        return self


def _l2_logistic(A: Any, signs: np.ndarray, sw: np.ndarray, C: float,
                 intercept: bool) -> Problem:
    r""":math:`\frac{1}{S}\sum_i s_i\log(1 + e^{-y_i a_i^\top\theta})
    + \frac{1}{2CS}\|w\|^2` with :math:`S = \sum_i s_i` (the intercept, the last entry of
    :math:`\theta` when fitted, is not penalized) as a :class:`numopt.Problem` with exact
    gradient and Hessian."""
    total = float(sw.sum())
    weights = sw / total
    ridge = np.full(A.shape[1], 1.0 / (C * total))
    if intercept:
        ridge[-1] = 0.0

    def fun(theta: np.ndarray) -> float:
        z = signs * np.asarray(A @ theta).ravel()
        return float(weights @ np.logaddexp(0.0, -z)) + 0.5 * float(ridge @ (theta * theta))

    def grad(theta: np.ndarray) -> np.ndarray:
        z = signs * np.asarray(A @ theta).ravel()
        return np.asarray(A.T @ (-weights * signs * expit(-z))).ravel() + ridge * theta

    def hess(theta: np.ndarray) -> np.ndarray:
        z = signs * np.asarray(A @ theta).ravel()
        p = expit(z)
        curvature = weights * p * (1.0 - p)
        if sp.issparse(A):
            H = np.asarray((A.T @ sp.diags(curvature) @ A).todense())
        else:
            H = (A.T * curvature) @ A
        return H + np.diag(ridge)

    return Problem(fun, grad=grad, hess=hess, x0=np.zeros(A.shape[1]),
                   name="l2_logistic_regression")
