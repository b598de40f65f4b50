"""Sphinx configuration of the numopt documentation site.

Tool choice: Sphinx + pydata-sphinx-theme + numpydoc + myst-nb, the stack of NumPy, SciPy and
scikit-learn, so a SciPy user finds the same layout, the same NumPy-style API pages and the
same cross-reference syntax. myst-nb renders the MyST Markdown guide pages and executes the
teaching notebooks; autosummary builds the API reference from each module's ``__all__``.

Build (CI runs exactly this; warnings are errors)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Environment switches (all optional):

``NUMOPT_DOCS_EXECUTE``
    myst-nb execution mode for the notebooks: ``cache`` (default: executed once, re-run only
    when a notebook changes; the cache lives in ``docs/_build/.jupyter_cache``, so a CI
    checkout executes every notebook once), ``force`` (re-execute all: the cache is keyed on
    the notebooks' code, not on numopt's, so use it locally after changing the library) or
    ``off`` (render the stored, output-free notebooks; quick local builds of prose).
``NUMOPT_DOCS_BENCH``
    ``auto`` (default: show the report of the last ``numopt bench`` run found in
    ``bench-report/``; else the one an earlier build made; else run ``numopt bench --quick``
    once), ``run`` (always run ``numopt bench --quick``), ``skip`` (no run; the page says how
    to produce the report).
``NUMOPT_BENCH_DIR``
    Directory holding an existing ``report.md`` (default ``<repo>/bench-report``).
"""

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"
sys.path.insert(0, str(ROOT))

import numopt  # noqa: E402

# -- Project -------------------------------------------------------------------------------
project = "numopt"
author = "the numopt developers"
copyright = "2026, the numopt developers"
release = numopt.__version__
version = ".".join(release.split(".")[:2])

# -- Extensions ----------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.githubpages",  # .nojekyll: GitHub Pages would drop the _generated/ pages
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    "_generated/bench/**",  # included into benchmarks.md, not a page of its own
    "_static/**",
    "_templates/**",
]

# -- API reference: autosummary over each module's __all__ ----------------------------------
autosummary_generate = True
autosummary_ignore_module_all = False  # a module's public names are its __all__
autosummary_imported_members = False
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
    # scikit-learn generates these metadata-routing setters on estimators whose fit takes
    # sample_weight; their docstrings point into scikit-learn's own glossary
    "exclude-members": "set_fit_request,set_score_request,set_predict_request",
}
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # numpydoc sections carry the types
numpydoc_show_class_members = False  # our class template lists members (no stub warnings)
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
add_module_names = False

# -- MyST / notebooks ----------------------------------------------------------------------
myst_enable_extensions = ["amsmath", "colon_fence", "deflist", "dollarmath", "substitution"]
myst_heading_anchors = 3
nb_execution_mode = os.environ.get("NUMOPT_DOCS_EXECUTE", "cache")
nb_execution_timeout = 300  # seconds per cell; every notebook runs in < 2 min on 2 cores
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True
nb_execution_in_temp = True  # notebooks may write files; keep the source tree clean
nb_execution_excludepatterns = []
nb_merge_streams = True

# -- HTML ----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"numopt {release}"
html_static_path = ["_static"]
html_css_files = ["numopt.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = False


# -- Generated content (docs/_generated, never committed) ----------------------------------
def _sync(src, dst):
    """Copy ``src`` to ``dst`` only when it differs (keeps Sphinx's incremental build)."""
    if not dst.exists() or not filecmp.cmp(src, dst, shallow=False):
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)


def _prepare_generated_dir():
    GENERATED.mkdir(exist_ok=True)
    ignore = GENERATED / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# written by docs/conf.py: everything here is generated\n*\n")


