"""Line-search quasi-Newton methods: ``bfgs`` (dense) and ``lbfgs`` (limited memory), both
honouring bounds; their Hessian models live in :mod:`numopt.second_order.hessian_models`."""

from .bfgs import BFGS
from .lbfgs import LBFGS

__all__ = ["BFGS", "LBFGS"]
