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

from ..core.linalg import all_finite, power_iteration

POWER_STEPS = 30  # power-iteration steps for spectral-norm estimates (relative error ~1e-2)
POWER_SEED = 20230529  # fixed start vector of the power/Lanczos iterations (deterministic)
LANCZOS_TOL = 1e-4  # relative accuracy of the Lanczos eigenvalue estimates
SPARSE_REFINE_RTOL = 1e-10  # SparseLU falls back to partial pivoting above this backward error
DENSE_NORM_MAX_SIZE = 300  # dense matrices up to this size get exact norms (eigvalsh / SVD)
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


finite = all_finite  # the shared check (numopt.core.linalg), under this module's old name


class SparseLU:
    """Sparse LU of a symmetric (or symmetric-structured) matrix, fast path first.

    SuperLU in symmetric mode (minimum-degree ordering of :math:`A + A^\top`, diagonal
    pivots) fills 2-3x less than its default COLAMD ordering on KKT and Gram matrices (PDE
    control, N = 256: 2.4 s instead of 8 s); each solve takes one step of iterative
    refinement and, should the normwise backward error
    :math:`\\|Mz - b\\| / (\\|M\\|_\\infty\\|z\\| + \\|b\\|)` (Rigal & Gaches 1967) stay above
    ``SPARSE_REFINE_RTOL`` (checked once at construction on a random right-hand side, and at
    every solve), the matrix is refactorized with the default (partial pivoting) ordering.
    (A test on the relative residual alone refactorized well-conditioned-enough but
    ill-conditioned SPD Gram matrices for nothing: PDE control N = 512, about 45 s of the
    direct path's 60 s.)

    Raises
    ------
    RuntimeError
        The matrix is exactly singular (as :func:`scipy.sparse.linalg.splu`).
    """

    def __init__(self, M):
        self.M = sp.csc_matrix(M)
        try:
            with np.errstate(all="ignore"):
                self._lu = spla.splu(self.M, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                                     options={"SymmetricMode": True})
            self.symmetric = True
            self._norm = float(abs(self.M).sum(axis=1).max()) if self.M.nnz else 0.0
            probe = np.random.default_rng(POWER_SEED).standard_normal(self.M.shape[0])
            self.solve(probe)  # a singular or unstable fast factorization is replaced now
        except RuntimeError:
            self._default()

    def _default(self):
        self._lu = spla.splu(self.M)
        self.symmetric = False

    def solve(self, rhs):
        with np.errstate(all="ignore"):
            z = self._lu.solve(rhs)
            z = z + self._lu.solve(rhs - self.M @ z)  # one step of iterative refinement
            residual = np.linalg.norm(self.M @ z - rhs)
        if self.symmetric and not residual <= SPARSE_REFINE_RTOL * (
                self._norm * np.linalg.norm(z) + np.linalg.norm(rhs)):
            self._default()
            return self.solve(rhs)
        return z


def spectral_norm(M, symmetric=False, steps=POWER_STEPS):
    """``||M||_2``: exact for dense matrices up to ``DENSE_NORM_MAX_SIZE`` (one
    ``eigvalsh``/SVD, microseconds at these sizes), else by ``steps`` power iterations on
    ``M`` (symmetric) or ``M^T M`` — a lower bound within about 1% for well-separated top
    singular values, ``steps`` (or ``2 * steps``) mat-vecs.
    """
    if min(M.shape) == 0:
        return 0.0
    if not sp.issparse(M) and max(M.shape) <= DENSE_NORM_MAX_SIZE:  # exact, and far cheaper
        M = np.asarray(M, dtype=float)                               # than Python-level steps
        if symmetric:
            return float(np.max(np.abs(np.linalg.eigvalsh(M))))
        return float(np.linalg.norm(M, 2))
    start = np.random.default_rng(POWER_SEED).standard_normal(M.shape[1])
    if symmetric:
        return power_iteration(lambda v: M @ v, start, steps)[1]
    return float(np.sqrt(power_iteration(lambda v: M.T @ (M @ v), start, steps)[1]))


