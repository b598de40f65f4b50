r"""Dense direction machinery shared by every second-order method.

Two objects, written once:

* :func:`cholesky` / :class:`Cholesky` — factor :math:`H + \lambda I` and solve with it; a
  matrix that is not positive definite is *reported* (``None``), never patched with jitter.
* :class:`EigenModel` — :math:`H = Q \Lambda Q^\top` once (:math:`O(d^3)`), after which any
  shifted system :math:`(H + \lambda I) s = -g` costs :math:`O(d^2)` and its norm
  :math:`\|s(\lambda)\|^2 = \sum_i \tilde g_i^2 / (\Lambda_i + \lambda)^2` costs :math:`O(d)`.

Both compute in the array namespace of their input (NumPy, CuPy, ``array_api_strict``), so
CuPy factors on the GPU; only the :math:`O(d)` eigen data goes to the host for the scalar
root searches of :mod:`numopt.second_order.cubic`.
"""

import array_api_compat
import numpy as np

from ..backend import is_cupy, is_numpy_namespace, to_numpy


def dense_hessian(xp, H):
    """The Hessian as a dense array of namespace ``xp`` (``scipy.sparse`` is densified)."""
    if hasattr(H, "toarray"):
        H = H.toarray()
    return xp.asarray(H, dtype=xp.float64)


def shifted(xp, H, shift):
    """``H + shift * I`` (a new array)."""
    if shift == 0.0:
        return H
    return H + shift * xp.eye(H.shape[0], dtype=H.dtype)


class Cholesky:
    """A Cholesky factor :math:`A = L L^\\top` with a :meth:`solve`."""

    def __init__(self, xp, factor, matrix):
        self.xp = xp
        self._factor = factor
        self._matrix = matrix

    def solve(self, b):
        """:math:`A^{-1} b`."""
        xp = self.xp
        if is_numpy_namespace(xp):
            import scipy.linalg

            return xp.asarray(scipy.linalg.cho_solve(self._factor, np.asarray(b),
                                                     check_finite=False))
        if is_cupy(b):
            from cupyx.scipy.linalg import solve_triangular

            y = solve_triangular(self._factor, b, lower=True)
            return solve_triangular(self._factor.T, y, lower=False)
        # other array-API libraries have no triangular solve: a general solve with the
        # factored matrix (O(d^3); used for testing the generic path)
        return xp.linalg.solve(self._matrix, b)

    def dual_norm_sq(self, b):
        r""":math:`b^\top A^{-1} b` (the squared local dual norm)."""
        return float(self.xp.vecdot(b, self.solve(b)))


def cholesky(xp, H, shift=0.0):
    """Factor ``H + shift * I``; ``None`` when it is not (numerically) positive definite.

    Parameters
    ----------
    xp : module
        Array namespace of ``H``.
    H : array, shape (d, d)
        Symmetric matrix.
    shift : float, default 0
        Added to the diagonal.

    Returns
    -------
    Cholesky or None

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_compat.numpy as xp
    >>> cholesky(xp, np.diag([-1.0, 1.0])) is None
    True
    >>> cholesky(xp, np.diag([-1.0, 1.0]), shift=2.0).solve(np.array([1.0, 3.0]))
    array([1., 1.])
    """
    A = shifted(xp, H, shift)
    if is_numpy_namespace(xp):
        import scipy.linalg

        try:
            factor = scipy.linalg.cho_factor(np.asarray(A), lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return None
        return Cholesky(xp, factor, A) if np.all(np.isfinite(factor[0])) else None
    failures = (np.linalg.LinAlgError,)
    try:
        if array_api_compat.is_cupy_namespace(xp):
            # CuPy skips cuSOLVER's devInfo check by default and returns a partial factor
            # that need not hold NaNs; errstate makes a failed factorization raise.
            import cupy
            import cupyx

            failures += (cupy.linalg.LinAlgError,)
            with cupyx.errstate(linalg="raise"):
                factor = xp.linalg.cholesky(A)
        else:
            factor = xp.linalg.cholesky(A)
    except failures:
        return None
    # and never trust a factor whose diagonal is not positive and finite (one host sync)
    diagonal = xp.linalg.diagonal(factor)
    ok = xp.all(xp.isfinite(factor)) & xp.all(diagonal > 0.0)
    return Cholesky(xp, factor, A) if bool(ok) else None


def solve_shifted(xp, H, g, shift):
    r"""The regularized Newton step :math:`s = -(H + \lambda I)^{-1} g`.

    Parameters
    ----------
    xp : module
        Array namespace of ``H`` and ``g``.
    H : array, shape (d, d)
        Symmetric matrix.
    g : array, shape (d,)
        Right-hand side (the gradient).
    shift : float
        :math:`\lambda`, added to the diagonal.

    Returns
    -------
    array or None
        ``None`` when :math:`H + \lambda I` is not positive definite (the caller decides:
        adaptive rules enlarge :math:`\lambda`, convex-only schedules stop with a message).

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_compat.numpy as xp
    >>> solve_shifted(xp, np.diag([1.0, 3.0]), np.array([2.0, 4.0]), 1.0)
    array([-1., -1.])
    """
    factor = cholesky(xp, H, shift)
    return None if factor is None else -factor.solve(g)


class EigenModel:
    r"""Eigen-decomposition :math:`H = Q\Lambda Q^\top` for cheap repeated shifted solves.

    One :math:`O(d^3)` ``eigh`` on construction (on the device of ``H``); then
    :meth:`rotate` (:math:`\tilde g = Q^\top g`, :math:`O(d^2)`) and :meth:`unrotate`
    (:math:`s = Q\tilde s`, :math:`O(d^2)`). Shifted solves and cubic subproblems run in the
    eigenbasis on the host in :math:`O(d)` (:mod:`numopt.second_order.cubic`).

    Parameters
    ----------
    xp : module
        Array namespace of ``H``.
    H : array, shape (d, d)
        Symmetric matrix (only its lower triangle is read).

    Attributes
    ----------
    eigenvalues : numpy.ndarray
        :math:`\Lambda` in ascending order, on the host.
    min_eigenvalue : float

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_compat.numpy as xp
    >>> model = EigenModel(xp, np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> model.eigenvalues
    array([1., 3.])
    >>> g = np.array([1.0, 0.0])
    >>> H1 = np.array([[3.0, 1.0], [1.0, 3.0]])  # H + 1 I
    >>> bool(np.allclose(model.shifted_step(g, 1.0), -np.linalg.solve(H1, g)))
    True
    """

    def __init__(self, xp, H):
        self.xp = xp
        eigenvalues, self.eigenvectors = xp.linalg.eigh(H)
        self.eigenvalues = np.asarray(to_numpy(eigenvalues), dtype=np.float64)
        self.min_eigenvalue = float(self.eigenvalues[0])

    def rotate(self, g):
        r""":math:`\tilde g = Q^\top g` as a host NumPy vector."""
        return np.asarray(to_numpy(self.xp.matmul(self.eigenvectors.T, g)), dtype=np.float64)

    def unrotate(self, s_tilde):
        r""":math:`s = Q\tilde s` on the device (``s_tilde`` is a host vector)."""
        xp = self.xp
        return xp.matmul(self.eigenvectors, xp.asarray(s_tilde, dtype=xp.float64))

    def shifted_step(self, g, shift):
        r""":math:`-(H + \lambda I)^{-1} g`; ``None`` if :math:`\Lambda_{min} + \lambda \le 0`."""
        if self.min_eigenvalue + shift <= 0.0:
            return None
        g_tilde = self.rotate(g)
        return self.unrotate(-g_tilde / (self.eigenvalues + shift))
