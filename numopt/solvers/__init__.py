"""Solver classes, for stepping by hand and teaching (``init`` / ``step`` / ``done``).

Each family adds its classes here; ``numopt.minimize(method=name)`` reaches them all
through the registry.
"""

from .gd import GradientDescent
from .newton import Newton

__all__ = ["GradientDescent", "Newton"]
