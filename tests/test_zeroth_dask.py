"""The executor path on a dask.distributed LocalCluster (2 workers, threads)."""

import numpy as np
import pytest

import numopt as no


def quartic(x):
    return float(np.sum((x - 0.5) ** 4) + np.sum((x - 0.5) ** 2))


@pytest.fixture(scope="module")
def dask_executor():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client.get_executor()


def test_estimate_on_a_local_cluster_equals_the_serial_one(dask_executor):
    x = np.linspace(-1.0, 1.0, 6)
    for estimator in ("gaussian", "central", "sphere", "coordinate"):
        serial = no.zeroth.estimate_grad(quartic, x, estimator, num_dirs=1, rng=3)
        remote = no.zeroth.estimate_grad(quartic, x, estimator, num_dirs=1, rng=3,
                                         executor=dask_executor)
        np.testing.assert_array_equal(serial, remote)


def test_minimize_passes_the_executor_down(dask_executor):
    kwargs = dict(method="zo_gd", estimator="sphere", num_dirs=4, tol=1e-6, max_iter=60, seed=1)
    serial = no.minimize(quartic, np.zeros(4), **kwargs)
    remote = no.minimize(quartic, np.zeros(4), executor=dask_executor, **kwargs)
    np.testing.assert_array_equal(serial.x, remote.x)
    assert serial.nfev == remote.nfev
