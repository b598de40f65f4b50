"""Registry-wide contract: every registered method obeys the same rules.

Parametrized over ``numopt.methods()`` at collection time, so a method registered by any
family is tested as soon as it is imported by ``import numopt``. Per-method set-up (problem,
options, tolerance) comes from ``contract_cases.py``.
"""

import numpy as np
import pytest
from contract_cases import CASES, DEFAULT

import numopt as no
from numopt import Status

INFOS = {m.name: m for m in no.methods()}
METHODS = sorted(INFOS)
API_FIELDS = ("x", "fun", "jac", "success", "status", "message", "nit", "nfev", "njev", "nhev",
              "grad_norm", "time", "method", "backend", "history")
HISTORY_FIELDS = ("iter", "time", "fun", "grad_norm")
POISON_AFTER = 1  # objective calls before the poisoned objective starts returning NaN
UNREACHABLE_TOL = 1e-300  # keeps a run going (no early convergence) where the test needs steps


def case_of(name):
    return CASES.get(name, DEFAULT)


def solve(name, problem=None, x0=None, **overrides):
    """Run method ``name`` on its contract problem with its options (seed=0 if randomized)."""
    case = case_of(name)
    problem = case.problem() if problem is None else problem
    options = dict(case.options, tol=case.tol, max_iter=case.max_iter)
    if INFOS[name].randomized:
        options.setdefault("seed", 0)
    options.update(overrides)
    return no.minimize(problem, x0, method=name, **options)


def poison(problem):
    """Make the problem's objective return NaN after a few calls (oracles stay exact before)."""
    oracle = problem._oracles["fun"]
    calls = {"n": 0}

    def fun(x):
        calls["n"] += 1
        return float("nan") if calls["n"] > POISON_AFTER else oracle(x)

    problem._oracles["fun"] = fun
    return problem


@pytest.mark.parametrize("name", METHODS)
def test_solves_contract_problem(name):
    problem = case_of(name).problem()
    res = solve(name, problem=problem)
    assert res.success, res.message
    assert res.method == name and res.status == Status.SUCCESS
    x = np.asarray(no.backend.to_numpy(res.x))
    x_star = case_of(name).x_star(problem)
    error = np.linalg.norm(x - x_star)
    assert error <= case_of(name).xtol * max(1.0, np.linalg.norm(x_star)), (
        f"{name} reports success {error:.3g} away from the known optimum")


@pytest.mark.parametrize("name", METHODS)
def test_result_has_every_api_field(name):
    res = solve(name, max_iter=5)
    missing = [f for f in API_FIELDS if f not in res]
    assert not missing, f"result lacks {missing}"
    assert isinstance(res, no.Result) and isinstance(res.message, str) and res.message
    assert res.success == (res.status == Status.SUCCESS)
    lengths = {k: len(v) for k, v in res.history.items()}
    assert set(HISTORY_FIELDS) <= set(lengths) and len(set(lengths.values())) == 1, lengths


@pytest.mark.parametrize("name", METHODS)
def test_callback_stops_the_run(name):
    calls = []
    res = solve(name, tol=UNREACHABLE_TOL, callback=lambda r: calls.append(r) or True)
    assert len(calls) == 1 and res.status == Status.CALLBACK_STOP and not res.success
    assert "callback" in res.message


@pytest.mark.parametrize("name", METHODS)
def test_nan_objective_ends_without_success(name):
    res = solve(name, problem=poison(case_of(name).problem()), tol=UNREACHABLE_TOL)
    assert not res.success and res.message
    assert "NaN" in res.message, res.message  # the message names the cause
    assert np.all(np.isfinite(np.asarray(no.backend.to_numpy(res.x)))), "non-finite x returned"
    assert np.isfinite(res.fun) or res.nit == 0  # NaN already at the start: nothing finite


@pytest.mark.parametrize("name", METHODS)
def test_max_iter_respected(name):
    # an unreachable tolerance, so the cap (not convergence) must end the run
    res = solve(name, max_iter=2, tol=UNREACHABLE_TOL)
    assert res.status == Status.MAX_ITER and not res.success, res.message
    assert res.nit == 2 and len(res.history["iter"]) == 3


def _unbudgeted(name):
    """nfev after each iteration of a budget-free run (the trajectory a budgeted run follows)."""
    return solve(name, max_iter=6, tol=UNREACHABLE_TOL).history["nfev"]


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("extra", [0, 1])
def test_max_fev_is_a_hard_cap(name, extra):
    nfev = _unbudgeted(name)
    budget = int(nfev[1]) + extra  # the first iteration fits; the budget ends the run after
    res = solve(name, max_fev=budget, max_iter=6, tol=UNREACHABLE_TOL)
    assert res.status == Status.BUDGET and not res.success, res.message
    assert res.nfev <= budget and res.history["nfev"][-1] <= budget, (
        f"{res.nfev} objective evaluations with max_fev={budget}")
    # every iteration whose evaluations fit in the budget is done, no other one
    assert res.nit == int(np.flatnonzero(nfev <= budget)[-1]), (res.nit, nfev, budget)


