"""Entropic optimal transport: Sinkhorn (scaling and log domain) and Sinkhorn–Newton–Sparse."""

from .api import METHODS, sinkhorn
from .problem import TransportProblem
from .sinkhorn import LogSinkhorn, ScalingSinkhorn
from .sns import SinkhornNewtonSparse

__all__ = ["METHODS", "LogSinkhorn", "ScalingSinkhorn", "SinkhornNewtonSparse",
           "TransportProblem", "sinkhorn"]
