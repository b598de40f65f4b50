"""Function queries: serial, vectorized (``batched``) or on a ``concurrent.futures.Executor``,
with every query counted."""

import functools

import numpy as np

from ..backend import is_device_array, to_numpy
from ..core.validate import as_real_scalar
from ..errors import InvalidProblemError


class Evaluator:
    """Evaluate ``f`` at the rows of a ``k x d`` array of query points.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` on a point of shape ``(d,)``, or ``f(X) -> (k,)`` on a ``k x d``
        array when ``batched=True``.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs the queries of one call in parallel (``executor.map``); a
        ``dask.distributed.Client`` is used through ``client.get_executor()``. The values
        come back in order, so results are identical with or without an executor. A
        batched ``f`` gets one ``1 x d`` block per task (identical up to how ``f`` itself
        rounds on blocks), and may return its values as a CuPy array (copied back once).
    batched : bool, default False
        ``f`` takes the whole ``k x d`` array and returns ``k`` values.
    counts : dict, optional
        A counter dict (``problem.counts``); ``counts[key]`` grows by one per query point.
    key : str, default "fun"
        The counter entry.

    Raises
    ------
    InvalidProblemError
        ``executor`` without a ``map`` method, or ``f`` returning values of the wrong shape or
        type.

    Examples
    --------
    >>> import numpy as np
    >>> ev = Evaluator(lambda x: float(x @ x))
    >>> ev(np.eye(2)), ev.queries
    (array([1., 1.]), 2)
    """

    def __init__(self, f, *, executor=None, batched=False, counts=None, key="fun"):
        if not callable(f):
            raise InvalidProblemError(f"f must be callable, got {type(f).__name__}.")
        self.f, self.executor, self.batched = f, check_executor(executor), bool(batched)
        self.counts = counts if counts is not None else {key: 0}
        self.key = key

    @property
    def queries(self):
        """Queries made so far (the counter entry)."""
        return self.counts[self.key]

    def __call__(self, X):
        """``f`` at each row of ``X`` (shape ``(k, d)``) as a float array of shape ``(k,)``."""
        X = np.asarray(X, dtype=np.float64)
        k = X.shape[0]
        self.counts[self.key] += k
        if self.batched:
            blocks = [X[i:i + 1].copy() for i in range(k)] if self.executor else [X]
            parts = self._map(self.f, blocks)
            values = np.concatenate([_as_values(part, len(block))
                                     for part, block in zip(parts, blocks, strict=True)])
        else:
            values = np.array([_as_scalar(v) for v in self._map(self.f, list(X.copy()))],
                              dtype=np.float64)
        return values

    def one(self, x):
        """``f`` at a single point ``x`` (one query)."""
        return float(self(np.asarray(x, dtype=np.float64)[None, :])[0])

    def _map(self, fn, items):
        if self.executor is None:
            return [fn(item) for item in items]
        return list(self.executor.map(fn, items))


def check_executor(executor):
    """Return ``executor`` (or None) after checking it has a ``map`` method.

    A ``dask.distributed.Client`` is accepted directly and used through its
    ``client.get_executor()`` view (``Client.map`` itself returns futures, not values).

    Raises
    ------
    InvalidProblemError
        Anything else, naming what to pass.
    """
    if _is_dask_client(executor):
        # Client.map returns futures; its concurrent.futures view returns values in order
        return executor.get_executor()
    if executor is not None and not callable(getattr(executor, "map", None)):
        raise InvalidProblemError(
            f"executor must be a concurrent.futures.Executor (or a dask Client's "
            f"client.get_executor()), got {type(executor).__name__}."
        )
    return executor


def map_jvp(jvp, x, V, *, executor=None, counts=None):
    """Directional derivatives ``jvp(x, v)`` for the rows ``v`` of ``V`` (one call each).

    Parameters
    ----------
    jvp : callable
        ``jvp(x, v) -> float``: the derivative of ``f`` at ``x`` along ``v``.
    x : ndarray, shape (d,)
    V : ndarray, shape (k, d)
    executor : concurrent.futures.Executor, optional
    counts : dict, optional
        ``counts["jvp"]`` grows by ``k``.

    Returns
    -------
    ndarray, shape (k,)
    """
    if counts is not None:
        counts["jvp"] = counts.get("jvp", 0) + V.shape[0]
    call = functools.partial(jvp, np.array(x, dtype=np.float64))
    rows = list(np.array(V, dtype=np.float64))
    out = map(call, rows) if executor is None else executor.map(call, rows)
    return np.array([_as_scalar(v, "jvp") for v in out], dtype=np.float64)


def _as_scalar(value, name="f"):
    try:
        return as_real_scalar(value)
    except (TypeError, ValueError) as err:
        raise InvalidProblemError(
            f"{name} must return a real scalar, got {type(value).__name__}"
            f"{getattr(value, 'shape', '')}; return float(...), or pass batched=True when "
            "f takes a k x d array and returns k values."
        ) from err


def _is_dask_client(executor):
    cls = type(executor)
    return (cls.__module__.startswith("distributed") and cls.__name__ == "Client"
            and callable(getattr(executor, "get_executor", None)))


def _as_values(value, k):
    # a batched f on the GPU may return its k values as a device array: one copy back
    arr = np.asarray(to_numpy(value) if is_device_array(value) else value,
                     dtype=np.float64).reshape(-1)
    if arr.shape != (k,):
        raise InvalidProblemError(
            f"batched f returned {arr.size} values for {k} query points; with batched=True f "
            "must map a k x d array to k values."
        )
    return arr

