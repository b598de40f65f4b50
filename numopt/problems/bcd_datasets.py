"""Datasets A–E of Nutini, Laradji & Schmidt (JMLR 2022, §7 / numopt spec §2.5), generated
with NumPy from the authors' recipes (seed 1 by default).

The authors' ``f*`` values (``PAPER_F_STAR``) belong to their own draws (MATLAB files
``exp4.mat`` and ``W_y.mat``), so they are quoted for reference only; ``reference_value``
gives ``f*`` for the data generated here: 0 for A, B and C (d ≥ n: the least-squares system
is consistent and the logistic/softmax data are separable, so the infimum is 0), an exact
sparse solve for D and E.
"""

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.spatial import cKDTree

from ..core.validate import check_int, check_positive
from .least_squares import LeastSquares
from .logistic import LogisticRegression
from .quadratic import Quadratic
from .softmax import SoftmaxRegression

PAPER_F_STAR = {"A": 8.12e-25, "A-L1": 6725753.524, "B": 5.04e-15, "C": 1.09e-11,
                "D": -1045999575.227, "E": -717.7088}  # authors' code [C], spec §2.5
A_L1_PENALTY = 50_000.0  # L1 weight of dataset A-L1, authors' code [C]
LATTICE_WEIGHT = 1e5  # edge weight of dataset D, authors' code [C]
LABELLED = 100  # labelled nodes of D and E [C]


def _design(rng, n, d):
    """``randn + 1``, columns scaled by ``10·randn``, entries kept with prob. 10 log(n)/n."""
    A = (rng.standard_normal((n, d)) + 1.0) * (10.0 * rng.standard_normal(d))
    A *= rng.random((n, d)) < 10.0 * np.log(n) / n
    return A


def dataset_a(n=1000, d=10000, seed=1, l1=0.0):
    """Dataset A: least squares ``½‖Ax − b‖²`` with ``b = Aw + ε``, ``w`` 10 % non-zero.

    ``l1=A_L1_PENALTY`` (with ``bcd(..., nonneg=True)``) gives A-L1.

    Examples
    --------
    >>> p = dataset_a(n=50, d=100)
    >>> p.dim, p.A.shape
    (100, (50, 100))
    """
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    A = _design(rng, check_int("n", n, low=2), check_int("d", d, low=1))
    w = rng.standard_normal(d) * (rng.random(d) < 0.1)
    b = A @ w + rng.standard_normal(n)
    return LeastSquares(sp.csr_matrix(A), b, l1=l1, name="dataset_A" + ("-L1" if l1 else ""))


def dataset_b(n=1000, d=10000, seed=1):
    """Dataset B: logistic regression on A's design, ``y = sign(Aw)`` with 10 % flipped.

    Examples
    --------
    >>> dataset_b(n=50, d=100).dim
    100
    """
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    A = _design(rng, n, d)
    w = rng.standard_normal(d) * (rng.random(d) < 0.1)
    y = np.sign(A @ w)
    y[y == 0] = 1.0
    y *= np.where(rng.random(n) < 0.1, -1.0, 1.0)
    return LogisticRegression(sp.csr_matrix(A), y, name="dataset_B")


def dataset_c(n=1000, d=1000, n_classes=50, seed=1):
    """Dataset C: softmax regression, labels ``argmax(AW + noise)``, ``W`` N(0, 1).

    Examples
    --------
    >>> dataset_c(n=40, d=20, n_classes=5).dim
    100
    """
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    A = _design(rng, n, d)
    W = rng.standard_normal((d, n_classes))
    labels = np.argmax(A @ W + rng.standard_normal((n, n_classes)), axis=1)
    return SoftmaxRegression(sp.csr_matrix(A), labels, n_classes=n_classes, name="dataset_C")


def _label_propagation(W, labelled, values, name):
    """``½ Σ_ij W_ij (x_i − x_j)²`` over the unlabelled nodes: ``Q = D − W`` restricted,
    ``c = W_{U,L} y_L`` (the authors' construction)."""
    n = W.shape[0]
    unlabelled = np.setdiff1d(np.arange(n), labelled)
    degree = np.asarray(W.sum(axis=1)).ravel()
    Q = (sp.diags(degree) - W).tocsr()[unlabelled][:, unlabelled]
    c = np.asarray(W.tocsr()[unlabelled][:, labelled] @ values).ravel()
    return Quadratic(Q.tocsr(), c, name=name)


def dataset_d(rows=50, cols=50, seed=1, weight=LATTICE_WEIGHT):
    """Dataset D: lattice label propagation (4-neighbour grid, weights ``1e5``, 100 labelled
    nodes with values ``10·N(0, 1)``).

    Examples
    --------
    >>> dataset_d(rows=20, cols=20).dim
    300
    """
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    check_positive("weight", weight)
    idx = np.arange(rows * cols).reshape(cols, rows).T  # column-major numbering [C]
    right = np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()])
    down = np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()])
    edges = np.vstack([right, down])
    n = rows * cols
    W = sp.coo_matrix((np.full(len(edges), weight), (edges[:, 0], edges[:, 1])), shape=(n, n))
    W = (W + W.T).tocsr()
    labelled = np.sort(rng.choice(n, min(LABELLED, n), replace=False))
    return _label_propagation(W, labelled, 10.0 * rng.standard_normal(labelled.size),
                              "dataset_D")


