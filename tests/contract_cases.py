"""Per-method set-up for the registry-wide contract tests (``test_contract.py``).

Every registered method runs the same contract tests on a small problem it applies to. A
method absent from ``CASES`` uses ``DEFAULT``: a well-conditioned least-squares problem with
every oracle (``fun``, ``grad``, ``hess``, ``hessp``) and the structure the coordinate
methods use. A family whose methods need something else (constraints, say) adds one entry:

``CASES["name"] = ContractCase(problem=factory, options={...}, tol=...)``
"""

from dataclasses import dataclass, field

import numpy as np

import numopt as no


def least_squares_problem():
    """5-variable ridge least squares with a known optimum (condition number about 10)."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((20, 5))
    b = rng.standard_normal(20)
    return no.problems.LeastSquares(A, b, l2=0.5)


@dataclass(frozen=True)
class ContractCase:
    """How the contract tests run one method.

    Attributes
    ----------
    problem : callable
        Factory of a fresh problem (oracle counts start at zero).
    optimum : callable, optional
        ``optimum(problem) -> x*``; by default the problem's ``optimum()[0]`` or ``x_star``.
    xtol : float
        ``||x - x*|| <= xtol * max(1, ||x*||)`` in the "solves" test.
    options : dict
        Extra options for ``numopt.minimize`` (``seed`` is added for randomized methods).
    tol : float
        Tolerance the method is run with in the "solves the easy problem" test.
    max_iter : int
        Iteration cap for that test.
    """

    problem: object = least_squares_problem
    options: dict = field(default_factory=dict)
    tol: float = 1e-8
    max_iter: int = 1000
    optimum: object = None
    xtol: float = 1e-6

    def x_star(self, problem):
        """The known minimizer of ``problem`` (``optimum(problem)``, else the problem's own
        ``optimum()`` / ``x_star``)."""
        if self.optimum is not None:
            return np.asarray(self.optimum(problem), dtype=float)
        if getattr(problem, "x_star", None) is not None:
            return np.asarray(problem.x_star, dtype=float)
        return np.asarray(problem.optimum()[0], dtype=float)


def ball_optimum(radius):
    """``optimum(problem)`` of a quadratic over the L2 ball of ``radius`` (active constraint):
    ``x(lam) = (H + lam I)^{-1} c`` with ``||x(lam)|| = radius``, by bisection on ``lam``."""

    def optimum(problem):
        zero = np.zeros(problem.dim)
        H, c = np.asarray(problem.hess(zero)), -np.asarray(problem.grad(zero))
        lo, hi = 0.0, 1.0
        while np.linalg.norm(np.linalg.solve(H + hi * np.eye(len(c)), c)) > radius:
            hi *= 2.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            inside = np.linalg.norm(np.linalg.solve(H + mid * np.eye(len(c)), c)) <= radius
            lo, hi = (lo, mid) if inside else (mid, hi)
        return np.linalg.solve(H + hi * np.eye(len(c)), c)

    return optimum


DEFAULT = ContractCase()

#: method name -> ContractCase, for methods that need another problem or options
CASES = {}
# forward-difference estimates: |grad| ~1e-8 unreachable
CASES["zo_gd"] = ContractCase(tol=1e-6, xtol=1e-5)
CASES["zo_perturbed"] = ContractCase(tol=1e-6, xtol=1e-5)  # 2m-point estimates, as zo_gd
CASES["zo_accelerated"] = ContractCase(options={"smoothing": 0.1}, tol=1e-6,
                                        xtol=1e-5)  # L_gamma ~ 1/gamma
CASES["zo_frank_wolfe"] = ContractCase(problem=lambda: no.problems.LeastSquares(least_squares_problem().A, 3 * least_squares_problem().b, l2=0.5), options={"constraint": no.zeroth.L2Ball(1.2), "estimator": "coordinate"}, tol=1e-2, optimum=ball_optimum(1.2), xtol=5e-2)  # noqa: E501  optimum on the boundary: FW gap ~1/t
CASES["alm_sketch"] = ContractCase(problem=lambda: no.problems.constrained.collection()["HS42"]())
