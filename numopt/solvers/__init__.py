"""Solver classes, for stepping by hand and teaching (``init`` / ``step`` / ``done``).

Every registered method's class is here; ``numopt.minimize(method=name)`` reaches the same
classes through the registry (see :func:`numopt.methods`).
"""

from ..constrained import AlmSketch
from ..coordinate.bcd import BCD
from ..second_order import CubicNewton, DampedNewton, GradRegNewton, LazyNewton
from ..zeroth import ZOAccelerated, ZOFrankWolfe, ZOGradientDescent, ZOPerturbed
from .gd import GradientDescent
from .newton import Newton

__all__ = [
    "AlmSketch",
    "BCD",
    "CubicNewton",
    "DampedNewton",
    "GradRegNewton",
    "GradientDescent",
    "LazyNewton",
    "Newton",
    "ZOAccelerated",
    "ZOFrankWolfe",
    "ZOGradientDescent",
    "ZOPerturbed",
]
