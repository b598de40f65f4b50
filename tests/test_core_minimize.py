"""numopt.minimize in both call styles, SciPy interop and the bad-input messages."""

import pickle

import numpy as np
import pytest
import scipy.optimize

import numopt as no
from numopt.problems.library import extended_rosenbrock


def test_newton_solves_extended_rosenbrock_100_both_styles():
    p = extended_rosenbrock(100)
    fun, grad, hess = (p._oracles[k] for k in ("fun", "grad", "hess"))
    ours = no.minimize(fun, p.x0, jac=grad, hess=hess, method="newton")
    theirs = scipy.optimize.minimize(fun, p.x0, jac=grad, hess=hess,
                                     method=no.scipy_method("newton"))
    for res in (ours, theirs):
        assert res.success and res.grad_norm <= 1e-8
        assert np.linalg.norm(grad(res.x)) <= 1e-8 and np.allclose(res.x, 1.0)
        again = pickle.loads(pickle.dumps(res))
        assert np.array_equal(again.x, res.x) and again.nit == res.nit
        assert "success: True" in repr(res) and "nit:" in str(res)
    assert isinstance(theirs, scipy.optimize.OptimizeResult)


def test_problem_style_equals_scipy_style(quadratic):
    fun, grad, hess = quadratic
    x0 = np.array([2.0, -1.0, 0.5])
    a = no.minimize(no.Problem(fun, grad=grad, hess=hess, x0=x0), method="newton")
    b = no.minimize(fun, x0, jac=grad, hess=hess, method="newton")
    assert np.array_equal(a.x, b.x) and a.nit == b.nit and a.nfev == b.nfev


def test_jac_true_evaluates_once_per_point(quadratic):
    fun, grad, hess = quadratic
    evaluations = []

    def fun_and_grad(x):
        evaluations.append(x.copy())
        return fun(x), grad(x)

    res = no.minimize(fun_and_grad, np.zeros(3), jac=True, hess=hess, method="newton")
    assert res.success
    distinct = {e.tobytes() for e in evaluations}
    assert len(evaluations) == len(distinct)


def test_args_reach_every_oracle():
    def fun(x, c):
        return float(((x - c) ** 2).sum())

    def grad(x, c):
        return 2 * (x - c)

    def hess(x, c):
        return 2 * np.eye(x.size)

    res = no.minimize(fun, np.zeros(2), args=(5.0,), jac=grad, hess=hess, method="newton")
    assert np.allclose(res.x, 5.0)
    res = scipy.optimize.minimize(fun, np.zeros(2), args=(5.0,), jac=grad, hess=hess,
                                  method=no.scipy_method("newton"))
    assert np.allclose(res.x, 5.0)


def test_scipy_callback_conventions_and_options(quadratic):
    fun, grad, hess = quadratic
    points, results = [], []
    method = no.scipy_method("newton")
    scipy.optimize.minimize(fun, np.zeros(2), jac=grad, hess=hess, method=method,
                            callback=lambda xk: points.append(xk))
    assert points and all(isinstance(p, np.ndarray) for p in points)

    def modern(intermediate_result):
        results.append(intermediate_result)

    scipy.optimize.minimize(fun, np.zeros(2), jac=grad, hess=hess, method=method,
                            callback=modern)
    assert results and isinstance(results[0], scipy.optimize.OptimizeResult)
    assert "fun" in results[0]
    res = scipy.optimize.minimize(fun, np.zeros(2), jac=grad, hess=hess, method=method,
                                  options={"maxiter": 1, "disp": True})
    assert res.nit == 1 and not res.success
    with pytest.raises(no.InvalidProblemError, match="'gd' does not handle bounds.*lbfgs"):
        scipy.optimize.minimize(fun, np.zeros(2), jac=grad, method=no.scipy_method("gd"),
                                bounds=[(0, 1), (0, 1)])
    with pytest.raises(no.InvalidProblemError, match="unknown method 'newtn'"):
        no.scipy_method("newtn")


