"""Problem: oracle counting, caching, validation of what oracles return."""

import numpy as np
import pytest

import numopt as no


def make_problem(**kwargs):
    return no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x,
                      hess=lambda x: 2 * np.eye(x.size), hessp=lambda x, v: 2 * v, **kwargs)


def test_counts_and_last_point_cache():
    p = make_problem(x0=np.ones(3))
    x, y = np.ones(3), np.zeros(3)
    assert p.fun(x) == 3.0 and p.fun(x.copy()) == 3.0
    assert p.counts["fun"] == 1
    p.fun(y)
    p.fun(x)
    assert p.counts["fun"] == 3
    p.grad(x)
    p.grad(x)
    p.hess(x)
    p.hess(x)
    p.hessp(x, y)
    assert p.counts == {"fun": 3, "grad": 1, "hess": 2, "hessp": 1}


def test_cache_is_not_fooled_by_mutation():
    p = make_problem()
    x = np.ones(2)
    assert p.fun(x) == 2.0
    x[0] = 3.0  # the cache keeps its own copy of the point
    assert p.fun(x) == 10.0 and p.counts["fun"] == 2


def test_reset_counts():
    p = make_problem()
    p.fun(np.ones(2))
    p.reset_counts()
    assert p.counts["fun"] == 0
    p.fun(np.ones(2))
    assert p.counts["fun"] == 1


def test_dim_and_repr():
    p = make_problem(x0=[1.0, 2.0], name="sphere")
    assert p.dim == 2 and isinstance(p.x0, np.ndarray)
    assert "sphere" in repr(p) and "hessp" in repr(p)
    assert no.Problem(lambda x: 0.0, dim=4).dim == 4


@pytest.mark.parametrize("kwargs, needed", [
    ({"x0": [[1.0, 2.0]]}, "x0 must be 1-dimensional"),
    ({"x0": [1.0, np.nan]}, "x0 contains 1 NaN or inf"),
    ({"x0": [1.0, np.inf]}, "NaN or inf"),
    ({"x0": [1.0, 2.0], "dim": 3}, "dim=3 disagrees with x0 of length 2"),
    ({"x0": ["a", "b"]}, "x0 must be a real numeric array"),
    ({"eq": "c(x)=0"}, "eq must be a numopt.Equality"),
])
def test_bad_problem_input(kwargs, needed):
    with pytest.raises(no.InvalidProblemError, match=needed):
        make_problem(**kwargs)


def test_oracles_must_be_callable():
    with pytest.raises(no.InvalidProblemError, match="grad must be callable"):
        no.Problem(lambda x: 0.0, grad=np.zeros(2))
    with pytest.raises(no.InvalidProblemError, match="fun must be callable"):
        no.Problem(None)


def test_wrong_oracle_outputs_are_named():
    p = no.Problem(lambda x: x, grad=lambda x: np.ones(x.size + 1),
                   hess=lambda x: np.ones((2, 3)))
    x = np.ones(2)
    with pytest.raises(no.InvalidProblemError, match="fun must return a real scalar"):
        p.fun(x)
    with pytest.raises(no.InvalidProblemError, match=r"grad returned shape \(3,\), expected"):
        p.grad(x)
    with pytest.raises(no.InvalidProblemError, match=r"hess must return shape .*got \(2, 3\)"):
        p.hess(x)


def test_missing_oracle_is_named():
    p = no.Problem(lambda x: float(x @ x), x0=np.ones(2), name="bare")
    with pytest.raises(no.InvalidProblemError, match="problem 'bare' has no 'hess' oracle"):
        p.hess(np.ones(2))
    with pytest.raises(no.InvalidProblemError,
                       match="method 'newton' needs the oracle 'grad'.*'zo_gd'"):
        no.minimize(p, method="newton")
    with_grad = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x, x0=np.ones(2))
    with pytest.raises(no.InvalidProblemError, match="needs the oracle 'hess'.*pass hess="):
        no.minimize(with_grad, method="newton")


def test_equality_constraints():
    eq = no.Equality(lambda x: np.array([x.sum() - 1.0]), lambda x: np.ones((1, x.size)))
    p = no.Problem(lambda x: float(x @ x), eq=eq)
    assert "1 constraints" not in repr(p)  # dim_out unknown before the first call
    eq.fun(np.zeros(2))
    assert eq.dim_out == 1 and eq.counts["fun"] == 1 and "eq=1 constraints" in repr(p)
    with pytest.raises(no.InvalidProblemError, match=r"Equality jac must return shape \(m, 3\)"):
        no.Equality(lambda x: x[:1], lambda x: np.ones((1, 2))).jac(np.zeros(3))
    with pytest.raises(no.InvalidProblemError, match="pass hess= to Equality"):
        eq.hess(np.zeros(2), np.ones(1))


@pytest.mark.parametrize("bad_data, needed", [
    (lambda A, b: (A[:, :, None], b), "A must be 2-dimensional"),
    (lambda A, b: (A, b[:-1]), r"b must have shape \(6,\) to match the 6 rows of A"),
    (lambda A, b: (np.where(A > 1.0, np.nan, A), b), "A contains .*NaN or inf"),
    (lambda A, b: (A, np.full_like(b, np.inf)), "b contains .*NaN or inf"),
])
def test_structured_problem_data_validation(bad_data, needed):
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((6, 3)) + 1.5, rng.standard_normal(6)
    with pytest.raises(no.InvalidProblemError, match=needed):
        no.problems.LeastSquares(*bad_data(A, b))


def test_logistic_labels_validated():
    with pytest.raises(no.InvalidProblemError, match=r"-1, \+1"):
        no.problems.LogisticRegression(np.eye(2), [0.0, 1.0])


