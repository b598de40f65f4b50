"""Linear systems: SOR/SSOR with bandit-tuned relaxation, SSOR-preconditioned CG and
randomized sketching solvers.
"""

from ._report import TuningReport
from ._tsallis import tsallis_probabilities
from .sketch import SKETCHES, SketchSolver, sketch_solve  # noqa: F401  (issue 6)
from .sor import SOR, sor
from .ssor_cg import SSORCG, ssor_cg
from .tuner import OmegaTuner

__all__ = [
    "OmegaTuner",
    "SOR",
    "SSORCG",
    "TuningReport",
    "sor",
    "ssor_cg",
    "tsallis_probabilities",
]
