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
    >>> import numpy as np
    >>> import numopt as no
    >>> try:
    ...     no.minimize(lambda x: float(x @ x), np.ones(2), jac=lambda x: 2 * x, method="gd",
    ...                 backend="cupy")
    ... except no.BackendUnavailableError as err:
    ...     print("cupy" in str(err).lower())
    ... else:
    ...     print(True)
    True
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
    ...     print('pip install "numopt[plot]"' in str(err))
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
            f"installed; install it with: pip install \"numopt[{extra}]\""
        ) from err
