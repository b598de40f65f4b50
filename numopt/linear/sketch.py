r"""Randomized iterative sketching solvers for linear systems :math:`A x = b`.

Every method is a sketch-and-project step (Gower & Richtárik, SIAM J. Matrix Anal. Appl. 36,
2015, arXiv 1506.03296, §2)

.. math:: x \leftarrow x - A^\top S (S^\top A A^\top S)^+ S^\top (A x - b)

with a random sketch :math:`S`: one row (randomized Kaczmarz, Strohmer & Vershynin 2009,
uniform or :math:`\propto \|A_i\|^2` sampling), a block of rows (block Kaczmarz, Needell &
Tropp 2014, arXiv 1208.3805), a Gaussian vector, or a CountSketch. The row loops run in numba
(:mod:`numopt.linear._sketch_kernels`). The residual is never recomputed per step: row methods
read only the sampled entries, the dense sketches update ``r`` by one mat-vec; the exact
residual is formed once per check (every ``check_every`` steps) and before accepting.
"""

import math

import numpy as np
import scipy.sparse as sp

from ..core.loop import run
from ..core.result import Result
from ..core.solver import Solver, State
from ..core.status import Status
from ..core.validate import (
    as_float_array,
    check_all_finite,
    check_choice,
    check_int,
    check_not_complex,
)
from ..errors import InvalidProblemError
from . import _sketch_kernels as kernels

#: sketch names accepted by :func:`sketch_solve` (and by ``alm_sketch(sketch=...)``)
SKETCHES = ("kaczmarz", "gaussian", "block_kaczmarz", "count_sketch")
SAMPLINGS = ("uniform", "row_norm")
DEFAULT_BLOCK_SIZE = 8  # rows per block / CountSketch buckets; small p keeps (S^T A A^T S)^+ cheap
MIN_ROW_STEPS = 1024  # row steps between exact checks on small systems (amortizes the Python
# round trip; a check costs one mat-vec, i.e. about n_rows row steps)
DENSE_SKETCH_STEPS = 1024  # dense-sketch steps per kernel call (they also stop early)


class SketchSystem:
    """A (possibly rectangular) ``A x = b`` prepared once for the sketching kernels (CSR
    arrays, row norms, ``||b||``). Not to be confused with the square, positive-diagonal
    :class:`numopt.linear._system.LinearSystem` of SOR / SSOR-CG."""

    def __init__(self, A, b):
        check_not_complex("A", A)
        check_not_complex("b", b)
        if sp.issparse(A):
            check_all_finite("A", A)
        else:
            A = as_float_array("A", A, ndim=2)
        self.matrix = sp.csr_matrix(A, dtype=np.float64)
        self.matrix.sum_duplicates()
        self.b = as_float_array("b", b, shape=(A.shape[0],))
        self.row_norms_sq = np.asarray(self.matrix.multiply(self.matrix).sum(axis=1)).ravel()
        self.b_norm = float(np.linalg.norm(self.b))

    @property
    def shape(self):
        return self.matrix.shape

    def arrays(self):
        return self.matrix.indptr, self.matrix.indices, self.matrix.data

    def residual(self, x):
        return self.matrix @ x - self.b


class SketchSolver(Solver):
    """Sketch-and-project on ``A x = b``; one loop iteration is ``check_every`` sketch steps.

    ``nit`` counts sketch steps (so ``max_iter`` caps them), ``history["residual_norm"]``
    holds the exact residual at each check. See :func:`sketch_solve` for the parameters.
    """

    name = "sketch"
    backends = ("numba",)

    def __init__(self, sketch="kaczmarz", *, sampling="uniform", block_size=DEFAULT_BLOCK_SIZE,
                 check_every=None, seed=None, tol=1e-8, max_iter=100_000, **kwargs):
        super().__init__(tol=tol, max_iter=max_iter, **kwargs)
        self.sketch = check_choice("sketch", sketch, SKETCHES)
        self.sampling = check_choice("sampling", sampling, SAMPLINGS)
        self.block_size = check_int("block_size", block_size, low=1)
        self.check_every = check_int("check_every", check_every, low=1, allow_none=True)
        self.seed = seed

    def init(self, system, x0):
        from ..backend import resolve_backend

        backend = resolve_backend(self.backend, system.b, supported=self.backends,
                                  method=f"sketch_solve({self.sketch!r})")
        n_rows, n_cols = system.shape
        x = np.zeros(n_cols) if x0 is None else as_float_array("x0", x0, shape=(n_cols,)).copy()
        if self.sampling == "row_norm" and not system.row_norms_sq.sum() > 0:
            raise InvalidProblemError("A is zero; row_norm sampling needs a nonzero row.")
        r = system.residual(x)
        return State(x=x, r=r, residual_norm=float(np.linalg.norm(r)), nit=0, backend=backend,
                     rng=np.random.default_rng(self.seed), system=system)

    def converged(self, state):
        return state.residual_norm <= self.tol * state.system.b_norm

    def default_check_every(self, system):
        n_rows = system.shape[0]
        if self.sketch == "kaczmarz":
            return max(n_rows, MIN_ROW_STEPS)
        if self.sketch == "block_kaczmarz":
            return math.ceil(max(n_rows, MIN_ROW_STEPS) / self.block_size)
        return DENSE_SKETCH_STEPS

    def step(self, system, state):
        chunk = min(self.check_every or self.default_check_every(system),
                    self.max_iter - state.nit)
        x, r, rng = state.x.copy(), state.r.copy(), state.rng
        indptr, indices, data = system.arrays()
        n_rows = system.shape[0]
        target_sq = (self.tol * system.b_norm) ** 2
        if self.sketch == "kaczmarz":
            if self.sampling == "uniform":
                rows = rng.integers(0, n_rows, size=chunk)
            else:
                probabilities = system.row_norms_sq / system.row_norms_sq.sum()
                rows = rng.choice(n_rows, size=chunk, p=probabilities)
            kernels.kaczmarz_sweep(indptr, indices, data, system.b, system.row_norms_sq, rows, x)
            steps = chunk
        elif self.sketch == "block_kaczmarz":
            order = np.concatenate([rng.permutation(n_rows) for _ in range(
                math.ceil(chunk * self.block_size / n_rows))])[:chunk * self.block_size]
            kernels.block_kaczmarz_sweep(indptr, indices, data, system.b, order,
                                         self.block_size, x, np.zeros(x.shape[0]))
            steps = chunk
        else:
            if self.sketch == "gaussian":
                steps = kernels.gaussian_sweep(indptr, indices, data, chunk, target_sq, rng, x, r)
            else:
                steps = kernels.count_sketch_sweep(indptr, indices, data,
                                                   min(self.block_size, n_rows), chunk,
                                                   target_sq, rng, x, r)
        r = system.residual(x)
        return State(x=x, r=r, residual_norm=float(np.linalg.norm(r)), nit=state.nit + steps,
                     backend=state.backend, rng=rng, system=system)

    def record(self, state):
        return {"residual_norm": state.residual_norm}

    def measure(self, state):
        return state.residual_norm

    def intermediate(self, state):
        from scipy.optimize import OptimizeResult

        return OptimizeResult(x=state.x, residual_norm=state.residual_norm, nit=state.nit)

    def result(self, system, state, status, history, elapsed):
        detail = None
        if status is Status.MAX_ITER:
            detail = (f"{self.sketch} sketching stopped after {state.nit} steps with residual "
                      f"{state.residual_norm:.3e} > tol*||b|| = {self.tol * system.b_norm:.3e}.")
        return Result(x=state.x, residual_norm=state.residual_norm, converged=status.success,
                      success=status.success, status=int(status),
                      message=status.describe(detail or getattr(state, "message", None)),
                      nit=int(state.nit), time=elapsed, method=self.sketch,
                      backend=state.backend.name, history=history)


