"""A CPU test double of CuPy's *detection and conversion surface*.

Real CuPy cannot run here (no GPU), and the CPU stand-in ``array_api_strict`` hides a class
of bugs because its arrays define ``__array_namespace__``. This double reproduces what matters
for numopt's dispatch:

* a module named ``cupy`` (plus ``cupy.linalg``, ``cupy.fft``, ``cupy.cuda``, ``cupyx``,
  ``cupyx.scipy.sparse`` …) injected through ``sys.modules``, so ``array_api_compat`` detects
  its arrays *by class*, exactly as it detects real CuPy arrays;
* ``cupy.ndarray`` without ``__array_namespace__`` and refusing implicit conversion to NumPy
  (``np.asarray(x)`` raises ``TypeError`` like CuPy's ``__array__``), and refusing NumPy
  operands in arithmetic;
* reductions return 0-d device arrays, so every ``float()``, ``int()``, ``bool()``,
  ``.item()``, ``.get()`` and ``cupy.asnumpy`` is a host synchronization — each one is
  counted in :data:`COUNTS` (the host-sync budget tests read it);
* ``cupy.linalg.cholesky`` of an indefinite matrix returns a finite, garbage factor with a
  positive diagonal unless ``cupyx.errstate(linalg="raise")`` is active (what CuPy does when
  it skips the devInfo check), so NaN-based failure checks are caught;
* ``cupyx.scipy.sparse.csr_matrix`` whose class lives in ``cupyx.scipy.sparse``.

Computation runs in NumPy/SciPy underneath. Use :func:`install` (the ``fake_cupy`` fixture of
``tests/conftest.py``) and never import this module's ``cupy`` outside that fixture.
"""

import collections
import contextlib
import sys
import types

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

#: host synchronizations and transfers since the last :func:`reset_counts`
COUNTS = collections.Counter()

_STATE = {"linalg": "ignore"}

_HOST_CONSTRUCTORS = {"asarray", "array", "asanyarray", "ascontiguousarray"}


def reset_counts():
    """Zero :data:`COUNTS`."""
    COUNTS.clear()


def syncs():
    """Total host synchronizations counted (scalar conversions plus device->host copies)."""
    return sum(COUNTS[k] for k in ("float", "int", "bool", "item", "to_host"))


