"""NUM-SOR-3 (ALGORITHMS.md §8): the 5000-instance high-variance shifted-Laplacian run.

Every arm of every instance is priced once with the compiled kernel (the same sweeps and
stopping test as ``numopt.linear.sor``), then the policies are replayed on those costs; the
first instances are also run through ``OmegaTuner`` end to end to show that the replay is
exactly what the tuner does.
"""

import numpy as np
import pytest

import numopt as no
from numopt.linear._chebcb import ChebCB
from numopt.linear._costs import grid_costs
from numopt.linear._system import as_system
from numopt.linear._tsallis import TsallisINF
from numopt.linear.tuner import DEFAULT_OMEGAS
from numopt.problems import shifted_laplacian_sequence

T = 5000
RANGE = (-0.15, 0.65)


@pytest.fixture(scope="module")
def costs():
    rows, contexts = [], []
    for A, b, c in shifted_laplacian_sequence(T, "high", seed=0):
        system, _ = as_system(A, b, None, backend="numba", method="sor", supported=("numba",))
        rows.append(grid_costs(system, None, DEFAULT_OMEGAS)[0])
        contexts.append(c)
    return np.asarray(rows), np.asarray(contexts)


def replay(policy, costs, contexts, seed):
    rng = np.random.default_rng(seed)
    paid = np.empty(len(costs), dtype=np.int64)
    for t, (row, context) in enumerate(zip(costs, contexts, strict=True)):
        arm, _ = policy.choose(rng, context)
        paid[t] = row[arm]
        policy.update(paid[t])
    return paid


@pytest.mark.slow
def test_reference_means(costs):
    table, _ = costs
    # ALGORITHMS.md §4.5 [R]: first 100 instances, omega = 1.0, 1.4, 1.8 and best grid 1.75
    np.testing.assert_allclose(table[:100].mean(axis=0)[[0, 8, 16, 15]],
                               [510.1, 212.8, 98.2, 94.7], atol=0.06)


@pytest.mark.slow
def test_replay_is_the_tuner(costs):
    table, contexts = costs
    for policy, make in (("tsallis_inf", lambda: TsallisINF(20)),
                         ("chebcb", lambda: ChebCB(20, RANGE, 6))):
        tuner = no.linear.OmegaTuner(policy, seed=0, context_range=RANGE
                                     if policy == "chebcb" else None)
        for A, b, c in shifted_laplacian_sequence(150, "high", seed=0):
            tuner.solve(A, b, context=c)
        paid = replay(make(), table[:150], contexts[:150], seed=0)
        np.testing.assert_array_equal(tuner.report().iterations, paid)


@pytest.mark.slow
def test_tsallis_inf_approaches_the_best_fixed_omega(costs):
    table, contexts = costs
    best = int(np.argmin(table.sum(axis=0)))
    overall, last = [], []
    for seed in range(10):
        paid = replay(TsallisINF(20), table, contexts, seed)
        overall.append(paid.sum() / table[:, best].sum())
        last.append(paid[-1000:].sum() / table[-1000:, best].sum())
    # One run is noisy: over policy seeds 0..9 the overall ratio is 1.13..1.21 (mean 1.18)
    # and the last-1000 ratio 1.03..1.11 (mean 1.06; seed 0 alone: 1.183 and 1.079).
    assert np.mean(overall) < 1.2 and max(overall) < 1.25
    assert np.mean(last) < 1.06 and max(last) < 1.12


@pytest.mark.slow
def test_chebcb_beats_the_best_fixed_omega(costs):
    table, contexts = costs
    paid = replay(ChebCB(20, RANGE, 6), table, contexts, seed=0)
    assert paid.sum() < table.sum(axis=0).min()
    assert paid[-1000:].mean() < 0.7 * table[-1000:].sum(axis=0).min() / 1000
