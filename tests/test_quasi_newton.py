"""bfgs and lbfgs: strong Wolfe line search, the classic library, bounds (projection,
active sets, projected-gradient stationarity), the Done-when Rosenbrock n=1000 checks."""

import math
import pickle

import numpy as np
import pytest
import scipy.optimize

import numopt as no
from numopt.bench.general import rosen, rosen_grad
from numopt.core.linesearch import StrongWolfe
from numopt.problems.bounded import bounded_library


def rosen_x0(n):
    x0 = np.ones(n)
    x0[0::2] = -1.2
    return x0


@pytest.mark.parametrize("bounds", [None, [(-0.5, 2.0)] * 1000])
def test_default_solves_extended_rosenbrock_1000_from_gradient_only(bounds):
    res = no.minimize(rosen, rosen_x0(1000), jac=rosen_grad, bounds=bounds, tol=1e-6)
    assert res.success and res.grad_norm <= 1e-6
    assert np.linalg.norm(rosen_grad(res.x)) <= 1e-6  # interior solution: the true gradient
    np.testing.assert_allclose(res.x, 1.0, atol=1e-5)
    assert res.method == "lbfgs"
    if bounds is not None:
        assert "projected" in res.message
    assert pickle.loads(pickle.dumps(res)).fun == res.fun
    assert "fun" in repr(res)


@pytest.mark.parametrize("method", ["bfgs", "lbfgs"])
def test_quasi_newton_solves_the_classic_library(method):
    lib = no.problems.library()
    solved = 0
    for name, p in lib.items():
        with np.errstate(all="ignore"):
            res = no.minimize(p, method=method, tol=1e-6, max_iter=3000)
        solved += bool(res.success)
        if res.success:
            assert res.grad_norm <= 1e-6 and res.nhev == 0, name
    # SciPy L-BFGS-B solves 27 of these 31 to ||g|| <= 1e-6 (numopt bench --only general)
    assert solved >= 29


def test_lbfgs_iterations_close_to_scipy_on_rosenbrock():
    p = no.problems.library()["rosenbrock"]
    res = no.minimize(p, method="lbfgs", tol=1e-6)
    ref = scipy.optimize.minimize(p.fun, p.x0, jac=p.grad, method="L-BFGS-B",
                                  options={"gtol": 1e-9, "ftol": 0.0})
    assert res.success and res.nit <= 1.3 * ref.nit


def test_bfgs_converges_superlinearly_on_a_quadratic():
    A = np.diag(np.arange(1.0, 6.0))
    p = no.Problem(lambda x: 0.5 * float(x @ A @ x), grad=lambda x: A @ x, x0=np.ones(5))
    res = no.minimize(p, method="bfgs", tol=1e-10)
    assert res.success and res.nit <= 20
    g = res.history["grad_norm"]
    assert g[-1] / g[-2] < 0.1  # the last step gains more than a digit


@pytest.mark.slow
def test_bounds_active_solution_matches_scipy():
    lib = bounded_library()
    for name, p in lib.items():
        res = no.minimize(p, method="lbfgs", tol=1e-6)
        assert res.success, (name, res.message)
        assert p.bounds.contains(res.x)
        pg = np.linalg.norm(p.bounds.projected_gradient(res.x, p.grad(res.x)))
        assert res.grad_norm == pytest.approx(pg) and pg <= 1e-6
        q = bounded_library([name])[name]
        ref = scipy.optimize.minimize(q.fun, q.x0, jac=q.grad, method="L-BFGS-B",
                                      bounds=q.bounds.to_scipy(),
                                      options={"gtol": 1e-10, "ftol": 0.0})
        assert res.fun <= ref.fun + 1e-6 * (1 + abs(ref.fun)), name


def test_bounds_hold_the_active_set_and_report_projected_x0():
    p = no.Problem(lambda x: float(np.sum((x - 3.0) ** 2)), grad=lambda x: 2 * (x - 3.0),
                   bounds=[(None, 1.0), (0.0, 5.0), (-1.0, None)])
    res = no.minimize(p, np.array([4.0, 4.0, -4.0]), method="bfgs")
    np.testing.assert_allclose(res.x, [1.0, 3.0, 3.0], atol=1e-8)
    assert res.success and "projected" in res.message
    assert np.linalg.norm(res.jac) > 1.0 and res.grad_norm <= 1e-8


def test_quasi_newton_declares_bounds_only():
    for method in ("bfgs", "lbfgs"):
        assert no.core.solver_class(method).handles == frozenset({"bounds"})
    eq = no.Equality(lambda x: np.array([x.sum()]), lambda x: np.ones((1, x.size)))
    p = no.Problem(rosen, grad=rosen_grad, x0=np.ones(2), eq=eq)
    with pytest.raises(no.InvalidProblemError, match="does not handle"):
        no.minimize(p, method="lbfgs")


def test_nonfinite_objective_ends_the_run():
    p = no.Problem(lambda x: math.inf if x[0] > 0.5 else float(-x[0]),
                   grad=lambda x: np.array([-1.0]), x0=np.zeros(1))
    res = no.minimize(p, method="lbfgs", max_iter=50)
    assert not res.success
    assert "line search" in res.message or "NaN" in res.message


def test_inconsistent_gradient_fails_the_line_search():
    p = no.Problem(lambda x: float(x @ x), grad=lambda x: -2 * x, x0=np.ones(3))
    res = no.minimize(p, method="lbfgs")
    assert not res.success and res.status == int(no.Status.LINE_SEARCH_FAILED)


def test_strong_wolfe_conditions_hold():
    ls = StrongWolfe(c1=1e-4, c2=0.1)
    for start in (1e-3, 1.0, 50.0):
        def phi_dphi(t):
            return math.cos(t) + 0.05 * t * t, -math.sin(t) + 0.1 * t
        f0, d0 = phi_dphi(0.0)[0], -0.5
        shifted = lambda t: phi_dphi(t + 0.5)  # noqa: E731
        f0, d0 = shifted(0.0)
        t, f, d = ls.search(shifted, f0, d0, step=start)
        assert f <= f0 + 1e-4 * t * d0 and abs(d) <= 0.1 * abs(d0)


def test_strong_wolfe_respects_max_step_and_refuses_ascent():
    ls = StrongWolfe()
    t, f, d = ls.search(lambda t: (-t, -1.0), 0.0, -1.0, step=1.0, max_step=3.0)
    assert t == 3.0
    assert ls.search(lambda t: (t, 1.0), 0.0, 1.0) == (None, None, None)
