"""Simple bounds: ``numopt.core.bounds`` (Box, as_bounds) and ``Problem(bounds=)``."""

import pickle

import numpy as np
import pytest
from scipy.optimize import Bounds

import numopt as no
from numopt.core.bounds import Box, as_bounds


def test_pairs_with_none_are_infinite():
    box = as_bounds([(0, None), (None, 2.0), (-1, 1)], 3)
    assert box.lower.tolist() == [0.0, -np.inf, -1.0]
    assert box.upper.tolist() == [np.inf, 2.0, 1.0]


def test_scipy_bounds_broadcast_scalars():
    box = as_bounds(Bounds(-1.0, [1.0, 2.0]), 2)
    assert box.lower.tolist() == [-1.0, -1.0] and box.upper.tolist() == [1.0, 2.0]


def test_unbounded_is_none():
    assert as_bounds(None, 3) is None
    assert as_bounds([(None, None)] * 3, 3) is None
    assert as_bounds(Bounds(-np.inf, np.inf), 2) is None


def test_project_contains_projected_gradient():
    box = Box([0.0, 0.0], [1.0, np.inf])
    x = np.array([0.0, 3.0])
    assert box.project(np.array([-1.0, 5.0])).tolist() == [0.0, 5.0]
    assert box.contains(x) and not box.contains(np.array([1.5, 0.0]))
    # at the lower bound a positive gradient component is not a descent direction
    assert box.projected_gradient(x, np.array([2.0, -1.0])).tolist() == [0.0, -1.0]
    assert box.violation(np.array([1.5, -2.0])) == 2.0
    assert box.max_step(np.array([0.5, 1.0]), np.array([1.0, -1.0])) == 0.5
    assert box.active(x).tolist() == [True, False]


@pytest.mark.parametrize("bad, words", [
    ([(1.0, 0.0)], "lower > upper"),
    ([(0.0, 1.0)] * 2, "one pair per variable"),
    ([(0.0,)], "not a (low, high) pair"),
    ([("a", 1.0)], "not a number"),
    ([(np.nan, 1.0)], "NaN"),
    ("box", "sequence of (low, high)"),
    (3.0, "sequence of (low, high)"),
])
def test_bad_bounds_raise_naming_bounds(bad, words):
    with pytest.raises(no.InvalidProblemError, match="bounds") as err:
        as_bounds(bad, 1)
    assert words in str(err.value)


def test_problem_stores_box_and_declares_it():
    p = no.Problem(lambda x: float(x @ x), x0=np.ones(2), bounds=[(0, 1)] * 2)
    assert isinstance(p.bounds, Box) and p.declares == {"bounds"}
    q = no.Problem(lambda x: float(x @ x), bounds=Bounds([0, 0, 0], [1, 1, 1]))
    assert q.dim == 3
    assert no.Problem(lambda x: float(x @ x), x0=np.ones(2)).declares == frozenset()


def test_box_pickles_and_compares():
    box = Box([0.0], [1.0])
    assert pickle.loads(pickle.dumps(box)) == box
    assert box.to_scipy().ub.tolist() == [1.0]


def test_method_without_bounds_refuses_naming_alternatives():
    p = no.Problem(lambda x: float(x @ x), grad=lambda x: 2 * x, x0=np.ones(2),
                   bounds=[(0.5, 1)] * 2)
    with pytest.raises(no.InvalidProblemError, match="'gd' does not handle bounds"):
        no.minimize(p, method="gd")
