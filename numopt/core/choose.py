r"""The default method: ``numopt.minimize(..., method=None)`` picks one from what the problem
declares (oracles, bounds, constraints), by the decision table below.

Notes
-----
The decision table. Rows are tried top to bottom; the first row whose condition holds is
the cell. In a cell, the candidates are tried left to right and the first one that is
**registered**, honours what the problem declares (``Solver.handles``) and has the oracles
it needs is chosen; a candidate after the first is a fallback written into the table (never
a silent substitute), and the result's ``chosen_by`` names the cell and the candidate. When
no candidate of the cell fits, :func:`choose_method` raises :class:`InvalidProblemError`
naming the registered methods that handle what the problem declares.

=============================== ====================== ========================================
problem declares                candidates             benchmark that decides the cell
=============================== ====================== ========================================
inequality constraints          interior_point         ``numopt bench --only constrained``:
                                                       40/40 HS problems solved (IPOPT 40,
                                                       SLSQP 37, trust-constr 5), median time
                                                       ratio 0.63 to IPOPT, 0.19 trust-constr
equality constraints only       interior_point,        ``numopt bench --only constrained``:
                                alm_sketch             41/41 (IPOPT 41, trust-constr 41,
                                                       SLSQP 40), time ratio 0.56 to IPOPT;
                                                       alm_sketch needs exact Hessians
bounds, gradient                lbfgs                  ``numopt bench --only general`` (c),
                                                       Hock–Schittkowski bound set: 9/9
                                                       (L-BFGS-B 9, TNC 9, trust-constr 4),
                                                       median time ratio 1.49 to L-BFGS-B
bounds, ``fun`` only            zo_gd                  Hock–Schittkowski bound problems
                                                       (``numopt.problems.bounded``): 7 of 9
                                                       at 1000(n+1) (Nelder–Mead 7, Powell 8)
no constraints, Hessian model   cubic_newton           ``numopt bench --only general`` (a):
                                                       ``hess="lsr1"`` 29/31 (L-BFGS-B 26),
                                                       23x L-BFGS-B's time; escapes strict
                                                       saddles from gradients (tests)
no constraints, exact Hessian   cubic_newton, lbfgs    ``numopt bench --only general`` (b):
                                                       30/31 classic (trust-exact 28, newton
                                                       28: it stops at saddles), median time
                                                       ratio 0.92 to trust-exact
no constraints, ``hessp`` only  lbfgs, cubic_newton    ``numopt bench --only general`` (e):
                                                       lbfgs 29/31 (trust-krylov 29, Newton-CG
                                                       28), median time ratio 0.61 to
                                                       trust-krylov; cubic_newton 30, 2.8x
no constraints, gradient        lbfgs                  ``numopt bench --only general`` (a):
                                                       29/31 classic (L-BFGS-B 26, BFGS 29,
                                                       CG 28), median time ratio 1.30 to
                                                       L-BFGS-B (raw callables, one process)
no constraints, ``fun`` only    zo_gd                  ``numopt bench --only zeroth``, MGH
                                                       data profile: 26 of 27 solved at
                                                       1000(n+1) evaluations (Nelder–Mead 24,
                                                       COBYQA 23, Py-BOBYQA 23, Powell 22)
=============================== ====================== ========================================

Cells whose first candidate is not registered in this build fall back to the next candidate
in the cell; the fallbacks are part of the table above, and ``chosen_by`` records them.

Examples
--------
>>> import numpy as np
>>> import numopt as no
>>> from numopt.core.choose import choose_method
>>> choose_method(no.Problem(lambda x: float(x @ x), x0=np.ones(2)))
'zo_gd'
"""

from ..errors import InvalidProblemError

