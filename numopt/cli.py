"""The ``numopt`` command line: ``methods``, ``demo`` and ``bench``.

>>> from numopt.cli import main
>>> main(["methods"]) == 0  # doctest: +ELLIPSIS
name ...
True
>>> main([]) == 0  # doctest: +ELLIPSIS
usage: numopt [-h] [--version] ...
True
"""

import argparse
import pathlib
import sys
import warnings

from .bench.common import format_value
from .errors import InvalidProblemError, MissingDependencyError

DEMO_MAX_TIME = 20.0  # seconds per demo run: the demo never hangs on a slow method
DEMO_PLOT = "numopt-demo.png"


def _methods(_args):
    import numopt as no

    rows = [(m.name, method_needs(m), plain_text(method_summary(m))) for m in no.methods()]
    width = max(len(name) for name, _, _ in rows)
    needs_width = max(len(needs) for _, needs, _ in rows)
    print(f"{'name':<{width}}  {'needs':<{needs_width}}  summary")
    for name, needs, summary in rows:
        print(f"{name:<{width}}  {needs:<{needs_width}}  {summary}")
    print("\n(seed): randomized; pass seed= for reproducible runs. Details: "
          "help(numopt.solvers) or the API reference.")
    return 0


def method_needs(info):
    """The oracles a method needs, as a user would state them: its declared ``requires``,
    or the class's own ``needs`` text where the need is an alternative (``hess`` or
    ``hessp``, or a Hessian model)."""
    from .core.registry import solver_class

    needs = getattr(solver_class(info.name), "needs", None) or ", ".join(info.requires)
    return needs + (" (seed)" if info.randomized else "")


def method_summary(info):
    """The first sentence-paragraph of the method's docstring, on one line (the registry's
    summary is its first line, which a wrapped sentence cuts short)."""
    from .core.registry import solver_class

    doc = (solver_class(info.name).__doc__ or "").strip()
    first = doc.split("\n\n")[0]
    return " ".join(first.split()) or info.summary


#: LaTeX commands in method summaries, as plain-text symbols
LATEX = {"le": "≤", "ge": "≥", "nabla": "∇", "lambda": "λ", "mu": "μ", "tilde": "~",
         "min": "min", "max": "max"}


def plain_text(text):
    """reST inline markup (``literal``, :role:`target`, *emphasis*) and LaTeX commands
    (``\\le``, ``\\nabla``, ...) as plain text."""
    import re

    text = re.sub(r":[a-z:]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", text)
    text = text.replace("``", "")
    for command, symbol in LATEX.items():
        space = r"\s?" if command == "tilde" else ""  # \tilde H -> ~H
        text = re.sub(rf"\\{command}(?![a-zA-Z]){space}", symbol, text)
    text = re.sub(r"\\([a-zA-Z]+)", r"\1", text)  # any other command: its name
    return re.sub(r"(?<![\w*])\*{1,2}([^*]+)\*{1,2}(?![\w*])", r"\1", text)


def demo_problems():
    """The demo's small problems: Rosenbrock (MGH #1) and a seeded logistic regression."""
    import numopt as no

    return {"rosenbrock": lambda: no.problems.library(["rosenbrock"])["rosenbrock"],
            "logistic (200 x 10, cond 100)": lambda: no.problems.make_logistic(
                200, 10, cond=100.0, l2=1.0, seed=0)}


def run_demo(problems=None):
    """Solve each demo problem with every registered method that applies.

    Returns
    -------
    list of dict
        One row per (problem, method): ``method``, ``problem``, ``nit``, ``calls``,
        ``time``, ``grad_norm``, ``success`` and the ``result`` (or ``note`` when the method
        does not apply, with the reason it gave).
    """
    import numopt as no

    rows = []
    for label, make in (problems or demo_problems()).items():
        for info in no.methods():
            problem = make()
            row = {"problem": label, "method": info.name}
            missing = [o for o in info.requires if not problem.has(o)]
            if missing:
                rows.append(dict(row, note=f"skipped: needs {', '.join(missing)}"))
                continue
            options = {"seed": 0} if info.randomized else {}
            try:
                with warnings.catch_warnings():  # the table's `success` column says it
                    warnings.simplefilter("ignore", no.ConvergenceWarning)
                    res = no.minimize(problem, method=info.name, max_time=DEMO_MAX_TIME,
                                      **options)
            except InvalidProblemError as err:  # needs constraints or options: say so
                rows.append(dict(row, note=f"skipped: {err}"))
                continue
            rows.append(dict(row, nit=res.nit, calls=res.nfev + res.njev + res.nhev,
                             time=res.time, grad_norm=res.grad_norm, success=bool(res.success),
                             result=res))
    return rows


