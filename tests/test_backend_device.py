"""Every family from the same call on CuPy arrays: through the CPU double of CuPy on every
run (arrays detected by class, no ``__array_namespace__``, no implicit NumPy conversion), and
on a real GPU under ``pytest -m gpu``."""

import numpy as np
import pytest
import scipy.sparse as sp

import numopt as no
from numopt.backend import is_cupy, is_device_array, namespace_of, resolve_backend, to_numpy


def data(m=40, d=5, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, d))
    y = np.where(A @ np.linspace(-1, 1, d) + rng.standard_normal(m) > 0, 1.0, -1.0)
    return A, y


def poisson(n):
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n))
    return (sp.kron(sp.eye(n), T) + sp.kron(T, sp.eye(n))).tocsr()


def test_double_reproduces_cupys_detection_surface(fake_cupy):
    cp = fake_cupy
    import cupyx.scipy.sparse as cusparse

    x = cp.asarray(np.ones(3))
    assert not hasattr(x, "__array_namespace__")  # the gate this double exists to catch
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(x)
    A = cusparse.csr_matrix(sp.eye(3, format="csr"))
    assert is_device_array(x) and is_cupy(x) and is_cupy(A) and not is_cupy(np.ones(2))
    assert namespace_of(x, A).__name__ == "array_api_compat.cupy"
    assert resolve_backend("auto", x).name == "cupy"
    assert resolve_backend("auto", A, x).name == "cupy"
    assert np.array_equal(to_numpy(x), np.ones(3)) and sp.issparse(to_numpy(A.get()))
    with pytest.raises(no.InvalidProblemError, match="different array libraries"):
        namespace_of(x, __import__("array_api_strict").ones(2))


@pytest.mark.parametrize("method", ["gd", "newton"])
def test_minimize_callables_on_device(device_cupy, method):
    cp = device_cupy

    def fun(x):
        return float(cp.sum((x - 1.0) ** 2) + cp.sum(x ** 4) / 4.0)

    def grad(x):
        return 2.0 * (x - 1.0) + x ** 3

    def hess(x):
        return cp.diag(2.0 + 3.0 * x ** 2)

    start = np.array([0.5, -1.0, 2.0])
    res = no.minimize(fun, cp.asarray(start), jac=grad, hess=hess, method=method)
    ref = no.minimize(lambda x: float(np.sum((x - 1) ** 2) + np.sum(x ** 4) / 4), start,
                      jac=lambda x: 2 * (x - 1) + x ** 3,
                      hess=lambda x: np.diag(2 + 3 * x ** 2), method=method, backend="numpy")
    assert res.backend == "cupy" and isinstance(res.x, cp.ndarray)
    assert res.success and res.nit == ref.nit
    np.testing.assert_allclose(cp.asnumpy(res.x), ref.x, rtol=1e-12, atol=1e-12)


def _family(name, xp_asarray, A, y):
    if name == "least_squares":
        return no.problems.LeastSquares(xp_asarray(A), xp_asarray(y), l2=0.5)
    if name == "logistic":
        return no.problems.LogisticRegression(xp_asarray(A), xp_asarray(y), l2=0.5)
    labels = (y > 0).astype(int) + (A[:, 0] > 0)
    return no.problems.SoftmaxRegression(xp_asarray(A), labels, l2=0.5)


@pytest.mark.filterwarnings("ignore::numopt.ConvergenceWarning")
@pytest.mark.parametrize("family", ["least_squares", "logistic", "softmax"])
@pytest.mark.parametrize("method", ["gd", "newton", "cubic_newton", "lazy_newton"])
def test_structured_problems_on_device(device_cupy, family, method):
    cp = device_cupy
    A, y = data()
    host = _family(family, np.asarray, A, y)
    device = _family(family, cp.asarray, A, y)
    options = dict(tol=1e-8, max_iter=25)
    ref = no.minimize(host, method=method, backend="numpy", **options)
    res = no.minimize(device, method=method, **options)
    assert res.backend == "cupy" and isinstance(res.x, cp.ndarray)
    assert res.success == ref.success and res.nit == ref.nit
    assert res.success or method == "gd"
    np.testing.assert_allclose(cp.asnumpy(res.x), ref.x, rtol=1e-9, atol=1e-10)


def test_cholesky_failure_is_detected_without_nans(device_cupy):
    # CuPy skips the devInfo check by default: the double returns a finite factor with a
    # positive diagonal for an indefinite matrix, so only a real check reports the failure
    cp = device_cupy
    from numopt.second_order.linalg import cholesky

    xp = namespace_of(cp.ones(1))
    H = cp.asarray(np.array([[1.0, 2.0], [2.0, 1.0]]))  # eigenvalues 3, -1
    assert cholesky(xp, H) is None
    factor = cholesky(xp, H, shift=1.5)
    assert factor is not None
    np.testing.assert_allclose(cp.asnumpy(factor.solve(cp.asarray([4.5, 4.5]))), [1.0, 1.0])


