r"""The PDE-constrained control problem of Hong, Na, Mahoney & Kolar (2023, arXiv 2305.18379,
§6.3) on an N x N interior grid of :math:`[-1, 1]^2`:

.. math::

    \min_{w, z}\ \tfrac12\|w - w^\star\|^2 + 0.05\|z\|^2 \quad\text{s.t.}\quad
    \Delta_h w + z = 0,

with the 5-point Laplacian :math:`\Delta_h` (mesh :math:`h = 2/(N+1)`, zero boundary values)
and target :math:`w^\star_{ij} = \sin(4 + 0.1(i - \tfrac{N+1}{2})/\sqrt{15})
+ \cos(3 + 0.1(j - \tfrac{N+1}{2})/\sqrt{15})`. Variables ``x = (w, z)`` (n = 2N^2),
m = N^2 constraints; every matrix is ``scipy.sparse``.
"""

import numpy as np
import scipy.sparse as sp

from ...core.problem import Equality, Problem
from ...core.validate import check_int

MAX_GRID = 1024  # N = 512 (786 432 KKT rows) is the largest grid measured (issue 15)
CONTROL_WEIGHT = 0.05  # weight of ||z||^2, Hong et al. (2023), §6.3


def laplacian_2d(N):
    """The 5-point Laplacian on the N x N interior grid of [-1, 1]^2 (CSR, N^2 x N^2).

    Parameters
    ----------
    N : int
        Interior grid points per side (mesh ``h = 2 / (N + 1)``, zero boundary values).

    Examples
    --------
    >>> L = laplacian_2d(2)
    >>> L.toarray()[0].tolist()
    [-9.0, 2.25, 2.25, 0.0]
    """
    h = 2.0 / (N + 1)
    second = sp.diags([np.ones(N - 1), -2.0 * np.ones(N), np.ones(N - 1)], [-1, 0, 1])
    eye = sp.identity(N)
    return ((sp.kron(eye, second) + sp.kron(second, eye)) / h ** 2).tocsr()


def pde_control(N=16):
    r"""The PDE-constrained control problem as a :class:`numopt.Problem` (start: zeros).

    Parameters
    ----------
    N : int, default 16
        Interior grid points per side (2 <= N <= 1024).

    Returns
    -------
    Problem
        With ``eq`` the linear constraint :math:`\Delta_h w + z = 0`; also carries ``grid``
        (N) and ``target`` (:math:`w^\star`, flattened).

    Raises
    ------
    InvalidProblemError
        ``N`` not an integer in [2, 1024].

    Examples
    --------
    >>> p = pde_control(4)
    >>> p.dim, p.eq.jac(p.x0).shape
    (32, (16, 32))
    """
    N = check_int("N", N, low=2)
    if N > MAX_GRID:
        from ...errors import InvalidProblemError

        raise InvalidProblemError(f"N={N} is above {MAX_GRID}; pass a smaller grid size.")
    m = N * N
    index = np.arange(1, N + 1) - (N + 1) / 2
    target = (np.sin(4 + 0.1 * index / np.sqrt(15))[:, None]
              + np.cos(3 + 0.1 * index / np.sqrt(15))[None, :]).ravel()
    jacobian = sp.hstack([laplacian_2d(N), sp.identity(m)], format="csr")
    weights = np.concatenate([np.ones(m), 2 * CONTROL_WEIGHT * np.ones(m)])
    hessian = sp.diags(weights, format="csr")
    zero = sp.csr_matrix((2 * m, 2 * m))

    def fun(x):
        w, z = x[:m], x[m:]
        return 0.5 * float((w - target) @ (w - target)) + CONTROL_WEIGHT * float(z @ z)

    def grad(x):
        return np.concatenate([x[:m] - target, 2 * CONTROL_WEIGHT * x[m:]])

    problem = Problem(fun, grad=grad, hess=lambda x: hessian, x0=np.zeros(2 * m),
                      eq=Equality(lambda x: jacobian @ x, lambda x: jacobian,
                                  hess=lambda x, lam: zero, dim_out=m),
                      name=f"pde_control_N{N}")
    problem.grid, problem.target = N, target
    return problem
