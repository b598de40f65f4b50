"""Packaging: the distribution name, one version, the license, typing marker, changelog,
extras, and no install instruction naming a distribution this project does not own."""

import importlib.metadata
import json
import re
from pathlib import Path

import pytest

import numopt

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
DIST = "numopt-solvers"
#: names on the Python Package Index that belong to other projects (checked 2026-12)
TAKEN = {"numopt", "numoptlib", "numoptml"}


def test_distribution_name_is_ours_and_installed():
    assert PROJECT["name"] == DIST and DIST not in TAKEN
    assert importlib.metadata.version(DIST) == numopt.__version__, (
        f"the installed {DIST} metadata is stale: reinstall with pip install -e .")


def test_version_is_written_once():
    assert PROJECT["dynamic"] == ["version"] and "version" not in PROJECT
    attr = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "numopt._version.__version__"
    from numopt._version import __version__

    assert numopt.__version__ == __version__ and re.fullmatch(r"\d+\.\d+\.\d+\S*", __version__)
    hits = [p for p in ROOT.glob("numopt/**/*.py")
            if p.name != "_version.py" and re.search(
                r"^__version__\s*=", p.read_text(encoding="utf-8"), re.MULTILINE)]
    assert not hits, hits


def test_license_typing_marker_and_changelog():
    assert PROJECT["license"] == {"text": "BSD-3-Clause"}
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License") and "Neither the name" in text
    assert (ROOT / "numopt" / "py.typed").exists()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["numopt"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog and f"## [{numopt.__version__}]" in changelog


def test_extras():
    extras = PROJECT["optional-dependencies"]
    names = {e: {re.split(r"[<>=\[;]", r)[0].strip().lower() for r in reqs}
             for e, reqs in extras.items()}
    assert {"jupyterlab", "nbconvert", "matplotlib"} <= names["notebooks"]
    assert "scikit-learn" in names["sklearn"] and "mypy" in names["test"]
    assert all(r.startswith(f"{DIST}[") for r in extras["all"])  # the extras of this project
    assert set(extras) - {"all", "gpu"} <= set(
        re.search(r"\[(.*)\]", extras["all"][0]).group(1).split(","))


def _texts():
    for path in [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("numopt/**/*.py")]:
        if "_build" not in path.parts and "_generated" not in path.parts:
            yield path, path.read_text(encoding="utf-8")
    for path in ROOT.glob("notebooks/*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        yield path, "\n".join("".join(c["source"]) for c in cells)


def test_no_install_instruction_names_a_distribution_we_do_not_own():
    wrong = re.compile(r"numopt\[|pip install\s+[\"']?numopt(?![-_.]?solvers)(?![\w/-])")
    bad = [f"{path.relative_to(ROOT)}: {line.strip()}" for path, text in _texts()
           for line in text.splitlines()
           if wrong.search(line) and "does **not**" not in line]
    assert not bad, "\n".join(bad)