#: (cell name, condition on (declares, oracles), candidates, benchmark deciding the cell)
TABLE = (
    ("inequality constraints",
     lambda declares, oracles: "inequality" in declares,
     ("interior_point",),
     "numopt bench --only constrained"),
    ("equality constraints",
     lambda declares, oracles: "equality" in declares,
     ("interior_point", "alm_sketch"),
     "numopt bench --only constrained"),
    ("bounds, gradient",
     lambda declares, oracles: "bounds" in declares and "grad" in oracles,
     ("lbfgs",),
     "numopt bench --only general (c): Hock-Schittkowski bound set 9/9, L-BFGS-B 9, "
     "median time ratio 1.49"),
    ("bounds, fun only",
     lambda declares, oracles: "bounds" in declares,
     ("zo_gd",),
     "numopt bench --only zeroth (bounded MGH set)"),
    ("Hessian model",
     lambda declares, oracles: "model" in oracles,
     ("cubic_newton",),
     "numopt bench --only general (a): hess='lsr1' 29/31 classic, L-BFGS-B 26; slower "
     "(23x) but escapes saddles"),
    ("exact Hessian",
     lambda declares, oracles: "hess" in oracles,
     ("cubic_newton", "lbfgs"),
     "numopt bench --only general (b): 30/31 classic, trust-exact 28, median time ratio "
     "0.92"),
    ("Hessian-vector products",
     lambda declares, oracles: "hessp" in oracles,
     ("lbfgs", "cubic_newton"),
     "numopt bench --only general (e): lbfgs 29/31 classic, trust-krylov 29, median time "
     "ratio 0.61"),
    ("gradient",
     lambda declares, oracles: "grad" in oracles,
     ("lbfgs",),
     "numopt bench --only general (a): 29/31 classic, L-BFGS-B 26, median time ratio "
     "1.30"),
    ("fun only",
     lambda declares, oracles: True,
     ("zo_gd",),
     "numopt bench --only zeroth (MGH data profile)"),
)


def choose(problem, hess_model=False):
    """``(method, chosen_by)``: the method the table picks for ``problem`` and a sentence
    naming the cell, the benchmark behind it and any fallback taken.

    ``hess_model=True`` (``minimize(..., hess="lsr1")`` and friends) asks for a method that
    takes a Hessian model (its ``hess=`` option).

    Raises
    ------
    InvalidProblemError
        No candidate of the cell is registered, honours what the problem declares and has
        its oracles; the message names the methods that do handle the declarations.
    """
    from .registry import _REGISTRY, methods_handling, option_names

    declares = frozenset(getattr(problem, "declares", ()))
    oracles = frozenset(o for o in ("fun", "grad", "hess", "hessp") if problem.has(o))
    if hess_model:
        oracles = oracles | {"model"}
    for cell, condition, candidates, bench in TABLE:
        if not condition(declares, oracles):
            continue
        rejected = []
        for name in candidates:
            cls = _REGISTRY.get(name)
            if cls is None:
                rejected.append(f"{name} is not registered")
            elif not declares <= frozenset(cls.handles):
                rejected.append(f"{name} does not handle {', '.join(sorted(declares))}")
            elif not set(cls.requires) <= oracles:
                missing = sorted(set(cls.requires) - oracles)
                rejected.append(f"{name} needs {', '.join(missing)}")
            elif hess_model and "hess" not in option_names(cls):
                rejected.append(f"{name} takes no Hessian model")
            else:
                fallback = f" (fallback: {'; '.join(rejected)})" if rejected else ""
                return name, f"decision table cell '{cell}' ({bench}){fallback}"
        able = [m for m in methods_handling(declares)
                if set(_REGISTRY[m].requires) <= oracles]
        hint = (f"methods that can: {', '.join(able)}; pass method=" if able else
                "no registered method handles this combination with these oracles; "
                + _oracle_hint(oracles))
        raise InvalidProblemError(
            f"method=None: no default for a problem with {_describe(declares, oracles)} "
            f"(cell '{cell}': {'; '.join(rejected)}); {hint}."
        )
    raise AssertionError("the last row of the decision table always applies")


def choose_method(problem):
    """The registered method ``numopt.minimize(..., method=None)`` uses for ``problem``.

    Parameters
    ----------
    problem : Problem
        Its oracles (``fun``/``grad``/``hess``/``hessp``), ``bounds`` and ``constraints``
        decide the cell of the decision table (module docstring).

    Returns
    -------
    str
        A registered method name that honours what ``problem`` declares.

    Raises
    ------
    InvalidProblemError
        No registered method of the cell fits (see :func:`choose`).

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> from numopt.core.choose import choose_method
    >>> p = no.Problem(lambda x: float(x @ x), x0=np.ones(2), bounds=[(0, 1)] * 2)
    >>> choose_method(p)
    'zo_gd'
    """
    return choose(problem)[0]


def _describe(declares, oracles):
    what = ", ".join(sorted(declares)) or "no bounds or constraints"
    return f"{what} and oracles {', '.join(sorted(oracles))}"


def _oracle_hint(oracles):
    if "grad" not in oracles:
        return "pass jac= (a gradient) if you have one"
    return "see numopt.methods()"
