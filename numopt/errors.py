"""Exceptions raised by numopt.

Every error names the argument at fault and the fix, so that a user reading the
traceback knows what to change without reading numopt's source.
"""


class InvalidProblemError(ValueError):
    """Bad input: wrong shapes, NaN/inf data, an oracle a method needs but the problem lacks,
    an unknown method name or option.

    Examples
    --------
    >>> import numopt as no
    >>> try:
    ...     no.minimize(lambda x: float(x @ x), [1.0, 2.0], method="no_such_method")
    ... except no.InvalidProblemError as err:
    ...     print("unknown method" in str(err))
    True
    """


class BackendUnavailableError(RuntimeError):
    """A backend was asked for explicitly and cannot run here (package missing, or no device).

    The message names what to install; numopt never falls back to another backend silently.

    Examples
    --------
    Raised exactly when CuPy cannot run here, and then it says why:

    >>> import numpy as np
    >>> import numopt as no
    >>> available, _ = no.backend.cupy_status()
    >>> try:
    ...     no.minimize(lambda x: float(x @ x), np.ones(2), jac=lambda x: 2 * x, method="gd",
    ...                 backend="cupy")
    ...     outcome = "ran"  # (refused otherwise: the problem holds NumPy data)
    ... except no.BackendUnavailableError as err:
    ...     outcome = "unavailable, message names CuPy" if "cupy" in str(err).lower() else "?"
    ... except no.InvalidProblemError:
    ...     outcome = "ran"
    >>> outcome == ("ran" if available else "unavailable, message names CuPy")
    True
    """


class ConvergenceWarning(UserWarning):
    """A run ended without converging (iteration, time or oracle budget, stall, ...).

    The loop warns once per non-converged run, with the result's message; the result itself
    still says ``success=False`` (the warning adds to the status, never replaces it). Silence
    it as any warning, e.g. ``warnings.simplefilter("ignore", numopt.ConvergenceWarning)``.
    scikit-learn's and POT's non-convergence warnings play the same role.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import numopt as no
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = no.minimize(lambda x: float(x @ x), np.ones(2), jac=lambda x: 2 * x,
    ...                       method="gd", max_iter=0)
    >>> bool(res.success), [w.category.__name__ for w in caught]
    (False, ['ConvergenceWarning'])
    """


class MissingDependencyError(ImportError):
    """An optional dependency (matplotlib, tqdm, dask, ...) is needed for the requested feature.

    The message names the ``pip install`` extra that provides it.

    Examples
    --------
    >>> from numopt.errors import MissingDependencyError, require
    >>> try:
    ...     require("no_such_module_xyz", "plot", "plotting")
    ... except MissingDependencyError as err:
    ...     print('pip install -e ".[plot]"' in str(err))
    True
    """


def require(module_name, extra, feature):
    """Import an optional module or raise :class:`MissingDependencyError` naming the extra.

    Parameters
    ----------
    module_name : str
        Importable module name, e.g. ``"matplotlib.pyplot"``.
    extra : str
        The numopt extra that installs it, e.g. ``"plot"``.
    feature : str
        What the user asked for, used in the message.

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingDependencyError
        If the import fails.
    """
    import importlib

    try:
        return importlib.import_module(module_name)
    except ImportError as err:
        raise MissingDependencyError(
            f"{feature} needs the optional package '{module_name.split('.')[0]}', which is not "
            f"installed; install it with: {install_hint(module_name, extra)}"
        ) from err


#: pip names of optional modules whose import name differs
_PIP_NAMES = {"sklearn": "scikit-learn", "cupy": "cupy-cuda12x", "dask": "dask[distributed]"}


def install_hint(module_name, extra):
    """How to install an optional module: from the package index by its own name, or as
    numopt's extra from a checkout (numopt's distribution, ``numopt-solvers``, is installed
    from a checkout or a built wheel until it is published).

    Examples
    --------
    >>> from numopt.errors import install_hint
    >>> print(install_hint("matplotlib.pyplot", "plot"))
    pip install matplotlib (numopt's "plot" extra; from a checkout: pip install -e ".[plot]")
    """
    top = module_name.split(".")[0]
    return (f"pip install {_PIP_NAMES.get(top, top)} (numopt's \"{extra}\" extra; from a "
            f"checkout: pip install -e \".[{extra}]\")")