def gershgorin_lower_bound(H):
    """``min_i (H_ii - sum_{j != i} |H_ij|)``: a lower bound on ``lambda_min(H)`` for
    symmetric ``H`` (Gershgorin's circle theorem), O(nnz)."""
    if H.shape[0] == 0:
        return np.inf
    if sp.issparse(H):
        H = sp.csr_matrix(H)
        diag = H.diagonal()
        radius = np.asarray(abs(H).sum(axis=1)).ravel() - np.abs(diag)
    else:
        H = np.asarray(H, dtype=float)
        diag = np.diag(H)
        radius = np.abs(H).sum(axis=1) - np.abs(diag)
    return float(np.min(diag - radius))


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
                self._lu = SparseLU(gram)
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
            return SparseLU((G @ G.T).tocsc()).solve(-(G @ g))
        except RuntimeError:
            return np.zeros(G.shape[0])
    return np.linalg.lstsq(np.asarray(G).T, -g, rcond=None)[0]


def solve_kkt(K, rhs):
    """Direct solve of ``K z = rhs`` (dense LU or sparse SuperLU); ``None`` when singular."""
    with np.errstate(all="ignore"):
        try:
            if sp.issparse(K):
                z = SparseLU(K).solve(rhs)
            else:
                z = np.linalg.solve(K, rhs)
        except (RuntimeError, np.linalg.LinAlgError):
            return None
    return z if np.all(np.isfinite(z)) else None


# ---------------------------------------------------------------------- inertia correction
# Wächter & Biegler (2006), Math. Program. 106, §3.1 (IPOPT's Algorithm IC) and their defaults
DELTA_W0 = 1e-4  # first trial shift of the Hessian block
DELTA_W_MIN, DELTA_W_MAX = 1e-20, 1e40
KAPPA_W_MINUS, KAPPA_W_PLUS, KAPPA_W_PLUS_FIRST = 1.0 / 3.0, 8.0, 100.0
DELTA_C_BAR, KAPPA_C = 1e-8, 0.25  # constraint-block shift delta_c = DELTA_C_BAR mu^KAPPA_C
DELTA_C_MU_FLOOR = 1e-8  # mu used in delta_c when there is no barrier (mu = 0)
EIGH_MAX_SIZE = 40  # dense eigh below this size (fastest there), Bunch–Kaufman LDL^T above


class SymmetricFactor:
    """Factorization of a dense symmetric indefinite matrix with its inertia.

    ``eigh`` for small matrices, Bunch–Kaufman ``scipy.linalg.ldl`` (inertia from the
    eigenvalues of the 1x1/2x2 block-diagonal factor, Sylvester's law) above
    ``EIGH_MAX_SIZE``.

    Attributes
    ----------
    positive, negative, zero : int
        Inertia (zero counts eigenvalues below ``size * eps * max |eigenvalue|``).
    """

    def __init__(self, K):
        self.size = K.shape[0]
        with np.errstate(all="ignore"):
            if self.size <= EIGH_MAX_SIZE:
                self._values, self._vectors = np.linalg.eigh(K)
                eig = self._values
            else:
                lu, d, perm = sla.ldl(K, lower=True)
                self._lower = lu[perm]
                self._perm = perm
                self._bands = np.zeros((3, self.size))
                self._bands[0, 1:] = np.diag(d, 1)
                self._bands[1] = np.diag(d)
                self._bands[2, :-1] = np.diag(d, -1)
                eig = sla.eigvalsh_tridiagonal(np.diag(d), np.diag(d, -1)) if self.size > 1 \
                    else np.diag(d).copy()
        scale = float(np.max(np.abs(eig))) if eig.size else 0.0
        small = self.size * np.finfo(float).eps * scale
        self.ok = bool(np.all(np.isfinite(eig)))
        self.zero = int(np.sum(np.abs(eig) <= small))
        self.positive = int(np.sum(eig > small))
        self.negative = self.size - self.positive - self.zero
        # signs alone (once delta_c > 0 makes the matrix nonsingular in exact arithmetic,
        # eigenvalues below the relative threshold are still trusted for their sign)
        self.signs = (int(np.sum(eig > 0)), int(np.sum(eig < 0)))
        self._small = small

    def solve(self, rhs):
        """``K^{-1} rhs``."""
        with np.errstate(all="ignore"):
            if self.size <= EIGH_MAX_SIZE:
                return self._vectors @ ((self._vectors.T @ rhs) / self._values)
            y = sla.solve_triangular(self._lower, rhs[self._perm], lower=True,
                                     unit_diagonal=True, check_finite=False)
            y = sla.solve_banded((1, 1), self._bands, y, check_finite=False)
            out = np.empty_like(y)
            out[self._perm] = sla.solve_triangular(self._lower.T, y, lower=False,
                                                   unit_diagonal=True, check_finite=False)
            return out


