"""Array-namespace detection, backend resolution and array movement."""

import functools
from dataclasses import dataclass

import array_api_compat
import numpy as np

from ..errors import BackendUnavailableError, InvalidProblemError

BACKENDS = ("auto", "numpy", "numba", "cupy")


@dataclass(frozen=True)
class Backend:
    """A resolved backend.

    Attributes
    ----------
    name : str
        ``"numpy"``, ``"numba"``, ``"cupy"`` or the name of another array-API library
        (e.g. ``"array_api_strict"``) whose arrays were passed in.
    xp : module
        The array-API namespace the solver computes in.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.backend import resolve_backend
    >>> backend = resolve_backend("numpy", np.ones(2))
    >>> backend.name, backend.is_gpu
    ('numpy', False)
    """

    name: str
    xp: object

    @property
    def is_gpu(self):
        """True when arrays live on a CUDA device."""
        return self.name == "cupy"


def is_sparse(a):
    """True for ``scipy.sparse`` and ``cupyx.scipy.sparse`` matrices and arrays.

    Parameters
    ----------
    a : object
        Any value.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> from numopt.backend import is_sparse
    >>> is_sparse(sp.eye(2)), is_sparse(np.eye(2))
    (True, False)
    """
    return _is_scipy_sparse(a) or _is_cupy_sparse(a)


def is_device_array(a):
    """True for an array that must stay in its own array library: CuPy arrays (detected
    by class, since ``cupy.ndarray`` has no ``__array_namespace__``), ``cupyx.scipy.sparse``
    matrices and any other array-API array that is not NumPy's.

    This is the one test every entry point uses to decide "keep the caller's array
    library" versus "convert to NumPy"; never test for an ``__array_namespace__`` attribute.

    Parameters
    ----------
    a : object

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_strict as xps
    >>> from numopt.backend import is_device_array
    >>> is_device_array(np.ones(2)), is_device_array(xps.ones(2)), is_device_array([1.0])
    (False, True, False)
    """
    if a is None or isinstance(a, (np.ndarray, np.generic)) or _is_scipy_sparse(a):
        return False
    if _is_cupy_sparse(a) or array_api_compat.is_cupy_array(a):
        return True
    return array_api_compat.is_array_api_obj(a)


def is_cupy(a):
    """True for a CuPy array or a ``cupyx.scipy.sparse`` matrix (without importing CuPy).

    Parameters
    ----------
    a : object
        Any value.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.backend import is_cupy
    >>> is_cupy(np.ones(2))
    False
    """
    return a is not None and (_is_cupy_sparse(a) or array_api_compat.is_cupy_array(a))


def namespace_of(*arrays):
    """The array-API namespace shared by ``arrays`` (NumPy's for Python scalars and lists).

    ``scipy.sparse`` matrices count as NumPy, ``cupyx.scipy.sparse`` matrices as CuPy
    (detection through :func:`array_api_compat.array_namespace`, which recognises CuPy
    arrays by class). Arrays from different libraries are rejected
    rather than converted, so data never moves between devices behind the user's back.

    Parameters
    ----------
    *arrays : array_like
        Arrays (or None, Python scalars, ``scipy.sparse`` matrices) to inspect.

    Returns
    -------
    module
        The array-API namespace.

    Raises
    ------
    InvalidProblemError
        If the arrays come from different array libraries.

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_strict as xps
    >>> from numopt.backend import namespace_of
    >>> namespace_of(xps.ones(2)).__name__
    'array_api_strict'
    >>> namespace_of(np.ones(2), None).__name__
    'array_api_compat.numpy'
    """
    if len(arrays) == 1 and type(arrays[0]) is np.ndarray:  # the hot path of every oracle
        return _numpy_namespace()
    # a cupyx.scipy.sparse matrix speaks for its data array (CuPy's namespace)
    dense = [a.data if _is_cupy_sparse(a) else a for a in arrays
             if a is not None and not _is_scipy_sparse(a)]
    dense = [a for a in dense if not isinstance(a, (int, float, complex, list, tuple))]
    if not dense:
        return array_api_compat.array_namespace(np.empty(0))
    try:
        return array_api_compat.array_namespace(*dense)
    except TypeError as err:
        kinds = sorted({type(a).__module__.split(".")[0] for a in dense})
        raise InvalidProblemError(
            f"input arrays come from different array libraries ({', '.join(kinds)}); convert "
            "them all to one library (e.g. all NumPy or all CuPy) before calling numopt."
        ) from err


@functools.cache
def _numpy_namespace():
    """NumPy's array-API namespace (what ``array_namespace`` returns for an ndarray)."""
    return array_api_compat.array_namespace(np.empty(0))


def is_numpy_namespace(xp):
    """True for NumPy's namespace (plain or array_api_compat-wrapped).

    Parameters
    ----------
    xp : module
        An array namespace.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.backend import is_numpy_namespace, namespace_of
    >>> is_numpy_namespace(namespace_of(np.ones(1)))
    True
    """
    return array_api_compat.is_numpy_namespace(xp)


def _is_scipy_sparse(a):
    return type(a).__module__.startswith("scipy.sparse")


def _is_cupy_sparse(a):
    return type(a).__module__.startswith("cupyx.scipy.sparse")


