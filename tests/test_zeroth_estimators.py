"""Gradient estimators: unbiasedness on quadratics, exactness, reproducibility, executors,
query counts and error messages."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numopt as no
from numopt.zeroth import estimate_grad
from numopt.zeroth.estimators import CENTRAL_MU, FORWARD_MU, draw_directions

RANDOM = ("gaussian", "central", "sphere")
SAMPLES = 3000


def quadratic(d, seed):
    """``f(x) = x^T H x / 2 + c^T x`` (scalar and batched forms) and its gradient."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((d, d))
    H, c = A @ A.T / d + np.eye(d), rng.standard_normal(d)

    def f(x):
        return float(0.5 * x @ H @ x + c @ x)

    def f_batched(X):
        return 0.5 * np.einsum("ij,jk,ik->i", X, H, X) + X @ c

    return f, f_batched, (lambda x: H @ x + c)


def sample_mean(f, x, estimator, num_dirs, mu=None):
    draws = np.array([estimate_grad(f, x, estimator, num_dirs=num_dirs, mu=mu, rng=seed,
                                    batched=True) for seed in range(SAMPLES)])
    return draws.mean(axis=0), draws.std(axis=0) / np.sqrt(SAMPLES)


@settings(max_examples=8, deadline=None)
@given(d=st.integers(1, 5), seed=st.integers(0, 10_000), estimator=st.sampled_from(RANDOM),
       num_dirs=st.integers(1, 3))
def test_mean_of_estimates_is_the_gradient_on_quadratics(d, seed, estimator, num_dirs):
    """Central and sphere differences are exact along each direction on a quadratic, so the
    mean is the gradient up to sampling error; gaussian forward differences add an
    O(mu) term whose mean vanishes on quadratics (odd moments), checked with a large mu."""
    _, f, grad = quadratic(d, seed)
    x = np.random.default_rng(seed + 1).standard_normal(d)
    mu = 0.1 if estimator == "gaussian" else None
    mean, stderr = sample_mean(f, x, estimator, min(num_dirs, d), mu)
    assert np.all(np.abs(mean - grad(x)) <= 6 * stderr + 1e-6 * (1 + np.abs(grad(x))))


@settings(max_examples=15, deadline=None)
@given(d=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_sphere_with_a_full_orthonormal_frame_is_exact_on_quadratics(d, seed):
    f, _, grad = quadratic(d, seed)
    x = np.random.default_rng(seed).standard_normal(d)
    g = estimate_grad(f, x, "sphere", num_dirs=d, rng=seed)
    np.testing.assert_allclose(g, grad(x), rtol=1e-7, atol=1e-7)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), estimator=st.sampled_from(RANDOM + ("jvp",)),
       num_dirs=st.integers(1, 7))
def test_estimates_are_reproducible_for_a_fixed_seed(seed, estimator, num_dirs):
    f, _, grad = quadratic(4, 0)
    x = np.arange(4.0)
    jvp = (lambda x, v: float(grad(x) @ v)) if estimator == "jvp" else None
    first = estimate_grad(f, x, estimator, num_dirs=num_dirs, rng=seed, jvp=jvp)
    again = estimate_grad(f, x, estimator, num_dirs=num_dirs, rng=np.random.default_rng(seed),
                          jvp=jvp)
    np.testing.assert_array_equal(first, again)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 1000), estimator=st.sampled_from(no.zeroth.ESTIMATORS[:-1]),
       num_dirs=st.integers(1, 5))
def test_serial_batched_and_executor_results_are_identical(seed, estimator, num_dirs):
    f, f_batched, _ = quadratic(5, seed)
    x = np.linspace(-1, 1, 5)
    k = num_dirs if estimator not in ("coordinate", "forward") else 1
    serial = estimate_grad(f, x, estimator, num_dirs=k, rng=seed)
    batched = estimate_grad(f_batched, x, estimator, num_dirs=k, rng=seed, batched=True)
    with ThreadPoolExecutor(2) as pool:
        threaded = estimate_grad(f, x, estimator, num_dirs=k, rng=seed, executor=pool)
        both = estimate_grad(f_batched, x, estimator, num_dirs=k, rng=seed, executor=pool,
                             batched=True)
    np.testing.assert_array_equal(serial, threaded)
    # the batched form rounds differently (einsum); forward differences amplify that by 1/mu
    np.testing.assert_allclose(batched, serial, rtol=1e-6, atol=1e-6)
    # with an executor a batched f gets 1-row blocks: equal up to the rounding of f itself
    np.testing.assert_allclose(batched, both, rtol=1e-6, atol=1e-6)


def test_jvp_estimates_are_unbiased():
    _, _, grad = quadratic(3, 7)
    x = np.ones(3)
    draws = [estimate_grad(None, x, "jvp", rng=s, jvp=lambda x, v: float(grad(x) @ v))
             for s in range(SAMPLES)]
    stderr = np.std(draws, axis=0) / np.sqrt(SAMPLES)
    assert np.all(np.abs(np.mean(draws, axis=0) - grad(x)) <= 6 * stderr)


