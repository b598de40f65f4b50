"""Shared test set-up: a non-interactive matplotlib backend and small helper fixtures."""

import os

import numpy as np
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (CI included): a failure reproduces,
# and a green run means the same thing each time.
settings.register_profile("numopt", derandomize=True, database=None)
settings.load_profile("numopt")

os.environ.setdefault("MPLBACKEND", "Agg")  # before any pyplot import: tests never open windows


@pytest.fixture
def quadratic():
    """SciPy-style oracles of f(x) = sum((x - 1)^2) + sum(x^4) / 4, minimizer near 0.68."""

    def fun(x):
        return float(np.sum((x - 1.0) ** 2) + np.sum(x ** 4) / 4.0)

    def grad(x):
        return 2.0 * (x - 1.0) + x ** 3

    def hess(x):
        return 2.0 * np.eye(x.size) + np.diag(3.0 * x ** 2)

    return fun, grad, hess


@pytest.fixture
def fake_cupy(monkeypatch):
    """The CPU test double of CuPy (``tests/cupy_double.py``) installed as ``cupy``/``cupyx``
    for one test: arrays detected by class, no ``__array_namespace__``, no implicit NumPy
    conversion, host syncs counted in ``cupy_double.COUNTS``."""
    import cupy_double

    module = cupy_double.install(monkeypatch)
    yield module
    monkeypatch.undo()
    cupy_double.uninstall_caches()


@pytest.fixture
def cupy_device():
    """Real CuPy with a usable CUDA device, or skip (never error) where there is none."""
    cupy = pytest.importorskip("cupy")
    from numopt.backend import cupy_status

    ok, reason = cupy_status()
    if not ok:
        pytest.skip(reason)
    return cupy


@pytest.fixture(params=["double", pytest.param("gpu", marks=pytest.mark.gpu)])
def device_cupy(request, monkeypatch):
    """CuPy as a test sees it: the CPU double on every run, real CuPy under ``-m gpu``."""
    if request.param == "gpu":
        return request.getfixturevalue("cupy_device")
    import cupy_double

    module = cupy_double.install(monkeypatch)

    def restore():
        monkeypatch.undo()
        cupy_double.uninstall_caches()

    request.addfinalizer(restore)
    return module
