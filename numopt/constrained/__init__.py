"""Constrained optimization.

* ``alm_sketch``: adaptive sketched Newton with an exact augmented Lagrangian for equality
  constraints (Hong, Na, Mahoney & Kolar, ICML 2023, arXiv 2305.18379).
* ``interior_point``: primal-dual interior-point filter method for general smooth nonlinear
  programs with equalities, inequalities and bounds (Wächter & Biegler 2006).
"""

from . import merit
from .alm_sketch import AlmSketch
from .interior import InteriorPoint

__all__ = ["AlmSketch", "InteriorPoint", "merit"]
