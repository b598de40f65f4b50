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
    res = solve(name)
    assert res.success, res.message
    assert res.method == name and res.status == Status.SUCCESS
    assert np.all(np.isfinite(np.asarray(no.backend.to_numpy(res.x))))


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
    assert np.all(np.isfinite(np.asarray(no.backend.to_numpy(res.x)))), "non-finite x returned"
    assert np.isfinite(res.fun) or res.nit == 0  # NaN already at the start: nothing finite


@pytest.mark.parametrize("name", METHODS)
def test_max_iter_respected(name):
    res = solve(name, max_iter=2)
    assert res.nit <= 2
    assert res.success or res.status == Status.MAX_ITER


@pytest.mark.parametrize("name", METHODS)
def test_max_fev_budget_respected(name):
    res = solve(name, max_fev=5)
    nfev = res.history["nfev"]
    assert res.success or res.status == Status.BUDGET, res.message
    if res.status == Status.BUDGET:  # stopped at the first iteration boundary past the budget
        assert nfev[-1] >= 5 and (len(nfev) == 1 or nfev[-2] < 5)


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
