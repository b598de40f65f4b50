"""Backends: which array library and which kernels run a solve.

``backend="auto" | "numpy" | "numba" | "cupy"``. ``auto`` follows the input arrays (CuPy in,
CuPy out; an array-API array such as ``array_api_strict`` runs the backend-generic path in
its own namespace) and otherwise picks the fastest CPU path the method supports. A backend
that is asked for and cannot run raises :class:`numopt.BackendUnavailableError` naming what
to install; numopt never falls back silently. CuPy is imported lazily, never at
``import numopt``.
"""

from .namespace import (
    BACKENDS,
    Backend,
    cupy_status,
    is_cupy,
    is_device_array,
    is_numpy_namespace,
    is_sparse,
    namespace_of,
    resolve_backend,
    to_device,
    to_numpy,
)

__all__ = [
    "BACKENDS",
    "Backend",
    "cupy_status",
    "is_cupy",
    "is_device_array",
    "is_numpy_namespace",
    "is_sparse",
    "namespace_of",
    "resolve_backend",
    "to_device",
    "to_numpy",
]
