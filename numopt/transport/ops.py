r"""The dense passes over the cost matrix that Sinkhorn and SNS share.

For a cost ``M`` (``n x m``), regularization ``reg`` and potentials ``f``, ``g`` the plan is
:math:`P_{ij} = \exp((f_i + g_j - M_{ij})/\mathrm{reg})`. Three operations cover every
solver here:

* ``row_lse(g, shift)``: :math:`\mathrm{LSE}_j((g_j - M_{ij})/\mathrm{reg})` (the f
  half-step);
* ``col_lse(f, shift)``: :math:`\mathrm{LSE}_i((f_i - M_{ij})/\mathrm{reg})` (the g
  half-step);
* ``plan(f, g, out)``: ``P`` written into ``out`` plus its row and column sums.

:class:`ArrayApiOps` runs them in any array-API namespace (NumPy, CuPy, ``array_api_strict``)
with ``n x m`` temporaries; it is also the NumPy reference for :class:`NumbaOps`, whose fused
kernels (:mod:`numopt.transport._kernels`) make one pass over ``M`` without temporaries, and
for :class:`ShiftedSumOps`, which fuses each log-sum-exp into one reduction kernel (CuPy).

``shift`` is an optional guess of ``reg * LSE`` (the last iteration's): the fused kernels
use it in place of a max pass; the array-API path takes the exact maximum anyway.
"""

import functools

import numpy as np

from ..backend.threads import kernel_threads, run_with_threads


class ArrayApiOps:
    """Dense passes in the array-API namespace ``xp`` (the backend-generic and NumPy path).

    Parameters
    ----------
    xp : module
        Array-API namespace of ``M``.
    M : array, shape (n, m)
        Cost matrix (float64).
    reg : float
        Entropic regularization (> 0).
    """

    def __init__(self, xp, M, reg):
        self.xp, self.M, self.reg = xp, M, reg
        self.passes = 0  # passes over M (Result.nfev)

    def row_lse(self, g, shift=None):
        """Row log-sum-exps of ``(g - M) / reg`` (length n); ``shift`` is not needed."""
        xp = self.xp
        self.passes += 1
        z = (xp.reshape(g, (1, -1)) - self.M) / self.reg
        peak = xp.max(z, axis=1, keepdims=True)
        return peak[:, 0] + xp.log(xp.sum(xp.exp(z - peak), axis=1))

    def col_lse(self, f, shift=None):
        """Column log-sum-exps of ``(f - M) / reg`` (length m); ``shift`` is not needed."""
        xp = self.xp
        self.passes += 1
        z = (xp.reshape(f, (-1, 1)) - self.M) / self.reg
        peak = xp.max(z, axis=0, keepdims=True)
        return peak[0, :] + xp.log(xp.sum(xp.exp(z - peak), axis=0))

    def plan(self, f, g, out=None):
        """``(P, row sums, column sums)``; ``out`` is ignored (a new array is returned)."""
        xp = self.xp
        self.passes += 1
        P = xp.exp((xp.reshape(f, (-1, 1)) + xp.reshape(g, (1, -1)) - self.M) / self.reg)
        return P, xp.sum(P, axis=1), xp.sum(P, axis=0)


