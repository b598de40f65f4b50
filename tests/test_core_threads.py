"""numopt.backend.threads: thread counts for parallel numba kernels."""

import numba

from numopt.backend import threads


def test_small_work_is_serial_and_large_work_is_capped_by_numba():
    assert threads.kernel_threads(10, threshold=1000) == 1
    many = threads.kernel_threads(10**12, threshold=1, load_aware=False)
    assert many == numba.get_num_threads()


def test_numba_thread_limit_is_respected():
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        assert threads.kernel_threads(10**12, threshold=1, load_aware=False) == 1
    finally:
        numba.set_num_threads(before)


def test_busy_cores_make_kernels_serial(monkeypatch):
    monkeypatch.setattr(threads, "cpu_count", lambda: 4)
    monkeypatch.setattr(threads, "_openmp_limit", lambda: None)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (5.0, 5.0, 5.0))
    monkeypatch.setitem(threads._cache, "at", -1e9)
    assert threads.free_cores() == 1
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.0, 1.0, 1.0))
    monkeypatch.setitem(threads._cache, "at", -1e9)
    assert threads.free_cores() == 4
    monkeypatch.setattr(threads, "_openmp_limit", lambda: 2)  # threadpool_limits(2)
    monkeypatch.setitem(threads._cache, "at", -1e9)
    assert threads.free_cores() == 2


def test_run_with_threads_picks_the_twin_and_restores_numba_count():
    before = numba.get_num_threads()
    seen = []
    threads.run_with_threads(lambda: seen.append(("parallel", numba.get_num_threads())),
                             lambda: seen.append(("serial", 1)), 2)
    threads.run_with_threads(None, lambda: seen.append(("serial", 1)), 1)
    assert seen == [("parallel", min(2, before)), ("serial", 1)]
    assert numba.get_num_threads() == before