@pytest.mark.parametrize("name", METHODS)
def test_max_time_respected(name):
    res = solve(name, max_time=1e-9, tol=UNREACHABLE_TOL)
    assert res.status == Status.BUDGET and not res.success, res.message
    assert res.nit == 0  # checked before every step, including the first


@pytest.mark.parametrize("name", METHODS)
def test_max_fev_below_the_start_cost_is_refused(name):
    with pytest.raises(no.InvalidProblemError, match="max_fev=1 is too small") if (
            _unbudgeted(name)[0] > 1) else _no_error():
        solve(name, max_fev=1, max_iter=2, tol=UNREACHABLE_TOL)


class _no_error:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("name", METHODS)
def test_declared_bounds_are_honoured_or_refused(name):
    """A method never ignores bounds silently: it keeps x inside them or refuses the problem."""
    base = case_of(name).problem()
    x_star = case_of(name).x_star(base)
    # a box that cuts the unconstrained optimum off, and contains the start point
    upper = np.full(base.dim, np.inf)
    upper[0] = x_star[0] - 0.1 * max(1.0, abs(x_star[0]))
    bounded = no.Problem(base.fun, grad=base.grad if base.has("grad") else None,
                         hess=base.hess if base.has("hess") else None,
                         x0=np.minimum(base.x0, upper - 1.0), eq=base.eq,
                         bounds=list(zip(np.full(base.dim, -np.inf), upper, strict=True)))
    try:
        res = solve(name, problem=bounded, max_iter=50)
    except no.InvalidProblemError as err:
        assert "bound" in str(err) or "needs" in str(err), str(err)
        return
    assert np.all(np.asarray(res.x) <= upper + 1e-8), "bounds ignored"


@pytest.mark.parametrize("name", METHODS)
def test_x0_not_mutated(name):
    problem = case_of(name).problem()
    x0 = np.array(problem.x0, dtype=float) + 0.5
    before = x0.copy()
    solve(name, problem=problem, x0=x0, max_iter=5)
    assert np.array_equal(x0, before)


@pytest.mark.parametrize("name", METHODS)
def test_wrong_length_x0_raises(name):
    problem = case_of(name).problem()
    with pytest.raises(no.InvalidProblemError, match="length"):
        solve(name, problem=problem, x0=np.zeros(problem.dim + 1))


@pytest.mark.parametrize("name", METHODS)
def test_unknown_option_lists_valid_ones(name):
    with pytest.raises(no.InvalidProblemError, match=r"unknown option.*'no_such_option'.*"
                                                     r"Valid options: .*max_iter"):
        solve(name, no_such_option=1)


@pytest.mark.parametrize("name", [m for m in METHODS if INFOS[m].randomized])
def test_same_seed_same_result(name):
    a, b = solve(name, seed=123, max_iter=20), solve(name, seed=123, max_iter=20)
    assert a.nit == b.nit and np.array_equal(no.backend.to_numpy(a.x), no.backend.to_numpy(b.x))
    assert np.array_equal(a.history["fun"], b.history["fun"], equal_nan=True)


FAMILY_FIELDS = ("x", "success", "status", "message", "nit", "grad_norm", "time", "method",
                 "backend", "history")


@pytest.mark.parametrize("family", ["sor", "ssor_cg", "sinkhorn", "sns"])
def test_other_families_share_the_result_schema(family):
    """One vocabulary: linear and transport results carry the common fields, and grad_norm is
    the family's stationarity measure (residual norm, marginal error)."""
    A = np.array([[4.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 4.0]])
    if family in ("sor", "ssor_cg"):
        res = getattr(no.linear, family)(A, np.ones(3))
        assert res.grad_norm == res.residual_norm
        assert res.grad_norm == pytest.approx(np.linalg.norm(np.ones(3) - A @ res.x), rel=1e-6,
                                              abs=1e-14)
        assert res.nfev >= res.nit and res.njev == 0
    else:
        rng = np.random.default_rng(0)
        res = no.transport.sinkhorn(np.full(4, 0.25), np.full(3, 1 / 3), rng.random((4, 3)),
                                    0.5, family)
        plan = np.asarray(res.plan)
        error = (np.abs(plan.sum(1) - 0.25).sum() + np.abs(plan.sum(0) - 1 / 3).sum())
        assert res.grad_norm == res.marginal_error
        assert res.grad_norm == pytest.approx(error, rel=1e-6, abs=1e-12)
    missing = [f for f in FAMILY_FIELDS if f not in res]
    assert not missing and res.success, (missing, res.message)
    if family in ("sor", "ssor_cg"):
        assert res.history["grad_norm"][-1] == res.grad_norm