def copy_notebooks():
    """Mirror ``notebooks/*.ipynb`` into ``docs/_generated/notebooks`` (Sphinx only reads
    its source directory); ``docs/notebooks.md`` globs the copies, so a new notebook
    appears on the site without editing the docs."""
    target = GENERATED / "notebooks"
    target.mkdir(parents=True, exist_ok=True)
    sources = {p.name: p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    for stale in target.glob("*.ipynb"):
        if stale.name not in sources:
            stale.unlink()
    for name, path in sources.items():
        _sync(path, target / name)


_BENCH_MISSING = """\
```{{admonition}} No benchmark report in this build
:class: warning

{reason}

Produce it with `numopt bench --quick` (writes `bench-report/report.md` and the figures),
then rebuild the documentation: the build picks up `bench-report/` automatically.
```
"""


def _run_bench(out):
    """Run ``numopt bench --quick --out out``; returns an error text or None."""
    cmd = [sys.executable, "-m", "numopt.cli", "bench", "--quick", "--out", str(out)]
    if shutil.which("numopt"):
        cmd = ["numopt", "bench", "--quick", "--out", str(out)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"`{' '.join(cmd)}` did not complete: {err}"
    if proc.returncode != 0 or not (out / "report.md").exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return f"`{' '.join(cmd)}` failed (exit {proc.returncode}): " + " / ".join(tail)
    return None


def collect_bench_report():
    """Put the benchmark report (``report.md`` + figures) into ``docs/_generated/bench``.

    ``docs/benchmarks.md`` includes ``_generated/bench/report.md``. Reusing the report of the
    CI's own ``numopt bench`` step keeps the docs build fast and free of timing noise; a
    benchmark failure is reported on the page, not as a build error (the benchmark step of
    CI is where it fails).
    """
    mode = os.environ.get("NUMOPT_DOCS_BENCH", "auto")
    target = GENERATED / "bench"
    source = Path(os.environ.get("NUMOPT_BENCH_DIR", ROOT / "bench-report"))
    reason = None
    if mode == "skip":
        reason = "This build was made with `NUMOPT_DOCS_BENCH=skip`."
    elif mode == "auto" and (source / "report.md").exists():
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)
    elif mode == "auto" and (target / "report.md").exists():
        return  # the report (or the note) an earlier build of this tree made
    else:
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        reason = _run_bench(target)
    if reason is not None:
        target.mkdir(parents=True, exist_ok=True)
        (target / "report.md").write_text(_BENCH_MISSING.format(reason=reason))


_prepare_generated_dir()
copy_notebooks()
collect_bench_report()


# -- Re-exported classes ---------------------------------------------------------------------
def _allow_reexports():
    """Let one class be documented under several public paths.

    A class re-exported by two public modules (``numopt.Problem`` and ``numopt.core.Problem``;
    a family's solver in ``numopt.solvers`` and in its family package) gets one page per
    path, and autodoc registers each page's ``:canonical:`` alias (``numopt.core.problem.
    Problem``) again, which Sphinx reports as a duplicate object description. The pages are
    intended, so keep the first alias and drop the repeats (only aliases: a real duplicate,
    the same public path documented twice, is still reported).
    """
    from sphinx.domains.python import PythonDomain

    note_object = PythonDomain.note_object

    def note_object_once(self, name, objtype, node_id, aliased=False, location=None):
        if aliased and name in self.objects and self.objects[name].aliased:
            return
        note_object(self, name, objtype, node_id, aliased=aliased, location=location)

    PythonDomain.note_object = note_object_once


def _report_numpydoc_warnings():
    """numpydoc reports docstring problems (an unknown section, whose text it then drops
    from the page) as Python warnings, which ``sphinx-build -W`` does not see; pass them to
    Sphinx's logger so that they fail the build like any other warning."""
    import warnings

    from sphinx.util import logging

    logger = logging.getLogger("numpydoc")
    show = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if "numpydoc" in str(filename):
            logger.warning("%s", message, type="numpydoc")
        else:
            show(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning


def setup(app):
    _allow_reexports()
    _report_numpydoc_warnings()
