"""The teaching notebooks: stored without outputs, learning objectives at the top, exercises
with hints and collapsed solutions, numopt's public API only, and they execute — every cell
that draws a figure shows it (an image/png output), as in Jupyter and on the docs site.

Notebooks are globbed at collection time, so a new ``notebooks/*.ipynb`` is tested without
editing this file. Each runs in a fresh ``python3`` kernel inside a temporary directory (a
notebook that writes files leaves nothing in the checkout), with a per-cell timeout.
"""

import ast
import importlib
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds per cell; a whole notebook is meant to run in ~20 s on 2 cores
EXERCISES = re.compile(r"^\s*#{1,6}\s+.*\bexercises?\b", re.IGNORECASE | re.MULTILINE)
OBJECTIVES = re.compile(r"^\s*#{1,6}\s+learning objectives\b", re.IGNORECASE | re.MULTILINE)
HINTS = re.compile(r"^\s*#{1,6}\s+hints?\b", re.IGNORECASE | re.MULTILINE)
#: a code cell that draws: pyplot calls, numopt.plot, or an Axes plotting method
DRAWS = re.compile(r"\b(plt|no\.plot)\.\w+\(|\.(plot|semilogy|semilogx|loglog|scatter|imshow|"
                   r"hist|spy|bar|contour|contourf)\(")

by_notebook = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


def read(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def code_cells(nb):
    return [(i, cell) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]


def test_at_least_eight_notebooks():
    assert len(NOTEBOOKS) >= 8, [p.name for p in NOTEBOOKS]


@by_notebook
def test_stored_without_outputs(path):
    nb = read(path)
    dirty = [i for i, cell in code_cells(nb)
             if cell.get("outputs") or cell.get("execution_count") is not None]
    assert not dirty, (
        f"{path.name}: code cells {dirty} carry outputs or execution counts; store notebooks "
        "without outputs (e.g. `jupyter nbconvert --clear-output --inplace`)."
    )


@by_notebook
def test_teaching_structure(path):
    """Objectives first; an Exercises section with hints and collapsed solutions."""
    nb = read(path)
    markdown = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    assert any(OBJECTIVES.search(text) for text in markdown[:2]), (
        f"{path.name}: no 'Learning objectives' heading in its first two markdown cells.")
    assert any(EXERCISES.search(text) for text in markdown), f"{path.name} has no Exercises."
    assert any(HINTS.search(text) for text in markdown), f"{path.name} has no Hints heading."
    solutions = [i for i, cell in code_cells(nb)
                 if cell.source.lstrip().startswith("# Solution")]
    assert solutions, f"{path.name} has no solution cell (a code cell starting '# Solution')."
    for i in solutions:
        meta = nb.cells[i].metadata
        assert meta.get("jupyter", {}).get("source_hidden") is True, (path.name, i)
        assert "hide-input" in meta.get("tags", []), (path.name, i)  # myst-nb collapses it


@by_notebook
def test_public_api_only(path):
    """No private (underscore) or benchmark modules; ``from numopt.x import y`` only for names
    in ``numopt.x.__all__``; no backend switch that would hide the figures."""
    nb = read(path)
    for i, cell in code_cells(nb):
        assert "matplotlib.use(" not in cell.source, f"{path.name} cell {i} sets a backend"
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules, names = [node.module], [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                modules, names = [a.name for a in node.names], []
            else:
                continue
            for module in modules:
                if module.split(".")[0] != "numopt":
                    continue
                parts = module.split(".")
                assert not any(p.startswith("_") for p in parts), (path.name, i, module)
                assert parts[:2] != ["numopt", "bench"], (path.name, i, module)
                public = getattr(importlib.import_module(module), "__all__", None)
                missing = [n for n in names if public is None or n not in public]
                assert not missing, f"{path.name} cell {i}: {module} does not export {missing}"


@by_notebook
def test_executes_and_every_figure_shows(path, tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend draws PNGs
    nb = read(path)
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{path.name} failed to execute:\n{err}", pytrace=False)
    blank = [i for i, cell in code_cells(nb) if DRAWS.search(cell.source)
             and not any("image/png" in out.get("data", {}) for out in cell.outputs)]
    assert not blank, f"{path.name}: plotting cells {blank} produced no image"
