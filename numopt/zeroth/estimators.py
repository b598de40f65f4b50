r"""Gradient estimators from function values (and forward gradients from a user ``jvp``)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.validate import as_float_array, check_callable, check_choice, check_int, check_real
from ..errors import InvalidProblemError
from .evaluate import Evaluator, map_jvp

ESTIMATORS = ("gaussian", "sphere", "coordinate", "forward", "central", "jvp")
RANDOM_ESTIMATORS = ("gaussian", "sphere", "central", "jvp")
FORWARD_TYPE = ("gaussian", "forward")  # one-sided differences: f(x) is queried too
COORDINATE_WISE = ("coordinate", "forward")

EPS = float(np.finfo(np.float64).eps)
# Default smoothing radii balance truncation against rounding (Nocedal & Wright 2006, §8.1):
FORWARD_MU = EPS ** 0.5  # ~1.5e-8: O(mu) truncation vs eps/mu rounding
CENTRAL_MU = EPS ** (1.0 / 3.0)  # ~6.1e-6: O(mu^2) truncation vs eps/mu rounding


@dataclass(frozen=True)
class Estimate:
    """One gradient estimate and what it cost.

    Attributes
    ----------
    grad : ndarray, shape (d,)
        :math:`\\hat g = c \\sum_i \\delta_i u_i`.
    norm_sq : float
        :math:`c \\sum_i \\delta_i^2`, an estimate of :math:`\\|\\nabla f(x)\\|^2` (and of
        the decrease rate :math:`\\nabla f(x)^T \\hat g` along :math:`-\\hat g`).
    fx : float or None
        :math:`f(x)` when the estimator queried it (forward differences).
    derivatives : ndarray, shape (k,)
        Directional derivative estimates :math:`\\delta_i \\approx \\nabla f(x)^T u_i`.
    """

    grad: np.ndarray
    norm_sq: float
    fx: object
    derivatives: np.ndarray


def default_mu(estimator, x):
    r"""Cancellation-safe smoothing radius, :math:`c = \sqrt{\varepsilon}` for forward
    differences (``gaussian``, ``forward``) and :math:`c = \varepsilon^{1/3}` for central ones
    (ALGORITHMS.md §6.7): :math:`\mu = c \max(1, \|x\|_\infty)` along random directions, and
    :math:`\mu_i = c \max(1, |x_i|)` per coordinate for ``coordinate``/``forward`` (as SciPy's
    ``approx_derivative``), so badly scaled variables keep accurate differences.

    Parameters
    ----------
    estimator : str
        An estimator name (see :func:`estimate_grad`).
    x : ndarray, shape (d,)
        The point of the estimate.

    Returns
    -------
    float or ndarray of shape (d,)

    Examples
    --------
    >>> import numpy as np
    >>> round(default_mu("central", np.zeros(3)), 8)
    6.06e-06
    >>> default_mu("forward", np.array([1e6, 0.0])) / default_mu("forward", np.zeros(1))
    array([1.e+06, 1.e+00])
    """
    factor = FORWARD_MU if estimator in FORWARD_TYPE else CENTRAL_MU
    if estimator in COORDINATE_WISE:
        return factor * np.maximum(1.0, np.abs(x))
    return factor * (max(1.0, float(np.max(np.abs(x)))) if x.size else 1.0)


def draw_directions(rng, d, k, kind):
    r"""``k x d`` directions, orthogonal in blocks of ``d`` (all orthogonal when ``k <= d``).

    Each block is a uniformly random orthonormal frame: the Q factor of a Gaussian
    ``d x m`` matrix with the signs of ``diag(R)`` fixed (Mezzadri 2007, arXiv
    math-ph/0609050, §5). ``kind="sphere"`` returns the unit vectors; ``kind="gaussian"``
    scales each by an independent :math:`\chi_d` length, so every row is exactly
    :math:`N(0, I_d)` while the rows stay orthogonal.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the directions.
    d : int
        Dimension.
    k : int
        Number of directions.
    kind : {"sphere", "gaussian"}
        Unit or Gaussian-length rows.

    Returns
    -------
    ndarray, shape (k, d)

    Examples
    --------
    >>> import numpy as np
    >>> U = draw_directions(np.random.default_rng(0), 3, 3, "sphere")
    >>> np.allclose(U @ U.T, np.eye(3))
    True
    """
    if d < 1:  # no direction exists: the block loop below would never end
        raise InvalidProblemError(f"draw_directions needs dimension d >= 1, got d={d}.")
    blocks, remaining = [], k
    while remaining > 0:
        m = min(d, remaining)
        Q, R = np.linalg.qr(rng.standard_normal((d, m)))
        blocks.append((Q * np.where(np.diag(R) < 0, -1.0, 1.0)).T)
        remaining -= m
    U = np.vstack(blocks)
    if kind == "gaussian":
        U = U * np.sqrt(rng.chisquare(d, size=k))[:, None]
    return U


def estimate(evaluate, x, estimator, *, num_dirs=1, mu=None, rng=None, fx=None, jvp=None):
    """Estimate the gradient at ``x`` with queries through ``evaluate`` (an :class:`Evaluator`).

    The internal form of :func:`estimate_grad` used by the solvers (arguments already
    validated; ``rng`` a Generator for the random estimators).

    Returns
    -------
    Estimate
    """
    d = x.shape[0]
    if estimator in COORDINATE_WISE:
        U, coef = np.eye(d), 1.0
        step = default_mu(estimator, x) if mu is None else np.full(d, mu)
        step = (x + step) - x  # the step actually taken in floating point
    else:
        U = draw_directions(rng, d, num_dirs, "sphere" if estimator == "sphere" else "gaussian")
        coef = (d if estimator == "sphere" else 1.0) / num_dirs
        step = np.full(num_dirs, default_mu(estimator, x) if mu is None else mu)
    offsets = step[:, None] * U
    if estimator == "jvp":
        delta = map_jvp(jvp, x, U, executor=evaluate.executor, counts=evaluate.counts)
    elif estimator in FORWARD_TYPE:
        if fx is None:
            values = evaluate(np.vstack([x[None, :], x + offsets]))
            fx, values = float(values[0]), values[1:]
        else:
            values = evaluate(x + offsets)
        delta = (values - fx) / step
    else:
        values = evaluate(np.vstack([x + offsets, x - offsets]))
        delta = (values[:U.shape[0]] - values[U.shape[0]:]) / (2.0 * step)
    return Estimate(grad=coef * (U.T @ delta), norm_sq=float(coef * (delta @ delta)), fx=fx,
                    derivatives=delta)


def check_estimator_options(estimator, num_dirs, mu, d, jvp):
    """Validate estimator options (shared by :func:`estimate_grad` and the solvers)."""
    estimator = check_choice("estimator", estimator, ESTIMATORS)
    num_dirs = check_int("num_dirs", num_dirs, low=1)
    if d is not None and d < 1:
        raise InvalidProblemError(
            "x is empty (d = 0): there is no gradient to estimate; pass a point with at least "
            "one coordinate."
        )
    if estimator in COORDINATE_WISE and d is not None and num_dirs not in (1, d):
        raise InvalidProblemError(
            f"num_dirs={num_dirs} with estimator={estimator!r}: this estimator always uses all "
            f"{d} coordinates; leave num_dirs=1, or use estimator='sphere' with num_dirs="
            f"{num_dirs} for {num_dirs} random orthogonal directions."
        )
    mu = check_real("mu", mu, low=0.0, low_open=True, allow_none=True)
    if estimator == "jvp" and jvp is None:
        raise InvalidProblemError(
            "estimator='jvp' needs jvp=, a callable jvp(x, v) returning the directional "
            "derivative of f at x along v; without one use estimator='central'."
        )
    check_callable("jvp", jvp)
    return estimator, num_dirs, mu


def estimate_grad(f: Callable[..., Any], x: Any, estimator: str = "gaussian", num_dirs: int = 1,
                  mu: float | None = None, rng: Any = None, executor: Any = None,
                  batched: bool = False, jvp: Any = None, fx: float | None = None) -> np.ndarray:
    r"""Estimate :math:`\nabla f(x)` from function values.

    With directions :math:`u_1, \dots, u_k` and directional-derivative estimates
    :math:`\delta_i`, the estimate is :math:`\hat g = c \sum_i \delta_i u_i`:

    ============== ============================================================= ======== ====
    estimator      :math:`\delta_i`, directions, :math:`c`                       queries  ref
    ============== ============================================================= ======== ====
    ``gaussian``   :math:`(f(x+\mu u_i) - f(x))/\mu`, :math:`u_i \sim N(0, I)`,  k + 1    [1]
                   :math:`c = 1/k`
    ``central``    :math:`(f(x+\mu u_i) - f(x-\mu u_i))/(2\mu)`, Gaussian,       2k       [1]
                   :math:`c = 1/k`
    ``sphere``     central difference, :math:`u_i` uniform on the unit sphere,   2k       [2]
                   :math:`c = d/k`
    ``coordinate`` central difference along every :math:`e_i`, :math:`c = 1`     2d
    ``forward``    forward difference along every :math:`e_i`, :math:`c = 1`     d + 1
    ``jvp``        :math:`\nabla f(x)^T u_i` from the user's ``jvp``, Gaussian   k jvp    [3]
                   :math:`u_i`, :math:`c = 1/k`
    ============== ============================================================= ======== ====

    ``gaussian`` is unbiased for :math:`\nabla f_\mu`, :math:`f_\mu(x) = E f(x + \mu u)`, with
    :math:`\|\nabla f_\mu - \nabla f\| \le (\mu/2) L (d+3)^{3/2}` ([1], §2; ALGORITHMS.md §6.1);
    ``central`` and ``sphere`` are exactly unbiased on quadratics; ``jvp`` is unbiased ([3]).
    Equation numbers of [1]-[3] were not verified against the papers (ALGORITHMS.md §9).
    Random directions are orthogonal when ``num_dirs <= d`` (in blocks of ``d`` beyond), which
    lowers the variance; with ``num_dirs = d`` the ``sphere`` estimate of a quadratic is exact.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` (or ``f(X) -> (k,)`` with ``batched=True``); unused for ``jvp``.
    x : array_like, shape (d,)
    estimator : str, default "gaussian"
        One of the rows above.
    num_dirs : int, default 1
        Number of random directions k (the deterministic estimators use all d coordinates).
    mu : float, optional
        Smoothing radius; default :func:`default_mu` (about 1.5e-8 forward, 6e-6 central,
        times ``max(1, ||x||_inf)``, or ``max(1, |x_i|)`` per coordinate for the
        coordinate-wise estimators), safe against cancellation. **Noisy f**: take mu well
        above the noise scale sigma, e.g. ``mu ~ sqrt(sigma / L)`` (forward) or
        ``(sigma / L)**(1/3)`` (central), since the error is about ``sigma / mu`` plus the
        smoothing bias.
    rng : int or numpy.random.Generator, optional
        Seed of the directions (drawn here, on the caller's side: the estimate does not depend
        on the executor). None gives fresh, unreproducible directions.
    executor : concurrent.futures.Executor, optional
        Evaluates the queries of this estimate in parallel (a dask ``client.get_executor()``
        included); the result is identical to the serial one.
    batched : bool, default False
        ``f`` takes a ``k x d`` array of points and returns ``k`` values.
    jvp : callable, optional
        ``jvp(x, v) -> float`` for ``estimator="jvp"``.
    fx : float, optional
        :math:`f(x)` if already known (saves a query for ``gaussian``/``forward``).

    Returns
    -------
    ndarray, shape (d,)
        The estimate (non-finite when ``f`` returned NaN or inf at a query point).

    Raises
    ------
    InvalidProblemError
        Unknown estimator, bad ``x``, ``num_dirs``, ``mu``, ``executor``, a missing ``jvp``,
        or ``f`` returning something other than a real scalar.

    References
    ----------
    [1] Nesterov & Spokoiny, "Random gradient-free minimization of convex functions",
    Found. Comput. Math. 17 (2017) 527-566, §2-3.
    [2] Flaxman, Kalai & McMahan, SODA 2005, arXiv cs/0408007, Lemma 1.
    [3] Baydin, Pearlmutter, Syme, Wood & Torr, "Gradients without backpropagation",
    arXiv 2202.08587.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> f = lambda x: float(x @ x)
    >>> g = no.zeroth.estimate_grad(f, np.ones(3), estimator="sphere", num_dirs=3, rng=0)
    >>> np.allclose(g, 2.0)
    True
    """
    x = as_float_array("x", x, ndim=1)
    estimator, num_dirs, mu = check_estimator_options(estimator, num_dirs, mu, x.shape[0], jvp)
    fx = check_real("fx", fx, allow_none=True)
    generator = np.random.default_rng(rng) if estimator in RANDOM_ESTIMATORS else None
    evaluate = Evaluator(f if estimator != "jvp" else _no_queries, executor=executor,
                         batched=batched)
    return estimate(evaluate, x, estimator, num_dirs=num_dirs, mu=mu, rng=generator, fx=fx,
                    jvp=jvp).grad


def _no_queries(x):
    raise InvalidProblemError("estimator='jvp' does not query f.")
