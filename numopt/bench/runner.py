"""``numopt bench``: run the benchmark modules of :data:`numopt.bench.BENCHMARKS`.

For each selected module: ``cases(quick)``, ``run_case`` on every case (serially with a
progress bar, or on a dask.distributed cluster), then ``summarize(rows, outdir)``. The
report (``report.md`` plus PNG figures) lists every module; one that raises is reported
with its traceback and makes the run fail, never silently skipped.
"""

import contextlib
import importlib
import pathlib
import time
import traceback

from ..core.validate import check_choice, reject_unknown
from ..errors import require
from . import BENCHMARKS
from .report import Outcome, missing_peers, render

EXECUTORS = ("serial", "dask")


def select(only=None):
    """``{name: module path}`` for the requested benchmarks (all when ``only`` is empty)."""
    if not only:
        return dict(BENCHMARKS)
    reject_unknown("benchmark", only, BENCHMARKS)
    return {name: BENCHMARKS[name] for name in only}


class SerialExecutor:
    """Runs the cases one after the other in this process, with a tqdm bar when available."""

    name = "serial"

    def __init__(self, progress=True):
        self.progress = progress

    def map(self, fn, cases, desc):
        bar = _bar(len(cases), desc) if self.progress else None
        rows = []
        for case in cases:
            rows.append(fn(case))
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        return rows

    def close(self):
        """Nothing to release."""


class DaskExecutor:
    """Runs the cases of a benchmark on a dask.distributed cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler; a ``LocalCluster`` is started otherwise.
    progress : bool
        Show a tqdm bar as cases complete.
    **cluster_options
        Passed to ``LocalCluster`` (``n_workers``, ``processes``, ...).
    """

    name = "dask"

    def __init__(self, scheduler=None, progress=True, **cluster_options):
        distributed = require("dask.distributed", "dask", "--executor dask")
        self.progress = progress
        self._cluster = None
        if scheduler is None:
            self._cluster = distributed.LocalCluster(**cluster_options)
            scheduler = self._cluster
        self.client = distributed.Client(scheduler)
        self._as_completed = distributed.as_completed

    def map(self, fn, cases, desc):
        futures = self.client.map(fn, cases, pure=False)
        bar = _bar(len(cases), desc) if self.progress else None
        for _ in self._as_completed(futures):
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        return self.client.gather(futures)

    def close(self):
        """Close the client and the cluster it started."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _bar(total, desc):
    with contextlib.suppress(ImportError):
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, leave=False)
    return None


def run_module(name, path, executor, quick, outdir):
    """Run one benchmark module; return an :class:`Outcome` (with the traceback on failure)."""
    started = time.perf_counter()
    title, peers, n_cases = name, [], 0
    try:
        module = importlib.import_module(path)
        title, peers = getattr(module, "TITLE", name), list(getattr(module, "PEERS", ()))
        cases = list(module.cases(quick))
        n_cases = len(cases)
        rows = [row for case_rows in executor.map(module.run_case, cases, name)
                for row in case_rows]
        section = module.summarize(rows, outdir)
    except Exception:
        return Outcome(name, title, time.perf_counter() - started, traceback=traceback.format_exc(),
                       missing_peers=missing_peers(peers), n_cases=n_cases)
    return Outcome(name, title, time.perf_counter() - started, section=section,
                   missing_peers=missing_peers(peers), n_cases=n_cases)


def run_benchmarks(only=None, quick=False, out="bench-report", executor="serial", scheduler=None,
                   progress=True, cluster_options=None):
    """Run benchmarks and write ``report.md`` and figures under ``out``.

    Parameters
    ----------
    only : list of str, optional
        Benchmark names (keys of :data:`numopt.bench.BENCHMARKS`); all when None.
    quick : bool
        The modules' quick mode.
    out : str or path, default "bench-report"
        Report folder (created).
    executor : {"serial", "dask"}
    scheduler : str, optional
        Dask scheduler address (implies ``executor="dask"``).
    progress : bool
        Progress bars.
    cluster_options : dict, optional
        ``LocalCluster`` options for the dask executor.

    Returns
    -------
    (pathlib.Path, list of Outcome)
        The report path and what each module produced; check ``outcome.failed``.

    Raises
    ------
    InvalidProblemError
        Unknown benchmark or executor name.
    MissingDependencyError
        ``executor="dask"`` without dask.distributed.
    """
    selected = select(only)
    if scheduler is not None:
        executor = "dask"
    check_choice("executor", executor, EXECUTORS)
    outdir = pathlib.Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    runner = (DaskExecutor(scheduler, progress, **(cluster_options or {})) if executor == "dask"
              else SerialExecutor(progress))
    try:
        outcomes = [run_module(name, path, runner, quick, outdir)
                    for name, path in selected.items()]
    finally:
        runner.close()
    report = outdir / "report.md"
    report.write_text(render(outcomes, quick=quick, executor=executor), encoding="utf-8")
    return report, outcomes