def test_scipy_names_get_a_numopt_suggestion():
    with pytest.raises(no.InvalidProblemError, match="SciPy's 'l-bfgs-b' corresponds to "
                                                     "numopt's 'lbfgs'"):
        no.scipy_method("L-BFGS-B")
    with pytest.raises(no.InvalidProblemError, match="'nelder-mead' corresponds to.*'zo_gd'"):
        no.minimize(lambda x: float(x @ x), np.ones(2), method="Nelder-Mead")


def test_bounds_and_constraints_pass_through_scipy_protocol():
    fun, grad = (lambda x: float(((x - 2) ** 2).sum())), (lambda x: 2 * (x - 2))
    res = scipy.optimize.minimize(fun, np.zeros(2), jac=grad, method=no.scipy_method("lbfgs"),
                                  bounds=[(None, 1.0), (0.0, None)])
    assert res.success and np.allclose(res.x, [1.0, 2.0])


def test_scipy_options_keep_their_meaning(quadratic):
    fun, grad, hess = quadratic
    x0 = np.array([2.0, -1.0, 0.5])
    a = no.minimize(fun, x0, jac=grad, method="gd", options={"maxiter": 2, "gtol": 1e-12})
    b = no.minimize(fun, x0, jac=grad, method="gd", maxiter=2, gtol=1e-12)
    c = no.minimize(fun, x0, jac=grad, method="gd", max_iter=2, tol=1e-12)
    assert a.nit == b.nit == c.nit == 2 and np.array_equal(a.x, c.x)
    few = no.minimize(fun, x0, jac=grad, method="gd", options={"maxfun": 3})
    assert few.status == no.Status.BUDGET
    with pytest.raises(no.InvalidProblemError, match="already given"):
        no.minimize(fun, x0, jac=grad, method="gd", options={"maxiter": 2}, max_iter=3)
    with pytest.raises(no.InvalidProblemError, match="options must be a dict"):
        no.minimize(fun, x0, jac=grad, method="gd", options=[("maxiter", 2)])
    with pytest.raises(no.InvalidProblemError, match="unknown option.*'maxcorr'"):
        no.minimize(fun, x0, jac=grad, method="gd", options={"maxcorr": 2})


def test_disp_prints_scipy_summary(quadratic, capsys):
    fun, grad, _ = quadratic
    no.minimize(fun, np.ones(3), jac=grad, method="gd", options={"disp": True})
    out = capsys.readouterr().out
    assert "Current function value" in out and "Iterations:" in out
    no.minimize(fun, np.ones(3), jac=grad, method="gd")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("method", ["gd", "newton", "zo_gd"])
def test_callback_once_per_iteration_including_the_last(quadratic, method):
    fun, grad, hess = quadratic
    seen = []
    res = no.minimize(fun, np.ones(3), jac=grad, hess=hess, method=method,
                      callback=seen.append, **({"seed": 0} if method == "zo_gd" else {}))
    assert res.success and len(seen) == res.nit
    assert [r.nit for r in seen] == list(range(1, res.nit + 1))
    assert np.array_equal(seen[-1].x, res.x)


def test_callback_stop_iteration_and_true_stop(quadratic):
    fun, grad, _ = quadratic

    def stop(intermediate_result):
        raise StopIteration

    res = no.minimize(fun, np.ones(3), jac=grad, method="gd", tol=1e-30, callback=stop)
    assert res.nit == 1 and res.status == no.Status.CALLBACK_STOP and not res.success
    res = no.minimize(fun, np.ones(3), jac=grad, method="gd", tol=1e-30,
                      callback=lambda r: r.nit >= 3)
    assert res.nit == 3 and res.status == no.Status.CALLBACK_STOP
    seen = []
    res = scipy.optimize.minimize(fun, np.ones(3), jac=grad, method=no.scipy_method("gd"),
                                  callback=lambda xk: seen.append(xk))
    assert res.success and len(seen) == res.nit


