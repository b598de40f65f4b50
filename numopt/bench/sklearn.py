"""scikit-learn estimators benchmark: ``numopt.sklearn`` against ``sklearn.linear_model`` on
the same objective, in one process.

Rows: the Lasso path (50 penalties from ``alpha_max`` down to ``alpha_max / 1000``,
warm-started, best of 3 interleaved rounds; n > d: both precompute the Gram matrix) through
``numopt.sklearn.lasso_path`` and ``sklearn.linear_model.lasso_path``;
one ``Lasso`` fit with intercept; one binary L2 ``LogisticRegression`` fit (numopt: its
``solver="auto"`` default — Newton on the exact Hessian for narrow designs, L-BFGS otherwise —
and ``solver="lbfgs"``; scikit-learn: its ``lbfgs`` default and
``newton-cholesky``). Both sides
run to tight tolerances (numopt: relative duality gap 1e-8, gradient norm 1e-8; scikit-learn:
``tol=1e-8``), the time ratio is numopt / scikit-learn (< 1: numopt faster), and ``max |Δcoef|``
is the largest coefficient difference between the two answers (for the path: each side's
largest difference from a path solved to relative gap 1e-13, where the two libraries agree to
1e-10).
"""

import numpy as np

from .common import Case, Section, markdown_table, ratio, timed

TITLE = "scikit-learn estimators: numopt.sklearn vs sklearn.linear_model"
PEERS = ("sklearn",)
TOL = 1e-8
N_ALPHAS = 50
PATH_ROUNDS = 3  # lasso_path rows: best of 3 interleaved rounds
SIZES = {True: [(200, 500)], False: [(500, 2000), (2000, 500)]}
LOGISTIC_SIZES = {True: [(1000, 50)], False: [(5000, 200)]}


def cases(quick):
    """A path and a Lasso fit per size; a logistic fit per size."""
    out = [Case("sklearn", f"lasso_path {n}x{d}", {"kind": "path", "n": n, "d": d})
           for n, d in SIZES[quick]]
    out += [Case("sklearn", f"Lasso {n}x{d}", {"kind": "lasso", "n": n, "d": d})
            for n, d in SIZES[quick]]
    out += [Case("sklearn", f"LogisticRegression {n}x{d}", {"kind": "logistic", "n": n, "d": d})
            for n, d in LOGISTIC_SIZES[quick]]
    return out


def _data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = np.zeros(d)
    w[:10] = rng.standard_normal(10) * 3
    y = X @ w + 1.5 + rng.standard_normal(n)
    return X, y


def run_case(case):
    """numopt and scikit-learn on one case; rows with time, accuracy and iterations."""
    import warnings

    import sklearn.linear_model as sk

    import numopt.sklearn as nos

    p = case.params
    _warm_up(nos)
    X, y = _data(p["n"], p["d"])
    rows = []

    def add(solver, seconds, coef, nit, reference=None):
        diff = None if reference is None else float(np.abs(coef - reference).max())
        rows.append({"case": case.name, "solver": solver, "time": seconds, "nit": nit,
                     "max_dcoef": diff})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # budgets are generous; failures show in max |Δcoef|
        if p["kind"] == "path":
            Xc, yc = X - X.mean(axis=0), y - y.mean()
            t_ours = t_theirs = np.inf
            for _ in range(PATH_ROUNDS):  # interleaved rounds, best of: robust to load
                (alphas, ours, _), t, _ = timed(nos.lasso_path, Xc, yc, n_alphas=N_ALPHAS,
                                                tol=TOL, max_iter=10_000)
                t_ours = min(t_ours, t)
                (_, theirs, _), t, _ = timed(sk.lasso_path, Xc, yc, alphas=alphas, tol=TOL,
                                             max_iter=100_000)
                t_theirs = min(t_theirs, t)
            _, exact, _ = nos.lasso_path(Xc, yc, alphas=alphas, tol=1e-13, max_iter=100_000)
            add("numopt", t_ours, ours, None, exact)  # error against a tol = 1e-13 solution
            add("scikit-learn", t_theirs, theirs, None, exact)
        elif p["kind"] == "lasso":
            alpha = float(np.abs((X - X.mean(0)).T @ (y - y.mean())).max()) / len(y) / 100
            ours, t_ours, _ = timed(nos.Lasso(alpha=alpha, tol=TOL, max_iter=10_000).fit, X, y)
            theirs, t_theirs, _ = timed(sk.Lasso(alpha=alpha, tol=TOL, max_iter=100_000).fit,
                                        X, y)
            add("numopt", t_ours, np.append(ours.coef_, ours.intercept_), ours.n_iter_,
                np.append(theirs.coef_, theirs.intercept_))
            add("scikit-learn", t_theirs, None, theirs.n_iter_)
        else:
            labels = (y > np.median(y)).astype(int)
            ours, t_ours, _ = timed(nos.LogisticRegression(C=1.0, tol=TOL).fit, X, labels)
            ref = None
            for solver in ("lbfgs", "newton-cholesky"):
                theirs, t, _ = timed(sk.LogisticRegression(C=1.0, solver=solver, tol=TOL,
                                                           max_iter=10_000).fit, X, labels)
                coef = np.append(theirs.coef_, theirs.intercept_)
                ref = coef if ref is None else ref
                add(f"scikit-learn {solver}", t, coef, int(theirs.n_iter_[0]))
            add("numopt", t_ours, np.append(ours.coef_, ours.intercept_), int(ours.n_iter_[0]),
                ref)
            quasi, t_quasi, _ = timed(nos.LogisticRegression(C=1.0, tol=TOL, solver="lbfgs").fit,
                                      X, labels)
            add("numopt lbfgs", t_quasi, np.append(quasi.coef_, quasi.intercept_),
                int(quasi.n_iter_[0]), ref)
    return rows


def _warm_up(nos):
    """Compile numopt's numba kernels on a tiny problem, so timings exclude compilation."""
    X, y = _data(30, 40, seed=1)
    nos.lasso_path(X - X.mean(0), y - y.mean(), n_alphas=3)
    nos.Lasso(alpha=0.1).fit(X, y)
    for solver in ("newton", "lbfgs"):
        nos.LogisticRegression(solver=solver).fit(X, (y > np.median(y)).astype(int))


def summarize(rows, outdir):
    """One line per case: numopt time, the fastest scikit-learn time, their ratio, accuracy."""
    lines = []
    for case in dict.fromkeys(r["case"] for r in rows):
        peers = [r for r in rows if r["case"] == case and not r["solver"].startswith("numopt")]
        best = min(peers, key=lambda r: r["time"])
        for mine in (r for r in rows if r["case"] == case and r["solver"].startswith("numopt")):
            lines.append({"case": case, "numopt": mine["solver"], "numopt s": mine["time"],
                          "best peer": best["solver"], "peer s": best["time"],
                          "numopt/peer": ratio(mine["time"], best["time"]),
                          "max Δcoef": mine["max_dcoef"], "numopt nit": mine["nit"],
                          "peer nit": best["nit"]})
    text = [f"Same objective, both to tol {TOL:g}; the path has {N_ALPHAS} penalties "
            "(alpha_max to alpha_max/1000). Time ratio < 1: numopt faster.", "",
            markdown_table(lines, list(lines[0]) if lines else ["case"]), "",
            "<details><summary>All runs</summary>", "",
            markdown_table(rows, ["case", "solver", "time", "nit", "max_dcoef"]), "",
            "</details>"]
    return Section(TITLE, "\n".join(text), [])
