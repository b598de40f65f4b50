"""The method registry: every solver registers under its API name."""

import functools
import inspect
from collections import namedtuple
from typing import Any

from ..errors import InvalidProblemError
from .validate import closest

MethodInfo = namedtuple("MethodInfo", ["name", "summary", "requires", "randomized"])

_REGISTRY: dict[str, Any] = {}  # name -> Solver subclass


def register(cls):
    """Class decorator: register a :class:`Solver` subclass under ``cls.name``.

    Parameters
    ----------
    cls : type
        A :class:`Solver` subclass with a ``name``.

    Returns
    -------
    type
        ``cls`` itself.

    Raises
    ------
    TypeError
        No ``name``, or the name is taken by another class.

    Examples
    --------
    >>> from numopt.core import register, solver_class
    >>> solver_class("gd").__name__
    'GradientDescent'
    >>> register(solver_class("gd")).name
    'gd'
    """
    if not cls.name:
        raise TypeError(f"{cls.__name__} needs a class attribute 'name' to be registered")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise TypeError(f"method name {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls
    return cls


def solver_class(name):
    """The solver class registered as ``name``.

    Parameters
    ----------
    name : str
        Method name (case-insensitive).

    Returns
    -------
    type

    Raises
    ------
    InvalidProblemError
        Unknown name; the message suggests the closest registered one.

    Examples
    --------
    >>> from numopt.core import solver_class
    >>> solver_class("Newton").name
    'newton'
    """
    if not isinstance(name, str) or name.lower() not in _REGISTRY:
        raise InvalidProblemError(
            f"unknown method {name!r}{_suggest(str(name).lower())} "
            f"Registered methods: {', '.join(sorted(_REGISTRY))} (see numopt.methods())."
        )
    return _REGISTRY[name.lower()]


#: SciPy method names and the numopt methods that do the same job, best first
SCIPY_EQUIVALENTS = {
    "bfgs": ("bfgs", "lbfgs"),
    "l-bfgs-b": ("lbfgs",),
    "cg": ("lbfgs",),
    "tnc": ("lbfgs",),
    "newton-cg": ("newton", "cubic_newton"),
    "trust-ncg": ("cubic_newton", "newton"),
    "trust-krylov": ("cubic_newton", "newton"),
    "trust-exact": ("cubic_newton", "newton"),
    "dogleg": ("cubic_newton", "newton"),
    "nelder-mead": ("zo_gd",),
    "powell": ("zo_gd",),
    "cobyla": ("interior_point",),
    "cobyqa": ("interior_point",),
    "slsqp": ("interior_point", "alm_sketch"),
    "trust-constr": ("interior_point", "alm_sketch"),
}


def _suggest(name):
    """``"; did you mean ..."`` from SciPy's names, else from the closest registered name."""
    equivalents = [m for m in SCIPY_EQUIVALENTS.get(name, ()) if m in _REGISTRY]
    if equivalents:
        return (f"; SciPy's {name!r} corresponds to numopt's "
                f"{' or '.join(map(repr, equivalents))}.")
    return closest(name, _REGISTRY)


def option_names(cls):
    """Keyword options the solver's constructor accepts (its own and the base class's)."""
    return list(_option_names(cls))


@functools.cache
def _option_names(cls):
    # inspect.signature costs ~0.2 ms per class: once per class, not once per minimize call
    names = []
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for p in inspect.signature(init).parameters.values():
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self":
                if p.name not in names:
                    names.append(p.name)
    return tuple(names)


def build_solver(name, options):
    """Instantiate method ``name`` with ``options``, rejecting unknown ones by name."""
    cls = solver_class(name)
    valid = option_names(cls)
    unknown = [k for k in options if k not in valid]
    if unknown:
        hints = "".join(closest(k, valid) for k in unknown)
        raise InvalidProblemError(
            f"method '{cls.name}' got unknown option(s) {', '.join(map(repr, unknown))}{hints} "
            f"Valid options: {', '.join(sorted(valid))}."
        )
    return cls(**options)


def methods_handling(features):
    """Names of the registered methods whose ``handles`` covers ``features`` (a subset of
    ``{"bounds", "equality", "inequality"}``), sorted.

    Examples
    --------
    >>> from numopt.core.registry import methods_handling
    >>> "alm_sketch" in methods_handling({"equality"})
    True
    """
    features = frozenset(features)
    return [name for name in sorted(_REGISTRY)
            if features <= frozenset(getattr(_REGISTRY[name], "handles", ()))]


def methods() -> list[MethodInfo]:
    """Registered methods with one-line summaries.

    Returns
    -------
    list of MethodInfo
        ``(name, summary, requires, randomized)`` tuples sorted by name.

    Examples
    --------
    >>> import numopt as no
    >>> "newton" in [m.name for m in no.methods()]
    True
    """
    infos = []
    for name in sorted(_REGISTRY):
        cls = _REGISTRY[name]
        doc = inspect.getdoc(cls) or ""
        infos.append(MethodInfo(name, doc.splitlines()[0] if doc else "",
                                tuple(cls.requires), "seed" in option_names(cls)))
    return infos