def test_default_method_for_each_oracle_level(quadratic):
    fun, grad, hess = quadratic
    x0 = np.array([2.0, -1.0, 0.5])
    for kwargs, xtol in (({}, 1e-4), ({"jac": grad}, 1e-6), ({"jac": grad, "hess": hess}, 1e-6),
                         ({"jac": grad, "bounds": [(None, 0.5)] * 3}, 1e-6),
                         ({"bounds": [(None, 0.5)] * 3}, 1e-4)):
        res = no.minimize(fun, x0, tol=1e-6, **kwargs)
        assert res.success, (kwargs, res.message)
        assert res.chosen_by.startswith("decision table cell")
        assert res.method in [m.name for m in no.methods()]
        expected = 0.5 if "bounds" in kwargs else 0.7709169
        assert np.allclose(res.x, expected, atol=xtol), (kwargs, res.x)
        pickle.loads(pickle.dumps(res))
        assert "chosen_by" in repr(res)


@pytest.mark.parametrize("call, needed", [
    (lambda f, g: no.minimize(f, np.zeros(2), jac=g, method="newtn"),
     r"unknown method 'newtn'; did you mean 'newton'\?.*numopt.methods\(\)"),
    (lambda f, g: no.minimize(f, np.zeros(2), jac=g, method="gd", stepsize=1.0),
     r"unknown option\(s\) 'stepsize'; did you mean 'step'\?.*Valid options: .*max_iter"),
    (lambda f, g: no.minimize(f, np.zeros(2), jac=g, method="gd", tol=-1.0),
     "tol must be > 0.0"),
    (lambda f, g: no.minimize(f, np.zeros(2), jac=g, method="gd", max_iter=2.5),
     "max_iter must be an integer"),
    (lambda f, g: no.minimize(f, np.zeros(2), jac=g, method="gd", backend="gpu"),
     r"backend='gpu' is not valid.*'cupy'"),
    (lambda f, g: no.minimize(f, np.zeros(2), jac="2-point", method="gd"),
     "does not approximate gradients silently"),
    (lambda f, g: no.minimize(f, np.zeros(2), jac=g, hess=np.eye(2), method="newton"),
     "hess must be a callable"),
    (lambda f, g: no.minimize(f, np.zeros(2), jac=g, hess="bfgs", method="gd"),
     "method 'gd' takes no Hessian model"),
    (lambda f, g: no.minimize(no.Problem(f, grad=g), np.zeros(2), bounds=[(0, 1)] * 2),
     "bounds given together with a numopt.Problem"),
    (lambda f, g: no.minimize(no.Problem(f, grad=g), np.zeros(2), jac=g, method="gd"),
     "jac given together with a numopt.Problem"),
    (lambda f, g: no.minimize("x**2", np.zeros(2), method="gd"),
     "fun must be a numopt.Problem or a callable"),
    (lambda f, g: no.minimize(f, None, jac=g, method="gd"), "no start point: pass x0="),
    (lambda f, g: no.minimize(f, np.full(2, np.nan), jac=g, method="gd"),
     "x0 contains 2 NaN or inf entries"),
    (lambda f, g: no.minimize(f, np.zeros((2, 2)), jac=g, method="gd"),
     "x0 must be 2?1-dimensional"),
    (lambda f, g: no.minimize(no.Problem(f, grad=g, x0=np.zeros(2)), np.zeros(3), method="gd"),
     "x0 has length 3 but problem 'fun' has dimension 2"),
    (lambda f, g: no.minimize(f, np.zeros(2), method="gd"),
     "method 'gd' needs the oracle 'grad'"),
    (lambda f, g: no.minimize(f, np.zeros(2), jac=lambda x: np.zeros(3), method="gd"),
     r"grad returned shape \(3,\), expected \(2,\)"),
])
def test_bad_input_names_argument_and_fix(call, needed):
    def fun(x):
        return float(x @ x)

    def grad(x):
        return 2 * x

    with pytest.raises(no.InvalidProblemError, match=needed):
        call(fun, grad)


