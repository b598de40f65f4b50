"""Registry-wide contract for bounds and constraints: every registered method, given a
problem that declares bounds, equality or inequality constraints, either honours them (its
answer is feasible) or refuses with ``InvalidProblemError`` naming the methods that can.
Nothing is ignored silently (issue 13: ``gd``, ``newton``, ... used to solve ``eq=``
problems without their constraints and report success)."""

import numpy as np
import pytest
from contract_cases import CASES, DEFAULT
from scipy.optimize import NonlinearConstraint

import numopt as no
from numopt.core.bounds import as_bounds
from numopt.core.constraints import as_constraints, max_violation
from numopt.core.registry import build_solver, methods_handling
from numopt.core.solver import Solver, State

INFOS = {m.name: m for m in no.methods()}
METHODS = sorted(INFOS)
FEATURES = ("bounds", "equality", "inequality")
FEASIBILITY_TOL = 1e-6
SHIFT = 0.5  # how far each declaration moves the answer away from the unconstrained one


def declare(problem, feature, x_star):
    """Add ``feature`` to ``problem`` so that the unconstrained minimizer ``x_star`` violates
    it by ``SHIFT``: a method that ignores it ends infeasible."""
    n = x_star.size
    if feature == "bounds":
        upper = np.full(n, np.inf)
        upper[0] = x_star[0] - SHIFT
        problem.bounds = as_bounds(list(zip([None] * n, upper.tolist(), strict=True)), n)
    elif feature == "equality":
        if problem.eq is None:
            target = float(x_star.sum()) + SHIFT
            problem.eq = no.Equality(lambda x: np.array([x.sum() - target]),
                                     lambda x: np.ones((1, x.size)),
                                     hess=lambda x, lam: np.zeros((x.size, x.size)))
    else:
        e0 = np.eye(n)[0]
        problem._constraints = as_constraints(NonlinearConstraint(
            lambda x: np.array([x[0]]), x_star[0] + SHIFT, np.inf, jac=lambda x: e0[None, :],
            hess=lambda x, v: np.zeros((x.size, x.size))), n)
    assert feature in problem.declares
    return problem


def infeasibility(problem, x):
    x = np.asarray(no.backend.to_numpy(x), dtype=float)
    box = 0.0 if problem.bounds is None else problem.bounds.violation(x)
    return max(box, max_violation(problem.constraints, x))


def outcome(solver, problem, x0=None):
    """``("refused", message)`` or ``("honoured", result)``; raises AssertionError when the
    method returns an infeasible point (it ignored a declaration)."""
    try:
        res = solver.minimize(problem, x0)
    except no.InvalidProblemError as err:
        return "refused", str(err)
    violation = infeasibility(problem, res.x)
    assert violation <= FEASIBILITY_TOL * max(1.0, float(np.abs(res.x).max())), (
        f"method '{solver.name}' returned a point violating what the problem declares by "
        f"{violation:.3g} (success={res.success}): it ignored them silently")
    return "honoured", res


def case_problem(name, feature):
    case = CASES.get(name, DEFAULT)
    problem = case.problem()
    # the unconstrained minimizer (a constrained problem keeps its own equalities)
    x_star = case.x_star(problem) if problem.eq is None else problem.x_star
    options = dict(case.options, tol=case.tol, max_iter=case.max_iter)
    if INFOS[name].randomized:
        options.setdefault("seed", 0)
    return declare(problem, feature, np.asarray(x_star, dtype=float)), options


@pytest.mark.parametrize("feature", FEATURES)
@pytest.mark.parametrize("name", METHODS)
def test_every_method_honours_or_refuses(name, feature):
    problem, options = case_problem(name, feature)
    solver = build_solver(name, options)
    verdict, detail = outcome(solver, problem)
    handles = feature in type(solver).handles
    if verdict == "refused":
        assert not handles or "needs" in detail, (
            f"'{name}' declares it handles {feature} but refused: {detail}")
        if not handles:
            able = methods_handling(problem.declares)
            assert "does not handle" in detail and f"'{name}'" in detail, detail
            assert all(m in detail for m in able), (able, detail)
    else:
        assert handles, f"'{name}' ran a problem with {feature} without declaring it handles it"
        # honoured: feasible (checked in outcome) and stationary, up to the rounding floor
        assert detail.success or detail.grad_norm <= 100 * solver.tol, detail.message


def test_methods_that_handle_something_exist():
    assert "alm_sketch" in methods_handling({"equality"})
    assert methods_handling({"bounds"}), "no method handles bounds"


def test_issue_example_equality_problem_refused_by_unconstrained_methods():
    """Issue 13: a Problem with eq= was solved without its constraints, success=True."""
    eq = no.Equality(lambda x: np.array([x[0] + x[1] - 1.0]), lambda x: np.ones((1, 2)))
    for name in ("gd", "newton", "lazy_newton", "damped_newton", "grad_reg_newton",
                 "cubic_newton", "zo_gd", "zo_perturbed"):
        p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x,
                       hess=lambda x: 2 * np.eye(2), x0=np.array([3.0, -1.0]), eq=eq)
        with pytest.raises(no.InvalidProblemError,
                           match=f"'{name}' does not handle equality constraints.*alm_sketch"):
            no.minimize(p, method=name, **({"seed": 0} if INFOS[name].randomized else {}))


class _LiesAboutBounds(Solver):
    """A gradient step that claims to honour bounds and ignores them (a test double)."""

    name = "liar"
    handles = frozenset({"bounds"})

    def init(self, problem, x0):
        x, backend = self.start(problem, x0)
        g = problem.grad(x)
        return State(x=x, fun=problem.fun(x), grad=g, grad_norm=float(np.linalg.norm(g)),
                     nit=0, backend=backend)

    def step(self, problem, state):
        x = state.x - 0.25 * state.grad
        g = problem.grad(x)
        return State(x=x, fun=problem.fun(x), grad=g, grad_norm=float(np.linalg.norm(g)),
                     nit=state.nit + 1, backend=state.backend)


def test_the_contract_catches_a_silent_ignore():
    p = no.Problem(lambda x: float(((x - 2) ** 2).sum()), grad=lambda x: 2 * (x - 2),
                   x0=np.zeros(2), bounds=[(None, 1.0)] * 2)
    with pytest.raises(AssertionError, match="ignored them silently"):
        outcome(_LiesAboutBounds(), p)
