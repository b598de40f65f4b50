"""Tsallis-INF (½-Tsallis entropy, Zimmert & Seldin) with the running-mean loss scale of
Khodak et al., and its binned contextual version Tsallis-INF-CB.

Policies here only pick arm indices and learn from losses; :class:`OmegaTuner` owns the
solver, the random generator and the records.
"""

import math

import numpy as np

from ..errors import InvalidProblemError

#: Newton iterations allowed for the normaliser (each halves the bracket at worst)
NORMALISER_MAX_ITER = 100
#: |sum(p) - 1| accepted for the normaliser
NORMALISER_TOL = 1e-12


def tsallis_probabilities(losses, eta):
    """Arm probabilities ``p_i = 4 (eta (L_i - x))^{-2}`` with ``sum(p) = 1``.

    The normaliser ``x < min_i L_i`` is the root of the increasing convex function
    ``f(x) = sum(p(x)) - 1``, bracketed by ``[L_min - 2 sqrt(K)/eta, L_min - 2/eta]``
    (at the right end the best arm alone has ``p = 1``; at the left end every ``p <= 1/K``).
    Newton from the right end then decreases monotonically to the root; a bisection step
    replaces any Newton step that leaves the bracket. (The authors' code restarts Newton from
    ``x = -1`` every round, which jumps past the pole once the losses grow.)

    Parameters
    ----------
    losses : ndarray, shape (K,)
        Scaled importance-weighted cumulative losses ``L_hat / s``.
    eta : float
        Learning rate ``2 / sqrt(t)``.

    Returns
    -------
    ndarray, shape (K,)
        Probabilities summing to 1 (renormalised after the root search).

    References
    ----------
    J. Zimmert, Y. Seldin, "Tsallis-INF: An Optimal Algorithm for Stochastic and Adversarial
    Bandits", JMLR 2021, arXiv 1807.07623 (Tsallis-INF with alpha = 1/2); Khodak et al. 2024,
    arXiv 2310.02246 (``learners/TsallisINF.m``; the bracket is numopt's fix).

    Examples
    --------
    >>> p = tsallis_probabilities(np.array([0.0, 5.0, 50.0]), 0.5)
    >>> bool(abs(p.sum() - 1) < 1e-12 and p[0] > p[1] > p[2])
    True
    """
    k = losses.shape[0]
    l_min = float(losses.min())
    low, high = l_min - 2.0 * math.sqrt(k) / eta, l_min - 2.0 / eta
    x = high
    for _ in range(NORMALISER_MAX_ITER):
        p = 4.0 / (eta * (losses - x)) ** 2
        excess = float(p.sum()) - 1.0
        if abs(excess) <= NORMALISER_TOL:
            break
        if excess > 0.0:
            high = x
        else:
            low = x
        x = x - excess / (eta * float(np.sum(p ** 1.5)))
        if not low < x < high:
            x = 0.5 * (low + high)
    return p / p.sum()


class TsallisINF:
    """Tsallis-INF over ``n_arms`` arms with ``eta_t = 2/sqrt(t)`` and losses ``(l - 1)/s``,
    ``s = max(mean(l_1..l_t) - 1, 1)`` (the authors' running-mean scale, floored at 1 so
    all-ones counts do not divide by zero)."""

    def __init__(self, n_arms):
        self.n_arms = n_arms
        self.cumulative = np.zeros(n_arms)
        self.t = 1
        self.loss_total = 0.0
        self.scale = 1.0
        self.pending = None  # (arm, probability) of the round awaiting its loss

    def choose(self, rng, context=None):
        """Sample an arm; returns ``(arm, probabilities)``."""
        p = tsallis_probabilities(self.cumulative / self.scale, 2.0 / math.sqrt(self.t))
        arm = int(rng.choice(self.n_arms, p=p))
        self.pending = (arm, float(p[arm]))
        return arm, p

    def update(self, loss):
        """Importance-weighted update with the played arm's probability."""
        arm, prob = self.pending
        self.loss_total += loss
        self.scale = max(self.loss_total / self.t - 1.0, 1.0)
        self.cumulative[arm] += (loss - 1.0) / prob
        self.t += 1
        self.pending = None

    def state_dict(self):
        """Plain-Python state (JSON-friendly)."""
        return {"n_arms": self.n_arms, "cumulative": self.cumulative.tolist(), "t": self.t,
                "loss_total": self.loss_total, "scale": self.scale, "pending": self.pending}

    @classmethod
    def from_state(cls, state):
        """Rebuild from :meth:`state_dict`."""
        policy = cls(state["n_arms"])
        policy.cumulative = np.asarray(state["cumulative"], dtype=float)
        policy.t, policy.loss_total = state["t"], state["loss_total"]
        policy.scale = state["scale"]
        policy.pending = None if state["pending"] is None else tuple(state["pending"])
        return policy


class TsallisINFCB:
    """One independent :class:`TsallisINF` per context bin; ``bins`` equal bins of the
    context interval, a context goes to the nearest bin centre ``a + (b - a)(k - 1/2)/B``."""

    def __init__(self, n_arms, context_range, bins):
        self.n_arms, self.context_range, self.bins = n_arms, tuple(context_range), bins
        low, high = self.context_range
        self.centres = low + (high - low) * (np.arange(bins) + 0.5) / bins
        self.learners = [TsallisINF(n_arms) for _ in range(bins)]
        self.active = None

    def choose(self, rng, context=None):
        """Sample an arm from the bin of ``context``."""
        self.active = int(np.argmin(np.abs(self.centres - context)))
        return self.learners[self.active].choose(rng)

    def update(self, loss):
        """Update the bin that chose."""
        self.learners[self.active].update(loss)
        self.active = None

    def state_dict(self):
        return {"n_arms": self.n_arms, "context_range": list(self.context_range),
                "bins": self.bins, "learners": [p.state_dict() for p in self.learners],
                "active": self.active}

    @classmethod
    def from_state(cls, state):
        policy = cls(state["n_arms"], state["context_range"], state["bins"])
        policy.learners = [TsallisINF.from_state(s) for s in state["learners"]]
        policy.active = state["active"]
        return policy


class Fixed:
    """Always the single arm 0 (``OmegaTuner(policy="fixed", omegas=[w])``)."""

    def __init__(self, n_arms):
        if n_arms != 1:
            raise InvalidProblemError(
                f"policy='fixed' plays one omega but got {n_arms}; pass omegas=[value]."
            )
        self.n_arms = 1

    def choose(self, rng, context=None):
        return 0, np.ones(1)

    def update(self, loss):
        """Nothing to learn."""

    def state_dict(self):
        return {"n_arms": 1}

    @classmethod
    def from_state(cls, state):
        return cls(state["n_arms"])