def _print_table(rows):
    columns = ("method", "nit", "calls", "time", "grad_norm", "success")
    for problem in dict.fromkeys(r["problem"] for r in rows):
        print(f"\n{problem}")
        print("  ".join(f"{c:>12}" if c != "method" else f"{c:<16}" for c in columns))
        for r in (r for r in rows if r["problem"] == problem):
            if "note" in r:
                print(f"{r['method']:<16}  {r['note']}")
                continue
            cells = [f"{r['method']:<16}"] + [f"{format_value(r[c]):>12}" for c in columns[1:]]
            print("  ".join(cells))


def _demo(args):
    rows = run_demo()
    _print_table(rows)
    try:
        path = write_demo_plot(rows, args.plot)
    except MissingDependencyError as err:
        print(f"\nNo convergence plot: {err}")
    else:
        print(f"\nConvergence plot: {path}")
    return 0


def write_demo_plot(rows, path):
    """One panel per demo problem: ||grad|| against oracle calls for every method."""
    from .errors import require
    from .plot import convergence

    plt = require("matplotlib.pyplot", "plot", "the demo plot")
    problems = list(dict.fromkeys(r["problem"] for r in rows))
    fig, axes = plt.subplots(1, len(problems), figsize=(6.0 * len(problems), 4.5), squeeze=False)
    for ax, problem in zip(axes[0], problems, strict=True):
        runs = [r for r in rows if r["problem"] == problem and "result" in r]
        convergence([r["result"] for r in runs], x="oracle_calls", ax=ax, logx=True,
                    labels=[r["method"] for r in runs])
        ax.set_title(problem)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _bench(args):
    from .bench.runner import run_benchmarks

    report, outcomes = run_benchmarks(only=args.only, quick=args.quick, out=args.out,
                                      executor=args.executor, scheduler=args.scheduler)
    for o in outcomes:
        print(f"{o.name:<16} {'FAILED' if o.failed else 'ok':<7} {o.seconds:7.1f} s")
    print(f"Report: {report}")
    failed = [o.name for o in outcomes if o.failed]
    if failed:
        print(f"Failed benchmarks (tracebacks in the report): {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


def parser():
    """The argument parser of ``numopt``."""
    from ._version import __version__

    p = argparse.ArgumentParser(prog="numopt", description="Classical numerical optimization "
                                "solvers: list methods, run the demo, run benchmarks.")
    p.add_argument("--version", action="version", version=f"numopt {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{methods,demo,bench}")
    sub.add_parser("methods", help="list registered methods").set_defaults(run=_methods)
    demo = sub.add_parser("demo", help="solve small problems with every method")
    demo.add_argument("--plot", default=DEMO_PLOT, help=f"PNG path (default {DEMO_PLOT})")
    demo.set_defaults(run=_demo)
    bench = sub.add_parser("bench", help="run benchmarks and write a report")
    bench.add_argument("--quick", action="store_true", help="small cases (minutes, not hours)")
    bench.add_argument("--only", nargs="+", metavar="NAME", help="benchmarks to run")
    bench.add_argument("--out", default="bench-report", help="report folder")
    bench.add_argument("--executor", choices=("serial", "dask"), default="serial")
    bench.add_argument("--scheduler", metavar="ADDRESS", help="dask scheduler (implies dask)")
    bench.set_defaults(run=_bench)
    return p


def main(argv=None):
    """Entry point of the ``numopt`` console script; returns the exit code."""
    cli = parser()
    args = cli.parse_args(argv)
    if args.command is None:  # bare `numopt`: say what it can do
        cli.print_help()
        return 0
    try:
        return args.run(args)
    except (InvalidProblemError, MissingDependencyError) as err:
        print(f"numopt: error: {err}", file=sys.stderr)
        return 2
