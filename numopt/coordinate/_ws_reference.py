"""NumPy twins of :mod:`numopt.coordinate._ws_kernels` (dense ``X``), for the tests."""

import numpy as np


def lasso_epoch(X, w, r, ws, inv_lc, pen):
    """One cyclic coordinate descent epoch of the Lasso over ``ws`` (in place)."""
    decrease = 0.0
    for j in ws:
        if inv_lc[j] == 0.0:
            continue
        old = w[j]
        u = old + X[:, j] @ r * inv_lc[j]
        new = np.sign(u) * max(abs(u) - pen[j] * inv_lc[j], 0.0)
        if new != old:
            w[j] = new
            r += (old - new) * X[:, j]
            decrease += 0.5 * (new - old) ** 2 / inv_lc[j]
    return decrease


def anderson_weights(buf):
    """Anderson weights of the stored iterates (rows of ``buf``)."""
    U = np.diff(buf, axis=0)
    C = U @ U.T
    C += 1e-12 * np.max(np.diag(C)) * np.eye(C.shape[0])
    z = np.linalg.solve(C, np.ones(C.shape[0]))
    return z / z.sum()