class RegularizedKKT:
    r"""The primal-dual system :math:`\begin{pmatrix}W + \delta_w I & A^\top\\ A &
    -\delta_c I\end{pmatrix} z = -\begin{pmatrix} r_d\\ r_p\end{pmatrix}` with IPOPT's
    inertia correction (Wächter & Biegler 2006, §3.1): :math:`\delta_w` grows from
    ``1e-4`` (or a third of the last successful shift) by factors 100/8 until the inertia is
    :math:`(N, m, 0)`; :math:`\delta_c = 10^{-8}\mu^{1/4}` as soon as the matrix is singular
    (a rank-deficient Jacobian), so redundant or degenerate constraints still give a step.

    Examples
    --------
    >>> import numpy as np
    >>> W, A = np.eye(2), np.array([[1.0, 1.0], [2.0, 2.0]])  # redundant rows
    >>> kkt = RegularizedKKT(W, A, np.zeros(2), np.array([-1.0, -2.0]), 0.0)
    >>> dw, dlam, delta_w = kkt.solve(0.0)
    >>> np.round(dw, 6).tolist(), delta_w
    ([0.5, 0.5], 0.0)
    """

    def __init__(self, W, A, r_d, r_p, mu):
        self.W, self.A, self.r_d, self.r_p = W, A, r_d, r_p
        self.N, self.m = W.shape[0], A.shape[0]
        self.mu = mu
        self.factor = None

    def _factor(self, delta_w, delta_c):
        N, m = self.N, self.m
        K = np.empty((N + m, N + m))
        K[:N, :N] = self.W
        K[np.arange(N), np.arange(N)] += delta_w
        K[:N, N:] = self.A.T
        K[N:, :N] = self.A
        K[N:, N:] = 0.0
        K[np.arange(N, N + m), np.arange(N, N + m)] = -delta_c
        return SymmetricFactor(K)

    def _right(self, fac, regularized=False):
        if not fac.ok:
            return False
        if regularized:
            return fac.signs == (self.N, self.m)
        return fac.zero == 0 and fac.positive == self.N and fac.negative == self.m

    def solve(self, delta_w_last):
        """``(dw, dlam, delta_w)`` or None when no shift up to 1e40 corrects the inertia."""
        delta_w, delta_c = 0.0, 0.0
        fac = self._factor(0.0, 0.0)
        if not self._right(fac):
            if fac.zero:
                delta_c = DELTA_C_BAR * max(self.mu, DELTA_C_MU_FLOOR) ** KAPPA_C
                fac = self._factor(0.0, delta_c)
            if not self._right(fac, regularized=delta_c > 0):
                delta_w = (DELTA_W0 if delta_w_last == 0 else
                           max(DELTA_W_MIN, KAPPA_W_MINUS * delta_w_last))
                growth = KAPPA_W_PLUS_FIRST if delta_w_last == 0 else KAPPA_W_PLUS
                while True:
                    fac = self._factor(delta_w, delta_c)
                    if self._right(fac, regularized=delta_c > 0):
                        break
                    if fac.zero and not delta_c:
                        delta_c = DELTA_C_BAR * max(self.mu, DELTA_C_MU_FLOOR) ** KAPPA_C
                        continue
                    delta_w *= growth
                    if delta_w > DELTA_W_MAX:
                        return None
        self.factor = fac
        z = fac.solve(-np.concatenate([self.r_d, self.r_p]))
        if not np.all(np.isfinite(z)):
            return None
        return z[:self.N], z[self.N:], delta_w

    def solve_rhs(self, r_p):
        """The primal step for another constraint residual (second-order correction), with
        the factorization of the last :meth:`solve`."""
        z = self.factor.solve(-np.concatenate([self.r_d, r_p]))
        return z[:self.N] if np.all(np.isfinite(z)) else None