def sketch_solve(A, b, sketch="kaczmarz", *, x0=None, tol=1e-8, max_iter=100_000,
                 sampling="uniform", block_size=DEFAULT_BLOCK_SIZE, check_every=None, seed=None,
                 backend="auto", callback=None):
    r"""Solve :math:`A x = b` by randomized sketch-and-project.

    Each step projects the iterate onto the solution set of the sketched system
    :math:`S^\top A x = S^\top b` (Gower & Richtárik 2015, arXiv 1506.03296, §2). For a
    consistent system, the expected squared error contracts linearly at a rate set by the
    smallest nonzero singular value of :math:`A` relative to the sketch (their §4;
    :math:`1 - \sigma_{\min}^2(A)/\|A\|_F^2` for row-norm Kaczmarz, Strohmer & Vershynin 2009).

    Parameters
    ----------
    A : array_like or scipy.sparse matrix, shape (m, n)
    b : array_like, shape (m,)
    sketch : {"kaczmarz", "gaussian", "block_kaczmarz", "count_sketch"}, default "kaczmarz"
        ``"kaczmarz"``: one row per step; ``"block_kaczmarz"``: ``block_size`` rows of a
        fresh random partition; ``"gaussian"``: :math:`S = s \sim N(0, I)`, two mat-vecs per
        step; ``"count_sketch"``: a CountSketch with ``block_size`` buckets.
    x0 : array_like, shape (n,), optional
        Start (zeros by default).
    tol : float, default 1e-8
        Stop when :math:`\|Ax - b\| \le` ``tol`` :math:`\|b\|` (checked exactly).
    max_iter : int, default 100000
        Cap on sketch steps (``Status.MAX_ITER`` with the residual reached).
    sampling : {"uniform", "row_norm"}, default "uniform"
        Kaczmarz row distribution: uniform (as in Hong et al. 2023) or
        :math:`\propto \|A_i\|^2` (Strohmer & Vershynin 2009).
    block_size : int, default 8
        Rows per block (block Kaczmarz) or buckets (count sketch).
    check_every : int, optional
        Steps between exact residual checks (default: one pass over ``A``'s rows, at least
        1024 rows, for the row methods; 1024 for the dense sketches, which also stop early on
        their maintained residual).
    seed : int or numpy.random.Generator, optional
        Randomness; the same seed gives the same answer.
    backend : {"auto", "numba"}
        The kernels are numba CPU loops.
    callback : callable, optional
        Called after every check with an ``OptimizeResult`` (``x``, ``residual_norm``,
        ``nit``); a true return value stops the run.

    Returns
    -------
    Result
        ``x``, ``residual_norm``, ``converged`` (= ``success``), ``nit`` (sketch steps),
        ``status``, ``message``, ``history`` (``iter``, ``time``, ``residual_norm``).

    Raises
    ------
    InvalidProblemError
        Non-finite or mis-shaped ``A``, ``b`` or ``x0``; unknown ``sketch`` or ``sampling``.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> A = np.array([[4.0, 1.0], [1.0, 3.0], [1.0, 1.0]])
    >>> b = A @ np.array([1.0, -2.0])
    >>> res = no.linear.sketch_solve(A, b, "kaczmarz", tol=1e-10, seed=0)
    >>> bool(res.converged), np.allclose(res.x, [1.0, -2.0])
    (True, True)
    """
    system = SketchSystem(A, b)
    solver = SketchSolver(sketch, sampling=sampling, block_size=block_size,
                          check_every=check_every, seed=seed, tol=tol, max_iter=max_iter,
                          backend=backend)
    return run(solver, system, x0, callback=callback)