def test_deterministic_estimators_match_the_gradient_to_their_order():
    p = no.problems.library(["rosenbrock"])["rosenbrock"]
    x = np.array([-1.2, 1.0])
    g = p.grad(x)
    central = estimate_grad(p.fun, x, "coordinate")
    forward = estimate_grad(p.fun, x, "forward")
    assert np.max(np.abs(central - g)) <= 1e-7 * np.max(np.abs(g))
    assert np.max(np.abs(forward - g)) <= 1e-5 * np.max(np.abs(g))


@pytest.mark.parametrize(("estimator", "k", "queries"), [
    ("gaussian", 3, 4), ("central", 3, 6), ("sphere", 2, 4), ("coordinate", 1, 10),
    ("forward", 1, 6)])
def test_query_counts(estimator, k, queries):
    calls = []

    def f(x):
        calls.append(1)
        return float(x @ x)

    estimate_grad(f, np.ones(5), estimator, num_dirs=k, rng=0)
    assert len(calls) == queries
    calls.clear()
    estimate_grad(f, np.ones(5), estimator, num_dirs=k, rng=0, fx=5.0)
    assert len(calls) == (queries - 1 if estimator in ("gaussian", "forward") else queries)


def test_directions_are_orthogonal_and_gaussian_rows_have_gaussian_lengths():
    rng = np.random.default_rng(0)
    U = draw_directions(rng, 6, 4, "sphere")
    np.testing.assert_allclose(U @ U.T, np.eye(4), atol=1e-12)
    G = draw_directions(rng, 6, 6, "gaussian")
    off = G @ G.T - np.diag(np.sum(G * G, axis=1))
    assert np.max(np.abs(off)) < 1e-10
    lengths = np.concatenate([np.sum(draw_directions(rng, 6, 6, "gaussian") ** 2, axis=1)
                              for _ in range(500)])
    assert abs(lengths.mean() - 6.0) < 0.3  # E ||u||^2 = d for u ~ N(0, I_d)
    assert draw_directions(rng, 3, 7, "sphere").shape == (7, 3)


def test_default_mu_is_cancellation_safe():
    assert no.zeroth.default_mu("gaussian", np.zeros(2)) == FORWARD_MU
    assert no.zeroth.default_mu("central", np.array([-100.0, 3.0])) == 100 * CENTRAL_MU
    assert 1e-8 < FORWARD_MU < 2e-8 and 5e-6 < CENTRAL_MU < 7e-6
    per_coordinate = no.zeroth.default_mu("coordinate", np.array([1e6, 2e-6, -3.0]))
    np.testing.assert_allclose(per_coordinate, CENTRAL_MU * np.array([1e6, 1.0, 3.0]))


def test_coordinate_differences_stay_accurate_on_badly_scaled_variables():
    f = lambda x: float((x[0] - 1e6) ** 2 + (x[1] - 2e-6) ** 2 + x[0] * x[1])  # noqa: E731
    x = np.array([1e6 + 1.0, 1e-6])
    g = np.array([2 * (x[0] - 1e6) + x[1], 2 * (x[1] - 2e-6) + x[0]])
    np.testing.assert_allclose(estimate_grad(f, x, "coordinate"), g, rtol=1e-6)
    np.testing.assert_allclose(estimate_grad(f, x, "forward"), g, rtol=1e-2)  # O(mu_i) error


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"estimator": "gausian"}, "did you mean 'gaussian'"),
    ({"num_dirs": 0}, "num_dirs must be >= 1"),
    ({"estimator": "coordinate", "num_dirs": 2}, "always uses all 3 coordinates"),
    ({"mu": -1.0}, "mu must be > 0"),
    ({"estimator": "jvp"}, "needs jvp="),
    ({"executor": object()}, "concurrent.futures.Executor"),
    ({"x": [1.0, np.nan, 0.0]}, "x contains 1 NaN or inf"),
    ({"f": lambda x: x}, "pass batched=True"),
    ({"f": lambda X: np.zeros(1), "batched": True}, "batched f returned 1 values for 2"),
])
def test_bad_input_raises_a_useful_message(kwargs, fragment):
    args = {"f": lambda x: float(x @ x), "x": np.ones(3)}
    args.update(kwargs)
    with pytest.raises(no.InvalidProblemError, match=fragment.replace("(", r"\(")):
        estimate_grad(args.pop("f"), args.pop("x"), **args)


def test_nonfinite_values_give_a_nonfinite_estimate():
    g = estimate_grad(lambda x: np.nan if x[0] > 0 else 0.0, np.zeros(2), "coordinate")
    assert not np.all(np.isfinite(g))
