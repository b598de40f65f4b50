"""Zeroth-order optimization: gradient estimators and derivative-free solvers with parallel
evaluation.
"""

from .accelerated import ZOAccelerated
from .estimators import ESTIMATORS, default_mu, draw_directions, estimate_grad
from .evaluate import Evaluator
from .frank_wolfe import ZOFrankWolfe
from .gd import ZOGradientDescent
from .lmo import L1Ball, L2Ball, Box, LinearMinimizationOracle, NuclearBall, Simplex
from .perturbed import ZOPerturbed

__all__ = ["ESTIMATORS", "Evaluator", "default_mu", "draw_directions", "estimate_grad", "ZOGradientDescent", "ZOPerturbed", "ZOFrankWolfe", "ZOAccelerated",
           "L1Ball", "L2Ball", "Box", "LinearMinimizationOracle", "NuclearBall", "Simplex"]