def test_invalid_problem_error_is_a_value_error():
    assert issubclass(no.InvalidProblemError, ValueError)
    assert issubclass(no.MissingDependencyError, ImportError)


def test_methods_registry():
    infos = no.methods()
    names = [m.name for m in infos]
    assert names == sorted(names) and {"gd", "newton"} <= set(names)
    newton = infos[names.index("newton")]
    assert newton.requires == ("fun", "grad", "hess") and not newton.randomized
    assert newton.summary.startswith("Classical Newton")


def _problem_with(oracles, declares):
    fun, grad = (lambda x: float(x @ x)), (lambda x: 2 * x)
    kwargs = {"grad": grad} if "grad" in oracles else {}
    if "hess" in oracles:
        kwargs["hess"] = lambda x: 2 * np.eye(x.size)
    if "hessp" in oracles:
        kwargs["hessp"] = lambda x, v: 2 * v
    if "bounds" in declares:
        kwargs["bounds"] = [(0.5, 2.0)] * 2
    constraints = []
    if "equality" in declares:
        constraints.append({"type": "eq", "fun": lambda x: x[0] - 1.0,
                            "jac": lambda x: np.array([1.0, 0.0])})
    if "inequality" in declares:
        constraints.append({"type": "ineq", "fun": lambda x: x[1] - 1.0,
                            "jac": lambda x: np.array([0.0, 1.0])})
    return no.Problem(fun, x0=np.ones(2), constraints=constraints or None, **kwargs)


@pytest.mark.parametrize("oracles", [(), ("grad",), ("grad", "hess"), ("grad", "hessp")])
@pytest.mark.parametrize("declares", [(), ("bounds",), ("equality",), ("inequality",),
                                      ("bounds", "equality", "inequality")])
def test_choose_method_returns_only_registered_methods_that_fit(oracles, declares):
    from numopt.core.choose import choose
    from numopt.core.registry import solver_class

    problem = _problem_with(oracles, declares)
    try:
        name, chosen_by = choose(problem)
    except no.InvalidProblemError as err:  # no registered method fits: said, never guessed
        assert "method=None: no default" in str(err)
        return
    cls = solver_class(name)  # registered
    assert set(problem.declares) <= cls.handles
    assert all(problem.has(o) for o in cls.requires)
    assert chosen_by.startswith("decision table cell")


def test_choose_falls_back_only_inside_the_table_and_says_so(monkeypatch):
    from numopt.core import choose as chooser

    table = [(cell, cond, ("not_a_method", *cands), bench)
             for cell, cond, cands, bench in chooser.TABLE]
    monkeypatch.setattr(chooser, "TABLE", tuple(table))
    name, chosen_by = chooser.choose(_problem_with(("grad",), ()))
    assert name == "lbfgs" and "fallback: not_a_method is not registered" in chosen_by
    only_missing = [(cell, cond, ("not_a_method",), bench)
                    for cell, cond, _, bench in chooser.TABLE]
    monkeypatch.setattr(chooser, "TABLE", tuple(only_missing))
    with pytest.raises(no.InvalidProblemError, match="not_a_method is not registered.*"
                                                     "methods that can: .*lbfgs"):
        chooser.choose_method(_problem_with(("grad",), ()))


@pytest.mark.slow
def test_extended_rosenbrock_1000_default_with_and_without_bounds():
    """Issue 13's first "done when": no method, gradient only, n = 1000."""
    p = extended_rosenbrock(1000)
    fun, grad = p._oracles["fun"], p._oracles["grad"]
    for bounds in (None, [(-0.5, 2.0)] * 1000):
        res = no.minimize(fun, p.x0, jac=grad, bounds=bounds, tol=1e-6)
        assert res.success and res.grad_norm <= 1e-6, res.message
        assert res.method == "lbfgs" and np.allclose(res.x, 1.0, atol=1e-4)
        again = pickle.loads(pickle.dumps(res))
        assert np.array_equal(again.x, res.x) and "chosen_by" in str(res)