class ndarray:  # noqa: N801  (CuPy's class name)
    """A device array stand-in: a NumPy array that refuses to leave the device implicitly."""

    __slots__ = ("_a",)

    def __init__(self, a):
        self._a = a

    # --- metadata (no sync) ---------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    dtype = property(lambda self: self._a.dtype)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray(self._a.T))
    mT = property(lambda self: ndarray(np.swapaxes(self._a, -1, -2)))
    real = property(lambda self: ndarray(self._a.real))
    imag = property(lambda self: ndarray(self._a.imag))
    device = property(lambda self: _Device(0))

    def __len__(self):
        return len(self._a)

    # --- CuPy refuses implicit conversion to NumPy -----------------------------------------
    def __array__(self, *args, **kwargs):
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
            "construct a NumPy array explicitly."
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        func = getattr(_module, ufunc.__name__, None)
        if method != "__call__" or func is None:
            return NotImplemented
        return func(*inputs, **kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        target = getattr(_module, func.__name__, None)
        if target is None:
            return NotImplemented
        return target(*args, **kwargs)

    # --- host synchronizations (counted) ----------------------------------------------------
    def get(self, stream=None, order="C", out=None):
        COUNTS["to_host"] += 1
        return np.array(self._a, copy=True)

    def item(self):
        COUNTS["item"] += 1
        return self._a.item()

    def tolist(self):
        COUNTS["to_host"] += 1
        return self._a.tolist()

    def __float__(self):
        COUNTS["float"] += 1
        return float(self._a)

    def __int__(self):
        COUNTS["int"] += 1
        return int(self._a)

    def __index__(self):
        COUNTS["int"] += 1
        return self._a.__index__()

    def __bool__(self):
        COUNTS["bool"] += 1
        return bool(self._a)

    def __complex__(self):
        COUNTS["float"] += 1
        return complex(self._a)

    def __repr__(self):
        return f"array({np.array2string(self._a, separator=', ')})"

    __str__ = __repr__

    def __format__(self, spec):
        COUNTS["float"] += 1
        return format(self._a.item() if self._a.ndim == 0 else self._a, spec)

    def __dlpack__(self, *args, **kwargs):
        raise BufferError("the CuPy double lives on a (pretend) device; use .get()")

    def __dlpack_device__(self):
        return (2, 0)  # kDLCUDA

    # --- array methods ---------------------------------------------------------------------
    def __getitem__(self, key):
        return ndarray(self._a[_unwrap_index(key)])

    def __setitem__(self, key, value):
        self._a[_unwrap_index(key)] = _unwrap_operand(value)

    def __iter__(self):
        for i in range(len(self._a)):
            yield ndarray(self._a[i])

    def copy(self, order="C"):
        return ndarray(self._a.copy())

    def astype(self, dtype, copy=True, **kwargs):
        return ndarray(self._a.astype(dtype, copy=copy))

    def reshape(self, *shape, **kwargs):
        return ndarray(self._a.reshape(*shape, **kwargs))

    def ravel(self, order="C"):
        return ndarray(self._a.ravel(order))

    def flatten(self, order="C"):
        return ndarray(self._a.flatten(order))

    def transpose(self, *axes):
        return ndarray(self._a.transpose(*axes))

    def fill(self, value):
        self._a.fill(value)

    def __getattr__(self, name):
        # reductions and the like: x.sum(), x.max(axis=0), x.dot(y), ...
        method = getattr(np.ndarray, name, None)
        if method is None or name.startswith("_"):
            raise AttributeError(f"'cupy.ndarray' object has no attribute {name!r}")

        def bound(*args, **kwargs):
            return _wrap(getattr(self._a, name)(*_unwrap(args), **_unwrap(kwargs)))

        return bound


ndarray.__module__ = "cupy"


def _binary(name):
    def op(self, other):
        other = _unwrap_operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _wrap(getattr(self._a, name)(other))

    op.__name__ = name
    return op


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and",
              "or", "xor", "lshift", "rshift", "lt", "le", "gt", "ge", "eq", "ne"):
    for _form in (f"__{_name}__", f"__r{_name}__", f"__i{_name}__"):
        if hasattr(np.ndarray, _form):
            setattr(ndarray, _form, _binary(_form))
for _name in ("__neg__", "__pos__", "__abs__", "__invert__"):
    setattr(ndarray, _name, (lambda n: lambda self: ndarray(getattr(self._a, n)()))(_name))
ndarray.__hash__ = None


def _unwrap_operand(other):
    if isinstance(other, ndarray):
        return other._a
    if isinstance(other, np.ndarray):
        raise TypeError(
            "Unsupported type <class 'numpy.ndarray'>: the CuPy double does not mix host "
            "(NumPy) arrays into device arithmetic; move them with cupy.asarray first."
        )
    if isinstance(other, (int, float, complex, bool, np.generic)):
        return other
    return NotImplemented


def _unwrap_index(key):
    if isinstance(key, tuple):
        return tuple(_unwrap_index(k) for k in key)
    if isinstance(key, ndarray):
        return key._a
    return key


def _unwrap(obj, host_ok=False):
    if isinstance(obj, ndarray):
        return obj._a
    if isinstance(obj, csr_matrix):
        return obj._m
    if isinstance(obj, np.ndarray) and not host_ok:
        raise TypeError(
            "Unsupported type <class 'numpy.ndarray'>: pass device arrays to cupy functions "
            "(cupy.asarray(host_array) moves host data explicitly)."
        )
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap(o, host_ok) for o in obj)
    if isinstance(obj, dict):
        return {k: _unwrap(v, host_ok) for k, v in obj.items()}
    return obj


def _wrap(obj):
    if isinstance(obj, np.ndarray):
        return ndarray(obj)
    if isinstance(obj, np.generic) and not isinstance(obj, np.dtype):
        return ndarray(np.asarray(obj))  # reductions return 0-d device arrays, as in CuPy
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_wrap(o) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_wrap(o) for o in obj)
    return obj


def _wrap_function(name, func):
    host_ok = name in _HOST_CONSTRUCTORS

    def wrapper(*args, **kwargs):
        kwargs.pop("device", None)
        if host_ok and args and _holds_host_data(args[0]):
            COUNTS["to_device"] += 1
        return _wrap(func(*_unwrap(args, host_ok), **_unwrap(kwargs, host_ok)))

    wrapper.__name__ = name
    wrapper.__qualname__ = name
    return wrapper


