"""scikit-learn-style entry points: ``lasso`` and ``l1_logistic`` (arrays in, coefficients
and a :class:`~numopt.Result` out), solved by ``bcd`` with a duality-gap stopping rule."""

import numpy as np
from scipy.special import expit, xlogy

from ..backend import to_numpy
from ..core.loop import run
from ..core.validate import as_float_array, check_int, check_positive
from ..errors import InvalidProblemError
from ..problems import LeastSquares, LogisticRegression
from .bcd import BCD

LASSO_TAU = 100  # block size of the greedy working set (GS-q picks the 100 best coordinates)


class GapBCD(BCD):
    """``bcd`` stopped on the relative duality gap ``(P − D)/P(0) ≤ tol``."""

    def __init__(self, *, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def gap(self, state):
        model, g, lam = state.ctx.model, state.grad, state.ctx.l1
        dual_scale = min(1.0, lam / max(float(np.abs(g).max()), 1e-300))
        if model.logistic:
            p = dual_scale * expit(-model.target * state.aux)
            dual = -float((xlogy(p, p) + xlogy(1 - p, 1 - p)).sum())
        else:
            y = model.target
            dual = 0.5 * float(y @ y) - 0.5 * float(np.sum((y + dual_scale * state.aux) ** 2))
        return max(state.fun - dual, 0.0) / self.scale

    def converged(self, state):
        return self.gap(state) <= self.tol

    def record(self, state):
        return dict(super().record(state), duality_gap=self.gap(state))

    def result(self, problem, state, status, history, elapsed):
        res = super().result(problem, state, status, history, elapsed)
        res["duality_gap"] = self.gap(state)
        return res


def lasso(X, y, alpha, *, tol=1e-6, max_iter=1000, tau=LASSO_TAU, backend="auto",
          callback=None):
    r"""Lasso by greedy block coordinate descent with a duality-gap stop.

    Solves scikit-learn's ``Lasso(alpha, fit_intercept=False)`` problem
    :math:`\min_w \tfrac{1}{2n}\|y - Xw\|^2 + \alpha\|w\|_1`, internally as numopt's sum
    objective :math:`\tfrac12\|Xw - y\|^2 + \lambda\|w\|_1` with :math:`\lambda = n\alpha`
    (the same minimiser; objective values differ by the factor ``n``). The method is
    ``bcd`` with variable blocks, the proximal GS-q rule, matrix updates and, once the zero
    pattern settles, proximal Newton on the free set (Nutini, Laradji & Schmidt, JMLR 2022,
    §6, arXiv 1712.08859). It stops when the relative duality gap
    :math:`(P(w) - D(\theta))/P(0) \le` ``tol`` with the dual point
    :math:`\theta = s\,(y - Xw)`, :math:`s = \min(1, \lambda/\|X^\top(y - Xw)\|_\infty)`.
    scikit-learn's own test is ``gap ≤ tol·‖y‖²`` = ``2·tol·P(0)``.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, d)
    y : array_like, shape (n,)
    alpha : float
        Penalty on scikit-learn's scale (> 0).
    tol : float, default 1e-6
        Relative duality-gap tolerance.
    max_iter : int, default 1000
    tau : int, default 100
        Working-set block size (capped at d).
    backend : {"auto", "numba", "numpy"}
    callback : callable, optional

    Returns
    -------
    coef : ndarray, shape (d,)
    result : Result
        With ``duality_gap`` and ``active_set_iteration``.

    Raises
    ------
    InvalidProblemError
        Bad shapes, NaN/inf data, ``alpha <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.coordinate import lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 20)); y = X[:, 0] - 2 * X[:, 3]
    >>> coef, res = lasso(X, y, alpha=0.1)
    >>> bool(res.success), np.flatnonzero(np.abs(coef) > 0.5).tolist()
    (True, [0, 3])
    """
    alpha = check_positive("alpha", alpha)
    problem = LeastSquares(X, y)
    n = problem.A.shape[0]
    problem = LeastSquares(problem.A, problem.b, l1=n * alpha)
    y_np = to_numpy(problem.b)
    return _solve(problem, max(0.5 * float(y_np @ y_np), 1e-300), tol, max_iter, tau, backend,
                  callback)


def l1_logistic(X, y, C=None, *, alpha=None, tol=1e-6, max_iter=1000, tau=LASSO_TAU,
                backend="auto", callback=None):
    r"""L1-regularized logistic regression by greedy BCD with a duality-gap stop.

    Solves :math:`\min_w \sum_i \log(1 + e^{-y_i x_i^\top w}) + \lambda\|w\|_1` with
    :math:`\lambda = 1/C` — scikit-learn's
    ``LogisticRegression(penalty="l1", C=C, fit_intercept=False)`` — or, given ``alpha``,
    :math:`\lambda = n\alpha` (the mean-loss scale :math:`\frac1n\sum_i\ell_i + \alpha\|w\|_1`
    of skglm/celer). Labels: exactly two distinct values; as in scikit-learn the larger is
    the positive class. Stops when :math:`(P - D)/P(0) \le` ``tol``, :math:`P(0) = n\log 2`,
    with the dual point built from :math:`\sigma(-y_i x_i^\top w)` scaled to feasibility.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, d)
    y : array_like, shape (n,)
        Two distinct label values.
    C : float, optional
        Inverse penalty (scikit-learn's ``C``); give exactly one of ``C`` and ``alpha``.
    alpha : float, optional
        Penalty on the mean-loss scale.
    tol, max_iter, tau, backend, callback
        As in :func:`lasso`.

    Returns
    -------
    coef : ndarray, shape (d,)
    result : Result

    Raises
    ------
    InvalidProblemError
        Not exactly two label values, both or neither of ``C``/``alpha``, bad shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.coordinate import l1_logistic
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((80, 10)); y = (X[:, 2] > 0).astype(int)
    >>> coef, res = l1_logistic(X, y, C=1.0)
    >>> bool(res.success), int(np.argmax(np.abs(coef)))
    (True, 2)
    """
    if (C is None) == (alpha is None):
        raise InvalidProblemError(
            "give exactly one of C (scikit-learn's inverse penalty) and alpha (mean-loss "
            "scale penalty)."
        )
    labels = as_float_array("y", y, ndim=1)
    classes = np.unique(labels)
    if classes.size != 2:
        raise InvalidProblemError(
            f"y must hold exactly two distinct labels for binary logistic regression, got "
            f"{classes.size} ({classes[:5].tolist()}); use SoftmaxRegression for more classes."
        )
    signs = np.where(labels == classes[1], 1.0, -1.0)
    n = labels.size
    lam = 1.0 / check_positive("C", C) if C is not None else n * check_positive("alpha", alpha)
    problem = LogisticRegression(X, signs, l1=lam)
    return _solve(problem, n * np.log(2.0), tol, max_iter, tau, backend, callback)


def _solve(problem, scale, tol, max_iter, tau, backend, callback):
    tau = min(check_int("tau", tau, low=1), problem.dim)
    solver = GapBCD(scale=scale, rule="gsq", update="matrix", partition="variable", tau=tau,
                    tol=tol, max_iter=max_iter, backend=backend)
    res = run(solver, problem, None, callback=callback)
    return np.asarray(res.x), res
