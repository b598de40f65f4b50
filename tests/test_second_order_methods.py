"""damped_newton, cubic_newton, grad_reg_newton, lazy_newton: known optima, saddles,
failure behaviour, counters, backends."""

import array_api_strict as xps
import numpy as np
import pytest
import scipy.optimize

import numopt as no
from numopt.problems import library

METHODS = {
    "damped_newton": {},
    "cubic_newton": {},
    "grad_reg_newton": {},
    "lazy_newton": {},
}
VARIANTS = [
    ("damped_newton", {"schedule": s}) for s in
    ("aicn", "nesterov", "root", "universal", "greedy", "armijo")
] + [
    ("cubic_newton", {"mode": "arc"}), ("cubic_newton", {"mode": "adaptive"}),
    ("cubic_newton", {"mode": "fixed", "cubic_weight": 1.0}),
    ("cubic_newton", {"subproblem": "cholesky"}), ("cubic_newton", {"subproblem": "krylov"}),
] + [
    ("grad_reg_newton", {"rule": r}) for r in
    ("mishchenko", "fixed", "super_universal", "grad_norm_smooth")
] + [
    ("lazy_newton", {"update_every": 1}), ("lazy_newton", {"update_every": 10}),
    ("lazy_newton", {"regularization": "quadratic"}), ("lazy_newton", {"adapt": "phase"}),
]


def saddle_problem(hessp_only=False):
    """f(x, y) = x^2 - y^2 + y^4/4: saddle at 0, minimizers (0, ±sqrt(2))."""
    def hess(z):
        return np.diag([2.0, -2.0 + 3.0 * z[1] ** 2])

    return no.Problem(lambda z: float(z[0] ** 2 - z[1] ** 2 + z[1] ** 4 / 4),
                      grad=lambda z: np.array([2 * z[0], -2 * z[1] + z[1] ** 3]),
                      hess=None if hessp_only else hess,
                      hessp=lambda z, v: hess(z) @ v, name="saddle")


def logistic(d=30, l2=1e-3, seed=0):
    return no.problems.make_logistic(3 * d, d, cond=1e2, l2=l2, seed=seed)


@pytest.mark.parametrize("method,options", VARIANTS)
def test_every_variant_solves_a_convex_logistic_regression(method, options):
    p = logistic(l2=1e-2)
    res = no.minimize(p, np.zeros(p.dim), method=method, **options)
    ref = scipy.optimize.minimize(p.fun, np.zeros(p.dim), jac=p.grad, hess=p.hess,
                                  method="trust-exact", options={"gtol": 1e-10})
    assert res.success, res.message
    assert res.grad_norm <= 1e-8
    # ||x - x*|| <= ||grad|| / l2 by strong convexity
    np.testing.assert_allclose(res.x, ref.x, atol=2e-6)


@pytest.mark.parametrize("method", METHODS)
def test_extended_rosenbrock_100(method):
    p = library.extended_rosenbrock(100)
    options = {"hess_shift": "auto"} if method == "damped_newton" else {}
    res = no.minimize(p, method=method, **options)
    assert res.success, res.message
    assert res.grad_norm <= 1e-8
    np.testing.assert_allclose(res.x, np.ones(100), atol=1e-7)


LIBRARY_HARD = {"meyer", "osborne_1", "powell_badly_scaled", "brown_badly_scaled"}


@pytest.mark.parametrize("name", sorted(set(library.FACTORIES) - LIBRARY_HARD
                                        - {"extended_rosenbrock"}))
@pytest.mark.parametrize("method", ["cubic_newton", "lazy_newton", "grad_reg_newton"])
def test_classic_library(name, method):
    p = library()[name]
    res = no.minimize(p, method=method, max_iter=3000)
    assert res.success, res.message
    assert res.grad_norm <= 1e-8


@pytest.mark.parametrize("method,name", [
    ("lazy_newton", "osborne_1"), ("lazy_newton", "powell_badly_scaled"),
    ("cubic_newton", "powell_badly_scaled"), ("cubic_newton", "brown_badly_scaled"),
    ("lazy_newton", "brown_badly_scaled"), ("grad_reg_newton", "osborne_1"),
])
def test_classic_library_hard_cases(method, name):
    res = no.minimize(library()[name], method=method, max_iter=3000)
    assert res.success, res.message