def _holds_host_data(obj):
    return isinstance(obj, (np.ndarray, list, tuple, int, float, np.generic))


class _Device:
    def __init__(self, device=None):
        self.id = 0 if device is None else getattr(device, "id", device)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __eq__(self, other):
        return isinstance(other, _Device)

    def __hash__(self):
        return 0

    def __repr__(self):
        return "<CUDA Device 0 (CuPy double)>"

    def synchronize(self):
        COUNTS["synchronize"] += 1


class ReductionKernel:
    """``cupy.ReductionKernel`` for sum reductions whose map expression is also valid Python
    (``exp``, ``log``, arithmetic): evaluated with NumPy broadcasting, then summed."""

    _FUNCS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs}

    def __init__(self, in_params, out_params, map_expr, reduce_expr, post_map_expr, identity,
                 name="reduction"):
        if reduce_expr.replace(" ", "") != "a+b":
            raise RuntimeError(f"the CuPy double only emulates sum reductions, not {reduce_expr}")
        self.names = [p.split()[-1] for p in in_params.split(",")]
        self.map_expr = map_expr

    def __call__(self, *args, axis=None):
        env = dict(self._FUNCS)
        env.update({n: _unwrap_operand(a) for n, a in zip(self.names, args, strict=False)})
        mapped = eval(self.map_expr, {"__builtins__": {}}, env)  # noqa: S307 (test double)
        return _wrap(np.sum(mapped, axis=axis))


def _asnumpy(a, stream=None, order="C", out=None):
    if isinstance(a, ndarray):
        return a.get()
    return np.asarray(a)


def _linalg_module():
    linalg = types.ModuleType("cupy.linalg")
    for name in dir(np.linalg):
        func = getattr(np.linalg, name)
        if callable(func) and not name.startswith("_") and not isinstance(func, type):
            setattr(linalg, name, _wrap_function(name, func))
    linalg.LinAlgError = np.linalg.LinAlgError

    def cholesky(a, *args, **kwargs):
        a = _unwrap(a)
        try:
            return ndarray(np.linalg.cholesky(a))
        except np.linalg.LinAlgError:
            if _STATE["linalg"] == "raise":
                raise
            # CuPy skips the devInfo check by default: the factor is left partially
            # computed and need not contain NaN. Return finite garbage with a positive
            # diagonal, the worst case for a NaN- or diagonal-based failure check.
            garbage = np.tril(a).astype(np.float64, copy=True)
            np.fill_diagonal(garbage, np.abs(np.diagonal(a)) + 1.0)
            return ndarray(garbage)

    linalg.cholesky = cholesky
    return linalg


def _errstate(linalg=None):
    @contextlib.contextmanager
    def manager():
        previous = dict(_STATE)
        if linalg is not None:
            _STATE["linalg"] = linalg
        try:
            yield
        finally:
            _STATE.update(previous)

    return manager()


