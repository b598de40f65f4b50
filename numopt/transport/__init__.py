"""Entropic optimal transport: Sinkhorn (scaling and log domain), Sinkhorn–Newton–Sparse,
and point clouds with costs computed on the fly; POT's keywords accepted."""

from .api import METHODS, KeywordOnlyError, sinkhorn, sinkhorn2
from .cloud import CloudSinkhorn, LazyPlan, PointCloud
from .problem import TransportProblem
from .sinkhorn import LogSinkhorn, ScalingSinkhorn
from .sns import SinkhornNewtonSparse

__all__ = ["METHODS", "CloudSinkhorn", "KeywordOnlyError", "LazyPlan", "LogSinkhorn",
           "PointCloud", "ScalingSinkhorn", "SinkhornNewtonSparse", "TransportProblem",
           "sinkhorn", "sinkhorn2"]
