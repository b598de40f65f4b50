"""Assembling ``report.md``: machine information, benchmark sections, failures."""

import datetime
import os
import platform
from dataclasses import dataclass, field

from .common import peer

VERSIONED = ("numpy", "scipy", "numba")


@dataclass
class Outcome:
    """What one benchmark module produced: its section, or the traceback of its failure."""

    name: str
    title: str
    seconds: float
    section: object = None
    traceback: str = None
    missing_peers: list = field(default_factory=list)
    n_cases: int = 0

    @property
    def failed(self):
        return self.traceback is not None


def machine_info():
    """``{label: value}`` describing where the benchmarks ran."""
    import numopt

    info = {"date (UTC)": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "machine": f"{platform.system()} {platform.machine()}",
            "processor": platform.processor() or "unknown",
            "CPU count": str(os.cpu_count()),
            "python": platform.python_version(),
            "numopt": numopt.__version__}
    for name in VERSIONED:
        module = peer(name)
        info[name] = getattr(module, "__version__", "not installed") if module else "not installed"
    return info


def missing_peers(peers):
    """The peers (module names) that do not import here."""
    return [name for name in peers if peer(name) is None]


def render(outcomes, *, quick, executor):
    """The Markdown text of the whole report."""
    lines = ["# numopt benchmark report", "",
             f"Mode: {'quick' if quick else 'full'}; executor: {executor}. Every table compares "
             "numopt with its peers run side by side in one process; ratios below 1 favour "
             "numopt.", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in machine_info().items()]
    lines += ["", "| benchmark | cases | seconds | status |", "|---|---|---|---|"]
    lines += [f"| {o.name} | {o.n_cases} | {o.seconds:.1f} | {'FAILED' if o.failed else 'ok'} |"
              for o in outcomes]
    for o in outcomes:
        lines += ["", f"## {o.title}", ""]
        if o.missing_peers:
            lines += [f"> Peers not installed, so not compared: {', '.join(o.missing_peers)} "
                      "(install them with numopt's `test` extra: `pip install -e \".[test]\"` "
                      "from a checkout).", ""]
        if o.failed:
            lines += [f"**FAILED** — benchmark `{o.name}` raised:", "", "```text",
                      o.traceback.rstrip(), "```"]
            continue
        lines.append(o.section.markdown.rstrip())
        for figure in o.section.figures:
            lines += ["", f"![{figure}]({figure})"]
    return "\n".join(lines) + "\n"
