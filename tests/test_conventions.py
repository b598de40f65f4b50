"""Conventions every family shares: one ConvergenceWarning per non-converged run, a compact
``repr(result)``, progress bars whose totals mean something."""

import warnings

import numpy as np
import pytest

import numopt as no


def sphere():
    return no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x, x0=np.ones(200))


def test_one_convergence_warning_per_failed_run_at_the_callers_line():
    with pytest.warns(no.ConvergenceWarning, match="gd did not converge: Maximum number") as rec:
        res = no.minimize(sphere(), method="gd", max_iter=0)
    assert not res.success and len(rec) == 1 and rec[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none for a converged run or a callback stop
        no.minimize(sphere(), method="gd")
        no.minimize(sphere(), method="gd", callback=lambda r: True)
        warnings.simplefilter("ignore", no.ConvergenceWarning)  # silenced by a filter
        no.minimize(sphere(), method="gd", max_iter=0)


def test_families_warn_too():
    a = np.full(5, 0.2)
    M = np.random.default_rng(0).random((5, 5))
    with pytest.warns(no.ConvergenceWarning):
        no.transport.sinkhorn(a, a, M, 0.01, method="sinkhorn_log", max_iter=2)
    with pytest.warns(no.ConvergenceWarning):
        no.linear.sor(np.array([[4.0, 1.0], [1.0, 3.0]]), np.ones(2), max_iter=1)


def test_repr_is_compact():
    res = no.minimize(sphere(), method="gd")
    text = repr(res)
    assert str(res) == text and len(text.splitlines()) == len(res)
    assert "..." in text.splitlines()[0]  # 200 entries summarized
    assert f"history: {{{', '.join(res.history)}}} ({len(res.history['iter'])} rows)" in text
    assert len(text) < 2000


def test_progress_bar_measures_the_way_to_tol(capsys):
    pytest.importorskip("tqdm")
    from numopt.core.progress import progress_bar

    bar = progress_bar(True, 100_000, "sinkhorn", tol=1e-8)
    positions = [bar.position(k, m) for k, m in ((1, 1.0), (10, 1e-2), (20, 1e-4), (30, 1e-9))]
    assert positions == [0, 25, 50, 100]
    bar.close()
    plain = progress_bar(True, 50, "sor", tol=None)  # no tolerance: iterations of max_iter
    assert plain.position(7, 0.5) == 7
    plain.close()
    a = np.full(50, 0.02)
    M = np.random.default_rng(1).random((50, 50))
    res = no.transport.sinkhorn(a, a, M, 0.05, method="sinkhorn", progress=True)
    assert res.success and "100%" in capsys.readouterr().err  # the bar filled up