def test_newton_on_an_indefinite_start_on_device(device_cupy):
    cp = device_cupy

    def fun(x):
        return float(cp.sum(x ** 4) / 4.0 - cp.sum(x ** 2) / 2.0 + 0.1 * x[0])

    def grad(x):
        return x ** 3 - x + cp.asarray([0.1, 0.0])

    def hess(x):
        return cp.diag(3.0 * x ** 2 - 1.0)

    res = no.minimize(fun, cp.asarray([0.1, 0.2]), jac=grad, hess=hess, method="newton")
    assert res.success and float(cp.min(cp.diag(hess(res.x)))) > 0  # a minimum, not a saddle


def test_red_black_sor_on_cupyx_csr(device_cupy):
    cp = device_cupy
    import cupyx.scipy.sparse as cusparse

    A, b = poisson(8), np.linspace(0.0, 1.0, 64)
    host = no.linear.sor(A, b, omega=1.5, ordering="red_black", tol=1e-9)
    res = no.linear.sor(cusparse.csr_matrix(A), cp.asarray(b), omega=1.5, tol=1e-9)
    assert res.backend == "cupy" and res.nit == host.nit
    np.testing.assert_allclose(cp.asnumpy(res.x), host.x, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log", "sns"])
def test_transport_on_device(device_cupy, method):
    cp = device_cupy
    rng = np.random.default_rng(0)
    n = 30
    a, b = np.full(n, 1.0 / n), rng.random(n) + 0.5
    b /= b.sum()
    M = rng.random((n, n))
    ref = no.transport.sinkhorn(a, b, M, 0.05, method=method, tol=1e-9, backend="numpy")
    res = no.transport.sinkhorn(cp.asarray(a), cp.asarray(b), cp.asarray(M), 0.05,
                                method=method, tol=1e-9)
    assert res.backend == "cupy" and res.success == ref.success
    np.testing.assert_allclose(to_numpy(res.fun), ref.fun, rtol=1e-8)


def test_batched_zeroth_evaluation_on_device(device_cupy):
    cp = device_cupy
    from numopt.zeroth.evaluate import Evaluator

    def f(X):  # the user's batched function runs on the device and returns device values
        Xd = cp.asarray(X)
        return cp.sum((Xd - 0.5) ** 2, axis=1)

    X = np.random.default_rng(0).standard_normal((16, 4))
    values = Evaluator(f, batched=True)(X)
    assert isinstance(values, np.ndarray)
    np.testing.assert_allclose(values, np.sum((X - 0.5) ** 2, axis=1), rtol=1e-14)


@pytest.mark.slow
def test_dask_with_device_blocks(device_cupy):
    cp = device_cupy
    da = pytest.importorskip("dask.array")
    A, y = data(m=60)
    blocks = da.from_array(cp.asarray(A), chunks=(20, 5), asarray=False)
    labels = da.from_array(cp.asarray(y), chunks=20, asarray=False)
    remote = no.problems.LogisticRegression(blocks, labels, l2=0.5)
    host = no.problems.LogisticRegression(A, y, l2=0.5)
    x = np.linspace(-0.3, 0.3, 5)
    np.testing.assert_allclose(remote.grad(x), host.grad(x), rtol=1e-12)
    np.testing.assert_allclose(remote.hess(x), host.hess(x), rtol=1e-12)


@pytest.mark.parametrize("method, options", [("bcd", {}), ("zo_gd", {})])
def test_cpu_only_families_refuse_device_data(device_cupy, method, options):
    # coordinate descent and the zeroth-order methods have no CuPy path: they say so,
    # naming their backends, instead of copying the data to the host behind the user's back
    cp = device_cupy
    A, y = data()
    problem = no.problems.LeastSquares(cp.asarray(A), cp.asarray(y), l2=0.5)
    with pytest.raises(no.InvalidProblemError, match="has no 'cupy' backend; available"):
        no.minimize(problem, method=method, **options)


def test_constrained_family_refuses_device_data(device_cupy):
    cp = device_cupy

    def fun(x):
        return float(cp.sum(x ** 2))

    eq = no.Equality(lambda x: cp.reshape(cp.sum(x) - 1.0, (1,)), lambda x: cp.ones((1, 3)))
    problem = no.Problem(fun, grad=lambda x: 2 * x, hess=lambda x: 2 * cp.eye(3),
                         x0=cp.zeros(3), eq=eq)
    with pytest.raises(no.InvalidProblemError, match="has no 'cupy' backend; available"):
        no.minimize(problem, method="alm_sketch")
