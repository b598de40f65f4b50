"""bcd on the structured problems: known optima, every rule/update/partition, monotone
decrease, reproducibility, backends, and bad input."""

import numpy as np
import pytest
import scipy.sparse as sp

import numopt as no
from numopt.coordinate import BCD
from numopt.problems.bcd_datasets import dataset_d, dataset_e, reference_value

RULES = ("random", "cyclic", "lipschitz", "gs", "gsl", "gsd", "gsq")
UPDATES = ("lipschitz", "line_search", "matrix", "newton")


def least_squares(sparse=False, l2=0.0):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((40, 13)) * (rng.random((40, 13)) < 0.6)
    A[:, 0] += 1.0
    b = rng.standard_normal(40)
    return no.problems.LeastSquares(sp.csr_matrix(A) if sparse else A, b, l2=l2)


def logistic():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((40, 10))
    y = np.where(A[:, 0] + rng.standard_normal(40) > 0, 1.0, -1.0)
    return no.problems.LogisticRegression(A, y, l2=1.0)


def softmax():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((30, 5))
    return no.problems.SoftmaxRegression(A, np.arange(30) % 3, l2=1.0)


def reference(make):
    return no.minimize(make(), method="newton", tol=1e-12).fun


def assert_monotone(res):
    f = res.history["fun"]
    assert np.all(np.diff(f) <= 1e-9 * np.maximum(1.0, np.abs(f[:-1]))), "f increased"


@pytest.mark.parametrize("rule,update,partition", [  # every pair, fixed and variable blocks
    (rule, update, ("variable", "order")[(i + j) % 2])
    for i, rule in enumerate(RULES) for j, update in enumerate(UPDATES)])
def test_least_squares_every_rule_and_update(rule, update, partition):
    f_star = least_squares().optimum()[1]
    res = no.minimize(least_squares(sparse=partition == "order"), method="bcd", rule=rule,
                      update=update, partition=partition, tau=4, max_iter=4000, seed=0)
    assert res.success, res.message
    assert res.fun == pytest.approx(f_star, abs=1e-9)
    assert_monotone(res)


@pytest.mark.parametrize("make", [logistic, softmax], ids=["logistic", "softmax"])
@pytest.mark.parametrize("rule,update,partition", [
    ("gsq", "matrix", "variable"), ("gsd", "newton", "variable"), ("cyclic", "line_search", "sort"),
    ("gsl", "lipschitz", "avg"), ("random", "newton", "order")])
def test_nonquadratic_problems(make, rule, update, partition):
    res = no.minimize(make(), method="bcd", rule=rule, update=update, partition=partition,
                      tau=3, max_iter=5000, tol=1e-7, seed=0)
    assert res.success, res.message
    assert res.fun == pytest.approx(reference(make), abs=1e-9)
    assert_monotone(res)


def test_exact_update_and_ragged_partition_on_quadratic():
    rng = np.random.default_rng(4)
    B = rng.standard_normal((9, 9))
    p = no.problems.Quadratic(B @ B.T + np.eye(9), rng.standard_normal(9))
    res = no.minimize(p, method="bcd", rule="gsq", update="exact", partition="order", tau=4)
    assert res.success and np.allclose(res.x, p.optimum()[0], atol=1e-8)
    assert set(res.history["block_size"][1:]) <= {4, 1}  # blocks 4, 4 and a ragged 1


@pytest.mark.parametrize("make", [lambda: dataset_d(rows=12, cols=12),
                                  lambda: dataset_e(n=300)], ids=["D", "E"])
def test_message_passing_beats_small_blocks(make):
    f_star = reference_value(make())
    gaps = {}
    for key, options in {"gs_forest": dict(rule="gs_forest", update="exact"),
                         "forest": dict(rule="gsq", partition="forest", update="exact"),
                         "redblack": dict(rule="gs", partition="redblack", update="exact"),
                         "gsq": dict(rule="gsq", update="matrix", tau=5),
                         "cyclic": dict(rule="cyclic", partition="order", update="matrix", tau=5),
                         "random": dict(rule="random", update="matrix", tau=5)}.items():
        res = no.minimize(make(), method="bcd", max_iter=60, seed=1, f_star=f_star, **options)
        assert_monotone(res)
        gaps[key] = res.history["suboptimality"][-1]
    assert gaps["gs_forest"] < min(gaps["gsq"], gaps["cyclic"], gaps["random"])
    assert gaps["forest"] < min(gaps["gsq"], gaps["cyclic"], gaps["random"])


def test_same_seed_same_answer_and_backends_agree():
    runs = [no.minimize(least_squares(), method="bcd", rule="random", update="matrix", seed=7,
                        max_iter=30, backend=backend) for backend in ("numba", "numba", "numpy")]
    np.testing.assert_array_equal(runs[0].x, runs[1].x)
    np.testing.assert_allclose(runs[0].x, runs[2].x, atol=1e-12)
    assert runs[0].backend == "numba" and runs[2].backend == "numpy"


