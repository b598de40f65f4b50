"""Structured problems on dask arrays chunked by rows, on a dask.distributed LocalCluster:
oracles and fits agree with the in-memory problem, one pass per fused oracle, clear errors."""

import numpy as np
import pytest

import numopt as no

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def data(m=400, d=5, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, d))
    y = np.where(rng.random(m) < 1.0 / (1.0 + np.exp(-A @ np.linspace(-1, 1, d))), 1.0, -1.0)
    return A, y


def chunked(a, rows=100):
    return da.from_array(a, chunks=(rows,) + a.shape[1:])


@pytest.mark.slow
@pytest.mark.parametrize("family", ["least_squares", "logistic", "softmax"])
def test_oracles_and_fits_agree_with_memory(client, family):
    A, y = data()
    if family == "least_squares":
        memory = no.problems.LeastSquares(A, y, l2=0.5)
        remote = no.problems.LeastSquares(chunked(A), chunked(y), l2=0.5)
    elif family == "logistic":
        memory = no.problems.LogisticRegression(A, y, l2=0.5)
        remote = no.problems.LogisticRegression(chunked(A), chunked(y), l2=0.5)
    else:
        labels = (np.arange(A.shape[0]) * 7 + (A[:, 0] > 0)) % 3
        memory = no.problems.SoftmaxRegression(A, labels, l2=0.5)
        remote = no.problems.SoftmaxRegression(chunked(A), chunked(labels), l2=0.5)
    assert isinstance(remote, type(memory)) and remote.passes == 0
    x = np.random.default_rng(1).standard_normal(memory.dim) * 0.3
    assert abs(remote.fun(x) - memory.fun(x)) <= 1e-10 * abs(memory.fun(x))
    np.testing.assert_allclose(remote.grad(x), memory.grad(x), rtol=1e-10, atol=1e-10)
    assert remote.passes == 1  # value and gradient from one pass
    np.testing.assert_allclose(remote.hess(x), memory.hess(x), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(remote.hessp(x, x), memory.hessp(x, x), rtol=1e-10, atol=1e-10)
    for method in ("newton",) if family == "softmax" else ("newton", "lazy_newton",
                                                            "cubic_newton"):
        ref = no.minimize(memory, method=method, tol=1e-9)
        before = remote.passes
        res = no.minimize(remote, method=method, tol=1e-9)
        assert res.success and ref.success and res.nit == ref.nit
        np.testing.assert_allclose(res.x, ref.x, rtol=1e-10, atol=1e-10)
        # one pass per Hessian and one per new point whose value or gradient was asked for
        assert remote.passes - before <= res.nhev + res.nfev + res.njev


def test_newton_pass_count(client):
    A, y = data(m=600)
    p = no.problems.LogisticRegression(chunked(A, 150), chunked(y, 150), l2=1.0)
    res = no.minimize(p, method="newton", tol=1e-10)
    assert res.success
    # once two consecutive iterates asked for a Hessian, the pass at each accepted trial
    # point computes value, gradient and Hessian together: one pass per iteration, plus
    # the two separate Hessian passes of the first two iterates
    assert p.passes <= res.nit + 3, (p.passes, res.nit)
    assert p.counts["hess"] >= res.nit


def test_least_squares_gram_is_computed_once(client):
    A, y = data()
    p = no.problems.LeastSquares(chunked(A), chunked(y), l2=0.1)
    x = np.ones(A.shape[1])
    p.hess(x)
    passes = p.passes
    p.hess(x + 1.0)  # new point: one value+gradient pass, the Gram matrix is reused
    assert p.passes == passes + 1


@pytest.mark.parametrize("make, needed", [
    (lambda A, y: no.problems.LogisticRegression(
        da.from_array(A, chunks=(100, 2)), chunked(y)), r"rechunk\(\{1: -1\}\)"),
    (lambda A, y: no.problems.LogisticRegression(
        chunked(A), da.from_array(y, chunks=150)), r"aligned by rows"),
    (lambda A, y: no.problems.LeastSquares(chunked(A), np.ones(3)), r"shape \(400,\)"),
    (lambda A, y: no.problems.LogisticRegression(chunked(A), chunked((y + 1) / 2)),
     r"y = 2 \* y - 1"),
    (lambda A, y: no.problems.LeastSquares(chunked(np.where(A > 2, np.nan, A)), chunked(y)),
     "NaN or inf"),
])
def test_clear_errors(client, make, needed):
    A, y = data()
    with pytest.raises(no.InvalidProblemError, match=needed):
        make(A, y)


def test_numpy_targets_are_chunked_to_match(client):
    A, y = data()
    p = no.problems.LogisticRegression(chunked(A), y)
    assert p.y.chunks[0] == p.A.chunks[0]


@pytest.mark.filterwarnings("ignore::numopt.ConvergenceWarning")
def test_zeroth_executor_accepts_a_client(client):
    def quartic(x):
        return float(np.sum((x - 0.5) ** 4))

    kwargs = dict(method="zo_gd", estimator="sphere", num_dirs=2, max_iter=4, seed=1)
    serial = no.minimize(quartic, np.zeros(3), **kwargs)
    remote = no.minimize(quartic, np.zeros(3), executor=client, **kwargs)
    np.testing.assert_array_equal(serial.x, remote.x)


def test_progress_bar_per_pass(client, capsys):
    A, y = data()
    p = no.problems.LogisticRegression(chunked(A), chunked(y))
    p.progress = True
    quiet = no.problems.LogisticRegression(A, y)
    np.testing.assert_allclose(p.grad(np.ones(5)), quiet.grad(np.ones(5)), rtol=1e-12)
    assert p.passes == 1


def test_block_kernels_sum_over_row_tiles(monkeypatch):
    # a block of four row tiles (256 rows each at the smallest tile): the sums over the
    # tiles equal the whole-block oracles of the in-memory problems
    from numopt.problems import dask_data

    A, y = data(m=1000, d=7)
    assert len(dask_data.row_tiles(A)) == 1
    monkeypatch.setattr(dask_data, "TILE_BYTES", 1)
    assert [t.stop for t in dask_data.row_tiles(A)] == [256, 512, 768, 1000]
    x = np.linspace(-0.5, 0.5, 7)
    for block, memory in ((dask_data.logistic_block, no.problems.LogisticRegression),
                          (dask_data.least_squares_block, no.problems.LeastSquares)):
        value, gradient, hessian = block(A, y, x, True)
        dask_data._symmetrize(hessian)
        ref = memory(A, y)
        assert abs(value - ref.fun(x)) <= 1e-12 * abs(ref.fun(x))
        np.testing.assert_allclose(gradient, ref.grad(x), rtol=1e-11, atol=1e-9)
        np.testing.assert_allclose(hessian, ref.hess(x), rtol=1e-11, atol=1e-9)


def test_grouped_tasks_and_local_scheduler_agree(client):
    # one task per worker thread, each summing the chunks its worker holds (8 chunks on
    # 1 worker x 2 threads: 2 tasks of 4 chunks); and the plain dask path (no distributed
    # client: a tree sum in one dask.compute)
    import dask

    A, y = data()
    memory = no.problems.LogisticRegression(A, y, l2=0.5)
    x = np.linspace(-1.0, 1.0, 5)
    grouped = no.problems.LogisticRegression(chunked(A, 50), chunked(y, 50), l2=0.5)
    assert [len(blocks) for blocks, _ in grouped.data._groups] == [4, 4]
    with dask.config.set(scheduler="threads"):
        local = no.problems.LogisticRegression(chunked(A, 50), chunked(y, 50), l2=0.5)
        assert local.data._client is None
        for remote in (grouped, local):
            np.testing.assert_allclose(remote.hess(x), memory.hess(x), rtol=1e-10, atol=1e-10)
            np.testing.assert_allclose(remote.grad(x), memory.grad(x), rtol=1e-10, atol=1e-10)
            assert remote.passes == 1


def test_sparse_blocks_agree_with_memory(client):
    # scipy.sparse row blocks: the same one-pass oracles and Newton fit as the in-memory
    # sparse problem
    import scipy.sparse as sp

    A, y = data()
    S = sp.csr_matrix(np.where(np.abs(A) > 0.8, A, 0.0))
    memory = no.problems.LogisticRegression(S, y, l2=0.5)
    remote = no.problems.LogisticRegression(da.from_array(S, chunks=(100, 5), asarray=False),
                                            chunked(y), l2=0.5)
    x = np.linspace(-1.0, 1.0, 5)
    assert abs(remote.fun(x) - memory.fun(x)) <= 1e-10 * abs(memory.fun(x))
    np.testing.assert_allclose(remote.grad(x), memory.grad(x), rtol=1e-10, atol=1e-10)
    H = memory.hess(x)
    H = H.toarray() if sp.issparse(H) else H
    np.testing.assert_allclose(remote.hess(x), H, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(remote.hessp(x, x), memory.hessp(x, x), rtol=1e-10, atol=1e-10)
    res, ref = (no.minimize(p, method="newton", tol=1e-9) for p in (remote, memory))
    assert res.success and res.nit == ref.nit
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-10, atol=1e-10)


class _Blocks:
    """An array-like block type the kernels do not take (neither NumPy, CuPy nor sparse)."""

    def __init__(self, a):
        self.a, self.shape, self.dtype, self.ndim = a, a.shape, a.dtype, a.ndim

    def __getitem__(self, key):
        return _Blocks(self.a[key])

    def __array_function__(self, func, types, args, kwargs):
        return NotImplemented


def test_unsupported_block_type_names_the_fix(client):
    A, y = data()
    with pytest.raises(no.InvalidProblemError, match="_Blocks.*NumPy, CuPy or scipy.sparse"):
        no.problems.LogisticRegression(da.from_array(_Blocks(A), chunks=(100, 5),
                                                     asarray=False), chunked(y))


@pytest.mark.slow
def test_the_named_fix_for_pydata_sparse_blocks_works(client):
    sparse = pytest.importorskip("sparse")  # its first COO operations compile (seconds)
    A, y = data()
    coo = da.from_array(sparse.COO.from_numpy(np.where(A > 0.5, A, 0.0)), chunks=(100, 5))
    with pytest.raises(no.InvalidProblemError, match="to_scipy_sparse"):
        no.problems.LogisticRegression(coo, chunked(y))
    fixed = no.problems.LogisticRegression(
        coo.map_blocks(lambda b: b.to_scipy_sparse().tocsr()), chunked(y))
    memory = no.problems.LogisticRegression(np.where(A > 0.5, A, 0.0), y)
    np.testing.assert_allclose(fixed.grad(np.ones(5)), memory.grad(np.ones(5)), rtol=1e-10)