@functools.lru_cache(maxsize=1)
def cupy_status():
    """``(True, "")`` when CuPy imports and sees a CUDA device, else ``(False, reason)``.

    Never raises and never crashes on machines without a driver; the answer is cached.

    Returns
    -------
    tuple of (bool, str)
        Whether CuPy can run, and why not.

    Examples
    --------
    >>> from numopt.backend import cupy_status
    >>> ok, reason = cupy_status()
    >>> ok or "CuPy" in reason
    True
    """
    try:
        import cupy
    except ImportError:
        return False, (
            "CuPy is not installed; install it with: pip install cupy-cuda12x (CuPy for "
            "CUDA 12; numopt's \"gpu\" extra, from a checkout: pip install -e \".[gpu]\")"
        )
    except Exception as err:  # a broken CUDA install raises other errors at import
        return False, f"CuPy failed to import ({err}); check the CUDA installation."
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:
        return False, f"CuPy is installed but no usable CUDA device was found ({err})."
    if count < 1:
        return False, "CuPy is installed but no CUDA device is visible."
    return True, ""


def _numba_status():
    try:
        import numba  # noqa: F401
    except ImportError:
        return False, "numba is not installed; install it with: pip install numba"
    return True, ""


def resolve_backend(requested, *arrays, supported=("numpy", "numba", "cupy"), method=None):
    """Choose the backend for a solve.

    Parameters
    ----------
    requested : {"auto", "numpy", "numba", "cupy"}
        What the user asked for.
    *arrays : array_like
        The input data; their library decides ``auto`` and is never silently changed.
    supported : tuple of str
        Backends the method implements. Array-API inputs other than NumPy/CuPy run when the
        method supports ``"cupy"`` (the backend-generic path).
    method : str, optional
        Method name for error messages.

    Returns
    -------
    Backend

    Raises
    ------
    InvalidProblemError
        Unknown backend name, a backend the method lacks, or inputs that contradict the
        requested backend.
    BackendUnavailableError
        The requested backend cannot run here.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.backend import resolve_backend
    >>> resolve_backend("auto", np.ones(3)).name
    'numba'
    >>> resolve_backend("numpy", np.ones(3)).name
    'numpy'
    """
    from ..core.validate import check_choice

    check_choice("backend", requested, BACKENDS)
    label = f"method '{method}'" if method else "this method"
    xp = namespace_of(*arrays)
    cupy_sparse = any(_is_cupy_sparse(a) for a in arrays if a is not None)
    if cupy_sparse or array_api_compat.is_cupy_namespace(xp):
        if requested not in ("auto", "cupy"):
            raise InvalidProblemError(
                f"backend={requested!r} was requested but the inputs are CuPy arrays; pass "
                "backend='cupy' (or 'auto'), or move the inputs to NumPy with cupy.asnumpy."
            )
        name = "cupy"
    elif not is_numpy_namespace(xp):
        if requested != "auto":
            raise InvalidProblemError(
                f"backend={requested!r} was requested but the inputs are "
                f"{xp.__name__} arrays; use backend='auto' to compute in their namespace."
            )
        if "cupy" not in supported:
            raise InvalidProblemError(
                f"{label} has no backend-generic (array-API) path for {xp.__name__} arrays; "
                "pass NumPy arrays."
            )
        return Backend(xp.__name__, xp)
    elif requested == "auto":
        name = "numba" if "numba" in supported and _numba_status()[0] else "numpy"
    else:
        name = requested
    if name not in supported:
        raise InvalidProblemError(
            f"{label} has no {name!r} backend; available: {', '.join(supported)} "
            "(or 'auto')."
        )
    if name == "cupy":
        ok, reason = cupy_status()
        if not ok:
            raise BackendUnavailableError(f"backend='cupy' cannot run: {reason}")
        import cupy

        return Backend("cupy", array_api_compat.array_namespace(cupy.empty(0)))
    if name == "numba":
        ok, reason = _numba_status()
        if not ok:
            raise BackendUnavailableError(f"backend='numba' cannot run: {reason}")
    return Backend(name, array_api_compat.array_namespace(np.empty(0)))


def to_numpy(a):
    """Copy a CuPy / array-API array to NumPy (NumPy arrays and sparse matrices pass through).

    Parameters
    ----------
    a : array or None
        Any array-API array, ``scipy.sparse`` matrix or None.

    Returns
    -------
    numpy.ndarray, scipy.sparse matrix or None

    Examples
    --------
    >>> import array_api_strict as xps
    >>> from numopt.backend import to_numpy
    >>> to_numpy(xps.asarray([1.0, 2.0]))
    array([1., 2.])
    """
    if a is None or isinstance(a, np.ndarray) or _is_scipy_sparse(a):
        return a
    if is_cupy(a):
        return a.get()
    try:
        return np.from_dlpack(a)
    except (TypeError, RuntimeError, BufferError, AttributeError):
        return np.asarray(a)


def to_device(a, backend, dtype=None):
    """Put ``a`` in ``backend``'s namespace (moving NumPy data to the GPU for ``cupy``).

    Parameters
    ----------
    a : array_like or scipy.sparse matrix
        The data (sparse matrices stay sparse: ``cupyx.scipy.sparse`` on the GPU).
    backend : Backend
        From :func:`resolve_backend`.
    dtype : dtype, optional
        Target dtype of a dense result.

    Returns
    -------
    array

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.backend import resolve_backend, to_device
    >>> to_device([1, 2], resolve_backend("numpy", np.ones(1)), dtype=np.float64)
    array([1., 2.])
    """
    xp = backend.xp
    if backend.is_gpu and _is_scipy_sparse(a):
        import cupyx.scipy.sparse as cusparse

        return cusparse.csr_matrix(a)
    if _is_scipy_sparse(a):
        return a
    if dtype is None:
        return xp.asarray(a)
    return xp.asarray(a, dtype=dtype)
