"""Argument checks shared by every family. Each raises :class:`InvalidProblemError` naming
the argument and the fix."""

import difflib
import math
import numbers

import numpy as np

from ..errors import InvalidProblemError


def closest(name, candidates):
    """A ``"; did you mean 'x'?"`` hint for a misspelt name, or an empty string."""
    match = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1)
    return f"; did you mean '{match[0]}'?" if match else ""


def check_choice(name, value, choices):
    """Return ``value`` if it is one of ``choices``; otherwise raise listing them."""
    if value not in choices:
        raise InvalidProblemError(
            f"{name}={value!r} is not valid{closest(value, choices)} "
            f"Valid values: {', '.join(map(repr, choices))}."
        )
    return value


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False,
               allow_none=False):
    """Return ``value`` as a float after checking it is a finite real in the given range."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InvalidProblemError(f"{name} must be a finite real number, got {value!r}.")
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        bound = ">" if low_open else ">="
        raise InvalidProblemError(f"{name} must be {bound} {low}, got {value!r}.")
    if high is not None and (value > high or (high_open and value == high)):
        bound = "<" if high_open else "<="
        raise InvalidProblemError(f"{name} must be {bound} {high}, got {value!r}.")
    return value


def check_positive(name, value, allow_none=False):
    """Return ``value`` as a float after checking it is finite and > 0."""
    return check_real(name, value, low=0.0, low_open=True, allow_none=allow_none)


def check_int(name, value, *, low=None, allow_none=False):
    """Return ``value`` as an int after checking it is an integer >= ``low``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidProblemError(f"{name} must be an integer, got {value!r}.")
    if low is not None and value < low:
        raise InvalidProblemError(f"{name} must be >= {low}, got {value!r}.")
    return int(value)


def check_callable(name, value, allow_none=True):
    """Return ``value`` after checking it is callable (or None when allowed)."""
    if value is None and allow_none:
        return None
    if not callable(value):
        raise InvalidProblemError(f"{name} must be callable, got {type(value).__name__}.")
    return value


def as_float_array(name, value, *, ndim=None, shape=None, finite=True):
    """Convert ``value`` to a float64 NumPy array and check its shape and finiteness.

    Parameters
    ----------
    name : str
        Argument name used in error messages.
    value : array_like
        The input.
    ndim : int, optional
        Required number of dimensions.
    shape : tuple, optional
        Required shape.
    finite : bool
        Reject NaN and inf entries.

    Returns
    -------
    numpy.ndarray
        A float64 array (a copy when conversion was needed).
    """
    check_not_complex(name, value)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidProblemError(
            f"{name} must be a real numeric array, got {type(value).__name__}: {err}"
        ) from err
    if ndim is not None and arr.ndim != ndim:
        raise InvalidProblemError(
            f"{name} must be {ndim}-dimensional, got shape {arr.shape}; "
            + ("pass a flat vector (x.ravel())." if ndim == 1 else "reshape it.")
        )
    if shape is not None and arr.shape != tuple(shape):
        raise InvalidProblemError(f"{name} must have shape {tuple(shape)}, got {arr.shape}.")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise InvalidProblemError(
            f"{name} contains {bad} NaN or inf entries; replace or remove them before solving."
        )
    return arr


def as_real_scalar(value):
    """``value`` as a Python float, refusing what ``float()`` would accept silently but is
    not a real number: strings (``"1.0"``), complex values (NumPy drops the imaginary part
    with only a warning) and booleans.

    Raises
    ------
    TypeError or ValueError
        The caller turns it into an :class:`InvalidProblemError` naming the oracle.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.core.validate import as_real_scalar
    >>> as_real_scalar(np.float32(0.5)), as_real_scalar(np.array([2.0]))
    (0.5, 2.0)
    >>> as_real_scalar("1.0")
    Traceback (most recent call last):
    ...
    TypeError: a str is not a real number
    """
    if isinstance(value, (str, bytes, bool, np.bool_)) or np.iscomplexobj(value):
        raise TypeError(f"a {type(value).__name__} is not a real number")
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise ValueError(f"an array of shape {value.shape} is not a scalar")
        value = value.reshape(())[()]
    return float(value)


def check_not_complex(name, value):
    """Raise for complex input instead of letting NumPy drop the imaginary part (which
    would solve another problem with only a ``ComplexWarning``).

    Parameters
    ----------
    name : str
        Argument name used in the message.
    value : array_like or scipy.sparse matrix
        The input.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.core.validate import check_not_complex
    >>> try:
    ...     check_not_complex("A", np.eye(2) * 1j)
    ... except ValueError as err:
    ...     print(str(err)[:32])
    A is complex (dtype complex128);
    """
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        try:
            dtype = np.asarray(value).dtype
        except (TypeError, ValueError):
            return value  # ragged or not numeric: the conversion that follows says so
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        return value  # a foreign dtype object (torch, ...): converted and checked later
    if kind == "c":
        raise InvalidProblemError(
            f"{name} is complex (dtype {dtype}); numopt solves real problems and will not "
            "drop the imaginary part. Split it into real and imaginary parts (a Hermitian "
            "system A x = b is the real system [[Re A, -Im A], [Im A, Re A]] [Re x; Im x] = "
            "[Re b; Im b])."
        )
    return value


def check_all_finite(name, arr):
    """Raise if a dense or ``scipy.sparse`` array holds NaN or inf."""
    from .linalg import all_finite

    if not all_finite(arr):
        raise InvalidProblemError(
            f"{name} contains NaN or inf entries; clean the data before building the problem."
        )
    return arr


def reject_unknown(kind, given, valid):
    """Raise for keys in ``given`` that are not in ``valid``, listing the valid ones."""
    unknown = sorted(set(given) - set(valid))
    if unknown:
        hints = "".join(closest(u, valid) for u in unknown)
        raise InvalidProblemError(
            f"unknown {kind} {', '.join(map(repr, unknown))}{hints} "
            f"Valid {kind}s: {', '.join(sorted(valid))}."
        )
