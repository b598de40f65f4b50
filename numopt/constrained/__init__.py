"""Equality-constrained optimization: adaptive sketched Newton with an exact augmented
Lagrangian (``alm_sketch``, Hong, Na, Mahoney & Kolar, ICML 2023, arXiv 2305.18379).
"""

from . import merit
from .alm_sketch import AlmSketch

__all__ = ["AlmSketch", "merit"]