def test_stepping_by_hand_and_counts():
    solver = BCD(rule="gsd", update="matrix", tau=3)
    p = least_squares()
    state = solver.init(p, None)
    while not solver.done(state):
        state = solver.step(p, state)
    assert state.grad_norm <= 1e-8
    assert p.counts["grad"] == state.nit + 1


def test_zero_columns_are_excluded_and_reported():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((20, 6))
    A[:, [1, 4]] = 0.0
    b = rng.standard_normal(20)
    x0 = np.full(6, 3.0)
    res = no.minimize(no.problems.LeastSquares(A, b), x0=x0, method="bcd", tau=2)
    assert res.success and res.excluded == 2
    assert res.x[1] == 3.0 and res.x[4] == 3.0  # f does not depend on them: left at x0
    lasso = no.minimize(no.problems.LeastSquares(A, b, l1=0.1), x0=x0, method="bcd", tau=2)
    assert lasso.success and lasso.x[1] == 0.0 and lasso.x[4] == 0.0  # minimiser of h


def test_all_zero_data_is_an_error():
    with pytest.raises(no.InvalidProblemError, match="all columns of the data are zero"):
        no.minimize(no.problems.LeastSquares(np.zeros((4, 3)), np.ones(4)), method="bcd")


@pytest.mark.parametrize("blocks,match", [
    ([[0, 1, 2], [], [3, 4]], "block 1 is empty"),
    ([[0, 1, 2], [2, 3, 4]], "overlap"),
    ([[0, 1], [3, 4]], "miss 1 coordinate"),
    ([[0, 1, 2], [3, 4, 9]], "outside"),
])
def test_bad_partitions(blocks, match):
    p = no.problems.LeastSquares(np.eye(5), np.ones(5))
    with pytest.raises(no.InvalidProblemError, match=match):
        no.minimize(p, method="bcd", partition=blocks)


def test_custom_partition_solves():
    p = no.problems.LeastSquares(np.eye(5) + 0.1, np.ones(5))
    res = no.minimize(p, method="bcd", partition=[np.array([0, 3]), [1, 2, 4]], rule="cyclic")
    assert res.success


def test_tau_larger_than_dimension():
    with pytest.raises(no.InvalidProblemError, match="tau=9 exceeds the dimension d=5"):
        no.minimize(no.problems.LeastSquares(np.eye(5), np.ones(5)), method="bcd", tau=9)


@pytest.mark.parametrize("options,match", [
    (dict(update="exact"), "quadratic smooth part"),
    (dict(rule="gs_forest"), "needs a Quadratic"),
    (dict(partition="redblack"), "needs a Quadratic"),
    (dict(rule="gsqq"), "did you mean 'gsq'"),
    (dict(tau=0), "tau must be >= 1"),
])
def test_bad_options(options, match):
    with pytest.raises(no.InvalidProblemError, match=match):
        no.minimize(logistic(), method="bcd", **options)


def test_problem_without_structure_is_rejected():
    p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x, x0=np.ones(3))
    with pytest.raises(no.InvalidProblemError, match="needs a structured problem"):
        no.minimize(p, method="bcd")


def test_wrong_label_values():
    with pytest.raises(no.InvalidProblemError, match="labels in"):
        no.problems.LogisticRegression(np.eye(3), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(no.InvalidProblemError, match="exactly two distinct labels"):
        no.coordinate.l1_logistic(np.eye(3), np.array([0, 1, 2]), C=1.0)
    with pytest.raises(no.InvalidProblemError, match="class indices"):
        no.problems.SoftmaxRegression(np.eye(3), [0, -1, 2])


def test_nonfinite_data_rejected_and_input_untouched():
    A = np.eye(3)
    A[0, 0] = np.nan
    with pytest.raises(no.InvalidProblemError, match="NaN"):
        no.problems.LeastSquares(A, np.ones(3))
    x0 = np.ones(3)
    no.minimize(no.problems.LeastSquares(np.eye(3), np.ones(3)), x0=x0, method="bcd", tau=2)
    np.testing.assert_array_equal(x0, np.ones(3))


def test_default_bcd_converges_on_breast_cancer_l2_logistic():
    """Issue 20: the defaults (update="auto" → Newton blocks of 50 on a logistic loss) solve
    L2 logistic regression of the raw breast-cancer data (569 × 30)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    X, y = load_breast_cancer(return_X_y=True)
    signs = np.where(y == 1, 1.0, -1.0)
    res = no.minimize(no.problems.LogisticRegression(X, signs, l2=1.0), method="bcd")
    assert res.success, res.message
    assert res.grad_norm <= 1e-8 and res.nit <= 30
    sk = LogisticRegression(C=1.0, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y)

    def objective(w):  # scikit-learn's L-BFGS stops early on this ill-conditioned case
        return np.logaddexp(0.0, -signs * (X @ w)).sum() + 0.5 * w @ w

    assert objective(res.x) <= objective(sk.coef_.ravel()) + 1e-10
