"""Property-based fuzzing of the public entry points (issue 14).

Every call gets random shapes, dtypes (float, int, bool, complex, object), NaN/inf placed
anywhere, empty arrays and oracles that misbehave (wrong shape, ``None``, a string, NaN, a
raised exception of the user's own). The property: each call, within a time limit, either

* returns an *honest* result: ``success=True`` only when the answer checks out against the
  inputs (a finite ``x``; the residual, the marginals or the stationarity measure recomputed
  here meet the tolerance), and a message that names NaN/inf when a non-finite value ended
  the run; or
* raises a numopt error (:class:`numopt.InvalidProblemError`, ...) or the user's own
  exception (:class:`UserError`, raised by an oracle).

Anything else — a hang, ``success=True`` on a wrong answer, a ``TypeError`` or
``LinAlgError`` from deep inside NumPy — fails the test. Examples are derandomized, so CI runs
the same cases every time; the budgets keep the whole file well under a minute.
"""

import contextlib
import math
import os
import signal
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numopt as no

#: seconds one public call may take before it counts as a hang
TIME_LIMIT = 20
NUMOPT_ERRORS = (no.InvalidProblemError, no.BackendUnavailableError, no.MissingDependencyError)
#: examples per entry point; NUMOPT_FUZZ_EXAMPLES=500 for a longer local hunt (CI: 25)
EXAMPLES = int(os.environ.get("NUMOPT_FUZZ_EXAMPLES", 25))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class UserError(Exception):
    """What a user's oracle raises: it must reach the caller unchanged."""


class Hang(Exception):  # noqa: N818
    """The call ran past TIME_LIMIT."""


