"""The equality-constrained test set: exact derivatives against finite differences, published
optima, and the logistic / PDE problems."""

import zlib

import numpy as np
import pytest
import scipy.sparse as sp

import numopt as no
from numopt.problems.constrained import _jet

COLLECTION = no.problems.constrained.collection()
FD_STEP = 1e-6


def central_difference(fun, x, step=FD_STEP):
    """Central differences of a scalar or vector function, columns = coordinates."""
    columns = []
    for i in range(x.shape[0]):
        e = np.zeros_like(x)
        e[i] = step
        columns.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * step))
    return np.stack(columns, axis=-1)


def dense(M):
    return M.toarray() if sp.issparse(M) else np.asarray(M)


def check_derivatives(p, x, rtol=1e-5):
    scale = 1.0 + np.abs(x).max()
    np.testing.assert_allclose(p.grad(x), central_difference(p.fun, x), rtol=rtol,
                               atol=rtol * scale * (1 + abs(p.fun(x))))
    np.testing.assert_allclose(dense(p.hess(x)), central_difference(p.grad, x), rtol=rtol,
                               atol=rtol * scale * (1 + np.abs(p.grad(x)).max()))
    np.testing.assert_allclose(dense(p.eq.jac(x)), central_difference(p.eq.fun, x), rtol=rtol,
                               atol=rtol * scale * (1 + np.abs(p.eq.fun(x)).max()))
    lam = np.linspace(-1.0, 1.5, p.eq.fun(x).shape[0])
    np.testing.assert_allclose(dense(p.eq.hess(x, lam)),
                               central_difference(lambda y: dense(p.eq.jac(y)).T @ lam, x),
                               rtol=rtol, atol=rtol * scale * (1 + np.abs(lam).sum()))


def test_at_least_25_problems_with_standard_starts():
    assert len(COLLECTION) >= 25
    for name, factory in COLLECTION.items():
        p = factory()
        assert p.name == name and p.x0 is not None and np.isfinite(p.f_star)


@pytest.mark.parametrize("name", sorted(COLLECTION))
def test_derivatives_match_finite_differences(name):
    p = COLLECTION[name]()
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for x in (p.x0, p.x0 + 0.1 * rng.standard_normal(p.dim)):
        check_derivatives(p, x)


@pytest.mark.parametrize("name", sorted(n for n in COLLECTION if COLLECTION[n]().x_star
                                        is not None))
def test_published_solution_is_feasible_with_published_value(name):
    p = COLLECTION[name]()
    np.testing.assert_allclose(p.eq.fun(p.x_star), 0.0, atol=1e-8)
    assert p.fun(p.x_star) == pytest.approx(p.f_star, rel=1e-8, abs=1e-9)


def test_jet_rules_on_a_composite_expression():
    x = np.array([0.3, -1.2])

    def f(v):
        return _jet.exp(v[0] * v[1]) / (1 + v[0] ** 2) + _jet.log(2 + _jet.sin(v[1])) \
            - 3.0 * _jet.cos(v[0]) ** 3

    def value(y):
        return f(_jet.Jet.variables(y)).value

    jet = f(_jet.Jet.variables(x))
    np.testing.assert_allclose(jet.grad, central_difference(value, x), rtol=1e-7)
    np.testing.assert_allclose(
        jet.hess, central_difference(lambda y: f(_jet.Jet.variables(y)).grad, x), rtol=1e-6)


def test_constrained_logistic_derivatives_and_shape():
    p = no.problems.constrained.constrained_logistic()
    assert p.dim == 30 and p.eq.fun(p.x0).shape == (11,)
    check_derivatives(p, p.x0 + 0.05 * np.random.default_rng(0).standard_normal(30))
    with pytest.raises(no.InvalidProblemError, match="n_linear"):
        no.problems.constrained.constrained_logistic(n_linear=40)


def test_pde_control_structure_and_derivatives():
    p = no.problems.constrained.pde_control(5)
    assert p.dim == 50 and sp.issparse(p.eq.jac(p.x0)) and sp.issparse(p.hess(p.x0))
    check_derivatives(p, np.random.default_rng(1).standard_normal(50))
    L = no.problems.constrained.laplacian_2d(3).toarray()
    assert L[4, 4] == pytest.approx(-4 / 0.5 ** 2) and np.allclose(L, L.T)
    with pytest.raises(no.InvalidProblemError, match="N"):
        no.problems.constrained.pde_control(1)
