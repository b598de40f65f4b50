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
    with pytest.raises(no.InvalidProblemError, match="neither bounds nor constraints"):
        scipy.optimize.minimize(fun, np.zeros(2), jac=grad, method=no.scipy_method("gd"),
                                bounds=[(0, 1), (0, 1)])
    with pytest.raises(no.InvalidProblemError, match="unknown method 'newtn'"):
        no.scipy_method("newtn")


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
    (lambda f, g: no.minimize(f, np.zeros(2), jac=g, hess="bfgs", method="newton"),
     "hess must be a callable"),
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
