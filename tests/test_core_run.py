"""The shared loop: budgets, callbacks, history, non-finite detection, progress, results."""

import pickle
import sys

import numpy as np
import pytest

import numopt as no
from numopt import Status

API_FIELDS = ("x", "fun", "jac", "success", "status", "message", "nit", "nfev", "njev", "nhev",
              "grad_norm", "time", "method", "backend", "history")


def rosen():
    return no.problems.library(["rosenbrock"])["rosenbrock"]


def raise_stop(intermediate):
    raise StopIteration


@pytest.mark.parametrize("method", ["gd", "newton"])
def test_result_fields_history_and_pickling(method):
    res = no.minimize(no.problems.library.beale(), method=method, max_iter=5000)
    assert res.success and res.status == 0 and res.status_enum is Status.SUCCESS
    assert all(field in res for field in API_FIELDS)
    assert res.method == method and res.backend in ("numpy", "numba")
    lengths = {k: len(v) for k, v in res.history.items()}
    assert len(set(lengths.values())) == 1 and lengths["iter"] == res.nit + 1
    assert {"iter", "time", "fun", "grad_norm"} <= set(res.history)
    assert np.all(np.diff(res.history["time"]) >= 0)
    assert res.nfev == res.history["nfev"][-1]
    again = pickle.loads(pickle.dumps(res))
    assert isinstance(again, no.Result) and np.array_equal(again.x, res.x)
    assert again.message == res.message
    text = str(res)
    assert "message: " in text and "Optimization terminated successfully." in text
    assert "success: True" in text


def test_every_status_has_an_actionable_message():
    for status in Status:
        assert bool(status) and len(status.describe()) > 20
    assert Status.MAX_ITER.describe().endswith("raise max_iter or loosen tol.")
    assert Status.BUDGET.describe("after 3 s.").startswith("after 3 s. Time")
    assert Status.SUCCESS.success and not Status.STALLED.success


def test_max_iter():
    res = no.minimize(rosen(), method="gd", max_iter=7)
    assert res.nit == 7 and res.status == Status.MAX_ITER and not res.success
    assert "max_iter" in res.message and len(res.history["iter"]) == 8


def test_max_time_budget():
    res = no.minimize(rosen(), method="gd", max_time=1e-9)
    assert res.status == Status.BUDGET and not res.success and "max_time" in res.message


def test_max_fev_budget():
    res = no.minimize(rosen(), method="gd", max_fev=20)
    assert res.status == Status.BUDGET and "max_fev" in res.message
    nfev = res.history["nfev"]
    assert nfev[-1] >= 20 > nfev[-2]  # stops at the first iteration boundary past the budget


@pytest.mark.parametrize("stop", [lambda r: True, raise_stop])
def test_callback_stops(stop):
    seen = []

    def callback(intermediate):
        seen.append(intermediate)
        return stop(intermediate) if len(seen) == 3 else None

    res = no.minimize(rosen(), method="newton", callback=callback)
    assert res.status == Status.CALLBACK_STOP and not res.success and res.nit == 3
    assert seen[0].nit == 1 and {"x", "fun", "grad_norm"} <= set(seen[0])


def test_nan_mid_run_keeps_last_finite_iterate():
    calls = {"grad": 0}

    p = rosen()

    def grad(x):
        calls["grad"] += 1
        return np.full_like(x, np.nan) if calls["grad"] > 4 else p.grad(x)

    res = no.minimize(p._oracles["fun"], p.x0, jac=grad, method="gd", max_iter=50)
    assert not res.success and res.status == Status.NONFINITE
    assert "non-finite" in res.message and np.all(np.isfinite(res.x))
    assert np.isfinite(res.fun) and np.isfinite(res.grad_norm)


def test_nan_objective_never_returns_success():
    res = no.minimize(lambda x: float("nan"), np.ones(2), jac=lambda x: x, method="gd")
    assert not res.success and res.status == Status.NONFINITE


def test_progress_bar_runs_and_needs_tqdm(monkeypatch, capsys):
    plain = no.minimize(rosen(), method="newton")
    with_bar = no.minimize(rosen(), method="newton", progress=True)
    assert with_bar.success and np.array_equal(plain.x, with_bar.x)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(no.MissingDependencyError, match=r'tqdm.*progress'):
        no.minimize(rosen(), method="newton", progress=True)


def test_solver_objects_step_by_hand():
    solver = no.solvers.Newton(tol=1e-10)
    p = rosen()
    state = solver.init(p, None)
    steps = 0
    while not solver.done(state):
        new = solver.step(p, state)
        assert new is not state and new.nit == state.nit + 1
        state, steps = new, steps + 1
    assert solver.done(state) is Status.SUCCESS and steps == state.nit
    assert "Newton(" in repr(solver) and "tol=1e-10" in repr(solver)


@pytest.mark.parametrize("method", ["newton", "damped_newton", "cubic_newton", "lazy_newton",
                                    "grad_reg_newton"])
def test_no_success_on_an_unbounded_quadratic_with_a_saddle(method):
    """Issue 14: newton used to report success at the saddle of x0^2 - x1^2."""
    H = np.diag([2.0, -2.0])
    res = no.minimize(lambda x: float(x @ H @ x) / 2, np.array([1.0, 1.0]),
                      jac=lambda x: H @ x, hess=lambda x: H, method=method, max_iter=200)
    assert not res.success, res.message