class NumbaOps:
    """The same passes with the fused numba kernels (NumPy arrays, CPU, parallel); ``M`` in
    float64 or float32 (the plan then float32), potentials and sums in float64."""

    def __init__(self, M, reg):
        from . import _kernels

        # float32 costs stay float32 (half the memory traffic); sums are taken in float64
        self.M = np.ascontiguousarray(M, dtype=np.float32 if M.dtype == np.float32
                                      else np.float64)
        # numopt.backend.threads: serial below the size threshold or on a busy machine
        self.threads = kernel_threads(self.M.size, _kernels.PARALLEL_MIN_ENTRIES)
        self.row_kernel, self.col_kernel, self.col_exact_kernel, self.plan_kernel = (
            functools.partial(run_with_threads, getattr(_kernels, name),
                              _kernels.SERIAL[name], self.threads)
            for name in ("row_lse", "col_lse", "col_lse_exact", "plan_rows"))
        self.parts = self.threads
        self.partial = np.empty((self.parts, self.M.shape[1]))
        self.reg = float(reg)
        self.passes = 0  # passes over M (Result.nfev)

    def row_lse(self, g, shift=None):
        """Row log-sum-exps of ``(g - M) / reg`` (length n); ``shift`` guesses
        ``reg * LSE``."""
        out = np.empty(self.M.shape[0])
        guess = np.full(out.size, np.nan) if shift is None else np.ascontiguousarray(shift)
        self.passes += 1
        self.row_kernel(self.M, np.ascontiguousarray(g), guess, self.reg, out)
        return out

    def col_lse(self, f, shift=None):
        """Column log-sum-exps of ``(f - M) / reg`` (length m); ``shift`` guesses
        ``reg * LSE`` (one pass when it is within ``LSE_SAFE / reg`` everywhere, else an
        exact two-level pass)."""
        out = np.empty(self.M.shape[1])
        f = np.ascontiguousarray(f)
        self.passes += 1
        if shift is None or self.col_kernel(self.M, f, np.ascontiguousarray(shift), self.reg,
                                            self.parts, self.partial, out):
            self.col_exact_kernel(self.M, f, self.reg, out)
        return out

    def plan(self, f, g, out=None):
        """``(P, row sums, column sums)``, ``P`` written into ``out`` when given."""
        P = np.empty_like(self.M) if out is None else out
        rows = np.empty(self.M.shape[0])
        self.passes += 1
        self.plan_kernel(self.M, np.ascontiguousarray(f), np.ascontiguousarray(g),
                               self.reg, P, rows)
        return P, rows, P.sum(axis=0)


class ShiftedSumOps(ArrayApiOps):
    r"""Log-sum-exps as one fused reduction each, shifted by the guess instead of a maximum
    (the GPU path; the rest as :class:`ArrayApiOps`).

    ``shifted_sum(v, M, shift, inv, axis)`` must return
    :math:`\sum \exp((v - M - \mathrm{shift}) \cdot \mathrm{inv})` along ``axis`` with
    ``v`` and ``shift`` broadcast against ``M`` and no ``n x m`` temporary
    (:func:`cupy_shifted_sum`). Entries whose sum leaves ``(e^-LSE_SAFE, e^LSE_SAFE)``, or
    a call without a guess, get the exact max-shifted path.
    """

    def __init__(self, xp, M, reg, shifted_sum):
        super().__init__(xp, M, reg)
        self.shifted_sum = shifted_sum

    def row_lse(self, g, shift=None):
        """Row log-sum-exps of ``(g - M) / reg``; one fused pass when ``shift`` is good."""
        xp = self.xp
        if shift is None:
            return super().row_lse(g)
        self.passes += 1
        total = self.shifted_sum(xp.reshape(g, (1, -1)), self.M, xp.reshape(shift, (-1, 1)),
                                 1.0 / self.reg, 1)
        return self._checked(total, shift, lambda: super(ShiftedSumOps, self).row_lse(g))

    def col_lse(self, f, shift=None):
        """Column log-sum-exps of ``(f - M) / reg``; one fused pass when ``shift`` is good."""
        xp = self.xp
        if shift is None:
            return super().col_lse(f)
        self.passes += 1
        total = self.shifted_sum(xp.reshape(f, (-1, 1)), self.M, xp.reshape(shift, (1, -1)),
                                 1.0 / self.reg, 0)
        return self._checked(total, shift, lambda: super(ShiftedSumOps, self).col_lse(f))

    def _checked(self, total, shift, exact):
        from ._kernels import SAFE_HIGH, SAFE_LOW

        xp = self.xp
        safe = (total > SAFE_LOW) & (total < SAFE_HIGH)
        if not bool(xp.all(safe)):
            return exact()
        return shift / self.reg + xp.log(total)


def cupy_shifted_sum(v, M, shift, inv, axis):
    """:class:`ShiftedSumOps` reduction on the GPU: one ``cupy.ReductionKernel`` pass over
    ``M`` (the exponent is computed in registers, never stored)."""
    return _cupy_kernel()(v, M, shift, inv, axis=axis)


@functools.cache
def _cupy_kernel():
    import cupy

    return cupy.ReductionKernel(
        "T v, T m, T shift, T inv", "T total", "exp((v - m - shift) * inv)", "a + b",
        "total = a", "0", "numopt_shifted_exp_sum")


def make_ops(backend, M, reg):
    """The dense-pass implementation for a resolved backend."""
    if backend.name == "numba":
        return NumbaOps(M, reg)
    if backend.name == "cupy":
        return ShiftedSumOps(backend.xp, M, reg, cupy_shifted_sum)
    return ArrayApiOps(backend.xp, M, reg)
