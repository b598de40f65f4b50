"""Linear-algebra pieces of ``alm_sketch``: the KKT matrix, LICQ and null-space curvature
tests, spectral-norm estimates and the direct (``sketch="exact"``) KKT solve.

Small dense problems use dense ``eigh``/QR (O(n^3), fine for n up to a few thousand); sparse
problems use matrix-free Lanczos on the null-space-projected Hessian, with one sparse LU of
``G G^T`` per iteration, so the PDE-constrained problem (n = 8192 at N = 64) never forms a
dense n x n matrix. No dense SVD of ``K`` anywhere: spectral norms come from a few power steps.
"""

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

POWER_STEPS = 30  # power-iteration steps for spectral-norm estimates (relative error ~1e-2)
POWER_SEED = 20230529  # fixed start vector of the power/Lanczos iterations (deterministic)
LANCZOS_TOL = 1e-4  # relative accuracy of the Lanczos eigenvalue estimates
INFEASIBLE_RTOL = 1e-6  # ||W^T c|| > this * max(1, ||c||): c has a part J cannot reach


def is_sparse(*matrices):
    """True when any of the matrices is ``scipy.sparse``."""
    return any(sp.issparse(M) for M in matrices)


def add(A, B):
    """``A + B`` for any mix of dense and sparse matrices (sparse CSR when either is)."""
    if is_sparse(A, B):
        return sp.csr_matrix(A) + sp.csr_matrix(B)
    return np.asarray(A) + np.asarray(B)


def shifted(H, shift):
    """``H + shift * I``."""
    n = H.shape[0]
    return add(H, sp.identity(n, format="csr") * shift if sp.issparse(H) else shift * np.eye(n))


def frobenius(M):
    """Frobenius norm of a dense or sparse matrix, O(nnz)."""
    return float(sp.linalg.norm(M) if sp.issparse(M) else np.linalg.norm(M))


def finite(M):
    """True when every stored entry is finite."""
    data = M.data if sp.issparse(M) else np.asarray(M)
    return bool(np.all(np.isfinite(data)))


def spectral_norm(M, symmetric=False, steps=POWER_STEPS):
    """``||M||_2`` by ``steps`` power iterations on ``M`` (symmetric) or ``M^T M``.

    A lower bound that is within about 1% for well-separated top singular values; cost
    ``steps`` (or ``2 * steps``) mat-vecs.
    """
    if min(M.shape) == 0:
        return 0.0
    v = np.random.default_rng(POWER_SEED).standard_normal(M.shape[1])
    estimate = 0.0
    for _ in range(steps):
        v_norm = np.linalg.norm(v)
        if v_norm == 0.0 or not np.isfinite(v_norm):
            return estimate
        v = v / v_norm
        w = M @ v
        if symmetric:
            estimate, v = float(np.linalg.norm(w)), w
        else:
            v = M.T @ w
            estimate = float(np.sqrt(np.linalg.norm(v)))
    return estimate


def kkt_matrix(B, G):
    """``K = [[B, G^T], [G, 0]]`` (sparse CSR when ``B`` or ``G`` is sparse)."""
    m = G.shape[0]
    if is_sparse(B, G):
        return sp.bmat([[sp.csr_matrix(B), sp.csr_matrix(G).T], [sp.csr_matrix(G), None]],
                       format="csr")
    G = np.asarray(G)
    return np.block([[np.asarray(B), G.T], [G, np.zeros((m, m))]])


