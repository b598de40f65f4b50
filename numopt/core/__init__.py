"""Core machinery: problems, results, the solver base, the shared loop and the registry."""

from .linesearch import Armijo
from .loop import run
from .minimize import as_problem, minimize, scipy_method
from .problem import Equality, Problem
from .registry import methods, register, solver_class
from .result import History, Result
from .solver import Solver, State
from .status import Status

__all__ = [
    "Armijo",
    "Equality",
    "History",
    "Problem",
    "Result",
    "Solver",
    "State",
    "Status",
    "as_problem",
    "methods",
    "minimize",
    "register",
    "run",
    "scipy_method",
    "solver_class",
]