@pytest.mark.parametrize("method,options", [
    ("cubic_newton", {}), ("cubic_newton", {"mode": "adaptive"}),
    ("lazy_newton", {}), ("lazy_newton", {"update_every": 1}),
])
def test_second_order_stationarity_from_the_saddle(method, options):
    res = no.minimize(saddle_problem(), np.zeros(2), method=method, **options)
    assert res.success, res.message
    np.testing.assert_allclose(np.abs(res.x), [0.0, np.sqrt(2.0)], atol=1e-8)
    assert res.min_eigenvalue == pytest.approx(2.0, abs=1e-6)


def test_cubic_krylov_escapes_the_saddle_with_hessp_only():
    res = no.minimize(saddle_problem(hessp_only=True), np.zeros(2), method="cubic_newton")
    assert res.success and res.nhev == 0 and res.nhpev > 0
    np.testing.assert_allclose(np.abs(res.x), [0.0, np.sqrt(2.0)], atol=1e-8)


def test_classical_newton_reports_the_saddle():
    res = no.minimize(saddle_problem(), np.zeros(2), method="newton")
    assert not res.success and res.status == no.Status.SADDLE and res.nit == 0
    assert "saddle point" in res.message and "-2" in res.message
    np.testing.assert_array_equal(res.x, [0.0, 0.0])


def test_cholesky_subproblem_reports_the_hard_case_at_a_saddle():
    res = no.minimize(saddle_problem(), np.zeros(2), method="cubic_newton",
                      subproblem="cholesky")
    assert not res.success and res.status == no.Status.INNER_FAILED
    assert "hard case" in res.message


@pytest.mark.parametrize("schedule", ["aicn", "nesterov", "root", "universal", "greedy",
                                      "armijo"])
def test_damped_newton_indefinite_hessian_fails_clearly_without_shift(schedule):
    res = no.minimize(saddle_problem(), np.array([0.5, 0.1]), method="damped_newton",
                      schedule=schedule, hess_shift=None)
    assert not res.success and res.status == no.Status.INNER_FAILED
    assert "not positive definite" in res.message and "hess_shift='auto'" in res.message
    np.testing.assert_array_equal(res.x, [0.5, 0.1])


def test_damped_newton_hess_shift_is_recorded():
    res = no.minimize(saddle_problem(), np.array([0.5, 0.1]), method="damped_newton",
                      schedule="armijo", hess_shift="auto")
    assert res.success
    assert res.history["hess_shift"][1] > 0.0
    np.testing.assert_allclose(np.abs(res.x), [0.0, np.sqrt(2.0)], atol=1e-8)


@pytest.mark.parametrize("method", ["damped_newton", "grad_reg_newton", "lazy_newton"])
def test_methods_needing_the_matrix_reject_hessp_only(method):
    with pytest.raises(no.InvalidProblemError, match="oracle 'hess'"):
        no.minimize(saddle_problem(hessp_only=True), np.ones(2), method=method)


def test_cubic_newton_eigen_subproblem_needs_hess():
    with pytest.raises(no.InvalidProblemError, match="oracle 'hess'"):
        no.minimize(saddle_problem(hessp_only=True), np.ones(2), method="cubic_newton",
                    subproblem="eigen")


@pytest.mark.parametrize("method,options", [
    ("damped_newton", {"schedule": "aicn"}),
    ("cubic_newton", {"mode": "fixed", "cubic_weight": 1e-6}),
    ("grad_reg_newton", {"rule": "fixed", "reg_constant": 1e-12}),
])
def test_nonfinite_objective_ends_with_success_false(method, options):
    """f = ||x||^2 is NaN for x[0] < 0.5, and the full steps land there."""
    p = no.Problem(lambda x: float(x @ x) if x[0] >= 0.5 else np.nan, grad=lambda x: 2 * x,
                   hess=lambda x: 2 * np.eye(x.size))
    res = no.minimize(p, np.array([1.0, 1.0]), method=method, **options)
    assert not res.success and res.status == no.Status.NONFINITE
    assert "non-finite" in res.message
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("start", ["regular", "stationary"])
def test_nonfinite_hessian_ends_with_success_false(method, start):
    """At a stationary start every method tests the curvature (second-order stationarity or
    the saddle check), so the NaN Hessian is met there too."""
    p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x,
                   hess=lambda x: np.full((2, 2), np.nan))
    res = no.minimize(p, np.ones(2) if start == "regular" else np.zeros(2), method=method)
    assert not res.success and res.status == no.Status.NONFINITE
    assert "Hessian" in res.message and "NaN or inf" in res.message


