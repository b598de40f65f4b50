"""Per-run data of a BCD solve: the model, usable coordinates, the partition and cached
block constants. Built once in ``BCD.init`` and shared (read-only, plus caches) by every
state of the run."""

import functools

import numpy as np
import scipy.linalg as sla

from ..core.linalg import power_iteration
from ..errors import InvalidProblemError
from . import _kernels
from .models import build_model
from .partitions import fixed_partition

POWER_ITERATIONS = 50  # power iterations for λ_max(M) (IHT step), enough for 2 digits
DEFAULT_TAU = 5  # block size of the paper's main figures (Nutini et al. 2022, Figs. 4-6)
NEWTON_TAU = 50  # Newton blocks on non-quadratic losses: tau = 5 or 10 stalls on the
# breast-cancer L2 logistic case (569 x 30), tau = 20 needs 15 iterations, 50 needs 10 (issue 20)
EIG_BLOCK_LIMIT = 500  # larger blocks use the Gershgorin bound instead of eigvalsh for L_b


class Context:
    """Everything a run needs besides the iterate."""

    def __init__(self, problem, backend_name, *, partition, tau, rule, nonneg, seed,
                 update="matrix"):
        self.model = build_model(problem, backend_name)
        if update == "auto":  # measured (issue 20): see BCD's docstring
            update = "matrix" if self.model.quadratic else "newton"
        self.update = update
        self.l1 = float(getattr(problem, "l1", 0.0))
        self.nonneg = bool(nonneg)
        self.composite = bool(self.l1) or self.nonneg
        self.lipschitz = np.asarray(self.model.lipschitz, dtype=np.float64)
        self.usable_mask = self.lipschitz > 0
        self.usable = np.flatnonzero(self.usable_mask)
        d = self.lipschitz.size
        if self.usable.size == 0:
            raise InvalidProblemError(
                "every coordinate has L_i = 0 (all columns of the data are zero); there is "
                "nothing to optimize — check the data matrix."
            )
        if tau is None:
            tau = min(NEWTON_TAU if update == "newton" and not self.model.quadratic
                      else DEFAULT_TAU, d)
        if tau > d:
            raise InvalidProblemError(
                f"tau={tau} exceeds the dimension d={d}; use tau <= {d}."
            )
        self.tau = min(tau, self.usable.size)
        if rule == "gs_forest" or (isinstance(partition, str) and partition in (
                "redblack", "forest")):
            if self.model.sparse_graph is None:
                raise InvalidProblemError(
                    "message passing (rule='gs_forest', partition='redblack' or 'forest') "
                    "needs a Quadratic problem; use another rule/partition for this problem."
                )
        if rule == "gs_forest" and partition != "variable":
            raise InvalidProblemError(
                "rule='gs_forest' grows its own forest block each iteration; use it with "
                "partition='variable'."
            )
        self.partition = None if partition == "variable" else fixed_partition(
            partition, self.usable, self.tau, self.lipschitz, self.model.sparse_graph)
        self.forest_blocks = rule == "gs_forest" or bool(
            self.partition is not None and self.partition.forest)
        self.rng = np.random.default_rng(seed)
        self._block_lipschitz = {}
        self._gsq_inverse = None
        self._factors = {}
        self.iht_step = 1.0 / self._power_lambda_max() if rule == "gsq" and (
            partition == "variable") and not self.composite else None

    @functools.cached_property
    def diag_bound(self):
        """Gershgorin diagonal bound ``d_i ≥ Σ_j |M_ij|`` (never below ``L_i``)."""
        return np.maximum(np.asarray(self.model.diag_bound(), dtype=np.float64), self.lipschitz)

    # ------------------------------------------------------------- block constants
    def block_lipschitz(self, block):
        """``L_b = λ_max(M_bb)`` (Gershgorin bound for blocks over ``EIG_BLOCK_LIMIT``)."""
        if block.size == 1:
            return float(self.lipschitz[block[0]])
        key = block.tobytes() if self.partition is not None else None
        if key in self._block_lipschitz:
            return self._block_lipschitz[key]
        M = self.model.bound_block(block)
        value = float(sla.eigvalsh(M)[-1]) if block.size <= EIG_BLOCK_LIMIT else float(
            np.abs(M).sum(axis=1).max())
        if key is not None:
            self._block_lipschitz[key] = value
        return value

    def block_lipschitz_all(self):
        """``L_b`` of every fixed block."""
        return np.array([self.block_lipschitz(b) for b in self.partition.blocks])

    def gsq_scores(self, g):
        """``g_bᵀ M_bb⁻¹ g_b`` for every fixed block (forest blocks by message passing)."""
        part = self.partition
        if part.forest:
            return np.array([g[b] @ self.block_solve(b, g[b]) for b in part.blocks])
        if self._gsq_inverse is None:
            width = part.padded.shape[1]
            inverse = np.tile(np.eye(width), (len(part), 1, 1))
            for k, b in enumerate(part.blocks):
                inverse[k, :b.size, :b.size] = np.linalg.inv(self.model.bound_block(b))
            self._gsq_inverse = inverse
        G = part.gather(g)
        return np.einsum("bi,bij,bj->b", G, self._gsq_inverse, G)

    def block_solve(self, block, rhs):
        """``M_bb⁻¹ rhs``: message passing on forest blocks of a quadratic, else Cholesky.

        Raises ``numpy.linalg.LinAlgError`` when ``M_bb`` is not positive definite.
        """
        if self.forest_blocks:
            Q = self.model.sparse_graph
            return _kernels.forest_solve_csr(Q.indptr, Q.indices, Q.data, block, rhs)
        if self.partition is None:
            return sla.cho_solve(sla.cho_factor(self.model.bound_block(block)), rhs)
        key = block.tobytes()  # fixed blocks: factor each M_bb once
        if key not in self._factors:
            self._factors[key] = sla.cho_factor(self.model.bound_block(block))
        return sla.cho_solve(self._factors[key], rhs)

    def _power_lambda_max(self):
        """``λ_max(M)`` by power iteration (seeded, independent of the run's generator)."""
        v = np.random.default_rng(0).standard_normal(self.lipschitz.size)
        v[~self.usable_mask] = 0.0
        value, _, _ = power_iteration(  # the shared power iteration (numopt.core.linalg)
            lambda u: self.model.bound_matvec(self.usable, u[self.usable]), v, POWER_ITERATIONS)
        return max(value, float(self.lipschitz.max()))
