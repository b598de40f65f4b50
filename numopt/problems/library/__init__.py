"""Classic unconstrained test functions with exact derivatives and known optima.

``numopt.problems.library()`` (this module is callable) returns fresh instances of every
function by name; the factories (``extended_rosenbrock(dim)``, ``watson(dim)``, ...) build
one function, at other sizes where it has a ``dim=`` option. Sources: Moré, Garbow &
Hillstrom, "Testing unconstrained optimization software", ACM TOMS 7(1):17-41 (1981),
problem numbers in each ``reference``; plus four nonconvex functions with strict saddles.

Examples
--------
>>> import numopt as no
>>> p = no.problems.library.extended_rosenbrock(6)
>>> p.dim, p.f_star, p.reference
(6, 0.0, 'Moré, Garbow & Hillstrom (1981), ACM TOMS 7(1):17-41, problem 21')
"""

import sys
import types

from ._base import ClassicProblem, SumOfSquares
from .mgh_data import (
    bard,
    biggs_exp6,
    brown_dennis,
    gaussian,
    jennrich_sampson,
    kowalik_osborne,
    meyer,
    osborne_1,
)
from .mgh_small import (
    beale,
    box_3d,
    brown_badly_scaled,
    freudenstein_roth,
    helical_valley,
    powell_badly_scaled,
    powell_singular,
    rosenbrock,
    wood,
)
from .mgh_systems import broyden_tridiagonal, discrete_boundary_value, linear_full_rank
from .mgh_vardim import (
    brown_almost_linear,
    extended_powell,
    extended_rosenbrock,
    penalty_1,
    trigonometric,
    variably_dimensioned,
    watson,
)
from .registry import FACTORIES, SADDLES, library
from .saddles import double_well, himmelblau, saddle_quartic, six_hump_camel

__all__ = [
    "FACTORIES",
    "SADDLES",
    "ClassicProblem",
    "SumOfSquares",
    "library",
    "bard",
    "beale",
    "biggs_exp6",
    "box_3d",
    "brown_almost_linear",
    "brown_badly_scaled",
    "brown_dennis",
    "broyden_tridiagonal",
    "discrete_boundary_value",
    "double_well",
    "extended_powell",
    "extended_rosenbrock",
    "freudenstein_roth",
    "gaussian",
    "helical_valley",
    "himmelblau",
    "jennrich_sampson",
    "kowalik_osborne",
    "linear_full_rank",
    "meyer",
    "osborne_1",
    "penalty_1",
    "powell_badly_scaled",
    "powell_singular",
    "rosenbrock",
    "saddle_quartic",
    "six_hump_camel",
    "trigonometric",
    "variably_dimensioned",
    "watson",
    "wood",
]


class _CallableModule(types.ModuleType):
    """Lets ``numopt.problems.library(...)`` call :func:`library` while the factories stay
    reachable as ``numopt.problems.library.<name>``."""

    def __call__(self, names=None):
        return library(names)


sys.modules[__name__].__class__ = _CallableModule
