"""How many threads a parallel numba kernel should use, and its serial twin.

numba's parallel regions wake every worker thread of its pool. On a machine whose cores are
busy (a dask worker, a process pool, a loaded notebook server) the region waits for the
slowest thread, and small kernels pay the wake-up for nothing: issue 14 measured SNS at 1.0 s
with numba's 2 threads against 0.06 s with 1 thread beside two busy processes. So a kernel
runs in parallel only when

* its work is above a size threshold measured for that kernel (a few milliseconds of serial
  work: below it the wake-up costs more than it saves), and
* more than one core is actually free: the count is capped by numba's own limit
  (``NUMBA_NUM_THREADS`` / :func:`numba.set_num_threads`), by an OpenMP limit set through
  ``threadpoolctl`` (``threadpool_limits(1)`` around numopt makes its kernels serial), by the
  CPUs this process may run on, and by the cores left idle by the load average.

:func:`kernel_threads` returns the count (1 means "call the serial twin");
:func:`serial_twin` compiles the serial twin of a parallel kernel under its own cache name.
Families call :func:`kernel_threads` from their kernel wrappers (linear: red–black SOR;
transport and coordinate use it for theirs).
"""

import os
import time
import types as types_module

#: seconds between two reads of the load average / threadpoolctl limits
REFRESH_SECONDS = 1.0

_cache = {"at": -1.0, "free": 1}


def cpu_count():
    """CPUs this process may run on (its affinity mask; ``os.cpu_count()`` elsewhere).

    Examples
    --------
    >>> from numopt.backend.threads import cpu_count
    >>> cpu_count() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _openmp_limit():
    """The smallest OpenMP thread limit set through threadpoolctl (None when absent)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    limits = [info.get("num_threads") for info in threadpool_info()
              if info.get("user_api") == "openmp" and info.get("num_threads")]
    return min(limits) if limits else None


def free_cores():
    """Cores not busy with other work: the CPUs of this process minus the 1-minute load
    average (this process counted as one), at least 1; refreshed every
    :data:`REFRESH_SECONDS`.

    Returns
    -------
    int

    Examples
    --------
    >>> from numopt.backend.threads import cpu_count, free_cores
    >>> 1 <= free_cores() <= cpu_count()
    True
    """
    now = time.monotonic()
    if now - _cache["at"] >= REFRESH_SECONDS:
        cpus = cpu_count()
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            load = 0.0
        # the caller itself is one of the running tasks the load average counts
        free = int(cpus - max(load - 1.0, 0.0) + 0.5)
        limit = _openmp_limit()
        if limit is not None:
            free = min(free, limit)
        _cache.update(at=now, free=max(1, min(cpus, free)))
    return _cache["free"]


def kernel_threads(work, threshold, *, load_aware=True):
    """Threads for one call of a parallel kernel.

    Parameters
    ----------
    work : int or float
        The call's work in the kernel's own unit (stored entries, rows x columns, ...).
    threshold : int or float
        The work one thread does in a few milliseconds, measured for this kernel; below it
        the call runs serially, and each further thread needs another ``threshold`` of work.
    load_aware : bool, default True
        Also cap by :func:`free_cores` (False: only numba's and OpenMP's limits).

    Returns
    -------
    int
        1 (use the serial twin) up to numba's current thread count.

    Examples
    --------
    >>> from numopt.backend.threads import kernel_threads
    >>> kernel_threads(10, threshold=1_000)
    1
    >>> kernel_threads(10**9, threshold=1_000) >= 1
    True
    """
    if work < threshold:
        return 1
    import numba

    cap = numba.get_num_threads()  # NUMBA_NUM_THREADS or numba.set_num_threads
    if load_aware:
        cap = min(cap, free_cores())
    else:
        limit = _openmp_limit()
        cap = cap if limit is None else min(cap, limit)
    return max(1, min(cap, int(work // threshold)))


def serial_twin(kernel, cache=True):
    """Compile the serial twin of a Python kernel written with ``numba.prange``.

    numba's on-disk cache is keyed by the function's qualified name, not its compile
    options, so the twin gets its own name (``<name>_serial``); otherwise the parallel
    dispatcher could load the serial machine code from the cache or the reverse.

    Parameters
    ----------
    kernel : function
        The plain Python function (not a dispatcher).
    cache : bool, default True
        numba's on-disk cache (needs the function to live in a file).

    Returns
    -------
    numba dispatcher
        ``numba.njit(cache=cache)`` of a copy of ``kernel`` named ``<name>_serial``.

    Examples
    --------
    >>> import numba
    >>> import numpy as np
    >>> from numopt.backend.threads import serial_twin
    >>> def total(x):
    ...     s = 0.0
    ...     for i in numba.prange(x.shape[0]):
    ...         s += x[i]
    ...     return s
    >>> twin = serial_twin(total, cache=False)  # a doctest has no file to cache next to
    >>> twin.__name__, float(twin(np.arange(4.0)))
    ('total_serial', 6.0)
    """
    import numba

    twin = types_module.FunctionType(kernel.__code__, kernel.__globals__,
                                     kernel.__name__ + "_serial", kernel.__defaults__,
                                     kernel.__closure__)
    twin.__qualname__ = twin.__name__
    twin.__module__ = kernel.__module__
    return numba.njit(cache=cache)(twin)


def run_with_threads(parallel, serial, threads, *args):
    """Call ``parallel(*args)`` on ``threads`` numba threads, or ``serial(*args)`` when
    ``threads == 1``; numba's thread count is restored afterwards.

    Parameters
    ----------
    parallel, serial : numba dispatchers
        The two compilations of one kernel.
    threads : int
        From :func:`kernel_threads`.
    *args
        The kernel's arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.backend.threads import run_with_threads
    >>> float(run_with_threads(np.sum, np.sum, 1, np.ones(3)))
    3.0
    """
    if threads <= 1:
        return serial(*args)
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(min(threads, before))
    try:
        return parallel(*args)
    finally:
        numba.set_num_threads(before)
