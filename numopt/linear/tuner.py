"""OmegaTuner: choose the relaxation factor of each system in a sequence from iteration
counts alone (Khodak, Chow, Balcan, Talwalkar, ICLR 2024, arXiv 2310.02246)."""

import numpy as np

from ..core.loop import run
from ..core.validate import check_choice, check_int, check_positive, check_real
from ..errors import InvalidProblemError
from ._chebcb import ChebCB
from ._costs import SOLVER_CLASSES, grid_costs, make_solver
from ._report import Records, TuningReport
from ._system import as_system, check_omega
from ._tsallis import Fixed, TsallisINF, TsallisINFCB

POLICIES = ("tsallis_inf", "chebcb", "tsallis_inf_cb", "fixed", "oracle")
CONTEXTUAL = ("chebcb", "tsallis_inf_cb")
SOLVERS = ("sor", "ssor_cg")
#: the 20-arm grid of the paper's experiments (``linspace(1, 1.95, 20)``)
DEFAULT_OMEGAS = tuple(np.linspace(1.0, 1.95, 20).tolist())
#: context bins of Tsallis-INF-CB (5 in the shifted-Laplacian runs, 6 for the heat equation)
DEFAULT_BINS = 5
#: Chebyshev features of ChebCB (m = 6 in all the paper's runs)
DEFAULT_DEGREE = 6