def test_counts_are_per_run_when_a_problem_is_reused():
    p = no.problems.library()["rosenbrock"]
    first = no.minimize(p, method="gd", max_iter=10)
    fresh = no.minimize(no.problems.library()["rosenbrock"], method="newton")
    again = no.minimize(p, method="newton")
    assert first.nfev > 0
    assert (again.nfev, again.njev, again.nhev) == (fresh.nfev, fresh.njev, fresh.nhev)
    assert p.counts["fun"] == again.nfev


def test_mixed_array_libraries_in_structured_data_are_rejected():
    xps = pytest.importorskip("array_api_strict")
    A = np.eye(3)
    with pytest.raises(no.InvalidProblemError, match="same array library"):
        no.problems.LeastSquares(xps.asarray(A), np.ones(3))
    p = no.problems.LeastSquares(xps.asarray(A), [1.0, 2.0, 3.0])  # a list follows the matrix
    assert type(p.b) is type(p.A)


# ----------------------------------------------------------------- issue 14 regressions
@pytest.mark.parametrize("method", ["newton", "cubic_newton", "damped_newton", "gd"])
def test_empty_start_point_is_refused_with_its_name(method):
    with pytest.raises(no.InvalidProblemError, match="x0 is empty"):
        no.minimize(lambda x: 0.0, np.array([]), jac=lambda x: x,
                    hess=lambda x: np.eye(x.size), method=method)


@pytest.mark.parametrize("bad", ["jac_rows", "jac_cols", "hess"])
def test_equality_with_wrong_shaped_derivatives_names_them(bad):
    eq = no.Equality(lambda x: np.array([x.sum() - 1.0, x[0]]),
                     (lambda x: np.ones((3, x.size))) if bad == "jac_rows" else
                     (lambda x: np.ones((2, x.size + 1))) if bad == "jac_cols" else
                     (lambda x: np.vstack([np.ones(x.size), np.eye(x.size)[0]])),
                     hess=lambda x, lam: np.zeros((2, 2)) if bad == "hess" else
                     np.zeros((x.size, x.size)))
    x = np.ones(4)
    eq.fun(x)
    with pytest.raises(no.InvalidProblemError, match=r"Equality (jac|hess).* must return"):
        eq.jac(x) if bad != "hess" else eq.hess(x, np.ones(2))
    p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x,
                   hess=lambda x: 2 * np.eye(x.size), x0=x, eq=eq)
    with pytest.raises(no.InvalidProblemError, match=r"Equality (jac|hess).* must return|"
                                                     r"constraint .* returned shape"):
        no.minimize(p, method="alm_sketch", seed=0)


@pytest.mark.parametrize("value", ["1.0", 1.0 + 0.0j, np.complex128(2.0), np.ones(2), True])
def test_an_objective_returning_a_non_real_is_refused(value):
    p = no.Problem(lambda x: value, grad=lambda x: 2 * x, x0=np.ones(2))
    with pytest.raises(no.InvalidProblemError, match="fun must return a real scalar"):
        p.fun(p.x0)


@pytest.mark.parametrize("value", [np.ones(2) * 1j, "ab", [None, "x"]])
def test_a_gradient_that_is_not_a_real_vector_is_refused(value):
    p = no.Problem(lambda x: 0.0, grad=lambda x: value, x0=np.ones(2))
    with pytest.raises(no.InvalidProblemError, match="grad|returned"):
        p.grad(p.x0)


def test_nan_met_by_a_line_search_is_named_in_the_message():
    """The objective turns NaN away from the start: the line search used to blame the
    derivatives; the message now names NaN first."""
    def fun(x):
        return float("nan") if np.abs(x).max() > 1.5 else float((x - 3.0) @ (x - 3.0))

    res = no.minimize(fun, np.ones(2), jac=lambda x: 2 * (x - 3.0), method="gd", max_iter=50)
    assert not res.success
    assert "NaN or inf" in res.message


def test_max_fev_is_a_hard_cap_inside_a_line_search():
    calls = []

    def fun(x):
        calls.append(1)
        return float(x @ x) if len(calls) < 3 else float(x @ x) + 10.0 ** len(calls)

    res = no.minimize(fun, np.ones(3), jac=lambda x: 2 * x, method="gd", max_fev=5)
    assert len(calls) <= 5 and res.nfev == len(calls)
    assert res.status == no.Status.BUDGET and np.all(np.isfinite(res.x))


def test_max_fev_smaller_than_the_start_needs_is_refused():
    with pytest.raises(no.InvalidProblemError, match="max_fev=1 is too small"):
        no.minimize(lambda x: float(x @ x), np.ones(3), method="zo_gd", max_fev=1, seed=0)


def test_estimate_grad_on_an_empty_point_returns_at_once():
    with pytest.raises(no.InvalidProblemError, match="x is empty"):
        no.zeroth.estimate_grad(lambda x: 0.0, np.array([]))
    with pytest.raises(no.InvalidProblemError, match="d >= 1"):
        no.zeroth.draw_directions(np.random.default_rng(0), 0, 1, "sphere")


def test_saddle_status_is_a_failure_with_its_message():
    assert not no.Status.SADDLE.success
    assert no.Status.SADDLE.describe().startswith(
        "saddle point: the Hessian has a negative eigenvalue")


def test_structured_problems_refuse_empty_and_complex_data():
    with pytest.raises(no.InvalidProblemError, match="empty"):
        no.problems.LeastSquares(np.zeros((0, 3)), np.zeros(0))
    with pytest.raises(no.InvalidProblemError, match="complex"):
        no.problems.LeastSquares(np.eye(2) * (1 + 1j), np.ones(2))
    with pytest.raises(no.InvalidProblemError, match="integer class indices"):
        no.problems.SoftmaxRegression(np.eye(2), np.array([0, 1j]))
