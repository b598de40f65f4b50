"""The teaching notebooks: stored without outputs, end with exercises, and execute.

Notebooks are globbed at collection time, so a new ``notebooks/*.ipynb`` is tested without
editing this file. Each runs in a fresh ``python3`` kernel inside a temporary directory (a
notebook that writes files leaves nothing in the checkout), with a per-cell timeout.
"""

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds per cell; a whole notebook is meant to run in < 2 min on 2 cores
EXERCISES = re.compile(r"^\s*#{1,6}\s+.*\bexercises?\b", re.IGNORECASE | re.MULTILINE)

by_notebook = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


def read(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


@by_notebook
def test_stored_without_outputs(path):
    nb = read(path)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (
        f"{path.name}: code cells {dirty} carry outputs or execution counts; store notebooks "
        "without outputs (e.g. `jupyter nbconvert --clear-output --inplace`)."
    )


@by_notebook
def test_has_exercises_section(path):
    nb = read(path)
    assert any(cell.cell_type == "markdown" and EXERCISES.search(cell.source)
               for cell in nb.cells), f"{path.name} has no 'Exercises' heading."


@by_notebook
def test_executes(path, tmp_path):
    nb = read(path)
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{path.name} failed to execute:\n{err}", pytrace=False)
