"""The numopt command line: methods, demo, bench."""

import subprocess
import sys

import pytest

import numopt as no
from numopt import cli
from numopt.bench import baseline


def test_methods_lists_every_registered_method(capsys):
    assert cli.main(["methods"]) == 0
    out = capsys.readouterr().out
    for info in no.methods():
        assert info.name in out
    assert "fun, grad, hess" in out
    rows = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    assert "hess or hessp" in rows["cubic_newton"]  # a Hessian is needed, not just fun, grad
    assert "``" not in out and ":math:" not in out  # plain text, not reST


def test_bare_command_prints_help_and_version(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: numopt") and "methods" in out and "bench" in out
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"numopt {no.__version__}"


def test_plain_text_strips_rest_markup():
    assert cli.plain_text("Solve ``A x = b`` with :func:`numopt.linear.sor` *fast*") == (
        "Solve A x = b with numopt.linear.sor fast")
    assert cli.plain_text(r"(\tilde H + \lambda I) s = -\nabla f, c \le u, RG_\mu") == (
        "(~H + λ I) s = -∇ f, c ≤ u, RG_μ")


def tiny_demo():
    return {"sphere": lambda: no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x,
                                         x0=[1.0, -2.0], name="sphere")}


def test_run_demo_covers_registry_and_notes_skips():
    rows = cli.run_demo(tiny_demo())
    assert [r["method"] for r in rows] == [m.name for m in no.methods()]
    by_name = {r["method"]: r for r in rows}
    assert by_name["gd"]["success"] and by_name["gd"]["grad_norm"] <= 1e-8
    assert by_name["newton"]["note"] == "skipped: needs hess"
    for row in rows:  # every method either ran or says why not
        assert "note" in row or {"nit", "calls", "time", "grad_norm", "success"} <= set(row)


def test_demo_end_to_end(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "DEMO_MAX_TIME", 5.0)
    plot = tmp_path / "demo.png"
    assert cli.main(["demo", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "rosenbrock" in out and "logistic" in out and "newton" in out
    assert "grad_norm" in out and "success" in out
    assert f"Convergence plot: {plot}" in out and plot.stat().st_size > 1000


def test_bench_quick_baseline(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(baseline, "QUICK", ("rosenbrock", "beale"))
    out = tmp_path / "report"
    assert cli.main(["bench", "--quick", "--only", "baseline", "--out", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert "gd / newton vs scipy.optimize.minimize" in text and "| rosenbrock | 2 |" in text
    assert "newton/best" in text and (out / "baseline_convergence.png").exists()
    assert f"Report: {out / 'report.md'}" in capsys.readouterr().out


def test_bad_arguments_exit_with_message(capsys):
    assert cli.main(["bench", "--only", "nosuch"]) == 2
    assert "unknown benchmark 'nosuch'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["frobnicate"])


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "numopt", "methods"], check=True,
                         capture_output=True, text=True).stdout
    assert "newton" in out


def test_readme_example_runs_and_ci_runs_the_readme_test_command():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    assert len(commands) == 2 and commands[0].startswith('pip install -e ".[all]"')
    assert f"TEST_COMMAND='{commands[1]}'" in (root / ".ci" / "run").read_text()
    namespace = {}
    exec(re.search(r"```python\n(.*?)```", readme, re.S).group(1), namespace)
    assert namespace["res"].success


def test_demo_without_matplotlib_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "demo_problems", tiny_demo)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    assert cli.main(["demo", "--plot", str(tmp_path / "x.png")]) == 0
    out = capsys.readouterr().out
    assert "No convergence plot" in out and 'pip install matplotlib' in out
    assert not (tmp_path / "x.png").exists()
