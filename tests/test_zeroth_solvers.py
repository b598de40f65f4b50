"""zo_gd, zo_perturbed, zo_accelerated: known optima, honest query counts, saddle escape,
reproducibility, executors, failures and bad options."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import numopt as no

SMOOTH = ("zo_gd", "zo_perturbed", "zo_accelerated")


class Counted:
    """A picklable objective that counts its own calls (the ground truth for nfev)."""

    def __init__(self, fun):
        self.fun, self.calls = fun, 0

    def __call__(self, x):
        self.calls += 1
        return self.fun(x)


def shifted_quadratic(x):
    return float(np.sum(np.arange(1, x.size + 1) * (x - 1.0) ** 2))


@pytest.mark.parametrize("estimator", ["gaussian", "central", "sphere", "coordinate", "forward"])
def test_zo_gd_solves_a_quadratic_with_every_estimator(estimator):
    res = no.minimize(shifted_quadratic, np.zeros(4), method="zo_gd", estimator=estimator,
                      num_dirs=2 if estimator in ("central", "sphere") else 1, tol=1e-6,
                      max_iter=5000, seed=1)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, 1.0, atol=1e-5)
    assert res.grad_norm < 1e-4 and res.jac.shape == (4,)


@pytest.mark.parametrize(("method", "options", "accuracy"), [
    ("zo_gd", {}, 1e-8), ("zo_perturbed", {}, 1e-8),
    ("zo_accelerated", {"smoothing": 1e-3}, 1e-4)])  # theory steps: slow on smooth problems
def test_methods_reach_the_optimum_of_classic_problems(method, options, accuracy):
    p = no.problems.library(["beale"])["beale"]
    res = no.minimize(p, method=method, tol=1e-6, max_iter=20_000, seed=0, **options)
    assert res.fun - p.f_star < accuracy, (res.fun, res.message)


@pytest.mark.parametrize("method", SMOOTH)
def test_nfev_counts_every_query_including_line_search_probes(method):
    f = Counted(shifted_quadratic)
    p = no.Problem(f, x0=np.zeros(3))
    res = no.minimize(p, method=method, tol=1e-5, max_iter=300, seed=0)
    assert res.nfev == f.calls == p.counts["fun"] > 0
    assert res.history["nfev"][-1] <= res.nfev


def test_zo_perturbed_escapes_the_strict_saddle_and_zo_gd_stays():
    p = no.problems.library(["saddle_quartic"])["saddle_quartic"]
    minimizers = 0
    for seed in range(5):
        res = no.minimize(p, x0=p.saddle, method="zo_perturbed", tol=1e-6, seed=seed)
        assert res.success, res.message
        np.testing.assert_allclose(np.abs(res.x), [0.0, np.sqrt(2.0)], atol=1e-4)
        assert res.fun == pytest.approx(-1.0, abs=1e-8)
        assert res.escapes >= 1 and res.min_curvature > 0
        minimizers += 1
    assert minimizers == 5
    for estimator in ("central", "sphere", "coordinate"):
        stay = no.minimize(p, x0=p.saddle, method="zo_gd", estimator=estimator, tol=1e-6,
                           seed=0)
        np.testing.assert_array_equal(stay.x, [0.0, 0.0])


def test_zo_perturbed_second_order_check_rejects_a_saddle_it_was_stuck_at():
    """With escape_iters=1 the attempt ends before f drops; the curvature probe along the
    drift must see the negative curvature and keep going to a minimizer."""
    f = lambda z: float(z[0] ** 2 - z[1] ** 2 + z[1] ** 4 / 4)  # noqa: E731
    res = no.minimize(f, np.zeros(2), method="zo_perturbed", tol=1e-6, escape_iters=1,
                      radius=1e-3, seed=3)
    assert res.success and res.fun == pytest.approx(-1.0, abs=1e-8)
    assert res.curvature_probes[0] < 0 < res.curvature_probes[-1]


def test_zo_perturbed_at_a_minimum_passes_the_check_at_the_anchor():
    res = no.minimize(shifted_quadratic, np.ones(3), method="zo_perturbed", tol=1e-6, seed=0)
    assert res.success and res.escapes == 0 and res.min_curvature > 0
    np.testing.assert_allclose(res.x, 1.0, atol=1e-6)


def test_zo_accelerated_solves_a_nonsmooth_convex_problem():
    rng = np.random.default_rng(0)
    A, x_true = rng.standard_normal((30, 6)), rng.standard_normal(6)
    b = A @ x_true
    res = no.minimize(lambda x: float(np.abs(A @ x - b).sum()), np.zeros(6),
                      method="zo_accelerated", smoothing=1e-3, tol=1e-6, max_iter=5000, seed=0)
    assert res.fun < 1e-4, res.message
    assert res.history["restarts"][-1] >= 1


@pytest.mark.parametrize("method", SMOOTH)
def test_same_seed_same_result_and_executor_changes_nothing(method):
    random = {"estimator": "gaussian"} if method == "zo_gd" else {}  # zo_gd's default is
    # deterministic (forward, then central differences): seed the random estimator instead

    def run(**options):
        return no.minimize(shifted_quadratic, np.zeros(3), method=method, tol=1e-5,
                           max_iter=200, **random, **options)

    first, again, other = run(seed=7), run(seed=np.random.default_rng(7)), run(seed=8)
    np.testing.assert_array_equal(first.x, again.x)
    assert first.nfev == again.nfev
    assert not np.array_equal(first.history["fun"], other.history["fun"])
    with ThreadPoolExecutor(2) as pool:
        threaded = run(seed=7, executor=pool)
    np.testing.assert_array_equal(first.x, threaded.x)
    np.testing.assert_array_equal(first.history["fun"], threaded.history["fun"])
    assert first.nfev == threaded.nfev


def test_batched_objective_gives_the_same_run():
    def batched(X):
        return np.sum(np.arange(1, X.shape[1] + 1) * (X - 1.0) ** 2, axis=1)

    serial = no.minimize(shifted_quadratic, np.zeros(3), method="zo_gd", estimator="central",
                         tol=1e-6, seed=2)
    vector = no.minimize(batched, np.zeros(3), method="zo_gd", estimator="central", tol=1e-6,
                         seed=2, batched=True)
    assert vector.success and vector.nfev == serial.nfev
    np.testing.assert_allclose(vector.x, serial.x, atol=1e-10)


def test_forward_gradients_with_a_user_jvp():
    grad = lambda x: 2 * np.arange(1, x.size + 1) * (x - 1.0)  # noqa: E731
    res = no.minimize(shifted_quadratic, np.zeros(3), method="zo_gd", estimator="jvp",
                      jvp=lambda x, v: float(grad(x) @ v), num_dirs=3, tol=1e-6, seed=0)
    assert res.success and res.njvp > 0
    np.testing.assert_allclose(res.x, 1.0, atol=1e-5)


def test_noisy_objective_with_mu_above_the_noise_scale():
    rng = np.random.default_rng(0)
    noisy = lambda x: shifted_quadratic(x) + 1e-6 * rng.standard_normal()  # noqa: E731
    res = no.minimize(noisy, np.zeros(3), method="zo_gd", estimator="central", num_dirs=3,
                      mu=1e-2, tol=1e-2, max_iter=500, seed=0)
    np.testing.assert_allclose(res.x, 1.0, atol=1e-2)


@pytest.mark.parametrize("method", SMOOTH)
def test_nonfinite_objective_ends_without_success(method):
    f = lambda x: np.nan if x[0] > 0.5 else shifted_quadratic(x)  # noqa: E731
    res = no.minimize(f, np.zeros(2), method=method, tol=1e-10, max_iter=500, seed=0)
    assert res.status_enum is no.Status.NONFINITE and not res.success
    assert "NaN" in res.message
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun) and res.x[0] <= 0.5


def test_budget_is_respected():
    res = no.minimize(shifted_quadratic, np.zeros(3), method="zo_gd", tol=1e-12, max_fev=50,
                      seed=0)
    assert res.status_enum is no.Status.BUDGET
    assert 50 <= res.nfev <= 50 + 40  # one iteration: an estimate plus at most 30 probes


@pytest.mark.parametrize(("method", "options", "fragment"), [
    ("zo_gd", {"estimator": "centrl"}, "did you mean 'central'"),
    ("zo_gd", {"seed": -1}, "seed must be >= 0"),
    ("zo_gd", {"step": 0.0}, "step must be > 0"),
    ("zo_gd", {"executor": 3}, "concurrent.futures.Executor"),
    ("zo_gd", {"estimator": "forward", "num_dirs": 2}, "always uses all 3 coordinates"),
    ("zo_gd", {"estimator": "jvp"}, "needs jvp="),
    ("zo_perturbed", {"radius": -1.0}, "radius must be > 0"),
    ("zo_accelerated", {"smoothing": 0.0}, "smoothing must be > 0"),
    ("zo_gd", {"stepsize": 1.0}, "unknown option"),
])
def test_bad_options_raise_useful_messages(method, options, fragment):
    with pytest.raises(no.InvalidProblemError, match=fragment):
        no.minimize(shifted_quadratic, np.zeros(3), method=method, **options)


def test_methods_need_only_fun_and_are_listed():
    infos = {m.name: m for m in no.methods()}
    for name in ("zo_gd", "zo_perturbed", "zo_frank_wolfe", "zo_accelerated"):
        assert infos[name].requires == ("fun",) and infos[name].randomized
    assert no.solvers.ZOGradientDescent is no.zeroth.ZOGradientDescent


def test_bfgs_metric_is_finite_difference_quasi_newton():
    p = no.problems.library(["rosenbrock"])["rosenbrock"]
    plain = no.minimize(p, method="zo_gd", estimator="forward", metric="identity", tol=1e-6,
                        max_fev=3000, seed=0)
    p.reset_counts()
    bfgs = no.minimize(p, method="zo_gd", estimator="coordinate", metric="bfgs", tol=1e-6,
                       max_iter=500, seed=0)
    assert bfgs.success and bfgs.fun < 1e-10 and not plain.success
    assert bfgs.nfev < 1000 < plain.nfev
    with pytest.raises(no.InvalidProblemError, match="metric='bfgs' needs accurate"):
        no.minimize(p, method="zo_gd", estimator="gaussian", metric="bfgs")


def test_bfgs_update_satisfies_the_secant_equation():
    from numopt.zeroth.gd import bfgs_update

    rng = np.random.default_rng(0)
    s, y = rng.standard_normal(4), rng.standard_normal(4)
    y = y if s @ y > 0 else -y
    H0 = np.eye(4) * 2.0
    B0s = s / 2.0
    y = y if s @ y >= 0.2 * s @ B0s else y + B0s  # undamped case
    H = bfgs_update(H0, s, y)
    np.testing.assert_allclose(H @ y, s, atol=1e-12)
    np.testing.assert_allclose(H, H.T)
    damped = bfgs_update(H, s, -y)  # negative curvature: damped, still positive definite
    assert np.all(np.linalg.eigvalsh(damped) > 0)
    assert bfgs_update(H, s, np.zeros(4)) is H
