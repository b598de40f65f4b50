"""General constraints: ``numopt.core.constraints`` and ``Problem(constraints=)``."""

import numpy as np
import pytest
import scipy.sparse
from scipy.optimize import BFGS, LinearConstraint, NonlinearConstraint

import numopt as no
from numopt.core.constraints import Constraint, as_constraints, kinds, max_violation


def test_scipy_dicts_follow_scipy_conventions():
    eq, ineq = as_constraints([
        {"type": "eq", "fun": lambda x, a: x[0] - a, "args": (2.0,)},
        {"type": "ineq", "fun": lambda x: x[1], "jac": lambda x: np.array([0.0, 1.0])},
    ], 2)
    x = np.array([2.0, -1.0])
    assert eq.fun(x).tolist() == [0.0] and eq.equality.tolist() == [True]
    assert (ineq.lb.tolist(), ineq.ub.tolist()) == ([0.0], [np.inf])
    assert ineq.violation(x) == 1.0 and ineq.jac(x).shape == (1, 2)
    assert not eq.has_jac and ineq.has_jac


def test_linear_constraint_dense_and_sparse():
    A = np.array([[1.0, 1.0], [1.0, -1.0]])
    dense, sparse = as_constraints([LinearConstraint(A, [1, -np.inf], [1, 0]),
                                    LinearConstraint(scipy.sparse.csr_matrix(A), 0, 1)], 2)
    x = np.array([0.5, 0.5])
    assert dense.is_linear and dense.fun(x).tolist() == [1.0, 0.0]
    assert dense.equality.tolist() == [True, False]
    assert scipy.sparse.issparse(sparse.jac(x)) and sparse.lb.tolist() == [0.0, 0.0]
    assert dense.has_hess and dense.hess(x, np.ones(2)).nnz == 0
    with pytest.raises(no.InvalidProblemError, match="3 variables"):
        as_constraints(LinearConstraint(A, 0, 1), 3)


def test_nonlinear_constraint_jacobians():
    con, = as_constraints(NonlinearConstraint(lambda x: x @ x, 0, 1, hess=BFGS()), 2)
    x = np.array([1.0, 2.0])
    assert con.jac_kind == "2-point" and np.allclose(con.jac(x), [[2.0, 4.0]], atol=1e-6)
    assert con.hess(x, np.ones(1)) is None and isinstance(con.hess_update, BFGS)
    central = Constraint(lambda x: np.sin(x), -1, 1, jac="3-point")
    assert np.allclose(central.jac(x), np.diag(np.cos(x)), atol=1e-9)
    exact = Constraint(lambda x: x @ x, 0, 1, jac=lambda x: 2 * x,
                       hess=lambda x, v: 2 * v[0] * np.eye(2))
    assert exact.hess(x, np.array([3.0])).tolist() == [[6.0, 0.0], [0.0, 6.0]]
    assert exact.counts == {"fun": 0, "jac": 0, "hess": 1}


@pytest.mark.parametrize("bad, words", [
    ({"type": "le", "fun": abs}, "'eq' (c(x) = 0) or 'ineq'"),
    ({"type": "eq"}, "callable 'fun'"),
    ({"type": "eq", "fun": abs, "jacobian": abs}, "unknown key"),
    ("x >= 0", "got str"),
    (42, "got int"),
    ([42], "constraints[0] has type int"),
])
def test_bad_constraints_raise(bad, words):
    with pytest.raises(no.InvalidProblemError, match="constraint") as err:
        as_constraints(bad, 2)
    assert words in str(err.value)


def test_bad_bounds_and_shapes_raise():
    with pytest.raises(no.InvalidProblemError, match="lb > ub"):
        Constraint(abs, 1.0, 0.0)
    with pytest.raises(no.InvalidProblemError, match="finite value"):
        Constraint(abs, np.inf, np.inf)
    with pytest.raises(no.InvalidProblemError, match="jac='bogus'"):
        Constraint(abs, 0, 1, jac="bogus")
    con = Constraint(lambda x: x, [0, 0, 0], 1)
    with pytest.raises(no.InvalidProblemError, match="2 values but lb/ub have 3"):
        con.fun(np.zeros(2))
    with pytest.raises(no.InvalidProblemError, match="has no Jacobian"):
        con.jac(np.zeros(3))
    wrong = Constraint(lambda x: x, 0, 1, jac=lambda x: np.eye(3))
    with pytest.raises(no.InvalidProblemError, match=r"expected \(2, 2\)"):
        wrong.fun(np.zeros(2))
        wrong.jac(np.zeros(2))


def test_problem_constraints_include_eq_and_declare_kinds():
    eq = no.Equality(lambda x: np.array([x.sum() - 1.0]), lambda x: np.ones((1, x.size)))
    p = no.Problem(lambda x: float(x @ x), x0=np.ones(2), eq=eq,
                   constraints=[{"type": "ineq", "fun": lambda x: x[0]}])
    assert len(p.constraints) == 2 and p.declares == {"equality", "inequality"}
    assert kinds(p.constraints[:1]) == {"equality"}
    assert max_violation(p.constraints, np.array([-1.0, 0.0])) == 2.0
    before = eq.counts["fun"]
    p.constraints[0].fun(np.ones(2))
    assert eq.counts["fun"] == before + 1  # the Equality's own oracles are used (and counted)
    p.reset_counts()
    assert eq.counts["fun"] == 0


def test_equality_problem_refused_by_unconstrained_methods():
    """The issue's example: gd/newton/... silently solved eq= problems without them."""
    eq = no.Equality(lambda x: np.array([x.sum() - 1.0]), lambda x: np.ones((1, x.size)))
    p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x,
                   hess=lambda x: 2 * np.eye(2), x0=np.ones(2), eq=eq)
    for method in ("gd", "newton", "lazy_newton", "damped_newton", "zo_gd"):
        with pytest.raises(no.InvalidProblemError, match="alm_sketch"):
            no.minimize(p, method=method)