class OmegaTuner:
    """Learn omega across a sequence of linear systems ``A_t x = b_t``.

    Before each solve the policy picks omega from a grid; afterwards it sees only the
    iteration count ``l_t`` (the cap ``max_iter`` when the solve did not converge; such
    instances are flagged ``capped`` in the report).

    The policies:

    ``"tsallis_inf"``
        Adversarial bandit; total cost approaches the best fixed omega.
        See :func:`~numopt.linear._tsallis.tsallis_probabilities` for the safeguarded
        normaliser.
    ``"chebcb"``
        Contextual bandit with Chebyshev cost models of a scalar context in
        ``context_range``; approaches the instance-optimal omega (their ChebCB).
    ``"tsallis_inf_cb"``
        One Tsallis-INF per context bin (``bins`` bins of ``context_range``).
    ``"fixed"``
        Always ``omegas[0]`` (pass one omega).
    ``"oracle"``
        Evaluation only: solves every omega of the grid and keeps the cheapest (the middle
        of tied minima) — the per-instance grid optimum; costs ``len(omegas)`` solves.

    Parameters
    ----------
    policy : str, default "tsallis_inf"
    omegas : sequence of float, optional
        The grid (default ``linspace(1.0, 1.95, 20)``), each in (0, 2).
    seed : int or numpy.random.Generator, default 0
        The policy's own random stream (keep the instances' stream separate).
    context_range : (float, float), optional
        Interval of the contexts (required by the contextual policies).
    solver : {"sor", "ssor_cg"}, default "sor"
        What omega parametrises; the cost is its iteration count.
    symmetric : bool, default False
        SSOR sweeps for ``solver="sor"``.
    tol : float, default 1e-8
    max_iter : int, default 10_000
    bins : int, default 5
        Tsallis-INF-CB bins.
    degree : int, default 6
        ChebCB Chebyshev features ``T_0..T_{degree-1}``.
    hindsight_every : int, optional
        Also price every omega on every ``hindsight_every``-th instance, so that
        :meth:`report` can give the regret against the best fixed omega on that subsample.
    backend : str, default "auto"

    References
    ----------
    Khodak et al. 2024, arXiv 2310.02246 (Tsallis-INF with the iteration-count loss, ChebCB;
    ``learners/*.m`` of the authors' code); Zimmert & Seldin, arXiv 1807.07623.

    Examples
    --------
    >>> import numopt as no
    >>> tuner = no.linear.OmegaTuner(policy="tsallis_inf", seed=0)
    >>> for A, b, c in no.problems.shifted_laplacian_sequence(20, seed=1):
    ...     res = tuner.solve(A, b, context=c)
    >>> report = tuner.report()
    >>> len(report.iterations), bool(report.converged.all())
    (20, True)
    """

    def __init__(self, policy="tsallis_inf", omegas=None, seed=0, context_range=None, *,
                 solver="sor", symmetric=False, tol=1e-8, max_iter=10_000, bins=DEFAULT_BINS,
                 degree=DEFAULT_DEGREE, hindsight_every=None, backend="auto"):
        self.policy_name = check_choice("policy", policy, POLICIES)
        self.omegas = self._grid(omegas)
        self.solver = check_choice("solver", solver, SOLVERS)
        self.symmetric = bool(symmetric)
        self.tol = check_positive("tol", tol)
        self.max_iter = check_int("max_iter", max_iter, low=1)
        self.hindsight_every = check_int("hindsight_every", hindsight_every, low=1,
                                         allow_none=True)
        self.backend = backend
        self.context_range = self._context_range(context_range)
        self.bins = check_int("bins", bins, low=1)
        self.degree = check_int("degree", degree, low=1)
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(
            check_int("seed", seed, low=0))
        self.policy = self._make_policy()
        self.records = Records()

    # ------------------------------------------------------------------ set-up
    def _grid(self, omegas):
        if omegas is None:
            if self.policy_name == "fixed":
                raise InvalidProblemError(
                    "policy='fixed' needs its omega: pass omegas=[value] (e.g. omegas=[1.8]).")
            return np.asarray(DEFAULT_OMEGAS)
        grid = np.atleast_1d(np.asarray(omegas, dtype=float))
        if grid.ndim != 1 or grid.size == 0:
            raise InvalidProblemError(
                f"omegas must be a non-empty flat sequence, got shape {grid.shape}.")
        for k, omega in enumerate(grid):
            check_omega(float(omega), name=f"omegas[{k}]")
        return grid

    def _context_range(self, context_range):
        if context_range is None:
            if self.policy_name in CONTEXTUAL:
                raise InvalidProblemError(
                    f"policy={self.policy_name!r} needs context_range=(low, high), the interval "
                    "the contexts fall in (e.g. (-0.15, 0.65) for the shifted Laplacians).")
            return None
        try:
            low, high = (float(v) for v in context_range)
        except (TypeError, ValueError) as err:
            raise InvalidProblemError(
                f"context_range must be a pair (low, high), got {context_range!r}.") from err
        check_real("context_range[0]", low)
        check_real("context_range[1]", high, low=low, low_open=True)
        return (low, high)

    def _make_policy(self):
        k = len(self.omegas)
        if self.policy_name == "tsallis_inf":
            return TsallisINF(k)
        if self.policy_name == "tsallis_inf_cb":
            return TsallisINFCB(k, self.context_range, self.bins)
        if self.policy_name == "chebcb":
            return ChebCB(k, self.context_range, self.degree)
        if self.policy_name == "fixed":
            return Fixed(k)
        return None  # oracle: no learner

    # ------------------------------------------------------------------ solving
    def solve(self, A, b, context=None, x0=None):
        """Pick omega, solve ``A x = b``, learn from the iteration count.

        Parameters
        ----------
        A, b
            As for :func:`numopt.linear.sor` (SPD ``A`` for ``solver="ssor_cg"``).
        context : float, optional
            Scalar context (the diagonal shift, the diffusivity); required by the
            contextual policies and checked against ``context_range``.
        x0 : array_like, optional
            Start / warm start (e.g. the previous time step's solution).

        Returns
        -------
        Result
            The solver's result plus ``arm`` (grid index) and ``omega`` used.
        """
        context = self._check_context(context)
        system, x0 = as_system(A, b, x0, backend=self.backend, method=self.solver,
                               supported=SOLVER_CLASSES[self.solver].backends,
                               symmetric=self.solver == "ssor_cg")
        t = len(self.records)
        costs = None
        if self.policy_name == "oracle" or (
                self.hindsight_every is not None and t % self.hindsight_every == 0):
            costs, _ = grid_costs(system, x0, self.omegas, solver=self.solver,
                                  symmetric=self.symmetric, tol=self.tol, max_iter=self.max_iter)
        if self.policy is None:
            arm, probability = _middle_argmin(costs), 1.0
        else:
            arm, p = self.policy.choose(self.rng, context)
            probability = float(p[arm])
        omega = float(self.omegas[arm])
        res = run(make_solver(self.solver, omega, self.symmetric, self.tol, self.max_iter,
                              self.backend), system, x0)
        loss = res.nit if res.converged else self.max_iter
        if self.policy is not None:
            self.policy.update(loss)
        self.records.append(arm=arm, omega=omega, iterations=loss, converged=res.converged,
                            context=np.nan if context is None else context,
                            probability=probability, costs=costs)
        res["arm"] = arm
        return res

    def _check_context(self, context):
        if context is None:
            if self.policy_name in CONTEXTUAL:
                raise InvalidProblemError(
                    f"policy={self.policy_name!r} needs a context for every system: "
                    "tuner.solve(A, b, context=value).")
            return None
        value = check_real("context", context)
        if self.context_range is not None:
            low, high = self.context_range
            if not low <= value <= high:
                raise InvalidProblemError(
                    f"context={value!r} is outside context_range=({low}, {high}); build the "
                    "tuner with a context_range that covers every context of the sequence.")
        return value

    # ------------------------------------------------------------------ results
    def report(self):
        """Per-instance omega, iterations, cumulative cost and (with ``hindsight_every``)
        regret against the best fixed omega; see :class:`TuningReport`."""
        return TuningReport.build(self.policy_name, self.omegas, self.records)

    def state_dict(self):
        """Everything needed to continue later: configuration, learner, random stream and
        records, as plain Python values (picklable, JSON-friendly)."""
        return {
            "config": {"policy": self.policy_name, "omegas": self.omegas.tolist(),
                       "context_range": self.context_range, "solver": self.solver,
                       "symmetric": self.symmetric, "tol": self.tol, "max_iter": self.max_iter,
                       "bins": self.bins, "degree": self.degree,
                       "hindsight_every": self.hindsight_every, "backend": self.backend},
            "policy": None if self.policy is None else self.policy.state_dict(),
            "rng": self.rng.bit_generator.state,
            "records": self.records.state_dict(),
        }

    @classmethod
    def from_state(cls, state):
        """A tuner that continues exactly where :meth:`state_dict` left off."""
        config = dict(state["config"])
        tuner = cls(config.pop("policy"), config.pop("omegas"), 0, config.pop("context_range"),
                    **config)
        if tuner.policy is not None:
            tuner.policy = type(tuner.policy).from_state(state["policy"])
        bit_generator = getattr(np.random, state["rng"]["bit_generator"])()
        bit_generator.state = state["rng"]
        tuner.rng = np.random.Generator(bit_generator)
        tuner.records = Records.from_state(state["records"])
        return tuner

    def __repr__(self):
        return (f"OmegaTuner(policy={self.policy_name!r}, arms={len(self.omegas)}, "
                f"solver={self.solver!r}, instances={len(self.records)})")


def _middle_argmin(costs):
    ties = np.flatnonzero(costs == costs.min())
    return int(ties[len(ties) // 2])
