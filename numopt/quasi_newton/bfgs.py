"""Dense BFGS (``bfgs``), with bounds."""

from ..core.registry import register
from ..second_order.hessian_models import DenseBFGS
from ._base import QuasiNewtonSolver


@register
class BFGS(QuasiNewtonSolver):
    r"""BFGS with a strong Wolfe line search; honours bounds.

    :math:`x_{k+1} = x_k - t_k H_k \nabla f(x_k)` with the dense inverse update
    :math:`H_{k+1} = (I - \rho s y^\top) H_k (I - \rho y s^\top) + \rho s s^\top`,
    :math:`\rho = 1 / y^\top s`, :math:`H_0` rescaled by :math:`s^\top y / y^\top y` after the
    first step (Nocedal & Wright 2006, Alg. 6.1, eqs. 6.17 and 6.20) and :math:`t_k` from the
    strong Wolfe search. With ``bounds=``: two-metric projection (see
    :mod:`numopt.quasi_newton._base`). :math:`O(n^2)` per iteration: for small and medium
    :math:`n`; use ``lbfgs`` beyond a few thousand variables.

    Parameters
    ----------
    c1, c2 : float, default 1e-4, 0.9
        Strong Wolfe constants.
    **kwargs
        ``tol``, ``max_iter``, ``max_time``, ``max_fev``, ``backend``.

    Examples
    --------
    >>> import numopt as no
    >>> res = no.minimize(no.problems.library()["rosenbrock"], method="bfgs")
    >>> bool(res.success), res.nit < 60
    (True, True)
    """

    name = "bfgs"

    def new_model(self, n):
        return DenseBFGS(n, damping=False)
