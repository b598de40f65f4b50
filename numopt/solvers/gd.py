"""Gradient descent with Armijo backtracking (teaching baseline)."""

from ..core.linesearch import Armijo
from ..core.registry import register
from ..core.solver import Solver, State
from ..core.validate import check_positive, check_real
from ._line_step import line_search_step

STEP_GROWTH = 2.0  # next trial step = growth * last accepted step (keeps steps adaptive)


@register
class GradientDescent(Solver):
    r"""Gradient descent with Armijo backtracking.

    Iterates :math:`x_{k+1} = x_k - t_k \nabla f(x_k)` with :math:`t_k` from Armijo
    backtracking started at ``growth`` times the last accepted step (Nocedal & Wright 2006,
    Alg. 3.1). Linear convergence on strongly convex problems; the teaching baseline for
    every other method.

    Parameters
    ----------
    step : float, default 1.0
        First trial step.
    growth : float, default 2.0
        Factor applied to the last accepted step to get the next first trial.
    c1 : float, default 1e-4
        Armijo sufficient-decrease constant.
    **kwargs
        ``tol``, ``max_iter``, ``max_time``, ``max_fev``, ``backend`` (see :class:`Solver`).

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x, x0=np.ones(4))
    >>> res = no.solvers.GradientDescent().minimize(p)
    >>> bool(res.success), res.grad_norm <= 1e-8
    (True, True)
    """

    name = "gd"
    requires = ("fun", "grad")

    def __init__(self, *, step=1.0, growth=STEP_GROWTH, c1=1e-4, **kwargs):
        super().__init__(**kwargs)
        self.step_size = check_positive("step", step)
        self.growth = check_real("growth", growth, low=1.0)
        self.line_search = Armijo(c1=c1)

    def init(self, problem, x0):
        x, backend = self.start(problem, x0)
        g = problem.grad(x)
        return State(x=x, fun=problem.fun(x), grad=g,
                     grad_norm=float(backend.xp.linalg.vector_norm(g)), nit=0,
                     step=self.step_size, backend=backend)

    def step(self, problem, state):
        g = state.grad
        return line_search_step(problem, state, self.line_search, -g, -state.grad_norm ** 2,
                                state.step * self.growth)

    def record(self, state):
        return dict(super().record(state), step=state.step)

