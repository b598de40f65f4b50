"""The benchmark runner with tiny fake benchmark modules: report, failures, dask."""

import sys
import textwrap

import pytest

import numopt as no
from numopt.bench import BENCHMARKS
from numopt.bench.runner import run_benchmarks, select

FAKE = textwrap.dedent('''
    from numopt.bench.common import Case, Section, markdown_table, save_figure

    TITLE = "Fake benchmark"
    PEERS = ("scipy", "no_such_peer_package")

    def cases(quick):
        return [Case("fake", f"case {i}", {"i": i}) for i in range(2 if quick else 4)]

    def run_case(case):
        return [{"case": case.name, "solver": s, "time": 0.1 * case.params["i"] + k}
                for k, s in enumerate(("numopt", "peer"))]

    def summarize(rows, outdir):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot([r["time"] for r in rows])
        return Section(TITLE, markdown_table(rows, ["case", "solver", "time"]),
                       [save_figure(fig, outdir, "fake.png")])
''')

BROKEN = textwrap.dedent('''
    from numopt.bench.common import Case

    TITLE = "Broken benchmark"
    PEERS = ()

    def cases(quick):
        return [Case("broken", "only", {})]

    def run_case(case):
        raise ValueError("boom in run_case")

    def summarize(rows, outdir):
        raise AssertionError("never reached")
''')


@pytest.fixture
def fake_benchmarks(tmp_path, monkeypatch):
    package = tmp_path / "fakebench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "fake.py").write_text(FAKE)
    (package / "broken.py").write_text(BROKEN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(BENCHMARKS, "fake", "fakebench.fake")
    monkeypatch.setitem(BENCHMARKS, "broken", "fakebench.broken")
    yield tmp_path / "report"
    for name in ("fakebench", "fakebench.fake", "fakebench.broken"):
        sys.modules.pop(name, None)


def test_serial_report(fake_benchmarks):
    report, outcomes = run_benchmarks(only=["fake"], quick=True, out=fake_benchmarks,
                                      progress=False)
    assert [o.failed for o in outcomes] == [False] and outcomes[0].n_cases == 2
    text = report.read_text()
    for needed in ("# numopt benchmark report", "CPU count", "numpy", "scipy", "numba",
                   "## Fake benchmark", "| case 1 | peer | 1.1 |", "![fake.png](fake.png)",
                   "Peers not installed, so not compared: no_such_peer_package"):
        assert needed in text, needed
    assert (fake_benchmarks / "fake.png").exists()


def test_failing_module_is_reported_not_skipped(fake_benchmarks):
    report, outcomes = run_benchmarks(only=["broken", "fake"], out=fake_benchmarks,
                                      progress=False)
    assert [o.failed for o in outcomes] == [True, False]
    text = report.read_text()
    assert "**FAILED** — benchmark `broken` raised" in text
    assert "ValueError: boom in run_case" in text and "## Fake benchmark" in text


def test_cli_exit_code_on_failure(fake_benchmarks, capsys):
    from numopt.cli import main

    assert main(["bench", "--only", "broken", "--out", str(fake_benchmarks)]) == 1
    captured = capsys.readouterr()
    assert "FAILED" in captured.out and "broken" in captured.err
    assert main(["bench", "--quick", "--only", "fake", "--out", str(fake_benchmarks)]) == 0


def test_unknown_benchmark_and_executor():
    with pytest.raises(no.InvalidProblemError, match="unknown benchmark 'basline'; did you mean"):
        select(["basline"])
    with pytest.raises(no.InvalidProblemError, match="executor='threads' is not valid"):
        run_benchmarks(only=["baseline"], executor="threads")
    assert select(None) == BENCHMARKS


def test_dask_executor(fake_benchmarks):
    pytest.importorskip("dask.distributed")
    options = {"n_workers": 1, "threads_per_worker": 1, "processes": False,
               "dashboard_address": None}
    report, outcomes = run_benchmarks(only=["fake", "broken"], quick=False, out=fake_benchmarks,
                                      executor="dask", progress=False, cluster_options=options)
    assert [o.failed for o in outcomes] == [False, True] and outcomes[0].n_cases == 4
    text = report.read_text()
    assert "executor: dask" in text and "| case 3 | peer | 1.3 |" in text
    assert "boom in run_case" in text