@pytest.mark.parametrize("method", ["cubic_newton", "lazy_newton", "grad_reg_newton"])
def test_adaptive_methods_treat_nonfinite_trials_as_rejections(method):
    """Adaptive rules reject a NaN trial point like any bad trial; the run still ends with
    success=False (the minimizer is outside the domain) and a finite iterate."""
    p = no.Problem(lambda x: float(x @ x) if x[0] >= 0.5 else np.nan, grad=lambda x: 2 * x,
                   hess=lambda x: 2 * np.eye(x.size))
    res = no.minimize(p, np.array([1.0, 1.0]), method=method, max_iter=200)
    assert not res.success
    assert np.all(np.isfinite(res.x)) and res.x[0] >= 0.5


def test_grad_reg_failed_search_stops_with_success_false():
    """A gradient that is NaN away from the start can never pass an acceptance test."""
    x0 = np.ones(3)
    p = no.Problem(lambda x: float(x @ x),
                   grad=lambda x: 2 * x if np.array_equal(x, x0) else np.full(3, np.nan),
                   hess=lambda x: 2 * np.eye(x.size))
    for rule in ("mishchenko", "super_universal", "grad_norm_smooth"):
        res = no.minimize(p, x0, method="grad_reg_newton", rule=rule, max_trials=10)
        assert not res.success and res.status == no.Status.INNER_FAILED
        assert "failed 10 times" in res.message
        np.testing.assert_array_equal(res.x, x0)


@pytest.mark.parametrize("method,options,match", [
    ("damped_newton", {"schedule": "aicm"}, "did you mean 'aicn'"),
    ("damped_newton", {"order": 5.0}, "order must be <= 4"),
    ("damped_newton", {"hess_shift": "yes"}, "hess_shift"),
    ("cubic_newton", {"mode": "fixed"}, "needs cubic_weight"),
    ("cubic_newton", {"eta1": 0.95, "eta2": 0.9}, "eta2 must be >= 0.95"),
    ("cubic_newton", {"subproblem": "lanczos"}, "subproblem"),
    ("grad_reg_newton", {"rule": "adan"}, "rule"),
    ("grad_reg_newton", {"power": 0.5}, "power must be >="),
    ("lazy_newton", {"update_every": 0}, "update_every must be >= 1"),
    ("lazy_newton", {"regularization": "cubicc"}, "did you mean 'cubic'"),
])
def test_bad_options_raise_naming_the_argument(method, options, match):
    with pytest.raises(no.InvalidProblemError, match=match):
        no.minimize(logistic(5), np.zeros(5), method=method, **options)


def test_lazy_newton_counts_hessians_and_factorizations():
    p = logistic(d=40, l2=1e-4)
    lazy = no.solvers.LazyNewton(update_every=40).minimize(p, np.zeros(40))
    q = logistic(d=40, l2=1e-4)
    full = no.minimize(q, np.zeros(40), method="cubic_newton")
    assert lazy.success and full.success
    assert lazy.nhev == lazy.factorizations == lazy.history["nhev"][-1]
    assert lazy.history["factorizations"][-1] == lazy.factorizations
    assert lazy.nhev * 3 <= full.nhev
    assert lazy.nit > lazy.nhev and lazy.update_every == 40


def test_lazy_newton_default_period_and_update_every_one_matches_adaptive_cubic():
    p = logistic(d=20)
    res = no.minimize(p, np.zeros(20), method="lazy_newton")
    assert res.update_every == 20
    one = no.minimize(logistic(d=20), np.zeros(20), method="lazy_newton", update_every=1)
    ada = no.minimize(logistic(d=20), np.zeros(20), method="cubic_newton", mode="adaptive")
    np.testing.assert_allclose(one.x, ada.x, atol=1e-8)
    assert one.nit == ada.nit


