"""Records of a tuning run and the report built from them."""

from dataclasses import dataclass

import numpy as np

_FIELDS = ("arm", "omega", "iterations", "converged", "context", "probability")


class Records:
    """Per-instance records of an :class:`~numopt.linear.OmegaTuner` (append-only)."""

    def __init__(self):
        self.columns = {name: [] for name in _FIELDS}
        self.hindsight = {}  # instance index -> every arm's cost

    def __len__(self):
        return len(self.columns["arm"])

    def append(self, *, costs=None, **row):
        """Add one instance; ``costs`` (every arm's iterations) when it was priced."""
        if costs is not None:
            self.hindsight[len(self)] = [int(c) for c in costs]
        for name in _FIELDS:
            self.columns[name].append(row[name])

    def state_dict(self):
        """Plain-Python copy."""
        return {"columns": {k: list(v) for k, v in self.columns.items()},
                "hindsight": {str(k): v for k, v in self.hindsight.items()}}

    @classmethod
    def from_state(cls, state):
        """Rebuild from :meth:`state_dict`."""
        records = cls()
        records.columns = {k: list(v) for k, v in state["columns"].items()}
        records.hindsight = {int(k): list(v) for k, v in state["hindsight"].items()}
        return records


@dataclass(frozen=True)
class TuningReport:
    """What a tuning run cost, instance by instance.

    Attributes
    ----------
    policy : str
    omegas : ndarray, shape (K,)
        The grid.
    omega, arm, iterations, converged, context, probability : ndarray, shape (T,)
        Per instance: omega played (grid index ``arm``), its iteration count (the cap when
        not converged), whether it converged, the context (NaN when none) and the
        probability with which the arm was drawn.
    cumulative_cost : ndarray, shape (T,)
        ``cumsum(iterations)``.
    hindsight_instances : ndarray of int, shape (S,)
        Instances on which every arm was priced (``hindsight_every``; all for ``"oracle"``).
    arm_costs : ndarray, shape (S, K)
        Iterations of every arm on those instances.
    best_fixed_omega : float
        The grid omega with the least total cost on the subsample (NaN without one).
    regret : ndarray, shape (S,)
        Cumulative cost of the policy minus that of the best fixed omega on the subsample.
    instance_optimal_cost : ndarray, shape (S,)
        Cumulative cost of the per-instance grid optimum on the subsample.

    Examples
    --------
    >>> import numopt as no
    >>> tuner = no.linear.OmegaTuner("tsallis_inf", omegas=[1.2, 1.5, 1.8], hindsight_every=1)
    >>> for A, b, c in no.problems.shifted_laplacian_sequence(10, grid=5, seed=0):
    ...     _ = tuner.solve(A, b)
    >>> report = tuner.report()
    >>> report.arm_costs.shape, bool(report.regret[-1] >= 0), report.best_fixed_omega
    ((10, 3), True, 1.5)
    """

    policy: str
    omegas: np.ndarray
    omega: np.ndarray
    arm: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    context: np.ndarray
    probability: np.ndarray
    cumulative_cost: np.ndarray
    hindsight_instances: np.ndarray
    arm_costs: np.ndarray
    best_fixed_omega: float
    regret: np.ndarray
    instance_optimal_cost: np.ndarray

    @classmethod
    def build(cls, policy, omegas, records):
        """Assemble the report from a tuner's :class:`Records`."""
        cols = {k: np.asarray(v) for k, v in records.columns.items()}
        iterations = cols["iterations"].astype(np.int64)
        instances = np.asarray(sorted(records.hindsight), dtype=np.int64)
        arm_costs = (np.asarray([records.hindsight[i] for i in instances], dtype=np.int64)
                     if instances.size else np.zeros((0, len(omegas)), dtype=np.int64))
        if instances.size:
            totals = arm_costs.sum(axis=0)
            best = int(np.argmin(totals))
            regret = np.cumsum(iterations[instances] - arm_costs[:, best])
            best_omega = float(omegas[best])
        else:
            regret, best_omega = np.zeros(0), float("nan")
        return cls(policy=policy, omegas=np.asarray(omegas), omega=cols["omega"].astype(float),
                   arm=cols["arm"].astype(np.int64), iterations=iterations,
                   converged=cols["converged"].astype(bool),
                   context=cols["context"].astype(float),
                   probability=cols["probability"].astype(float),
                   cumulative_cost=np.cumsum(iterations), hindsight_instances=instances,
                   arm_costs=arm_costs, best_fixed_omega=best_omega, regret=regret,
                   instance_optimal_cost=np.cumsum(arm_costs.min(axis=1))
                   if instances.size else np.zeros(0))

    @property
    def capped(self):
        """Instances whose solve hit ``max_iter`` (their cost is the cap)."""
        return ~self.converged

    def __repr__(self):
        total = int(self.cumulative_cost[-1]) if self.cumulative_cost.size else 0
        return (f"TuningReport(policy={self.policy!r}, instances={self.iterations.size}, "
                f"total_iterations={total}, best_fixed_omega={self.best_fixed_omega:.4g})")
