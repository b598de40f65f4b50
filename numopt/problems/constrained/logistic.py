r"""Constrained logistic regression (Hong, Na, Mahoney & Kolar 2023, arXiv 2305.18379, §6.2)
on scikit-learn's breast-cancer data:

.. math::

    \min_w\ \frac1N\sum_{i=1}^N \log(1 + e^{-y_i a_i^\top w})
    \quad\text{s.t.}\quad Cw = d,\ \|w\|^2 = 1,

with :math:`C \in \mathbb{R}^{k\times n}` and :math:`d \in \mathbb{R}^k` of i.i.d. N(0, 1)
entries (k = 10 in the paper, so m = k + 1 constraints).
"""

import numpy as np
from scipy.special import expit

from ...core.problem import Equality, Problem
from ...core.validate import check_int


def constrained_logistic(n_linear=10, seed=0):
    r"""Constrained logistic regression on ``sklearn.datasets.load_breast_cancer``.

    Features are standardized (569 samples, n = 30), labels mapped to {-1, +1}.

    Parameters
    ----------
    n_linear : int, default 10
        Number of random linear constraints ``k`` (1 <= k < 29).
    seed : int, default 0
        Seed of the constraint data ``C``, ``d``.

    Returns
    -------
    Problem
        Start :math:`w_0 = \mathbf{1}/\sqrt{n}` (on the sphere; ``w = 0`` would make the
        Jacobian of :math:`\|w\|^2 - 1` vanish).

    Raises
    ------
    InvalidProblemError
        ``n_linear`` out of range.

    Examples
    --------
    >>> p = constrained_logistic()
    >>> p.dim, p.eq.fun(p.x0).shape
    (30, (11,))
    """
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)
    y = 2.0 * data.target - 1.0
    N, n = X.shape
    k = check_int("n_linear", n_linear, low=1)
    if k >= n - 1:
        from ...errors import InvalidProblemError

        raise InvalidProblemError(f"n_linear={k} must be below {n - 1} (n = {n} features).")
    rng = np.random.default_rng(seed)
    C, d = rng.standard_normal((k, n)), rng.standard_normal(k)
    margins = y[:, None] * X

    def fun(w):
        return float(np.mean(np.logaddexp(0.0, -margins @ w)))

    def grad(w):
        return -margins.T @ expit(-margins @ w) / N

    def hess(w):
        s = expit(margins @ w)
        return (X.T * (s * (1 - s))) @ X / N

    eq = Equality(lambda w: np.concatenate([C @ w - d, [w @ w - 1.0]]),
                  lambda w: np.vstack([C, 2.0 * w]),
                  hess=lambda w, lam: 2.0 * lam[-1] * np.eye(n))
    return Problem(fun, grad=grad, hess=hess, x0=np.ones(n) / np.sqrt(n), eq=eq,
                   name="constrained_logistic")