CURVATURE_TEST = 1e-8  # inertia-free test: accept dw when dw' (W + delta_w I) dw >= this |dw|^2


class SparseRegularizedKKT(RegularizedKKT):
    r""":class:`RegularizedKKT` for ``scipy.sparse`` ``W`` and ``A`` (SuperLU). SuperLU gives
    no inertia, so the Hessian shift follows the inertia-free curvature test of Chiang &
    Zavala (Comput. Optim. Appl. 64, 2016): the step is accepted when
    :math:`\Delta w^\top(W + \delta_w I)\Delta w \ge 10^{-8}\|\Delta w\|^2`, else
    :math:`\delta_w` grows by IPOPT's rule; a singular matrix switches :math:`\delta_c` on.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> W, A = sp.identity(2, format="csr"), sp.csr_matrix([[1.0, 1.0]])
    >>> dw, dlam, delta_w = SparseRegularizedKKT(W, A, np.zeros(2), np.array([-1.0]),
    ...                                          0.0).solve(0.0)
    >>> np.round(dw, 6).tolist(), delta_w
    ([0.5, 0.5], 0.0)
    """

    def _factor(self, delta_w, delta_c):
        N, m = self.N, self.m
        W = sp.csr_matrix(self.W) + delta_w * sp.identity(N, format="csr")
        C = -delta_c * sp.identity(m, format="csr") if delta_c else None
        K = sp.bmat([[W, sp.csr_matrix(self.A).T], [sp.csr_matrix(self.A), C]], format="csc")
        try:
            with np.errstate(all="ignore"):
                return SparseLU(K)
        except RuntimeError:  # exactly singular
            return None

    def _curvature_ok(self, z, delta_w):
        dw = z[:self.N]
        if not np.all(np.isfinite(z)):
            return False
        norm2 = float(dw @ dw)
        return norm2 == 0.0 or float(dw @ (self.W @ dw)) + delta_w * norm2 >= \
            CURVATURE_TEST * norm2

    def solve(self, delta_w_last):
        rhs = -np.concatenate([self.r_d, self.r_p])
        delta_w, delta_c, growth = 0.0, 0.0, KAPPA_W_PLUS_FIRST
        while delta_w <= DELTA_W_MAX:
            lu = self._factor(delta_w, delta_c)
            if lu is None and not delta_c:
                delta_c = DELTA_C_BAR * max(self.mu, DELTA_C_MU_FLOOR) ** KAPPA_C
                continue
            if lu is not None:
                z = lu.solve(rhs)
                if self._curvature_ok(z, delta_w):
                    self.factor = lu
                    return z[:self.N], z[self.N:], delta_w
            if delta_w == 0.0:
                delta_w = DELTA_W0 if delta_w_last == 0 else max(DELTA_W_MIN,
                                                                 KAPPA_W_MINUS * delta_w_last)
                growth = KAPPA_W_PLUS_FIRST if delta_w_last == 0 else KAPPA_W_PLUS
            else:
                delta_w *= growth
        return None


def regularized_kkt(W, A, r_d, r_p, mu):
    """:class:`RegularizedKKT` (dense, exact inertia) or :class:`SparseRegularizedKKT`."""
    if is_sparse(W, A):
        return SparseRegularizedKKT(W, A, r_d, r_p, mu)
    return RegularizedKKT(W, A, r_d, r_p, mu)
