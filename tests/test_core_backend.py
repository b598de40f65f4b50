"""Backends: resolution, mixtures, CuPy availability, and the array-API generic path."""

import array_api_strict as xps
import numpy as np
import pytest
import scipy.sparse as sp

import numopt as no
from numopt.backend import cupy_status, namespace_of, resolve_backend, to_device, to_numpy


def test_resolve_backend_from_inputs():
    assert resolve_backend("auto", np.ones(3)).name == "numba"
    assert resolve_backend("auto", np.ones(3), supported=("numpy", "cupy")).name == "numpy"
    assert resolve_backend("numpy", np.ones(3), sp.eye(3)).name == "numpy"
    strict = resolve_backend("auto", xps.ones(3))
    assert strict.name == "array_api_strict" and not strict.is_gpu


@pytest.mark.parametrize("call, needed", [
    (lambda: resolve_backend("torch", np.ones(2)), r"backend='torch' is not valid"),
    (lambda: resolve_backend("numba", np.ones(2), supported=("numpy",), method="m"),
     "method 'm' has no 'numba' backend; available: numpy"),
    (lambda: resolve_backend("numpy", xps.ones(2)), "use backend='auto'"),
    (lambda: resolve_backend("auto", xps.ones(2), supported=("numpy", "numba")),
     "no backend-generic"),
    (lambda: namespace_of(np.ones(2), xps.ones(2)), "different array libraries"),
])
def test_backend_errors(call, needed):
    with pytest.raises(no.InvalidProblemError, match=needed):
        call()


def test_mixed_inputs_rejected_by_minimize():
    def fun(x):
        return float(xps.sum(x * x))

    p = no.problems.LeastSquares(np.eye(2), np.ones(2))
    with pytest.raises(no.InvalidProblemError, match="different array libraries"):
        no.minimize(p, xps.zeros(2, dtype=xps.float64), method="gd")
    assert fun(xps.ones(2)) == 2.0


@pytest.mark.skipif(cupy_status()[0], reason="CuPy with a GPU is present")
def test_cupy_unavailable_names_the_extra():
    ok, reason = cupy_status()
    assert not ok and reason
    with pytest.raises(no.BackendUnavailableError, match=r"numopt\[gpu\]|CUDA"):
        resolve_backend("cupy", np.ones(2))
    with pytest.raises(no.BackendUnavailableError, match=r"numopt\[gpu\]|CUDA"):
        no.minimize(lambda x: float(x @ x), np.ones(2), jac=lambda x: 2 * x, method="gd",
                    backend="cupy")


@pytest.mark.gpu
def test_cupy_round_trip():
    cupy = pytest.importorskip("cupy")
    if not cupy_status()[0]:
        pytest.skip("no usable CUDA device")
    backend = resolve_backend("cupy", np.ones(2))
    x = to_device(np.arange(3.0), backend)
    assert isinstance(x, cupy.ndarray) and np.array_equal(to_numpy(x), np.arange(3.0))


def test_to_numpy_and_to_device():
    backend = resolve_backend("auto", xps.ones(2))
    x = to_device(np.arange(3.0), backend, dtype=backend.xp.float64)
    assert type(x).__module__.startswith("array_api_strict")
    assert np.array_equal(to_numpy(x), np.arange(3.0))
    A = sp.eye(2, format="csr")
    assert to_numpy(A) is A and to_numpy(None) is None


def strict_oracles(xp):
    def fun(x):
        return float(xp.sum((x - 1.0) ** 2) + xp.sum(x ** 4) / 4.0)

    def grad(x):
        return 2.0 * (x - 1.0) + x ** 3

    def hess(x):
        n = x.shape[0]
        return 2.0 * xp.eye(n, dtype=xp.float64) + xp.eye(n, dtype=xp.float64) * (3.0 * x ** 2)

    return fun, grad, hess


@pytest.mark.parametrize("method", ["gd", "newton"])
def test_array_api_strict_matches_numpy(method):
    start = [0.5, -1.0, 2.0, 0.0]
    strict = no.minimize(*strict_oracles(xps)[:1], xps.asarray(start, dtype=xps.float64),
                         jac=strict_oracles(xps)[1], hess=strict_oracles(xps)[2], method=method)
    plain = no.minimize(*strict_oracles(np)[:1], np.asarray(start), jac=strict_oracles(np)[1],
                        hess=strict_oracles(np)[2], method=method, backend="numpy")
    assert strict.backend == "array_api_strict" and plain.backend == "numpy"
    assert type(strict.x).__module__.startswith("array_api_strict")
    assert strict.success and plain.success and strict.nit == plain.nit
    assert np.allclose(to_numpy(strict.x), plain.x, rtol=1e-12, atol=1e-14)


def test_structured_problem_on_array_api_strict():
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((20, 4)), rng.standard_normal(20)
    p_np = no.problems.LeastSquares(A, b, l2=0.1)
    p_strict = no.problems.LeastSquares(xps.asarray(A), xps.asarray(b), l2=0.1)
    for method in ("gd", "newton"):
        a = no.minimize(p_np, method=method, backend="numpy", tol=1e-6)
        b_ = no.minimize(p_strict, method=method, tol=1e-6)
        assert b_.backend == "array_api_strict" and a.success and b_.success
        assert b_.nit == a.nit and np.allclose(to_numpy(b_.x), a.x, atol=1e-10)


def test_cupy_backend_refuses_a_problem_holding_numpy_data(monkeypatch):
    # Stand in for a GPU machine: the check must refuse host data, never move it silently.
    import numopt.core.solver as solver_module
    from numopt.backend import Backend

    fake_gpu = Backend("cupy", namespace_of(np.ones(1)))
    monkeypatch.setattr(solver_module, "resolve_backend", lambda *a, **k: fake_gpu)
    p = no.problems.LeastSquares(np.eye(2), np.ones(2))
    with pytest.raises(no.InvalidProblemError, match="build the problem from CuPy arrays"):
        no.minimize(p, method="gd", backend="cupy")


def test_no_array_namespace_gates_outside_the_backend():
    # cupy.ndarray has no __array_namespace__: gating on it sends CuPy input to np.asarray.
    # Device detection lives in numopt.backend (is_device_array / namespace_of) only.
    import pathlib
    import re

    root = pathlib.Path(no.__file__).parent
    gate = re.compile(r"hasattr\([^)]*__array_namespace__")
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if gate.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