def test_cubic_newton_reuses_one_factorization_across_rejected_trials():
    p = library()["rosenbrock"]
    res = no.minimize(p, method="cubic_newton")
    assert res.success
    assert res.factorizations == res.nhev  # one eigh per Hessian, whatever the trials
    assert res.history["trials"].max() > 1


@pytest.mark.parametrize("method,options", [
    ("damped_newton", {}), ("damped_newton", {"schedule": "greedy"}),
    ("cubic_newton", {}), ("cubic_newton", {"subproblem": "krylov"}),
    ("cubic_newton", {"subproblem": "cholesky"}),
    ("grad_reg_newton", {"rule": "grad_norm_smooth"}), ("lazy_newton", {}),
    ("lazy_newton", {"regularization": "quadratic"}),
])
def test_array_api_strict_backend(method, options):
    Q = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    c = np.array([1.0, -2.0, 0.5])
    Qs, cs = xps.asarray(Q), xps.asarray(c)

    def hess(x):
        return Qs + xps.eye(3, dtype=xps.float64) * (3 * x ** 2)[None, :]

    p = no.Problem(lambda x: float(0.5 * xps.vecdot(x, Qs @ x) - xps.vecdot(cs, x)
                                   + 0.25 * xps.sum(x ** 4)),
                   grad=lambda x: Qs @ x - cs + x ** 3, hess=hess,
                   hessp=lambda x, v: hess(x) @ v, x0=xps.zeros(3, dtype=xps.float64))
    res = no.minimize(p, method=method, **options)
    assert res.success and res.backend == "array_api_strict"
    assert isinstance(res.x, type(Qs))
    ref = no.minimize(lambda x: float(0.5 * x @ Q @ x - c @ x + 0.25 * np.sum(x ** 4)),
                      np.zeros(3), jac=lambda x: Q @ x - c + x ** 3,
                      hess=lambda x: Q + np.diag(3 * x ** 2), method="newton")
    np.testing.assert_allclose(np.asarray(res.x), ref.x, atol=1e-8)


def test_grad_norm_smooth_with_gauss_newton_hessian():
    """Least squares through a nonlinearity with the Gauss-Newton approximation J^T J."""
    rng = np.random.default_rng(1)
    A, b = rng.standard_normal((30, 4)), rng.standard_normal(30)

    def residual(x):
        return np.tanh(A @ x) - 0.5 * np.tanh(b)

    def jac(x):
        return (1 - np.tanh(A @ x) ** 2)[:, None] * A

    p = no.Problem(lambda x: 0.5 * float(residual(x) @ residual(x)),
                   grad=lambda x: jac(x).T @ residual(x), x0=np.zeros(4))
    res = no.minimize(p, method="grad_reg_newton", rule="grad_norm_smooth",
                      hess_approx=lambda x: jac(x).T @ jac(x))
    assert res.success and res.nhev == 0
    ref = scipy.optimize.least_squares(residual, np.zeros(4), jac=jac, gtol=1e-14)
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)


def test_sparse_hessian_is_densified():
    import scipy.sparse as sp

    p = no.problems.make_logistic(60, 20, sparse_density=0.3, l2=1e-2, seed=2)
    assert sp.issparse(p.hess(np.zeros(20)))
    res = no.minimize(p, np.zeros(20), method="cubic_newton")
    assert res.success


@pytest.mark.gpu
@pytest.mark.parametrize("method,options", [
    ("damped_newton", {}), ("cubic_newton", {}), ("cubic_newton", {"subproblem": "krylov"}),
    ("grad_reg_newton", {}), ("lazy_newton", {}),
])
def test_cupy_backend_matches_numpy(method, options):
    cp = pytest.importorskip("cupy")
    if not no.backend.cupy_status()[0]:
        pytest.skip("no CUDA device")
    host = logistic(d=40, l2=1e-2)
    device = no.problems.LogisticRegression(cp.asarray(host.A), cp.asarray(host.y), l2=1e-2)
    res = no.minimize(device, cp.zeros(40), method=method, **options)
    ref = no.minimize(host, np.zeros(40), method=method, **options)
    assert res.success and res.backend == "cupy"
    np.testing.assert_allclose(cp.asnumpy(res.x), ref.x, atol=1e-7)