class csr_matrix:  # noqa: N801  (cupyx's class name)
    """``cupyx.scipy.sparse.csr_matrix`` stand-in (a SciPy CSR matrix kept 'on device')."""

    format = "csr"
    ndim = 2

    def __init__(self, arg, shape=None, dtype=None, copy=False):
        if isinstance(arg, csr_matrix):
            m = arg._m
        elif isinstance(arg, tuple) and len(arg) == 3:
            data, indices, indptr = (_unwrap(a) for a in arg)
            m = scipy.sparse.csr_matrix((data, indices, indptr), shape=shape)
        elif isinstance(arg, ndarray):
            m = scipy.sparse.csr_matrix(arg._a)
        elif scipy.sparse.issparse(arg):
            COUNTS["to_device"] += 1
            m = scipy.sparse.csr_matrix(arg)
        else:
            raise TypeError(f"csr_matrix of {type(arg).__name__} is not supported by the double")
        if dtype is not None:
            m = m.astype(dtype)
        self._m = m.copy() if copy else m

    shape = property(lambda self: self._m.shape)
    nnz = property(lambda self: self._m.nnz)
    dtype = property(lambda self: self._m.dtype)
    data = property(lambda self: ndarray(self._m.data))
    indices = property(lambda self: ndarray(self._m.indices))
    indptr = property(lambda self: ndarray(self._m.indptr))
    T = property(lambda self: csr_matrix(self._m.T.tocsr()))
    has_canonical_format = property(lambda self: self._m.has_canonical_format)

    def get(self, stream=None):
        COUNTS["to_host"] += 1
        return self._m.copy()

    def tocsr(self, copy=False):
        return csr_matrix(self._m.copy() if copy else self._m)

    def astype(self, dtype):
        return csr_matrix(self._m.astype(dtype))

    def copy(self):
        return csr_matrix(self._m.copy())

    def diagonal(self, k=0):
        return ndarray(self._m.diagonal(k))

    def sum_duplicates(self):
        self._m.sum_duplicates()

    def transpose(self):
        return self.T

    def multiply(self, other):
        return _sparse_out(self._m.multiply(_unwrap(other)))

    def dot(self, other):
        return self @ other

    def __matmul__(self, other):
        if isinstance(other, np.ndarray):
            raise TypeError("the CuPy double refuses a NumPy operand for a cupyx matrix")
        return _sparse_out(self._m @ _unwrap(other))

    def __rmatmul__(self, other):
        return _sparse_out(_unwrap(other) @ self._m)

    def __mul__(self, other):
        if isinstance(other, (int, float, np.generic)):
            return csr_matrix(self._m * other)
        return self @ other

    __rmul__ = __mul__

    def __add__(self, other):
        return _sparse_out(self._m + _unwrap(other))

    __radd__ = __add__

    def __sub__(self, other):
        return _sparse_out(self._m - _unwrap(other))

    def __neg__(self):
        return csr_matrix(-self._m)

    def __getitem__(self, key):
        return _sparse_out(self._m[_unwrap_index(key)])

    def toarray(self):
        return ndarray(self._m.toarray())


csr_matrix.__module__ = "cupyx.scipy.sparse._csr"


def _sparse_out(obj):
    if scipy.sparse.issparse(obj):
        return csr_matrix(scipy.sparse.csr_matrix(obj))
    return _wrap(np.asarray(obj) if isinstance(obj, np.matrix) else obj)


def _sparse_module():
    sparse = types.ModuleType("cupyx.scipy.sparse")
    sparse.csr_matrix = csr_matrix
    sparse.spmatrix = csr_matrix
    sparse.issparse = lambda a: isinstance(a, csr_matrix)
    sparse.isspmatrix = sparse.issparse
    sparse.isspmatrix_csr = sparse.issparse
    sparse.identity = lambda n, dtype=float, format="csr": csr_matrix(
        scipy.sparse.identity(n, dtype=dtype, format="csr"))
    sparse.eye = lambda n, m=None, k=0, dtype=float, format="csr": csr_matrix(
        scipy.sparse.eye(n, m, k=k, dtype=dtype, format="csr"))
    sparse.diags = lambda diagonals, offsets=0, shape=None, format="csr", dtype=None: csr_matrix(
        scipy.sparse.diags(_unwrap(diagonals), offsets, shape=shape, format="csr", dtype=dtype))
    linalg = types.ModuleType("cupyx.scipy.sparse.linalg")

    class LinearOperator(scipy.sparse.linalg.LinearOperator):
        def __init__(self, shape, matvec, dtype=np.float64, **kwargs):
            super().__init__(dtype=dtype, shape=shape)
            self._device_matvec = matvec

        def _matvec(self, v):
            return _unwrap(self._device_matvec(ndarray(np.asarray(v).ravel())))

    def cg(A, b, x0=None, tol=1e-5, maxiter=None, M=None, callback=None, atol=None):
        operator = A._m if isinstance(A, csr_matrix) else A
        precond = M._m if isinstance(M, csr_matrix) else M
        x, info = scipy.sparse.linalg.cg(
            operator, _unwrap(b), x0=None if x0 is None else _unwrap(x0), rtol=tol,
            atol=0.0 if atol is None else atol, maxiter=maxiter, M=precond)
        COUNTS["bool"] += 1  # the convergence test of a device CG syncs once per iteration
        return ndarray(x), info

    linalg.LinearOperator = LinearOperator
    linalg.cg = cg
    sparse.linalg = linalg
    return sparse, linalg


