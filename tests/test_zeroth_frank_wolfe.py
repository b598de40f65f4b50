"""zo_frank_wolfe and its linear minimization oracles."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numopt as no
from numopt.zeroth import Box, L1Ball, L2Ball, NuclearBall, Simplex


def random_points(lmo, d, rng, n=200):
    """Feasible points: convex combinations of LMO outputs for random directions."""
    vertices = np.array([lmo(rng.standard_normal(d)) for _ in range(3 * d)])
    weights = rng.dirichlet(np.ones(len(vertices)), size=n)
    return weights @ vertices


def sets(d):
    return [Simplex(2.0), L1Ball(1.5), L2Ball(0.7), Box(-np.ones(d), np.arange(d) + 1.0),
            NuclearBall(2.0, (d, 3))]


@settings(max_examples=25, deadline=None)
@given(d=st.integers(2, 5), seed=st.integers(0, 10_000))
def test_lmo_output_is_feasible_and_minimizes_the_linear_function(d, seed):
    rng = np.random.default_rng(seed)
    for lmo in sets(d):
        n = d * 3 if isinstance(lmo, NuclearBall) else d
        g = rng.standard_normal(n)
        s = lmo(g)
        assert lmo.contains(s) and lmo.contains(lmo.center(n))
        others = random_points(lmo, n, rng)
        assert np.all(others @ g >= s @ g - 1e-9)


def test_closed_form_vertices():
    g = np.array([0.3, -2.0, 1.0])
    np.testing.assert_array_equal(Simplex(1.0)(g), [0, 1, 0])
    np.testing.assert_array_equal(L1Ball(2.0)(g), [0, 2, 0])
    np.testing.assert_allclose(L2Ball(1.0)(g), -g / np.linalg.norm(g))
    np.testing.assert_array_equal(Box([0, 0, 0], [1, 2, 3])(g), [0, 2, 0])
    G = np.diag([3.0, 1.0, 0.5, 0.1])
    s = NuclearBall(1.0, (4, 4))(G.ravel()).reshape(4, 4)
    assert abs(abs(s[0, 0]) - 1.0) < 1e-12 and np.linalg.norm(s, "nuc") == pytest.approx(1.0)


@pytest.mark.parametrize("estimator", ["gaussian", "coordinate"])
def test_simplex_constrained_quadratic(estimator):
    target = np.array([0.1, 0.6, 0.3, 0.0])
    res = no.minimize(lambda x: float(((x - target) ** 2).sum()), np.full(4, 0.25),
                      method="zo_frank_wolfe", constraint="simplex", estimator=estimator,
                      tol=1e-4, max_iter=20_000, seed=0)
    assert Simplex(1.0).contains(res.x)
    np.testing.assert_allclose(res.x, target, atol=0.02)


def test_l1_ball_least_squares_approaches_the_constrained_optimum():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((30, 10))
    b = A @ np.r_[2.0, -1.0, np.zeros(8)]
    f = lambda x: 0.5 * float(((A @ x - b) ** 2).sum())  # noqa: E731
    ball = L1Ball(1.0)  # active: the unconstrained optimum has l1 norm 3
    res = no.minimize(f, np.zeros(10), method="zo_frank_wolfe", constraint=ball,
                      estimator="coordinate", max_iter=2000, seed=0)
    assert ball.contains(res.x) and np.abs(res.x).sum() == pytest.approx(1.0, abs=1e-2)
    history = res.history["fun"]
    assert history[-1] < history[100] < history[0]
    assert res.grad_norm >= 0 and res.nfev == res.history["nfev"][-1] + 2 * 10


def test_box_and_nuclear_ball_runs_stay_feasible():
    box = Box(np.zeros(3), np.ones(3))
    res = no.minimize(lambda x: float(((x - 2.0) ** 2).sum()), np.full(3, 0.5),
                      method="zo_frank_wolfe", constraint=box, tol=1e-6, max_iter=300, seed=0)
    np.testing.assert_allclose(res.x, 1.0, atol=1e-2)
    target = np.outer([1.0, 2.0], [1.0, 0.0, 1.0]).ravel()
    ball = NuclearBall(1.0, (2, 3))
    res = no.minimize(lambda x: float(((x - target) ** 2).sum()), np.zeros(6),
                      method="zo_frank_wolfe", constraint=ball, max_iter=300, seed=0)
    assert ball.contains(res.x) and res.fun < float((target ** 2).sum())


def test_same_seed_same_iterates():
    kwargs = dict(method="zo_frank_wolfe", constraint=L2Ball(1.0), max_iter=50)
    f = lambda x: float(((x - 3.0) ** 2).sum())  # noqa: E731
    first = no.minimize(f, np.zeros(4), seed=5, **kwargs)
    again = no.minimize(f, np.zeros(4), seed=5, **kwargs)
    np.testing.assert_array_equal(first.history["fun"], again.history["fun"])


@pytest.mark.parametrize(("options", "x0", "fragment"), [
    ({}, np.zeros(3), "needs the option constraint="),
    ({"constraint": "simplex"}, np.zeros(3), r"x0 lies outside.*center\(3\)"),
    ({"constraint": "ball"}, np.zeros(3), "constraint='ball' is not valid"),
    ({"constraint": 1.0}, np.zeros(3), "zo_frank_wolfe needs constraint="),
    ({"constraint": Box([0.0], [1.0])}, np.full(3, 0.5), "Box has dimension 1"),
])
def test_bad_constraints_raise(options, x0, fragment):
    with pytest.raises(no.InvalidProblemError, match=fragment):
        no.minimize(lambda x: float(x @ x), x0, method="zo_frank_wolfe", **options)


def test_bad_sets_raise():
    with pytest.raises(no.InvalidProblemError, match="lower <= upper"):
        Box([1.0], [0.0])
    with pytest.raises(no.InvalidProblemError, match="radius must be > 0"):
        L1Ball(0.0)
    with pytest.raises(no.InvalidProblemError, match=r"shape must be \(rows, cols\)"):
        NuclearBall(1.0, (2, 2, 2))