class JacobianGram:
    """``G G^T`` with its smallest eigenvalue ``xi`` and a solver for the projector
    ``P = I - G^T (G G^T)^{-1} G`` onto ``null(G)``."""

    def __init__(self, G):
        self.G = G
        m = G.shape[0]
        if sp.issparse(G):
            gram = (sp.csr_matrix(G) @ sp.csr_matrix(G).T).tocsc()
            try:
                self._lu = spla.splu(gram)
            except RuntimeError:  # exactly singular
                self.xi, self._lu = 0.0, None
                return
            inverse = spla.LinearOperator((m, m), matvec=self._lu.solve, dtype=np.float64)
            v0 = np.random.default_rng(POWER_SEED).standard_normal(m)
            if m == 1:
                self.xi = float(gram.toarray()[0, 0])
            else:
                self.xi = float(spla.eigsh(gram, k=1, sigma=0.0, OPinv=inverse, v0=v0,
                                           tol=LANCZOS_TOL, return_eigenvectors=False)[0])
        else:
            G = np.asarray(G)
            self.eigenvalues, self.eigenvectors = np.linalg.eigh(G @ G.T)
            self.xi = float(self.eigenvalues[0]) if m else np.inf
            self._lu = None

    def unreachable(self, c, threshold):
        """``||W^T c||`` for ``W`` the eigenvectors of ``G G^T`` with eigenvalue below
        ``threshold``: the part of ``c`` the linearized constraints cannot remove (NaN when
        only the sparse factorization is available)."""
        if not hasattr(self, "eigenvectors"):
            return np.nan
        W = self.eigenvectors[:, self.eigenvalues < threshold]
        return float(np.linalg.norm(W.T @ c))

    def null_space_min_curvature(self, H):
        r""":math:`\lambda_{\min}(Z^\top H Z)` for an orthonormal basis ``Z`` of null(G)."""
        G = self.G
        m, n = G.shape
        if m >= n:
            return np.inf
        if not sp.issparse(G) and not sp.issparse(H):
            Q = sla.qr(np.asarray(G).T, mode="full")[0]
            Z = Q[:, m:]
            return float(np.linalg.eigvalsh(Z.T @ np.asarray(H) @ Z)[0])
        G = sp.csr_matrix(G)
        H = sp.csr_matrix(H)

        def project(v):
            return v - G.T @ self._lu.solve(G @ v)

        # In the basis [Z, Y]: P H P + sigma (I - P) = diag(Z^T H Z, sigma I), so with
        # sigma above ||H|| its smallest eigenvalue is lambda_min(Z^T H Z).
        sigma = frobenius(H) + 1.0

        def matvec(v):
            pv = project(v)
            return project(H @ pv) + sigma * (v - pv)

        op = spla.LinearOperator((n, n), matvec=matvec, dtype=np.float64)
        v0 = np.random.default_rng(POWER_SEED).standard_normal(n)
        try:
            return float(spla.eigsh(op, k=1, which="SA", v0=v0, tol=LANCZOS_TOL,
                                    return_eigenvectors=False)[0])
        except spla.ArpackNoConvergence as err:
            return float(err.eigenvalues[0]) if len(err.eigenvalues) else -np.inf


def violation_curvature(G, C):
    r""":math:`\lambda_{\min}(G^\top G + C)`, the smallest curvature of
    :math:`\tfrac12\|c\|^2` (``C`` = :math:`\sum_i c_i \nabla^2 c_i`); ``-inf`` for sparse
    input (not computed, so no inconsistency is claimed)."""
    if is_sparse(G, C):
        return -np.inf
    G = np.asarray(G)
    return float(np.linalg.eigvalsh(G.T @ G + np.asarray(C))[0])


def least_squares_multipliers(G, g):
    r"""``argmin_lam ||g + G^T lam||`` (dense ``lstsq``; sparse: LU of ``G G^T``, zeros when
    it is singular, in which case the first iteration stops on the LICQ test anyway)."""
    if sp.issparse(G):
        G = sp.csr_matrix(G)
        try:
            return spla.splu((G @ G.T).tocsc()).solve(-(G @ g))
        except RuntimeError:
            return np.zeros(G.shape[0])
    return np.linalg.lstsq(np.asarray(G).T, -g, rcond=None)[0]


def solve_kkt(K, rhs):
    """Direct solve of ``K z = rhs`` (dense LU or sparse SuperLU); ``None`` when singular."""
    with np.errstate(all="ignore"):
        try:
            if sp.issparse(K):
                z = spla.splu(sp.csc_matrix(K)).solve(rhs)
            else:
                z = np.linalg.solve(K, rhs)
        except (RuntimeError, np.linalg.LinAlgError):
            return None
    return z if np.all(np.isfinite(z)) else None
