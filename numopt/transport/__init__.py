"""Entropic optimal transport: Sinkhorn (scaling and log domain) and Sinkhorn–Newton–Sparse."""

__all__ = []
