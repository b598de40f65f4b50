"""Solver classes, for stepping by hand and teaching (``init`` / ``step`` / ``done``).

Each family adds its classes here; ``numopt.minimize(method=name)`` reaches them all
through the registry.
"""

from ..constrained import AlmSketch  # noqa: F401
from ..coordinate.bcd import BCD as BCD
from ..second_order import CubicNewton, DampedNewton, GradRegNewton, LazyNewton  # noqa: F401
from ..zeroth import ZOAccelerated, ZOFrankWolfe, ZOGradientDescent, ZOPerturbed  # noqa: F401
from .gd import GradientDescent
from .newton import Newton

__all__ = ["GradientDescent", "Newton"]
