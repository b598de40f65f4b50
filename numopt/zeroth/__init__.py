"""Zeroth-order optimization: gradient estimators and derivative-free solvers with parallel
evaluation.

``estimate_grad`` estimates a gradient from function values (or forward gradients from a
user ``jvp``); the methods ``zo_gd``, ``zo_perturbed``, ``zo_frank_wolfe`` and
``zo_accelerated`` (reachable from ``numopt.minimize``) need only ``fun``. Every estimate's
queries can run in parallel on any ``concurrent.futures.Executor``, a dask ``Client``'s
executor included.
"""

from .accelerated import ZOAccelerated
from .estimators import ESTIMATORS, default_mu, draw_directions, estimate_grad
from .evaluate import Evaluator
from .frank_wolfe import ZOFrankWolfe
from .gd import ZOGradientDescent
from .lmo import Box, L1Ball, L2Ball, LinearMinimizationOracle, NuclearBall, Simplex
from .perturbed import ZOPerturbed

__all__ = [
    "ESTIMATORS",
    "Box",
    "Evaluator",
    "L1Ball",
    "L2Ball",
    "LinearMinimizationOracle",
    "NuclearBall",
    "Simplex",
    "ZOAccelerated",
    "ZOFrankWolfe",
    "ZOGradientDescent",
    "ZOPerturbed",
    "default_mu",
    "draw_directions",
    "estimate_grad",
]
