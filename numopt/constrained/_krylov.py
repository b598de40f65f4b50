r"""Inexact Krylov inner solver of ``alm_sketch`` (``sketch="minres"``): MINRES on the KKT
system :math:`K = \begin{pmatrix} B & G^\top\\ G & 0\end{pmatrix}` with the block-diagonal
preconditioner

.. math:: P = \begin{pmatrix} D & 0\\ 0 & G D^{-1} G^\top\end{pmatrix},\qquad
          D = \operatorname{diag}(|B_{ii}|) \text{ (floored)},

built from the problem's structure (Murphy, Golub & Wathen, SIAM J. Sci. Comput. 21, 2000:
with :math:`D = B` the preconditioned matrix has three eigenvalues, so MINRES ends in three
steps). The approximate Schur complement :math:`G D^{-1} G^\top` has ``m`` rows where ``K`` has
``n + m``, and it is factorized once per outer iteration. MINRES stops at the relative
residual that the paper's adaptive accuracy test asks for, checked on the true residual.
"""

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ._kkt import LANCZOS_TOL, POWER_SEED, SparseLU

DIAGONAL_FLOOR = 1e-8  # D_ii >= this * max |B_ii| (keeps the preconditioner positive definite)
MAX_RESTARTS = 5  # MINRES restarts when its preconditioned residual hides a larger true one


def floored_diagonal(B):
    """``|diag(B)|`` floored to keep it positive (the ``D`` block of the preconditioners)."""
    diag = np.abs(B.diagonal() if sp.issparse(B) else np.diag(np.asarray(B)))
    return np.maximum(diag, DIAGONAL_FLOOR * max(float(diag.max(initial=0.0)), 1.0))


def schur_preconditioner(B, G):
    """The operator applying :math:`P^{-1}` (one sparse LU of :math:`G D^{-1} G^\\top`), or
    None when that matrix is singular (a rank-deficient Jacobian)."""
    n, m = B.shape[0], G.shape[0]
    diag = floored_diagonal(B)
    inverse = 1.0 / diag
    G = sp.csr_matrix(G)
    schur = (G @ sp.diags(inverse) @ G.T).tocsc()
    try:
        lu = SparseLU(schur)
    except RuntimeError:
        return None

    def apply(v):
        return np.concatenate([inverse * v[:n], lu.solve(v[n:])])

    operator = spla.LinearOperator((n + m, n + m), matvec=apply, dtype=np.float64)

    def xi_lower_bound():
        """``min(D) lambda_min(G D^{-1} G^T) <= lambda_min(G G^T)``, by shift-invert Lanczos
        with the factorization already at hand (a few solves)."""
        if m == 1:
            smallest = float(schur.toarray()[0, 0])
        else:
            inverse_op = spla.LinearOperator((m, m), matvec=lu.solve, dtype=np.float64)
            v0 = np.random.default_rng(POWER_SEED).standard_normal(m)
            smallest = float(spla.eigsh(schur, k=1, sigma=0.0, OPinv=inverse_op, v0=v0,
                                        tol=LANCZOS_TOL, return_eigenvectors=False)[0])
        return float(diag.min()) * smallest

    operator.xi_lower_bound = xi_lower_bound
    return operator


def minres_solve(K, b, preconditioner, rtol, maxiter, x0=None):
    """MINRES on ``K z = b`` until ``||K z - b|| <= rtol ||b||`` (true residual) or
    ``maxiter`` steps; returns ``(z, steps, converged)``."""
    b_norm = float(np.linalg.norm(b))
    z = np.zeros_like(b) if x0 is None else x0
    steps = 0
    count = []

    def callback(_):
        count.append(1)

    for _ in range(MAX_RESTARTS):
        z, _ = spla.minres(K, b, x0=z, rtol=rtol, maxiter=max(1, maxiter - steps),
                           M=preconditioner, callback=callback)
        steps = len(count)
        if np.linalg.norm(K @ z - b) <= rtol * b_norm or steps >= maxiter:
            break
    converged = bool(np.linalg.norm(K @ z - b) <= rtol * b_norm)
    return z, steps, converged
