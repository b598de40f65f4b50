r"""The differentiable exact augmented Lagrangian of Hong, Na, Mahoney & Kolar (ICML 2023,
arXiv 2305.18379; ALGORITHMS.md §5.2, from the authors' code):

.. math::

    L_{\mu,\nu}(x, \lambda) = f(x) + \lambda^\top c(x) + \frac{\mu}{2}\|c(x)\|^2
        + \frac{\nu}{2}\|\nabla_x \mathcal{L}(x, \lambda)\|^2,

with :math:`\nabla_x L = \nabla_x\mathcal{L} + \nu \nabla^2_x\mathcal{L}\,\nabla_x\mathcal{L}
+ \mu G^\top c` and :math:`\nabla_\lambda L = c + \nu G \nabla_x\mathcal{L}` (the true
gradient; the released code uses the Hessian of f in place of that of the Lagrangian, the
same for linear constraints).
"""

from types import SimpleNamespace

import numpy as np


def evaluate(problem, x, lam):
    """First-order data at ``(x, lam)``: ``fun``, ``grad``, ``c``, ``G`` (Jacobian) and
    ``lagrangian_grad`` :math:`= \\nabla f + G^\\top \\lambda` (one call of each oracle)."""
    g = problem.grad(x)
    G = problem.eq.jac(x)
    c = problem.eq.fun(x)
    return SimpleNamespace(x=x, lam=lam, fun=problem.fun(x), grad=g, c=c, G=G,
                           lagrangian_grad=g + G.T @ lam)


def value(point, mu, nu):
    """:math:`L_{\\mu,\\nu}` at an evaluated point."""
    c, lg = point.c, point.lagrangian_grad
    return float(point.fun + point.lam @ c + 0.5 * mu * (c @ c) + 0.5 * nu * (lg @ lg))


def gradient(point, hessian, mu, nu):
    """``(grad_x, grad_lam)`` of :math:`L_{\\mu,\\nu}`; ``hessian`` is
    :math:`\\nabla^2_x\\mathcal{L}` at the point (not the modified ``B``)."""
    lg, G, c = point.lagrangian_grad, point.G, point.c
    grad_x = lg + nu * np.asarray(hessian @ lg) + mu * np.asarray(G.T @ c)
    grad_lam = c + nu * np.asarray(G @ lg)
    return np.concatenate([grad_x, grad_lam])