@contextlib.contextmanager
def time_limit(seconds=TIME_LIMIT):
    def alarm(signum, frame):
        raise Hang(f"call ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def call(fn, *args, **kwargs):
    """Run a public call; return its result, or None after an allowed exception."""
    with time_limit(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except (*NUMOPT_ERRORS, UserError) as err:
            assert str(err), "an error without a message"
            return None


# ----------------------------------------------------------------------------- strategies
DTYPES = st.sampled_from(["float64", "float32", "int64", "bool", "complex128", "object"])


@st.composite
def arrays(draw, shape, finite_only=False):
    """An array of ``shape`` with a random dtype and, maybe, NaN/inf at random places."""
    dtype = draw(DTYPES)
    size = int(np.prod(shape)) if shape else 1
    values = np.asarray(draw(st.lists(st.floats(-10, 10, allow_nan=False), min_size=size,
                                      max_size=size)), dtype=float).reshape(shape)
    if not finite_only and size and draw(st.booleans()):
        where = draw(st.integers(0, size - 1))
        values.flat[where] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    if dtype == "complex128":
        return values + 1j * draw(st.sampled_from([0.0, 1.0]))
    if dtype == "object":
        return values.astype(object)
    if dtype in ("int64", "bool"):
        return np.clip(np.nan_to_num(values), -10, 10).astype(dtype)
    return values.astype(dtype)


SHAPES_1D = st.sampled_from([(0,), (1,), (2,), (3,), (2, 2), ()])
BEHAVIOURS = st.sampled_from(["ok", "ok", "ok", "wrong_shape", "none", "str", "nan", "raise",
                              "list", "nan_later"])


def misbehaving(value_fn, behaviour, shape_of):
    """An oracle returning ``value_fn(x)`` or misbehaving as ``behaviour`` says."""
    calls = {"n": 0}

    def oracle(x, *rest):
        calls["n"] += 1
        value = value_fn(x, *rest)
        if behaviour == "wrong_shape":
            return np.zeros(tuple(s + 1 for s in shape_of(x))) if shape_of(x) else np.zeros(2)
        if behaviour == "none":
            return None
        if behaviour == "str":
            return "1.0"
        if behaviour == "nan" or (behaviour == "nan_later" and calls["n"] > 3):
            return value * np.nan
        if behaviour == "raise":
            raise UserError("the user's objective failed")
        if behaviour == "list":
            return np.asarray(value).tolist()
        return value

    return oracle


def finite(v):
    return np.all(np.isfinite(np.asarray(no.backend.to_numpy(v), dtype=float)))


# ----------------------------------------------------------------------------- minimize
METHOD_NAMES = sorted(m.name for m in no.methods())


@FUZZ
@given(method=st.sampled_from(METHOD_NAMES), shape=SHAPES_1D, data=st.data(),
       fun_b=BEHAVIOURS, grad_b=BEHAVIOURS, hess_b=BEHAVIOURS)
def test_minimize_every_method(method, shape, data, fun_b, grad_b, hess_b):
    x0 = data.draw(arrays(shape))
    n = int(np.size(x0))
    center = np.linspace(-1.0, 1.0, max(n, 1))[:n] if n else np.zeros(0)
    f = misbehaving(lambda x: 0.5 * float(np.sum((x - center) ** 2)), fun_b,
                    lambda x: ())
    g = misbehaving(lambda x: x - center, grad_b, np.shape)
    h = misbehaving(lambda x: np.eye(np.size(x)), hess_b, np.shape)
    options = {"max_iter": 30, "tol": 1e-6}
    if method.startswith("zo_") or method in ("bcd", "alm_sketch"):
        options["seed"] = 0
    res = call(no.minimize, f, x0, jac=g, hess=h, method=method, **options)
    if res is None:
        return
    assert isinstance(res, no.Result) and isinstance(res.message, str) and res.message
    assert res.success == (res.status == 0)
    if res.success:
        x = np.asarray(res.x, dtype=float)
        assert finite(x), "success with a non-finite x"
        assert np.linalg.norm(x - center) <= 1e-3 * max(1.0, np.linalg.norm(center)), (
            f"success {np.linalg.norm(x - center):.3g} away from the minimizer")
    elif res.status == no.Status.NONFINITE:
        assert "NaN" in res.message


# ----------------------------------------------------------------------------- linear
@FUZZ
@given(n=st.integers(0, 4), data=st.data(), extra=st.sampled_from([0, 0, 0, 1]),
       tol=st.sampled_from([1e-8, 0.0, 1e-3]), x0_given=st.booleans())
def test_linear_sor(n, data, extra, tol, x0_given):
    A = data.draw(arrays((n, n + extra)))
    if np.issubdtype(np.asarray(A).dtype, np.floating) and n and data.draw(st.booleans()):
        A = A + 30.0 * np.eye(n, n + extra)  # often diagonally dominant: SOR converges
    b = data.draw(arrays((n,)))
    x0 = data.draw(arrays((n,))) if x0_given else None
    res = call(no.linear.sor, A, b, x0=x0, tol=tol, max_iter=200)
    if res is None:
        return
    assert finite(res.x) or not res.success
    if res.success:
        A64, b64 = np.asarray(A, dtype=float), np.asarray(b, dtype=float)
        r = np.linalg.norm(b64 - A64 @ np.asarray(res.x))
        assert r <= max(tol * np.linalg.norm(b64), 0.0) * (1 + 1e-6) + 1e-12 * (
            1 + np.abs(A64).sum() * np.abs(res.x).sum()), f"success with residual {r:.3g}"
    elif res.status == no.Status.NONFINITE:
        assert "NaN" in res.message


# ----------------------------------------------------------------------------- transport
@FUZZ
@given(m=st.integers(0, 3), n=st.integers(0, 3), data=st.data(),
       reg=st.sampled_from([1.0, 0.1, 0.0, -1.0, np.nan, 1e-3]),
       method=st.sampled_from([None, "sinkhorn", "sinkhorn_log", "sns"]))
def test_transport_sinkhorn(m, n, data, reg, method):
    a, b = data.draw(arrays((m,))), data.draw(arrays((n,)))
    if data.draw(st.booleans()):  # mostly valid histograms, sometimes raw draws
        a, b = np.abs(np.nan_to_num(np.asarray(a, dtype=float))) + 0.1, \
            np.abs(np.nan_to_num(np.asarray(b, dtype=float))) + 0.1
        a, b = a / max(a.sum(), 1e-300), b / max(b.sum(), 1e-300)
    M = data.draw(arrays((m, n + data.draw(st.sampled_from([0, 0, 1])))))
    res = call(no.transport.sinkhorn, a, b, M, reg, method, max_iter=200)
    if res is None:
        return
    if res.success:
        plan = np.asarray(no.backend.to_numpy(res.plan), dtype=float)
        assert finite(plan) and np.all(plan >= 0), "success with a bad plan"
        a64, b64 = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        error = np.abs(plan.sum(1) - a64).sum() + np.abs(plan.sum(0) - b64).sum()
        assert error <= 1e-3 * max(a64.sum(), 1e-300) + 1e-9, f"marginal error {error:.3g}"
    elif res.status == no.Status.NONFINITE:
        assert "NaN" in res.message


# ----------------------------------------------------------------------------- zeroth
@FUZZ
@given(shape=SHAPES_1D, data=st.data(), behaviour=BEHAVIOURS,
       estimator=st.sampled_from(sorted(no.zeroth.ESTIMATORS)))
def test_zeroth_estimate_grad(shape, data, behaviour, estimator):
    x = data.draw(arrays(shape))
    f = misbehaving(lambda z: float(np.sum(z ** 2)), behaviour, lambda z: ())
    jvp = (lambda z, v: float(2 * z @ v)) if estimator == "jvp" else None
    g = call(no.zeroth.estimate_grad, f, x, estimator=estimator, rng=0, jvp=jvp)
    if g is None:
        return
    g = np.asarray(g)
    assert g.shape == np.shape(x)
    if behaviour in ("ok", "list") and estimator in ("coordinate", "forward"):
        assert np.allclose(g, 2 * np.asarray(x, dtype=float), atol=1e-4)


# ----------------------------------------------------------------------------- problems
@FUZZ
@given(kind=st.sampled_from(["LeastSquares", "LogisticRegression", "SoftmaxRegression",
                             "Quadratic"]),
       m=st.integers(0, 4), n=st.integers(0, 3), data=st.data())
def test_problem_constructors(kind, m, n, data):
    A = data.draw(arrays((m, n)))
    if kind == "Quadratic":
        Q = data.draw(arrays((n, n + data.draw(st.sampled_from([0, 0, 1])))))
        p = call(no.problems.Quadratic, Q, data.draw(arrays((n,))))
    else:
        labels = data.draw(arrays((m + data.draw(st.sampled_from([0, 0, 1])),)))
        p = call(getattr(no.problems, kind), A, labels)
    if p is None or p.dim in (None, 0):
        return
    x = np.zeros(p.dim)
    value = call(p.fun, x)
    assert value is None or isinstance(value, float)


# ----------------------------------------------------------------------------- plot
@FUZZ
@given(junk=st.one_of(st.lists(st.integers(), max_size=3), st.integers(), st.none(),
                      st.text(max_size=3), st.dictionaries(st.text(max_size=2),
                                                           st.integers(), max_size=2)),
       y=st.sampled_from(["grad_norm", "fun", "nope"]))
def test_plot_convergence(junk, y):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    call(no.plot.convergence, junk, y=y)
    plt.close("all")


def test_plot_convergence_rejects_a_plain_list():
    pytest.importorskip("matplotlib")
    with pytest.raises(no.InvalidProblemError, match="numopt Results"):
        no.plot.convergence([1, 2, 3])


def test_time_limit_catches_a_hang():
    """The harness itself can fail: a call that never returns is reported, not waited on."""
    with pytest.raises(Hang), time_limit(0.2):
        while True:
            math.sqrt(2.0)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log", "sns"])
def test_tiny_mass_transport_is_judged_relative_to_the_mass(method):
    """Issue 14: an absolute tolerance passed at once on a problem of mass 1e-14."""
    rng = np.random.default_rng(0)
    a, b, M = np.full(5, 1e-14) / 5, np.full(4, 1e-14) / 4, rng.random((5, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        early = no.transport.sinkhorn(a, b, M, 0.05, method, max_iter=3)
        done = no.transport.sinkhorn(a, b, M, 0.05, method)
    assert not early.success
    plan = np.asarray(done.plan)
    error = np.abs(plan.sum(1) - a).sum() + np.abs(plan.sum(0) - b).sum()
    assert done.success and error <= 1e-6 * 1e-14
