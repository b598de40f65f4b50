"""zo_gd's black-box default (forward differences + BFGS, then central differences) and the
bounds of the zeroth-order methods (issue 13)."""

import numpy as np
import pytest

import numopt as no
from numopt.core.bounds import Box
from numopt.problems.library import FACTORIES
from numopt.zeroth.base import bounded_estimate
from numopt.zeroth.evaluate import Evaluator


def rosen(x):
    return float(100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2)


def test_default_solves_2d_rosenbrock_where_the_old_default_did_not():
    res = no.minimize(rosen, np.array([-1.2, 1.0]), method="zo_gd")
    assert res.success and np.allclose(res.x, 1.0, atol=1e-6) and res.nfev < 400
    assert res.history["central"][0] == 0 and res.history["central"][-1] == 1  # switched
    old = no.minimize(rosen, np.array([-1.2, 1.0]), method="zo_gd", estimator="gaussian",
                      seed=0)
    assert not old.success


@pytest.mark.parametrize("name", ["biggs_exp6", "watson"])
def test_default_solves_6d_smooth_black_boxes(name):
    """The issue's 6-D smooth black box failed at 3010 evaluations with the old default."""
    p = FACTORIES[name]()
    res = no.minimize(p.oracle("fun"), p.x0, method="zo_gd", max_fev=1000 * (p.dim + 1))
    assert res.fun <= p.f_star + 1e-6 * (abs(p.f_star) + 1.0), res.message
    assert res.nfev <= 2500


def test_default_stops_on_a_real_criterion_not_the_budget():
    """Near the solution the forward differences' error dominates; the run switches to
    central ones and ends converged, instead of spending the budget on tiny steps."""
    p = FACTORIES["rosenbrock"]()
    res = no.minimize(p.oracle("fun"), p.x0, method="zo_gd", max_fev=3000)
    assert res.success and res.nfev < 600


def test_explicit_estimator_keeps_its_behaviour():
    res = no.minimize(rosen, np.array([-1.2, 1.0]), method="zo_gd", estimator="forward",
                      max_fev=3000)
    assert not np.any(res.history["central"])
    with pytest.raises(no.InvalidProblemError, match="estimator='auto' is zo_gd's"):
        no.minimize(rosen, np.zeros(2), method="zo_perturbed", estimator="auto")


def test_bounds_projected_start_and_active_bound():
    box = [(None, 0.5), (None, None)]
    seen = []

    def f(x):
        seen.append(x.copy())
        return rosen(x)

    res = no.minimize(f, np.array([2.0, 1.0]), method="zo_gd", bounds=box, tol=1e-6)
    assert res.success and np.allclose(res.x, [0.5, 0.25], atol=1e-6)
    assert "x0 was outside the bounds" in res.message
    assert all(x[0] <= 0.5 for x in seen)  # no query outside the box, differences included
    assert res.grad_norm <= 1e-5 and res.jac[0] < -0.5  # projected gradient, bound held


def test_bounds_with_identity_metric_and_random_estimator():
    res = no.minimize(lambda x: float(((x - 2.0) ** 2).sum()), np.zeros(3), method="zo_gd",
                      estimator="gaussian", bounds=[(-1.0, 1.0)] * 3, tol=1e-5,
                      max_iter=3000, seed=0)
    assert res.success and np.allclose(res.x, 1.0, atol=1e-6)


def test_bounded_estimate_stays_inside_and_is_accurate():
    def f(z):
        return float(np.sin(z[0]) * np.exp(z[1]) + z[2] ** 3)

    x = np.array([1.0, 0.5, 2.0])
    box = Box([1.0, -5.0, -5.0], [5.0, 0.5, 2.0])  # x[0] at a lower, x[1:] at upper bounds
    g = np.array([np.cos(1.0) * np.exp(0.5), np.sin(1.0) * np.exp(0.5), 12.0])
    queries = []
    evaluate = Evaluator(lambda z: queries.append(z.copy()) or f(z))
    central = bounded_estimate(evaluate, x, box, "coordinate", None, None)
    forward = bounded_estimate(evaluate, x, box, "forward", None, f(x))
    assert np.allclose(central.grad, g, atol=1e-9) and np.allclose(forward.grad, g, atol=1e-6)
    assert all(box.contains(q) for q in queries)


def test_zero_order_methods_without_bounds_refuse_them():
    for method in ("zo_perturbed", "zo_accelerated"):
        with pytest.raises(no.InvalidProblemError, match=f"'{method}' does not handle bounds"
                                                         ".*zo_gd"):
            no.minimize(rosen, np.zeros(2), method=method, bounds=[(0, 1)] * 2, seed=0)


def test_default_method_for_a_black_box_is_zo_gd():
    res = no.minimize(rosen, np.array([-1.2, 1.0]), bounds=[(-2, 2), (-2, 2)])
    assert res.method == "zo_gd" and res.success and "fun only" in res.chosen_by


def test_frank_wolfe_takes_finite_bounds_as_its_set():
    res = no.minimize(lambda x: float(((x - 2.0) ** 2).sum()), np.zeros(3),
                      method="zo_frank_wolfe", bounds=[(-1.0, 1.0)] * 3,
                      estimator="coordinate", tol=1e-3, max_iter=2000, seed=0)
    assert res.success and np.allclose(res.x, 1.0, atol=1e-3)
    with pytest.raises(no.InvalidProblemError, match="needs a compact set"):
        no.minimize(rosen, np.zeros(2), method="zo_frank_wolfe", bounds=[(0, None)] * 2)
    with pytest.raises(no.InvalidProblemError, match="needs one set"):
        no.minimize(rosen, np.zeros(2), method="zo_frank_wolfe", bounds=[(0, 1)] * 2,
                    constraint=no.zeroth.L2Ball(1.0))


def test_success_is_confirmed_with_central_differences():
    """At a symmetric kink every forward difference of max|x - 1| vanishes at x = 0; the
    default checks a stationary-looking forward estimate with central differences."""
    res = no.minimize(lambda x: float(np.max(np.abs(x - 1.0))), np.zeros(5), method="zo_gd",
                      max_fev=3000)
    assert res.success and res.fun < 1e-8
