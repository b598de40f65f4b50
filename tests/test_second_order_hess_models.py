"""hess= on every second-order method (models instead of exact Hessians), saddle escape with
L-SR1 from gradients alone, Status.SADDLE, and nonconvex safety at the defaults."""

import numpy as np
import pytest
from scipy.optimize import BFGS, SR1

import numopt as no
from numopt.problems.library import FACTORIES, SADDLES

SECOND_ORDER = ("newton", "damped_newton", "cubic_newton", "grad_reg_newton", "lazy_newton")
MODELS = ("bfgs", "sr1", "lbfgs", "lsr1", "fd")


def _gradient_only(name):
    p = FACTORIES[name]()
    return p, no.Problem(p.fun, grad=p.grad, x0=p.x0, name=name)


@pytest.mark.parametrize("method", SECOND_ORDER)
@pytest.mark.parametrize("hess", [*MODELS, "scipy-bfgs", "scipy-sr1"])
def test_every_second_order_method_takes_every_hessian_model(method, hess):
    hess = {"scipy-bfgs": BFGS(), "scipy-sr1": SR1()}.get(hess, hess)
    _, p = _gradient_only("rosenbrock")
    res = no.minimize(p, method=method, hess=hess, tol=1e-6, max_iter=500)
    assert res.success, res.message
    assert res.grad_norm <= 1e-6 and res.nhev == 0
    np.testing.assert_allclose(res.x, 1.0, atol=1e-4)


@pytest.mark.parametrize("name", SADDLES)
def test_arc_with_lsr1_escapes_the_library_saddles_from_gradients_alone(name):
    exact, p = _gradient_only(name)
    res = no.minimize(p, exact.saddle, method="cubic_newton", hess="lsr1", tol=1e-6)
    assert res.success and res.nhev == 0
    assert res.fun < exact.fun(exact.saddle) - 1e-3
    assert np.linalg.eigvalsh(exact.hess(res.x)).min() > 0  # a minimizer, not the saddle


def test_positive_definite_model_at_a_saddle_reports_it():
    exact, p = _gradient_only("saddle_quartic")
    res = no.minimize(p, exact.saddle, method="cubic_newton", hess="lbfgs", tol=1e-6)
    assert not res.success and res.status == no.Status.SADDLE
    assert "lsr1" in res.message


def test_hessian_model_through_the_scipy_style_call():
    exact = FACTORIES["beale"]()
    res = no.minimize(exact.fun, exact.x0, jac=exact.grad, method="cubic_newton", hess="lsr1",
                      tol=1e-6)
    assert res.success and res.method == "cubic_newton"


def test_compact_models_solve_in_the_small_space():
    """lbfgs on n = 200 keeps no dense matrix: the subproblem is (2m+1)-dimensional."""
    w = np.linspace(1.0, 10.0, 200)
    p = no.Problem(lambda x: float(np.sum(w * x ** 2 / 2 + x ** 4 / 4)),
                   grad=lambda x: w * x + x ** 3, x0=np.ones(200))
    res = no.minimize(p, method="cubic_newton", hess="lbfgs", tol=1e-6, max_iter=500)
    assert res.success and res.nhev == 0


def test_exact_hessian_callable_as_option_is_counted():
    exact, p = _gradient_only("beale")
    res = no.solvers.DampedNewton(hess=exact.hess, tol=1e-6).minimize(p)
    assert res.success and res.nit <= res.nhev <= res.nit + 1  # + the saddle check


def test_bad_hess_option_is_refused():
    _, p = _gradient_only("beale")
    with pytest.raises(no.InvalidProblemError, match="did you mean 'lsr1'"):
        no.minimize(p, method="cubic_newton", hess="lsr")
    with pytest.raises(no.InvalidProblemError, match="hess must be"):
        no.solvers.CubicNewton(hess=3.0)


@pytest.mark.parametrize("method", ["damped_newton", "grad_reg_newton", "newton"])
def test_methods_that_cannot_escape_report_the_saddle(method):
    p = FACTORIES["double_well"]()
    res = no.minimize(p, p.saddle, method=method)
    assert not res.success and res.status == no.Status.SADDLE
    assert "smallest Hessian eigenvalue" in res.message


def test_newton_reports_the_saddle_of_an_unbounded_quadratic():
    A = np.diag([2.0, 1.0, -1.0])
    p = no.Problem(lambda x: 0.5 * float(x @ A @ x), grad=lambda x: A @ x,
                   hess=lambda x: A)
    res = no.minimize(p, np.array([1.0, -2.0, 0.0]), method="newton")
    assert res.status == no.Status.SADDLE and not res.success
    np.testing.assert_allclose(res.x, 0.0, atol=1e-12)


@pytest.mark.parametrize("method", ["damped_newton", "grad_reg_newton"])
@pytest.mark.parametrize("name", ["himmelblau", "six_hump_camel", "beale", "box_3d",
                                  "helical_valley", "trigonometric"])
def test_nonconvex_safety_at_defaults(method, name):
    """Indefinite Hessians on the way: the defaults still converge (damped_newton used to
    stop with INNER_FAILED on all of these)."""
    p = FACTORIES[name]()
    res = no.minimize(p, method=method, tol=1e-6)
    assert res.success, res.message
