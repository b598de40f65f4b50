"""The reference solvers gd and newton reach the known optima of the classic library."""

import numpy as np
import pytest

import numopt as no
from numopt.problems.library import FACTORIES

NEWTON_GLOBAL = ("rosenbrock", "powell_badly_scaled", "brown_badly_scaled", "beale",
                 "jennrich_sampson", "helical_valley", "bard", "gaussian", "box_3d",
                 "powell_singular", "brown_dennis", "osborne_1", "watson", "extended_rosenbrock",
                 "extended_powell", "penalty_1", "variably_dimensioned", "brown_almost_linear",
                 "discrete_boundary_value", "broyden_tridiagonal", "linear_full_rank",
                 "saddle_quartic", "double_well", "six_hump_camel")
#: from the standard start Newton stops at these published local minima (MGH 1981)
NEWTON_LOCAL = {"freudenstein_roth": 48.9842}


@pytest.mark.parametrize("name", NEWTON_GLOBAL)
def test_newton_reaches_the_global_minimum(name):
    p = FACTORIES[name]()
    res = no.minimize(p, method="newton")
    assert res.success and res.grad_norm <= 1e-8
    assert res.fun - p.f_star <= 1e-8 * max(1.0, abs(p.f_star))


@pytest.mark.parametrize("name", sorted(NEWTON_LOCAL))
def test_newton_reaches_the_published_local_minimum(name):
    res = no.minimize(FACTORIES[name](), method="newton")
    assert res.success and res.fun == pytest.approx(NEWTON_LOCAL[name], rel=1e-5)


@pytest.mark.parametrize("name", ["beale", "trigonometric", "broyden_tridiagonal",
                                  "variably_dimensioned", "double_well", "himmelblau"])
def test_gd_reaches_tolerance(name):
    p = FACTORIES[name]()
    res = no.minimize(p, method="gd", tol=1e-6, max_iter=20_000)
    assert res.success and res.grad_norm <= 1e-6


def test_newton_can_converge_to_a_saddle_from_a_regular_start():
    # Himmelblau from (0, 0): one modified-Newton step (history["shift"] > 0), then pure
    # Newton steps that are descent directions converge to a strict saddle near (3.39, 0.07);
    # Newton reports it as Status.SADDLE, not as a success
    p = FACTORIES["himmelblau"]()
    res = no.minimize(p, method="newton")
    assert not res.success and res.status == no.Status.SADDLE and res.history["shift"][1] > 0
    assert res.fun == pytest.approx(13.3119, rel=1e-4)
    assert np.linalg.eigvalsh(p.hess(res.x)).min() < 0


@pytest.mark.parametrize("name", ["biggs_exp6"])
def test_newton_reports_the_published_local_minimum_that_is_a_saddle(name):
    # MGH's local value 5.65565e-3 of Biggs EXP6 is a stationary point with a Hessian
    # eigenvalue of about -0.0098: a saddle, reported as such
    res = no.minimize(FACTORIES[name](), method="newton")
    assert res.status == no.Status.SADDLE and res.fun == pytest.approx(5.65565e-3, rel=1e-5)


def test_newton_is_attracted_by_the_saddle_and_says_so_honestly():
    # from exactly the strict saddle the gradient is zero: Newton stops there with SADDLE
    p = FACTORIES["saddle_quartic"]()
    res = no.minimize(p, p.saddle, method="newton")
    assert not res.success and res.status == no.Status.SADDLE
    assert res.nit == 0 and np.array_equal(res.x, p.saddle)
    assert np.linalg.eigvalsh(p.hess(res.x)).min() < 0
