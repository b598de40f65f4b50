"""Limited-memory BFGS (``lbfgs``), with bounds."""

from ..core.registry import register
from ..core.validate import check_int
from ..second_order.hessian_models import DEFAULT_MEMORY, LimitedBFGS
from ._base import QuasiNewtonSolver


@register
class LBFGS(QuasiNewtonSolver):
    r"""Limited-memory BFGS with a strong Wolfe line search; honours bounds.

    :math:`x_{k+1} = x_k - t_k H_k \nabla f(x_k)` with :math:`H_k` the L-BFGS inverse of the
    last ``memory`` pairs :math:`(s_i, y_i)` (Liu & Nocedal, Math. Program. 45, 1989; products
    in the compact form of Byrd, Nocedal & Schnabel, Math. Program. 63, 1994, Thm. 2.2) and
    :math:`t_k` satisfying the strong Wolfe conditions (Nocedal & Wright 2006, Alg. 3.5).
    With ``bounds=`` the two-metric projection method (Bertsekas 1982) with the L-BFGS
    subspace step on the free variables (see :mod:`numopt.quasi_newton._base`); ``grad_norm``
    is then the projected-gradient norm and a start outside the box is projected (the message
    says so). :math:`O(mn)` work and memory per iteration.

    Parameters
    ----------
    memory : int, default 10
        Pairs kept (:math:`m`).
    c1, c2 : float, default 1e-4, 0.9
        Strong Wolfe constants, :math:`0 < c_1 < c_2 < 1`.
    **kwargs
        ``tol``, ``max_iter``, ``max_time``, ``max_fev``, ``backend`` (see
        :class:`numopt.Solver`).

    Examples
    --------
    >>> import numopt as no
    >>> p = no.problems.library.extended_rosenbrock(100)
    >>> res = no.minimize(p, method="lbfgs")
    >>> bool(res.success), res.grad_norm <= 1e-8, res.nhev
    (True, True, 0)
    """

    name = "lbfgs"

    def __init__(self, *, memory=DEFAULT_MEMORY, **kwargs):
        super().__init__(**kwargs)
        self.memory = check_int("memory", memory, low=1)

    def new_model(self, n):
        return LimitedBFGS(n, self.memory)
