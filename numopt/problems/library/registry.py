"""The named collection returned by ``numopt.problems.library()``."""

from . import mgh_data, mgh_small, mgh_systems, mgh_vardim, saddles

#: library key -> factory (no argument: each factory's documented default size)
FACTORIES = {
    "rosenbrock": mgh_small.rosenbrock,
    "freudenstein_roth": mgh_small.freudenstein_roth,
    "powell_badly_scaled": mgh_small.powell_badly_scaled,
    "brown_badly_scaled": mgh_small.brown_badly_scaled,
    "beale": mgh_small.beale,
    "jennrich_sampson": mgh_data.jennrich_sampson,
    "helical_valley": mgh_small.helical_valley,
    "bard": mgh_data.bard,
    "gaussian": mgh_data.gaussian,
    "meyer": mgh_data.meyer,
    "box_3d": mgh_small.box_3d,
    "powell_singular": mgh_small.powell_singular,
    "wood": mgh_small.wood,
    "kowalik_osborne": mgh_data.kowalik_osborne,
    "brown_dennis": mgh_data.brown_dennis,
    "osborne_1": mgh_data.osborne_1,
    "biggs_exp6": mgh_data.biggs_exp6,
    "watson": mgh_vardim.watson,
    "extended_rosenbrock": mgh_vardim.extended_rosenbrock,
    "extended_powell": mgh_vardim.extended_powell,
    "penalty_1": mgh_vardim.penalty_1,
    "variably_dimensioned": mgh_vardim.variably_dimensioned,
    "trigonometric": mgh_vardim.trigonometric,
    "brown_almost_linear": mgh_vardim.brown_almost_linear,
    "discrete_boundary_value": mgh_systems.discrete_boundary_value,
    "broyden_tridiagonal": mgh_systems.broyden_tridiagonal,
    "linear_full_rank": mgh_systems.linear_full_rank,
    "saddle_quartic": saddles.saddle_quartic,
    "double_well": saddles.double_well,
    "himmelblau": saddles.himmelblau,
    "six_hump_camel": saddles.six_hump_camel,
}

#: the nonconvex functions built around a strict saddle (each has a ``saddle`` attribute)
SADDLES = ("saddle_quartic", "double_well", "himmelblau", "six_hump_camel")


def library(names=None):
    """Fresh instances of the classic test functions, by name.

    Parameters
    ----------
    names : iterable of str, optional
        Which functions to build (all when None).

    Returns
    -------
    dict
        ``name -> ClassicProblem``; each has ``x0``, exact ``grad``/``hess``/``hessp``,
        ``f_star``, ``x_star`` (``None`` when only ``f_star`` is known) and ``reference``.
        Every call builds new problems, so oracle counts start at zero.

    Raises
    ------
    InvalidProblemError
        An unknown name (the closest known one is suggested).

    Examples
    --------
    >>> import numopt as no
    >>> lib = no.problems.library()
    >>> len(lib) >= 30, lib["wood"].f_star
    (True, 0.0)
    >>> sorted(no.problems.library(["beale", "rosenbrock"]))
    ['beale', 'rosenbrock']
    """
    from ...core.validate import reject_unknown

    names = list(FACTORIES) if names is None else list(names)
    reject_unknown("library function", names, FACTORIES)
    return {name: FACTORIES[name]() for name in names}