def two_moons(n, rng, noise=0.1):
    """Two interleaved half circles with Gaussian noise; returns points and 0/1 moon ids."""
    half = n // 2
    t = np.pi * rng.random(n)
    moon = np.arange(n) >= half
    pts = np.column_stack([np.cos(t), np.sin(t)])
    pts[moon] = np.column_stack([1.0 - np.cos(t[moon]), 0.5 - np.sin(t[moon])])
    return pts + noise * rng.standard_normal((n, 2)), moon.astype(int)


def dataset_e(n=2000, neighbours=5, seed=1):
    """Dataset E: two-moons label propagation, symmetric 5-NN graph with unit weights, 100
    labelled points (±1 by moon; at least one per connected component, so ``Q`` is
    positive definite).

    Examples
    --------
    >>> dataset_e(n=200).dim
    100
    """
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    pts, moon = two_moons(n, rng)
    _, nn = cKDTree(pts).query(pts, k=neighbours + 1)
    rows = np.repeat(np.arange(n), neighbours)
    W = sp.coo_matrix((np.ones(rows.size), (rows, nn[:, 1:].ravel())), shape=(n, n)).tocsr()
    W = ((W + W.T) > 0).astype(np.float64).tocsr()
    _, component = sp.csgraph.connected_components(W, directed=False)
    first = np.array([np.flatnonzero(component == c)[0] for c in np.unique(component)])
    rest = rng.choice(np.setdiff1d(np.arange(n), first), LABELLED - first.size, replace=False)
    labelled = np.sort(np.concatenate([first, rest]))
    return _label_propagation(W, labelled, 2.0 * moon[labelled] - 1.0, "dataset_E")


def bcd_dataset(name, **kwargs):
    """Dataset ``"A"``, ``"A-L1"``, ``"B"``, ``"C"``, ``"D"`` or ``"E"`` (sizes of the paper
    unless overridden).

    Examples
    --------
    >>> bcd_dataset("E", n=200).name
    'dataset_E'
    """
    makers = {"A": dataset_a, "B": dataset_b, "C": dataset_c, "D": dataset_d, "E": dataset_e}
    if name == "A-L1":
        return dataset_a(l1=A_L1_PENALTY, **kwargs)
    return makers[name](**kwargs)


def reference_value(problem):
    """``f*`` of a generated dataset: 0 for A, B, C (infimum), a sparse solve for D and E,
    ``None`` for A-L1 (computed by a long solve; see the benchmark).

    Examples
    --------
    >>> p = dataset_e(n=200); x = sp.linalg.spsolve(p.Q.tocsc(), p.c)
    >>> abs(reference_value(p) - p.fun(x)) < 1e-9
    True
    """
    if isinstance(problem, Quadratic):
        x = spla.spsolve(problem.Q.tocsc(), problem.c)
        return 0.5 * float(x @ (problem.Q @ x)) - float(problem.c @ x)
    return None if problem.l1 else 0.0


SPARSE_LAG = 10  # sparse correlated designs: each column mixes the previous 10 sparse draws


def glm_design(n, d, *, sparse=False, rho=0.0, density=0.01, seed=0, n_informative=20,
               noise=0.5):
    r"""Synthetic design of the sparse-GLM benchmark grid (issue 20) with a regression target
    and binary labels.

    Dense: rows i.i.d. Gaussian with Toeplitz covariance :math:`\Sigma_{jk} = \rho^{|j-k|}`
    (built column by column as an AR(1) sequence). Sparse (CSC): each column is
    :math:`\sum_{k=0}^{L} \rho^k S_{j-k}` (normalized) over independent sparse Gaussian
    columns :math:`S` of density ``density/(L+1)``, :math:`L` = 10 when ``rho > 0`` (so
    neighbouring columns correlate about :math:`\rho` and the density stays about
    ``density``), :math:`L = 0` otherwise. Targets: ``y = Xw + noise·ε`` with
    ``n_informative`` non-zeros in ``w``, labels ``sign(y)``.

    Returns
    -------
    X : ndarray (Fortran order) or scipy.sparse.csc_matrix, shape (n, d)
    y : ndarray, shape (n,)
    labels : ndarray of ±1, shape (n,)

    Examples
    --------
    >>> X, y, labels = glm_design(50, 200, sparse=True, rho=0.9, density=0.05)
    >>> X.shape, X.format, sorted(set(labels.tolist()))
    ((50, 200), 'csc', [-1.0, 1.0])
    """
    n, d = check_int("n", n, low=2), check_int("d", d, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    if not sparse:
        X = np.empty((n, d), order="F")
        X[:, 0] = rng.standard_normal(n)
        scale = np.sqrt(1.0 - rho * rho)
        for j in range(1, d):
            X[:, j] = rho * X[:, j - 1] + scale * rng.standard_normal(n)
    else:
        check_positive("density", density)
        lag = SPARSE_LAG if rho > 0 else 0
        S = sp.random(n, d + lag, density=density / (lag + 1), format="csc", random_state=rng,
                      data_rvs=rng.standard_normal)
        X = S[:, lag:].copy()
        for k in range(1, lag + 1):
            X = X + rho ** k * S[:, lag - k:lag - k + d]
        X = sp.csc_matrix(X / np.sqrt(sum(rho ** (2 * k) for k in range(lag + 1))))
        X.sort_indices()
    w = np.zeros(d)
    support = rng.choice(d, min(n_informative, d), replace=False)
    w[support] = rng.standard_normal(support.size)
    y = np.asarray(X @ w).ravel() + noise * rng.standard_normal(n)
    labels = np.where(y > 0, 1.0, -1.0)
    return X, y, labels
