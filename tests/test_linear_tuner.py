"""OmegaTuner and its policies: the safeguarded normaliser, determinism, regret behaviour on
small sequences, resuming, reports, the sequence generators and bad input."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyamg.gallery import poisson
from scipy.optimize import brentq

import numopt as no
from numopt import InvalidProblemError
from numopt.linear._chebcb import ChebCB
from numopt.linear._tsallis import TsallisINF, tsallis_probabilities
from numopt.problems import HeatEquation2D, shifted_laplacian_sequence
from numopt.problems.linear_sequences import laplacian_5point

RANGE = (-0.15, 0.65)


# ----------------------------------------------------------------------------- normaliser
@settings(max_examples=40, deadline=None)
@given(losses=st.lists(st.floats(0, 1e7), min_size=2, max_size=25),
       t=st.integers(1, 100_000))
def test_normaliser_sums_to_one_for_any_losses(losses, t):
    losses = np.asarray(losses)
    p = tsallis_probabilities(losses, 2.0 / np.sqrt(t))
    assert np.all(np.isfinite(p)) and np.all(p > 0)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    order = np.argsort(losses, kind="stable")
    assert np.all(np.diff(p[order]) <= 1e-15)  # smaller loss, larger probability


def test_normaliser_matches_a_bracketing_root_finder():
    losses, eta = np.array([0.0, 3.0, 10.0, 400.0]), 0.3
    root = brentq(lambda x: np.sum(4 / (eta * (losses - x)) ** 2) - 1, -100, -1e-9)
    np.testing.assert_allclose(tsallis_probabilities(losses, eta),
                               4 / (eta * (losses - root)) ** 2, rtol=1e-10)


def test_authors_restart_from_minus_one_diverges_where_the_bracket_does_not():
    losses, eta = np.array([2000.0, 2500.0, 3000.0]), 2 / np.sqrt(2000)
    x = -1.0
    with np.errstate(all="ignore"):
        for _ in range(20):
            p = 4 * (eta * (losses - x)) ** -2.0
            x = x - (p.sum() - 1) / (eta * np.sum(p ** 1.5))
    assert not abs(p.sum() - 1) < 1e-6  # the code's normaliser jumps past the pole
    assert tsallis_probabilities(losses, eta).sum() == pytest.approx(1.0)


# ----------------------------------------------------------------------------- policies alone
COSTS = np.array([100.0, 70.0, 45.0, 60.0, 140.0])


def play(policy, rounds, cost, seed=0):
    rng = np.random.default_rng(seed)
    noise = np.random.default_rng(seed + 1)
    paid = np.empty(rounds)
    for t in range(rounds):
        context = float(noise.uniform(*RANGE))
        arm, _ = policy.choose(rng, context)
        paid[t] = cost(arm, context) + noise.integers(0, 5)
        policy.update(paid[t])
    return paid


def test_tsallis_inf_regret_per_round_shrinks():
    paid = play(TsallisINF(5), 3000, lambda arm, c: COSTS[arm])
    best = COSTS.min() + 2.0
    early, late = paid[:500].mean() - best, paid[-500:].mean() - best
    assert late < 0.5 * early and late < 0.15 * best


def contextual_cost(arm, context):
    """The best arm moves with the context (like omega* with the diagonal shift)."""
    target = 4.0 * (context - RANGE[0]) / (RANGE[1] - RANGE[0])
    return 40.0 + 30.0 * (arm - target) ** 2


def test_chebcb_beats_the_best_fixed_arm_on_contextual_costs():
    rounds = 1500
    paid = play(ChebCB(5, RANGE, 6), rounds, contextual_cost)
    contexts = np.random.default_rng(1).uniform(*RANGE, size=rounds)  # same stream as play
    fixed = min(np.mean([contextual_cost(a, c) for c in contexts]) for a in range(5))
    assert paid[-500:].mean() < fixed


# ----------------------------------------------------------------------------- the tuner
def run_tuner(tuner, n=25, seed=3, variance="high"):
    for A, b, c in shifted_laplacian_sequence(n, variance=variance, grid=6, seed=seed):
        tuner.solve(A, b, context=c)
    return tuner.report()


POLICY_ARGS = [("tsallis_inf", {}), ("chebcb", {"context_range": RANGE}),
               ("tsallis_inf_cb", {"context_range": RANGE}), ("fixed", {"omegas": [1.5]}),
               ("oracle", {"omegas": [1.0, 1.3, 1.6, 1.9]})]


@pytest.mark.parametrize("policy, kwargs", POLICY_ARGS)
def test_every_policy_is_deterministic_for_a_seed(policy, kwargs):
    first = run_tuner(no.linear.OmegaTuner(policy, seed=7, **kwargs))
    again = run_tuner(no.linear.OmegaTuner(policy, seed=7, **kwargs))
    np.testing.assert_array_equal(first.arm, again.arm)
    np.testing.assert_array_equal(first.iterations, again.iterations)
    assert first.converged.all()


def test_different_seeds_explore_differently():
    a = run_tuner(no.linear.OmegaTuner("tsallis_inf", seed=1))
    b = run_tuner(no.linear.OmegaTuner("tsallis_inf", seed=2))
    assert not np.array_equal(a.arm, b.arm)


@pytest.mark.parametrize("policy, kwargs", POLICY_ARGS[:3])
def test_state_dict_resumes_exactly(policy, kwargs):
    systems = list(shifted_laplacian_sequence(30, grid=6, seed=5))
    straight = no.linear.OmegaTuner(policy, seed=4, hindsight_every=4, **kwargs)
    for A, b, c in systems:
        straight.solve(A, b, context=c)
    first = no.linear.OmegaTuner(policy, seed=4, hindsight_every=4, **kwargs)
    for A, b, c in systems[:13]:
        first.solve(A, b, context=c)
    resumed = no.linear.OmegaTuner.from_state(json.loads(json.dumps(first.state_dict())))
    for A, b, c in systems[13:]:
        resumed.solve(A, b, context=c)
    one, two = straight.report(), resumed.report()
    for field in ("arm", "iterations", "probability", "regret", "arm_costs"):
        np.testing.assert_array_equal(getattr(one, field), getattr(two, field))


def test_report_regret_and_oracle_are_consistent():
    omegas = np.linspace(1.0, 1.9, 10)
    tuner = no.linear.OmegaTuner("tsallis_inf", omegas=omegas, seed=0, hindsight_every=1)
    report = run_tuner(tuner, n=40)
    totals = report.arm_costs.sum(axis=0)
    assert report.best_fixed_omega == omegas[np.argmin(totals)]
    assert report.regret[-1] == report.cumulative_cost[-1] - totals.min()
    np.testing.assert_array_equal(report.cumulative_cost, np.cumsum(report.iterations))
    np.testing.assert_array_equal(report.arm_costs[np.arange(40), report.arm], report.iterations)
    oracle = run_tuner(no.linear.OmegaTuner("oracle", omegas=omegas), n=40)
    np.testing.assert_array_equal(oracle.iterations, report.arm_costs.min(axis=1))
    assert oracle.cumulative_cost[-1] <= totals.min() < report.cumulative_cost[-1]


def test_tsallis_beats_gauss_seidel_on_a_small_sequence():
    learned = run_tuner(no.linear.OmegaTuner("tsallis_inf", seed=0), n=150, variance="low")
    gauss_seidel = run_tuner(no.linear.OmegaTuner("fixed", omegas=[1.0]), n=150,
                             variance="low")
    assert learned.cumulative_cost[-1] < 0.8 * gauss_seidel.cumulative_cost[-1]
    late = learned.probability[-30:]
    assert late.mean() > 1.0 / 20  # it has left uniform exploration


def test_fixed_policy_counts_equal_sor():
    report = run_tuner(no.linear.OmegaTuner("fixed", omegas=[1.7]), n=5)
    for (A, b, _), nit in zip(shifted_laplacian_sequence(5, grid=6, seed=3), report.iterations,
                              strict=True):
        assert no.linear.sor(A, b, omega=1.7).nit == nit
    assert np.all(report.omega == 1.7)


def test_capped_solves_cost_the_cap_and_are_flagged():
    tuner = no.linear.OmegaTuner("tsallis_inf", seed=0, max_iter=5)
    report = run_tuner(tuner, n=4)
    assert np.all(report.iterations == 5) and report.capped.all()


def test_ssor_cg_tuner_on_the_heat_equation_with_warm_start():
    heat = HeatEquation2D(nx=12, steps=15)
    tuner = no.linear.OmegaTuner("chebcb", seed=0, context_range=heat.context_range,
                                 solver="ssor_cg")
    for A, b, kappa in heat:
        res = tuner.solve(A, b, context=kappa, x0=heat.u)
        heat.update(res.x)
    report = tuner.report()
    assert report.converged.all() and heat.step == 15 and 0 < report.iterations.max() < 60


# ----------------------------------------------------------------------------- generators
def test_shifted_laplacian_sequence():
    first = list(shifted_laplacian_sequence(50, seed=0))
    again = list(shifted_laplacian_sequence(50, seed=0))
    assert all(np.array_equal(b1, b2) and c1 == c2
               for (_, b1, c1), (_, b2, c2) in zip(first, again, strict=True))
    base = poisson((10, 10), format="csr")
    for A, b, c in first:
        assert RANGE[0] <= c <= 0.45 and np.linalg.norm(b) <= 10.0
        assert abs(A - base - c * np.eye(100)).max() < 1e-15
    high = [c for *_, c in shifted_laplacian_sequence(400, "high", seed=1)]
    low = [c for *_, c in shifted_laplacian_sequence(400, "low", seed=1)]
    assert np.var(high) > 2 * np.var(low)
    assert abs(laplacian_5point(10) - base).max() == 0


def test_heat_equation_needs_the_solution_before_the_next_step():
    heat = HeatEquation2D(nx=8, steps=3)
    low, high = heat.context_range
    assert 0.0 <= low < high <= 10.0
    systems = iter(heat)
    A, b, kappa = next(systems)
    assert (A - A.T).count_nonzero() == 0 and A.shape == (49, 49) and low <= kappa <= high
    with pytest.raises(InvalidProblemError, match="heat.update"):
        next(systems)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, match", [
    ({"policy": "tsallis"}, "did you mean 'tsallis_inf'"),
    ({"policy": "chebcb"}, "needs context_range"),
    ({"policy": "fixed"}, r"omegas=\[value\]"),
    ({"policy": "fixed", "omegas": [1.2, 1.4]}, r"omegas=\[value\]"),
    ({"omegas": [1.0, 2.0]}, r"omegas\[1\] must be < 2"),
    ({"omegas": [0.0]}, r"omegas\[0\] must be > 0"),
    ({"policy": "chebcb", "context_range": (1.0, 0.0)}, "context_range"),
    ({"solver": "cg"}, "solver='cg' is not valid"),
    ({"seed": -1}, "seed must be >= 0"),
])
def test_bad_tuner_arguments(kwargs, match):
    with pytest.raises(InvalidProblemError, match=match):
        no.linear.OmegaTuner(**kwargs)


def test_bad_contexts():
    A, b, _ = next(shifted_laplacian_sequence(1, grid=4, seed=0))
    tuner = no.linear.OmegaTuner("chebcb", context_range=RANGE)
    with pytest.raises(InvalidProblemError, match="needs a context"):
        tuner.solve(A, b)
    with pytest.raises(InvalidProblemError, match="outside context_range"):
        tuner.solve(A, b, context=2.0)
    with pytest.raises(InvalidProblemError, match="A must be a square"):
        tuner.solve(np.ones((2, 3)), np.ones(2), context=0.0)
    assert len(tuner.records) == 0
