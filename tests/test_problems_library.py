"""The classic test-function library: exact derivatives, known optima, factories."""

import numpy as np
import pytest

import numopt as no
from numopt.problems import library as lib

NAMES = sorted(lib.FACTORIES)
FD_RTOL = 1e-5  # central differences with a relative step: error ~ h^2 + eps/h ~ 1e-8


def fd_step(x):
    return 1e-5 * np.maximum(1.0, np.abs(x))


def central_gradient(f, x):
    h = fd_step(x)
    g = np.empty_like(x)
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h[j]
        g[j] = (f(x + e) - f(x - e)) / (2 * h[j])
    return g


def central_jacobian(g, x):
    h = fd_step(x)
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h[j]
        cols.append((g(x + e) - g(x - e)) / (2 * h[j]))
    return np.column_stack(cols)


def probe_points(p):
    rng = np.random.default_rng(0)
    x0 = p.x0
    return [x0, x0 + 0.1 * np.maximum(1.0, np.abs(x0)) * rng.standard_normal(x0.size)]


def close(a, b, rtol):
    return np.linalg.norm(a - b) <= rtol * max(1.0, np.linalg.norm(b))


def test_library_size_and_fresh_instances():
    mgh = [n for n in NAMES if n not in lib.SADDLES]
    assert len(mgh) >= 20 and len(lib.SADDLES) >= 3
    a, b = no.problems.library(), no.problems.library()
    assert a.keys() == b.keys()
    a["rosenbrock"].fun(a["rosenbrock"].x0)
    assert a["rosenbrock"] is not b["rosenbrock"] and b["rosenbrock"].counts["fun"] == 0


@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    p = lib.FACTORIES[name]()
    assert p.name == name and p.x0.shape == (p.dim,)
    assert all(p.has(o) for o in ("fun", "grad", "hess", "hessp"))
    assert np.isfinite(p.f_star)
    if name in lib.SADDLES:
        assert p.saddle is not None
    else:
        assert "Moré, Garbow & Hillstrom (1981)" in p.reference and "problem" in p.reference


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_finite_differences(name):
    p = lib.FACTORIES[name]()
    for x in probe_points(p):
        assert close(p.grad(x), central_gradient(p._oracles["fun"], x), FD_RTOL), x


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_finite_differences(name):
    p = lib.FACTORIES[name]()
    rng = np.random.default_rng(1)
    for x in probe_points(p):
        H = p.hess(x)
        assert np.allclose(H, H.T, rtol=1e-12, atol=1e-12 * max(1.0, np.abs(H).max()))
        assert close(H, central_jacobian(p._oracles["grad"], x), FD_RTOL)
        v = rng.standard_normal(p.dim)
        assert close(p.hessp(x, v), H @ v, 1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_known_optimum(name):
    p = lib.FACTORIES[name]()
    if p.x_star is None:
        pytest.fail(f"{name} has no x_star")
    assert p.fun(p.x_star) == pytest.approx(p.f_star, rel=1e-12, abs=1e-20)
    g = p.grad(p.x_star)
    if isinstance(p, lib.SumOfSquares):
        # stationarity relative to the size of the terms of 2 J^T r
        scale = np.linalg.norm(2 * np.abs(p.jacobian(p.x_star)).T @ np.abs(p.residuals(p.x_star)))
        assert np.linalg.norm(g) <= 1e-9 * max(1.0, scale)
    else:
        assert np.linalg.norm(g) <= 1e-12
    if name not in lib.SADDLES:
        # a minimizer: no descent direction among a few random ones (second-order check)
        eigs = np.linalg.eigvalsh(p.hess(p.x_star))
        assert eigs.min() >= -1e-8 * max(1.0, eigs.max())


@pytest.mark.parametrize("name", lib.SADDLES)
def test_saddle_is_strict(name):
    p = lib.FACTORIES[name]()
    assert np.linalg.norm(p.grad(p.saddle)) <= 1e-10
    eigs = np.linalg.eigvalsh(p.hess(p.saddle))
    assert eigs.min() < 0 < eigs.max()
    assert p.fun(p.saddle) > p.f_star


def test_published_minimum_values():
    expected = {"jennrich_sampson": 124.362, "bard": 8.21487e-3, "gaussian": 1.12793e-8,
                "meyer": 87.9458, "kowalik_osborne": 3.07505e-4, "brown_dennis": 85822.2,
                "osborne_1": 5.46489e-5, "watson": 2.28767e-3, "penalty_1": 2.24997e-5,
                "six_hump_camel": -1.0316}
    problems = no.problems.library(expected)
    for name, value in expected.items():
        assert problems[name].f_star == pytest.approx(value, rel=1e-4), name
    assert lib.watson(9).f_star == pytest.approx(1.39976e-6, rel=1e-4)
    assert lib.penalty_1(10).f_star == pytest.approx(7.08765e-5, rel=1e-4)


@pytest.mark.parametrize("factory, dim", [(lib.extended_rosenbrock, 10),
                                          (lib.extended_powell, 12),
                                          (lib.discrete_boundary_value, 7),
                                          (lib.broyden_tridiagonal, 9),
                                          (lib.trigonometric, 5),
                                          (lib.brown_almost_linear, 5),
                                          (lib.variably_dimensioned, 6)])
def test_factories_at_other_sizes(factory, dim):
    p = factory(dim)
    assert p.dim == dim
    assert p.fun(p.x_star) == pytest.approx(p.f_star, abs=1e-20)
    assert close(p.hess(p.x0), central_jacobian(p._oracles["grad"], p.x0), FD_RTOL)


def test_extended_rosenbrock_default_size_and_structure():
    p = lib.extended_rosenbrock()
    assert p.dim == 100
    x = np.random.default_rng(2).standard_normal(100)
    pairs = sum(lib.rosenbrock().fun(x[i:i + 2]) for i in range(0, 100, 2))
    assert p.fun(x) == pytest.approx(pairs, rel=1e-13)


@pytest.mark.parametrize("factory, dim, needed", [
    (lib.extended_rosenbrock, 5, "multiple of 2"),
    (lib.extended_powell, 6, "multiple of 4"),
    (lib.watson, 7, "Valid values"),
    (lib.trigonometric, 0, "dim must be >= 1"),
    (lib.extended_rosenbrock, 2.5, "dim must be an integer"),
])
def test_bad_dimension_raises(factory, dim, needed):
    with pytest.raises(no.InvalidProblemError, match=needed):
        factory(dim)


def test_unknown_name_suggests_closest():
    with pytest.raises(no.InvalidProblemError, match="did you mean 'rosenbrock'"):
        no.problems.library(["rosenbrok"])


def test_module_is_callable_and_exposes_factories():
    assert callable(no.problems.library)
    assert no.problems.library.extended_rosenbrock is lib.extended_rosenbrock
    assert "SumOfSquares(name='wood'" in repr(lib.wood()) and "f_star=0" in repr(lib.wood())


def test_root_finder_refuses_to_return_a_non_root():
    from numopt.problems.library._base import newton_root

    with pytest.raises(RuntimeError, match="x_star is unknown"):
        newton_root(lambda x: x * x + 1.0, lambda x: np.diag(2.0 * x), np.full(2, 0.3), steps=5)
