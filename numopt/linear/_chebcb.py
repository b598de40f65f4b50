"""ChebCB: a SquareCB-style contextual bandit whose per-arm cost model is a Chebyshev
regression on a scalar context (Khodak et al. 2024, ``learners/ChebCB.m``)."""

import math

import numpy as np
from numpy.polynomial import chebyshev
from scipy.optimize import lsq_linear

#: floor of the denominator of the eta update (all-equal early losses make it 0)
ETA_DENOMINATOR_FLOOR = 1e-12


class ChebCB:
    """Inverse-gap-weighting over ``n_arms`` arms with per-arm Chebyshev least squares.

    Context ``c`` in ``[a, b]`` maps to ``z = 2(c - a)/(b - a) - 1`` and features
    ``phi = (T_0(z), ..., T_{m-1}(z))``. With predictions ``y = theta phi`` and
    ``i* = argmin y``, arm ``i != i*`` is played with probability ``1/(K + eta (y_i - y_i*))``
    and ``i*`` with the rest. After a loss ``l``: ``Kmax = max l``, ``Lip = (max l - min l) /
    (b - a)``, ``N = 2 + 4 (b - a) Lip / Kmax (1 + log m)``, ``scale = Kmax N``; the played
    arm (every arm when ``scale`` changed) is refitted to targets ``(l - 1)/scale`` by
    minimum-norm least squares, or bound-constrained least squares when the coefficients
    leave the box ``|theta_0| <= 1/N``, ``|theta_j| <= 2 (b - a) Lip / (scale j)``; then
    ``alpha = (pi + (2/pi) log(2m + 1)) (b - a) Lip / (2 scale (m + 1))``,
    ``R = sum_t (y_t - l_t / scale)^2`` and ``eta = 2 t sqrt(K t / (R - resnorm + 2 alpha^2 t))``.

    References
    ----------
    Khodak, Chow, Balcan, Talwalkar, ICLR 2024, arXiv 2310.02246 (ChebCB; constants from
    ``learners/ChebCB.m``); D. Foster, A. Rakhlin, "Beyond UCB", ICML 2020,
    arXiv 2002.04926 (SquareCB).
    """

    def __init__(self, n_arms, context_range, degree):
        self.n_arms, self.context_range, self.degree = n_arms, tuple(context_range), degree
        self.theta = np.zeros((n_arms, degree))
        self.eta = 0.0
        self.scale = 0.0
        self.arms, self.contexts, self.losses, self.predicted = [], [], [], []

    def features_of(self, contexts):
        """Chebyshev features ``(T_0(z), ..., T_{m-1}(z))``, one row per context."""
        low, high = self.context_range
        z = 2.0 * (np.asarray(contexts, dtype=float) - low) / (high - low) - 1.0
        return chebyshev.chebvander(z, self.degree - 1)

    def probabilities(self, phi):
        """Inverse-gap weights for the predictions ``theta @ phi``."""
        y = self.theta @ phi
        best = int(np.argmin(y))
        p = 1.0 / (self.n_arms + self.eta * (y - y[best]))
        p[best] = 0.0
        p[best] = 1.0 - p.sum()
        return p

    def choose(self, rng, context=None):
        """Sample an arm for ``context``; returns ``(arm, probabilities)``."""
        phi = self.features_of([context])[0]
        p = self.probabilities(phi)
        arm = int(rng.choice(self.n_arms, p=p))
        self.arms.append(arm)
        self.contexts.append(float(context))
        self.predicted.append(float(self.theta[arm] @ phi))
        return arm, p

    def update(self, loss):
        """Refit the cost models and the learning rate after the loss of the last choice."""
        self.losses.append(float(loss))
        t = len(self.losses)
        losses = np.asarray(self.losses)
        width = self.context_range[1] - self.context_range[0]
        k_max = float(losses.max())
        lip = float(losses.max() - losses.min()) / width
        spread = 2.0 + 4.0 * width * lip / k_max * (1.0 + math.log(self.degree))
        changed = self.scale != k_max * spread
        self.scale = k_max * spread
        bound = np.concatenate([[1.0 / spread],
                                2.0 * width * lip / self.scale / np.arange(1, self.degree)])
        arms = np.asarray(self.arms)
        features = self.features_of(self.contexts)
        resnorm = 0.0
        refit = range(self.n_arms) if changed else [self.arms[-1]]
        for arm in refit:
            rows = arms == arm
            if rows.any():
                self.theta[arm], fitted_resnorm = _fit(features[rows],
                                                       (losses[rows] - 1.0) / self.scale, bound)
                resnorm = fitted_resnorm if fitted_resnorm is not None else resnorm
        alpha = ((math.pi + 2.0 / math.pi * math.log(2.0 * self.degree + 1.0)) * width * lip
                 / (2.0 * self.scale * (self.degree + 1.0)))
        residual = float(np.sum((np.asarray(self.predicted) - losses / self.scale) ** 2))
        denominator = max(residual - resnorm + 2.0 * alpha ** 2 * t, ETA_DENOMINATOR_FLOOR)
        self.eta = 2.0 * t * math.sqrt(self.n_arms * t / denominator)

    def state_dict(self):
        """Plain-Python state (JSON-friendly)."""
        return {"n_arms": self.n_arms, "context_range": list(self.context_range),
                "degree": self.degree, "theta": self.theta.tolist(), "eta": self.eta,
                "scale": self.scale, "arms": list(self.arms), "contexts": list(self.contexts),
                "losses": list(self.losses),
                "predicted": list(self.predicted)}

    @classmethod
    def from_state(cls, state):
        """Rebuild from :meth:`state_dict`."""
        policy = cls(state["n_arms"], state["context_range"], state["degree"])
        policy.theta = np.asarray(state["theta"], dtype=float)
        policy.eta, policy.scale = state["eta"], state["scale"]
        policy.arms = list(state["arms"])
        policy.contexts = list(state["contexts"])
        policy.losses, policy.predicted = list(state["losses"]), list(state["predicted"])
        return policy


def _fit(features, targets, bound):
    """Minimum-norm least squares, or box-constrained least squares when it leaves the box.

    The box-constrained fit runs on the ``m``-row triangular factor of ``features``
    (``||F theta - y||^2 = ||R theta - Q^T y||^2 + const``), so its cost does not grow with
    the arm's history; BVLS solves that small problem exactly. Returns ``(theta, resnorm)``;
    ``resnorm`` (squared residual norm) is ``None`` when the unconstrained fit was kept, as
    in the authors' code.
    """
    theta = np.linalg.lstsq(features, targets, rcond=None)[0]
    if np.all(np.abs(theta) <= bound):
        return theta, None
    q, r = np.linalg.qr(features)
    free = bound > 0.0  # zero-width boxes pin their coefficient at 0
    theta = np.zeros_like(theta)
    fit = lsq_linear(r[:, free], q.T @ targets, bounds=(-bound[free], bound[free]),
                     method="bvls")
    theta[free] = fit.x
    return theta, float(np.sum((features @ theta - targets) ** 2))
