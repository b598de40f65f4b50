"""Problem library: structured problems with cheap partial derivatives, seeded generators,
loaders for scikit-learn's shipped datasets and classic test functions."""

from .least_squares import LeastSquares
from .logistic import LogisticRegression
from .quadratic import Quadratic
from .softmax import SoftmaxRegression
from .structured import StructuredProblem

__all__ = [
    "LeastSquares",
    "LogisticRegression",
    "Quadratic",
    "SoftmaxRegression",
    "StructuredProblem",
]
