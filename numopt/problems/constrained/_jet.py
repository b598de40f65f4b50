"""Second-order forward-mode differentiation for the small test problems.

A :class:`Jet` carries a value, its gradient and its Hessian with respect to the problem
variables and propagates them exactly through ``+ - * / **`` and ``sin``, ``cos``, ``exp``,
``log`` (the chain rule, Griewank & Walther, *Evaluating Derivatives*, 2008, ch. 13). The
Hock–Schittkowski formulas are written once as plain expressions; gradients, Jacobians and
Hessians are exact (the tests compare them with finite differences).
"""

import numpy as np


class Jet:
    """``value``, ``grad`` (n,), ``hess`` (n, n) of a scalar expression."""

    __slots__ = ("value", "grad", "hess")

    def __init__(self, value, grad, hess):
        self.value, self.grad, self.hess = value, grad, hess

    @staticmethod
    def variables(x):
        """One Jet per coordinate of ``x`` (unit gradients, zero Hessians)."""
        n = len(x)
        eye, zero = np.eye(n), np.zeros((n, n))
        return [Jet(float(x[i]), eye[i], zero) for i in range(n)]

    def _lift(self, other):
        if isinstance(other, Jet):
            return other
        n = self.grad.shape[0]
        return Jet(float(other), np.zeros(n), np.zeros((n, n)))

    def _unary(self, f0, f1, f2):
        """``phi(self)`` with ``phi = f0, phi' = f1, phi'' = f2`` at ``self.value``."""
        g = self.grad
        return Jet(f0, f1 * g, f1 * self.hess + f2 * np.outer(g, g))

    def __add__(self, other):
        other = self._lift(other)
        return Jet(self.value + other.value, self.grad + other.grad, self.hess + other.hess)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.value, -self.grad, -self.hess)

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) - self

    def __mul__(self, other):
        other = self._lift(other)
        cross = np.outer(self.grad, other.grad)
        return Jet(self.value * other.value, self.value * other.grad + other.value * self.grad,
                   self.value * other.hess + other.value * self.hess + cross + cross.T)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * self._lift(other).reciprocal()

    def __rtruediv__(self, other):
        return self._lift(other) * self.reciprocal()

    def reciprocal(self):
        v = self.value
        return self._unary(1.0 / v, -1.0 / v ** 2, 2.0 / v ** 3)

    def __pow__(self, k):
        v = self.value
        if k == 0:
            return self._lift(1.0)
        return self._unary(v ** k, k * v ** (k - 1), k * (k - 1) * v ** (k - 2) if k != 1 else 0.0)


def sin(a):
    return a._unary(np.sin(a.value), np.cos(a.value), -np.sin(a.value))


def cos(a):
    return a._unary(np.cos(a.value), -np.sin(a.value), -np.cos(a.value))


def exp(a):
    e = np.exp(a.value)
    return a._unary(e, e, e)


def log(a):
    return a._unary(np.log(a.value), 1.0 / a.value, -1.0 / a.value ** 2)


def as_jet(x, n):
    """A constant as a Jet (objectives that are constant, such as feasibility problems)."""
    return x if isinstance(x, Jet) else Jet(float(x), np.zeros(n), np.zeros((n, n)))
