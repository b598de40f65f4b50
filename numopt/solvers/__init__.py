"""Solver classes, for stepping by hand and teaching (``init`` / ``step`` / ``done``).

Every registered method's class is here; ``numopt.minimize(method=name)`` reaches the same
classes through the registry (see :func:`numopt.methods`).
"""

from ..constrained import AlmSketch
from ..coordinate.bcd import BCD
from ..quasi_newton import BFGS, LBFGS
from ..second_order import CubicNewton, DampedNewton, GradRegNewton, LazyNewton
from ..zeroth import ZOAccelerated, ZOFrankWolfe, ZOGradientDescent, ZOPerturbed
from .gd import GradientDescent
from .newton import Newton

__all__ = [
    "AlmSketch",
    "BCD",
    "BFGS",
    "CubicNewton",
    "DampedNewton",
    "GradRegNewton",
    "GradientDescent",
    "LBFGS",
    "LazyNewton",
    "Newton",
    "ZOAccelerated",
    "ZOFrankWolfe",
    "ZOGradientDescent",
    "ZOPerturbed",
]
