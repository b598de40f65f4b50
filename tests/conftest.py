"""Shared test set-up: a non-interactive matplotlib backend and small helper fixtures."""

import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # before any pyplot import: tests never open windows


@pytest.fixture
def quadratic():
    """SciPy-style oracles of f(x) = sum((x - 1)^2) + sum(x^4) / 4, minimizer near 0.68."""

    def fun(x):
        return float(np.sum((x - 1.0) ** 2) + np.sum(x ** 4) / 4.0)

    def grad(x):
        return 2.0 * (x - 1.0) + x ** 3

    def hess(x):
        return 2.0 * np.eye(x.size) + np.diag(3.0 * x ** 2)

    return fun, grad, hess
