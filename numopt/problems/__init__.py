"""Problem library: structured problems with cheap partial derivatives, seeded generators,
loaders for scikit-learn's shipped datasets and classic test functions."""

from . import constrained, library
from .datasets import load_dataset, load_least_squares, load_logistic, load_softmax
from .generators import make_least_squares, make_logistic, make_quadratic
from .least_squares import LeastSquares
from .linear_sequences import HeatEquation2D, shifted_laplacian_sequence
from .logistic import LogisticRegression
from .quadratic import Quadratic
from .softmax import SoftmaxRegression
from .structured import StructuredProblem

__all__ = [
    "HeatEquation2D",
    "LeastSquares",
    "LogisticRegression",
    "Quadratic",
    "SoftmaxRegression",
    "StructuredProblem",
    "constrained",
    "library",
    "load_dataset",
    "load_least_squares",
    "load_logistic",
    "load_softmax",
    "make_least_squares",
    "make_logistic",
    "make_quadratic",
    "shifted_laplacian_sequence",
]
from .bcd_datasets import bcd_dataset, reference_value  # noqa: E402, F401  (BCD datasets A–E)
