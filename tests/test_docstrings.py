"""Every public function and class is documented, with an example.

The public API is the ``__all__`` of ``numopt`` and of each of its (non-private) subpackages
and modules. Each public callable needs a NumPy-style docstring with an ``Examples`` section
holding a doctest (the doctests themselves run through ``pytest --doctest-modules``), and a
``Parameters`` section when it takes arguments. The names are collected at import time, so
new public names are checked without editing this file.
"""

import dataclasses
import importlib
import inspect
import pkgutil
import re

import pytest

import numopt


def _doc(obj):
    """The object's own docstring (``inspect.getdoc`` would inherit a base class's)."""
    return inspect.cleandoc(obj.__doc__ or "")


def _sections(doc):
    """Names of the NumPy-style sections of ``doc`` (a header line underlined by dashes)."""
    return set(re.findall(r"^\s*([A-Z][A-Za-z ]+)\n\s*-{3,}\s*$", doc, re.MULTILINE))


#: top-level packages a numopt module may need without them being installed (extras)
OPTIONAL_DEPENDENCIES = {"cupy", "cupyx", "dask", "distributed", "matplotlib", "tqdm",
                         "sklearn", "torch", "jax", "ot", "pyamg", "threadpoolctl",
                         "array_api_strict", "nbformat", "nbclient", "ipywidgets"}


def _public_modules():
    modules = [numopt]
    for info in pkgutil.walk_packages(numopt.__path__, prefix="numopt."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except ImportError as err:
            # only an absent *optional* dependency may drop a module from the checks; a
            # broken numopt module (or a missing required dependency) fails the collection
            if (err.name or "").split(".")[0] not in OPTIONAL_DEPENDENCIES:
                raise
    return modules


def _public_callables():
    """``{qualified public name: object}``, one entry per object (its shortest public name)."""
    seen = {}
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if obj is None or inspect.ismodule(obj) or not callable(obj):
                continue
            qualified = f"{module.__name__}.{name}"
            key = id(obj)
            if key not in seen or len(qualified) < len(seen[key][0]):
                seen[key] = (qualified, obj)
    return dict(sorted(seen.values()))


MODULES = _public_modules()
CALLABLES = _public_callables()
NAMES = list(CALLABLES)


def _takes_arguments(obj):
    target = obj.__init__ if inspect.isclass(obj) else obj
    if inspect.isclass(obj) and "__init__" not in vars(obj) and not any(
        "__init__" in vars(base) for base in obj.__mro__[1:] if base.__module__.startswith("numopt")
    ):
        return False  # constructor inherited from outside numopt (dict, Exception, ...)
    try:
        params = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        return False
    return any(p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in params)


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_module_all_names_exist(module):
    missing = [n for n in getattr(module, "__all__", ()) if not hasattr(module, n)]
    assert not missing, f"{module.__name__}.__all__ lists undefined names {missing}"


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_module_has_docstring(module):
    assert (module.__doc__ or "").strip(), f"{module.__name__} has no module docstring"


@pytest.mark.parametrize("name", NAMES)
def test_has_docstring(name):
    assert (_doc(CALLABLES[name])).strip(), f"{name} has no docstring"


@pytest.mark.parametrize("name", NAMES)
def test_has_example(name):
    doc = _doc(CALLABLES[name])
    assert "Examples" in _sections(doc) and ">>>" in doc.split("Examples", 1)[-1], (
        f"{name}: the docstring needs an 'Examples' section with a doctest (>>> lines)"
    )


@pytest.mark.parametrize("name", [n for n in NAMES if _takes_arguments(CALLABLES[n])])
def test_documents_parameters(name):
    obj = CALLABLES[name]
    documented = {"Parameters"}
    if dataclasses.is_dataclass(obj):
        documented.add("Attributes")  # a dataclass's fields are its parameters
    assert documented & _sections(_doc(obj)), (
        f"{name}: the docstring needs a 'Parameters' section"
    )


def test_a_broken_module_is_not_skipped(monkeypatch):
    """An ImportError from numopt itself must fail the collection, not drop the module."""
    real = importlib.import_module

    def broken(name, *args):
        if name == "numopt.linear.sor":
            raise ImportError("cannot import name 'x'", name="numopt.linear._kernels")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ImportError):
        _public_modules()
