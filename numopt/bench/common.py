"""Types and helpers shared by every benchmark module (tables, timing, figures, peers)."""

import importlib
import math
import time
import tracemalloc
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    """One independent unit of benchmark work (picklable: it may run on a dask worker).

    Attributes
    ----------
    benchmark : str
        Name of the benchmark module (a key of ``numopt.bench.BENCHMARKS``).
    name : str
        Human-readable case label (``"logreg d=500 l2=1e-4"``).
    params : dict
        Whatever ``run_case`` needs to rebuild the problem (sizes, seeds, ...).
    """

    benchmark: str
    name: str
    params: dict = field(default_factory=dict)


@dataclass
class Section:
    """A benchmark's part of the report: Markdown text and figure paths relative to the
    report folder."""

    title: str
    markdown: str
    figures: list = field(default_factory=list)


def peer(module_name):
    """The peer module if it imports, else ``None`` (the report notes it as missing)."""
    try:
        return importlib.import_module(module_name)
    except ImportError:
        return None


def timed(fn, *args, memory=False, **kwargs):
    """Call ``fn`` and return ``(value, seconds, peak_bytes)``.

    ``peak_bytes`` is the peak of Python-tracked allocations (NumPy reports its buffers to
    tracemalloc) when ``memory=True``, else ``None``; tracing slows the call, so time and
    memory should come from separate calls when both matter.
    """
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        value = fn(*args, **kwargs)
        seconds = time.perf_counter() - start
    finally:
        peak = tracemalloc.get_traced_memory()[1] if memory else None
        if memory:
            tracemalloc.stop()
    return value, seconds, peak


def ratio(numerator, denominator):
    """``numerator / denominator``, or NaN when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or not denominator:
        return math.nan
    return numerator / denominator


def format_value(value, digits=3):
    """Compact text for a table cell (floats in ``digits`` significant digits)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        return f"{value:.{digits}g}"
    return str(value)


def markdown_table(rows, columns, headers=None):
    """A GitHub-flavoured Markdown table of ``rows`` (dicts) restricted to ``columns``."""
    headers = headers or columns
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(format_value(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def save_figure(fig, outdir, filename):
    """Save a matplotlib figure as PNG under ``outdir`` and return its relative path."""
    outdir.mkdir(parents=True, exist_ok=True)
    fig.savefig(outdir / filename, dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return filename
