"""A drop-in for POT's entropic solvers: ``from numopt.transport import pot as ot``.

The functions take POT's arguments, in POT's order and with POT's defaults, and return what
POT returns (arrays, not a :class:`~numopt.Result`), so a script written for POT runs
unchanged. Every solve goes through :func:`numopt.transport.sinkhorn`; the full result is
``log["result"]`` with ``log=True``.

=====================================  ==================================================
POT                                    here
=====================================  ==================================================
``ot.sinkhorn(a, b, M, reg, ...)``     :func:`sinkhorn` (plan, or ``(plan, log)``)
``ot.sinkhorn2(a, b, M, reg, ...)``    :func:`sinkhorn2` (``<P, M>``, or ``(value, log)``)
``ot.bregman.empirical_sinkhorn``      :func:`empirical_sinkhorn` (a :class:`PointCloud`)
=====================================  ==================================================

POT's ``method`` names map onto numopt's: ``"sinkhorn"`` → ``"sinkhorn"``,
``"sinkhorn_log"``, ``"sinkhorn_stabilized"`` and ``"sinkhorn_epsilon_scaling"`` →
``"sinkhorn_log"`` (log-domain, safe at any ``reg``), and ``"sns"`` is available too.
"""

import types

import numpy as np

from ..errors import InvalidProblemError
from . import api
from .cloud import PointCloud

POT_METHODS = {"sinkhorn": "sinkhorn", "sinkhorn_knopp": "sinkhorn",
               "sinkhorn_log": "sinkhorn_log", "sinkhorn_stabilized": "sinkhorn_log",
               "sinkhorn_epsilon_scaling": "sinkhorn_log", "sns": "sns"}


def _method(method):
    if method not in POT_METHODS:
        raise InvalidProblemError(f"method must be one of {sorted(POT_METHODS)}, got "
                                  f"{method!r}.")
    return POT_METHODS[method]


def _unit(x, size):
    if x is None or (hasattr(x, "__len__") and len(x) == 0):
        return np.full(size, 1.0 / size)
    return x


def sinkhorn(a, b, M, reg, method="sinkhorn", numItermax=1000, stopThr=1e-9, verbose=False,
             log=False, warn=True, warmstart=None, **kwargs):
    """POT's ``ot.sinkhorn``: the entropic plan (``(plan, log)`` with ``log=True``).

    Positional arguments follow POT's order here (this module is the POT-habit door;
    :func:`numopt.transport.sinkhorn` makes them keyword-only). ``a`` or ``b`` empty (POT:
    ``[]``) means uniform weights. ``**kwargs`` go to :func:`numopt.transport.sinkhorn`
    (e.g. ``backend``, or numopt's method options).

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.transport import pot as ot
    >>> M = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> ot.sinkhorn([0.5, 0.5], [0.5, 0.5], M, 1.0).round(4).tolist()
    [[0.3655, 0.1345], [0.1345, 0.3655]]
    """
    M_shape = np.shape(M)
    a, b = _unit(a, M_shape[0]), _unit(b, M_shape[1])
    out = api.sinkhorn(a, b, M, reg, _method(method), numItermax=numItermax, stopThr=stopThr,
                       verbose=verbose, log=log, warn=warn, warmstart=warmstart, **kwargs)
    return out if log else out.plan


def sinkhorn2(a, b, M, reg, method="sinkhorn", numItermax=1000, stopThr=1e-9,
              verbose=False, log=False, warn=True, warmstart=None, **kwargs):
    """POT's ``ot.sinkhorn2``: ``<P, M>`` of the entropic plan (``(value, log)`` with
    ``log=True``; the regularized objective is ``log["entropic_cost"]``).

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.transport import pot as ot
    >>> M = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> round(float(ot.sinkhorn2([0.5, 0.5], [0.5, 0.5], M, 1.0)), 4)
    0.2689
    """
    M_shape = np.shape(M)
    a, b = _unit(a, M_shape[0]), _unit(b, M_shape[1])
    return api.sinkhorn2(a, b, M, reg, _method(method), numItermax=numItermax,
                         stopThr=stopThr, verbose=verbose, log=log, warn=warn,
                         warmstart=warmstart, **kwargs)


def empirical_sinkhorn(X_s, X_t, reg, a=None, b=None, metric="sqeuclidean",
                       numIterMax=10000, stopThr=1e-9, isLazy=False, batchSize=100,
                       verbose=False, log=False, warn=True, warmstart=None, **kwargs):
    """POT's ``ot.bregman.empirical_sinkhorn`` on a :class:`PointCloud` (costs computed on
    the fly whatever ``isLazy`` says; ``batchSize`` is accepted and unused).

    Returns what POT returns: with ``isLazy=True`` the log-domain potentials ``(f, g)``
    (POT's: ``P = exp(f_i + g_j - M_ij / reg)``, i.e. numopt's ``f / reg``, ``g / reg``),
    plus ``log`` with ``log=True``; otherwise the dense plan (or ``(plan, log)``).
    ``stopThr`` is on POT's lazy measure, the L1 error of the row marginal.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.transport import pot as ot
    >>> rng = np.random.default_rng(0)
    >>> xs, xt = rng.random((50, 2)), rng.random((40, 2))
    >>> f, g = ot.bregman.empirical_sinkhorn(xs, xt, 0.05, isLazy=True)
    >>> f.shape, g.shape
    ((50,), (40,))
    """
    if metric not in ("sqeuclidean", "euclidean"):
        raise InvalidProblemError(f"metric must be 'sqeuclidean' or 'euclidean' here, got "
                                  f"{metric!r}; pass a PointCloud with a numba cost to "
                                  "numopt.transport.sinkhorn for other costs.")
    if warmstart is not None:  # POT's lazy warm start is (f, g) in the log domain
        warmstart = tuple(warmstart)
    cloud = PointCloud(X_s, X_t, cost=metric)
    n, m = cloud.shape
    a, b = _unit(a, n), _unit(b, m)
    res = api.sinkhorn(a, b, cloud, reg, "sinkhorn_log", max_iter=numIterMax,
                       tol=stopThr / float(np.sum(a)), verbose=verbose, warn=warn,
                       warmstart=warmstart, **kwargs)
    if isLazy:
        out = (res.f / reg, res.g / reg)
        return (*out, api.pot_log(res, reg)) if log else out
    plan = np.asarray(res.plan)
    return (plan, api.pot_log(res, reg)) if log else plan


#: POT's import path ``ot.bregman.empirical_sinkhorn``
bregman = types.SimpleNamespace(empirical_sinkhorn=empirical_sinkhorn)
