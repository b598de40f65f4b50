"""Compiled one-sweep block kernels for :mod:`numopt.problems.dask_data` (NumPy float64
blocks): each row is read once, for its margin and its gradient term, while it sits in L1.

Reassociation is allowed (``fastmath={"reassoc", "contract"}``) so the row dot products and
updates vectorize; only the summation order changes (agreement with the BLAS path ~1e-14).
"""

import math

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def logistic_value_gradient(A, y, x):  # pragma: no cover - compiled
    r"""``(Σ log(1 + e^{-z_i}), -Σ y_i σ(-z_i) a_i)`` with ``z_i = y_i a_iᵀx`` for one row
    block, in one sweep over its rows (overflow-free, as
    :func:`numopt.problems.dask_data.logistic_block`).

    Examples
    --------
    >>> import numpy as np
    >>> value, gradient = logistic_value_gradient(np.eye(2), np.ones(2), np.zeros(2))
    >>> round(value, 6), gradient.tolist()
    (1.386294, [-0.5, -0.5])
    """
    m, d = A.shape
    gradient = np.zeros(d)
    value = 0.0
    for i in range(m):
        z = 0.0
        for j in range(d):
            z += A[i, j] * x[j]
        z *= y[i]
        e = math.exp(-abs(z))
        q = 1.0 / (1.0 + e)
        value += math.log1p(e) + max(-z, 0.0)
        c = -y[i] * (e * q if z > 0.0 else q)
        for j in range(d):
            gradient[j] += c * A[i, j]
    return value, gradient