def build():
    """The fake modules, ``{name: module}``, ready for ``sys.modules``."""
    global _module
    cupy = types.ModuleType("cupy")
    cupy.__file__ = __file__
    cupy.__version__ = "13.99.0+double"
    public = [n for n in dir(np) if not n.startswith("_")]
    for name in public:
        obj = getattr(np, name)
        if isinstance(obj, type) or isinstance(obj, (float, int)) or name in ("linalg", "fft",
                                                                              "random"):
            setattr(cupy, name, obj)  # dtypes, constants
        elif callable(obj):
            setattr(cupy, name, _wrap_function(name, obj))
    cupy.ndarray = ndarray
    cupy.asnumpy = _asnumpy
    cupy.get_array_module = lambda *arrays: cupy
    cupy.__all__ = [n for n in dir(cupy) if not n.startswith("_")]
    linalg = _linalg_module()
    cupy.linalg = linalg
    fft = types.ModuleType("cupy.fft")
    for name in dir(np.fft):
        if not name.startswith("_") and callable(getattr(np.fft, name)):
            setattr(fft, name, _wrap_function(name, getattr(np.fft, name)))
    cupy.fft = fft

    cuda = types.ModuleType("cupy.cuda")
    device = types.ModuleType("cupy.cuda.device")
    device.Device = _Device
    runtime = types.ModuleType("cupy.cuda.runtime")
    runtime.getDeviceCount = lambda: 1
    runtime.getDeviceProperties = lambda i: {"name": b"CuPy double (CPU)"}
    runtime.deviceSynchronize = lambda: COUNTS.update(["synchronize"])
    cuda.Device = _Device
    cuda.device = device
    cuda.runtime = runtime
    cupy.cuda = cuda

    def raw_kernel(*args, **kwargs):
        raise RuntimeError("the CuPy double cannot compile CUDA kernels; patch the caller")

    cupy.ReductionKernel = ReductionKernel
    cupy.ElementwiseKernel = raw_kernel
    cupy.RawKernel = raw_kernel

    cupyx = types.ModuleType("cupyx")
    cupyx.errstate = _errstate
    cupyx.geterr = lambda: dict(_STATE)
    cupyx_scipy = types.ModuleType("cupyx.scipy")
    sparse, sparse_linalg = _sparse_module()
    scipy_linalg = types.ModuleType("cupyx.scipy.linalg")
    scipy_linalg.solve_triangular = _wrap_function("solve_triangular",
                                                   scipy.linalg.solve_triangular)
    cupyx_scipy.sparse = sparse
    cupyx_scipy.linalg = scipy_linalg
    cupyx.scipy = cupyx_scipy
    _module = cupy
    return {
        "cupy": cupy, "cupy.linalg": linalg, "cupy.fft": fft, "cupy.cuda": cuda,
        "cupy.cuda.device": device, "cupy.cuda.runtime": runtime, "cupyx": cupyx,
        "cupyx.scipy": cupyx_scipy, "cupyx.scipy.sparse": sparse,
        "cupyx.scipy.sparse.linalg": sparse_linalg, "cupyx.scipy.linalg": scipy_linalg,
    }


_module = None


def install(monkeypatch):
    """Put the double in ``sys.modules`` for one test (undone by ``monkeypatch``)."""
    from numopt.backend import namespace

    modules = build()
    for name in [n for n in sys.modules if n.startswith("array_api_compat.cupy")]:
        monkeypatch.delitem(sys.modules, name)
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    _clear_caches()
    monkeypatch.setattr(namespace, "cupy_status", _cached_ok)
    reset_counts()
    _STATE["linalg"] = "ignore"
    return modules["cupy"]


def uninstall_caches():
    """Forget the double in ``array_api_compat``'s class caches (after the test)."""
    _clear_caches()
    for name in [n for n in sys.modules if n.startswith("array_api_compat.cupy")]:
        del sys.modules[name]


def _cached_ok():
    return True, ""


def _clear_caches():
    """Forget every cached object built from whichever ``cupy`` was imported (the double's
    or the real one), so neither leaks into the other's tests."""
    from array_api_compat.common import _helpers

    from numopt.transport import ops

    ops._cupy_kernel.cache_clear()

    for name in ("_issubclass_fast", "is_cupy_namespace", "_is_array_api_cls"):
        func = getattr(_helpers, name, None)
        if hasattr(func, "cache_clear"):
            func.cache_clear()
