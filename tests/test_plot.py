"""numopt.plot.convergence: curves, axes choices, errors, lazy matplotlib."""

import subprocess
import sys

import numpy as np
import pytest

import numopt as no

plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(scope="module")
def runs():
    p = no.problems.library.beale()
    return p, [no.minimize(p, method=m, max_iter=3000) for m in ("gd", "newton")]


def test_single_and_several_results(runs, tmp_path):
    p, results = runs
    ax = no.plot.convergence(results[1])
    assert [line.get_label() for line in ax.get_lines()] == ["newton"]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "iteration"
    fig, ax = plt.subplots()
    out = no.plot.convergence(results, y="fun_gap", f_star=p.f_star, x="time", ax=ax)
    assert out is ax and [t.get_text() for t in ax.get_legend().get_texts()] == ["gd", "newton"]
    ydata = ax.get_lines()[1].get_ydata()
    assert np.allclose(ydata, results[1].history["fun"] - p.f_star)
    fig.savefig(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").stat().st_size > 1000
    plt.close("all")


def test_dict_labels_oracle_calls_and_linear_scale(runs):
    _, results = runs
    ax = no.plot.convergence({"GD": results[0], "Newton": results[1]}, x="oracle_calls",
                             y="fun", logy=False, logx=True)
    assert [line.get_label() for line in ax.get_lines()] == ["GD", "Newton"]
    h = results[1].history
    assert np.array_equal(ax.get_lines()[1].get_xdata(), h["nfev"] + h["njev"] + h["nhev"])
    assert ax.get_yscale() == "linear" and ax.get_xscale() == "symlog"
    plt.close("all")


@pytest.mark.parametrize("kwargs, needed", [
    ({"y": "fun_gap"}, "needs the optimal value: pass f_star="),
    ({"y": "marginal_error"}, "history has no column 'marginal_error'; available: .*grad_norm"),
    ({"x": "seconds"}, r"x='seconds' is not valid.*'time'"),
    ({"labels": ["a", "b", "c"]}, "labels has 3 entries for 2 results"),
    ({"y": "fun_gap", "f_star": float("nan")}, "f_star must be a finite real number"),
])
def test_bad_arguments(runs, kwargs, needed):
    with pytest.raises(no.InvalidProblemError, match=needed):
        no.plot.convergence(runs[1], **kwargs)


def test_missing_matplotlib_names_the_extra(runs, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(no.MissingDependencyError, match=r'pip install matplotlib.*"plot" extra'):
        no.plot.convergence(runs[1])


def test_import_numopt_imports_no_optional_heavy_dependency():
    code = ("import sys, numopt; bad = [m for m in ('matplotlib', 'cupy', 'dask', 'tqdm', "
            "'sklearn') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_family_plots_on_its_own_measure():
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    a = np.full(6, 1 / 6)
    M = rng.random((6, 6))
    n = 20
    A = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n), format="csr")
    X = rng.standard_normal((30, 8))
    runs = {
        "marginal_error": no.transport.sinkhorn(a, a, M, 0.5, method="sinkhorn"),
        "relative_residual": no.linear.sor(A, np.ones(n), omega=1.5),
        "duality_gap": no.coordinate.lasso(X, X[:, 0], 0.1)[1],
        "grad_norm": no.minimize(no.problems.library.beale(), method="newton"),
    }
    for measure, res in runs.items():
        ax = no.plot.convergence(res)
        assert ax.get_ylabel() == measure
        measured = res.history[measure][~np.isnan(res.history[measure])]
        assert measured.size >= 2 and np.allclose(ax.get_lines()[0].get_ydata(), measured)
        plt.close("all")
    with pytest.raises(no.InvalidProblemError, match="history has no column 'oracle_calls'"):
        no.plot.convergence(runs["relative_residual"], x="oracle_calls")
