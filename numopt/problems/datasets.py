"""Ready problems from the small datasets scikit-learn ships (nothing is downloaded).

Features are standardized (zero mean, unit variance; constant columns are left at zero) so
that regularization weights mean the same across datasets. scikit-learn is optional:
without it the loaders raise :class:`numopt.MissingDependencyError` naming the extra.
"""

import numpy as np

from ..core.validate import check_choice, check_int
from ..errors import InvalidProblemError, require
from .least_squares import LeastSquares
from .logistic import LogisticRegression
from .softmax import SoftmaxRegression

#: dataset name -> scikit-learn loader (all ship inside the scikit-learn wheel)
DATASETS = {
    "breast_cancer": "load_breast_cancer",
    "diabetes": "load_diabetes",
    "digits": "load_digits",
    "iris": "load_iris",
    "wine": "load_wine",
}
CLASSIFICATION = ("breast_cancer", "digits", "iris", "wine")


def load_dataset(name, standardize=True, intercept=False):
    """Features and targets of a dataset shipped with scikit-learn.

    Parameters
    ----------
    name : {"breast_cancer", "diabetes", "digits", "iris", "wine"}
    standardize : bool, default True
        Center and scale each feature to unit variance.
    intercept : bool, default False
        Append a column of ones (after standardizing).

    Returns
    -------
    A : ndarray, shape (m, n)
    target : ndarray, shape (m,)
        Class labels (integers) or the regression target (diabetes).

    Raises
    ------
    InvalidProblemError
        Unknown name (the valid ones are listed).
    MissingDependencyError
        scikit-learn is not installed (``pip install scikit-learn``).

    Examples
    --------
    >>> from numopt.problems import load_dataset
    >>> A, y = load_dataset("iris")
    >>> A.shape, sorted(set(y.tolist()))
    ((150, 4), [0, 1, 2])
    """
    check_choice("name", name, tuple(DATASETS))
    datasets = require("sklearn.datasets", "test", f"the dataset loader for {name!r}")
    A, target = getattr(datasets, DATASETS[name])(return_X_y=True)
    A = np.asarray(A, dtype=np.float64)
    if standardize:
        scale = A.std(axis=0)
        A = (A - A.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    if intercept:
        A = np.column_stack([A, np.ones(A.shape[0])])
    return A, np.asarray(target)


def load_logistic(name, l2=1.0, l1=0.0, positive_class=None, intercept=False):
    """A :class:`~numopt.problems.LogisticRegression` on a classification dataset.

    Parameters
    ----------
    name : {"breast_cancer", "digits", "iris", "wine"}
    l2 : float, default 1.0
    l1 : float, default 0
    positive_class : int, optional
        For the multi-class datasets: the class labelled +1 (one versus rest). Required
        for them; breast_cancer is binary (class 1, benign, is +1).
    intercept : bool, default False

    Returns
    -------
    LogisticRegression
        Standardized features, labels in {-1, +1}.

    Examples
    --------
    >>> from numopt.problems import load_logistic
    >>> p = load_logistic("breast_cancer", l2=1.0)
    >>> p.A.shape, sorted(set(p.y.tolist()))
    ((569, 30), [-1.0, 1.0])
    """
    check_choice("name", name, CLASSIFICATION)
    A, labels = load_dataset(name, intercept=intercept)
    classes = np.unique(labels)
    if positive_class is None:
        if classes.size != 2:
            raise InvalidProblemError(
                f"dataset {name!r} has {classes.size} classes; pass positive_class= (one of "
                f"{classes.tolist()}) for a one-versus-rest problem, or use load_softmax."
            )
        positive_class = classes[1]
    positive_class = check_int("positive_class", positive_class)
    check_choice("positive_class", positive_class, tuple(classes.tolist()))
    y = np.where(labels == positive_class, 1.0, -1.0)
    return LogisticRegression(A, y, l2=l2, l1=l1, name=f"logistic {name}")


def load_softmax(name, l2=1.0, intercept=False):
    """A :class:`~numopt.problems.SoftmaxRegression` on a classification dataset.

    Parameters
    ----------
    name : {"breast_cancer", "digits", "iris", "wine"}
    l2 : float, default 1.0
        Ridge weight.
    intercept : bool, default False
        Append a column of ones to the standardized features.

    Returns
    -------
    SoftmaxRegression
        One weight vector per class, flattened (``dim = n_features * n_classes``).

    Examples
    --------
    >>> from numopt.problems import load_softmax
    >>> load_softmax("wine").dim
    39
    """
    check_choice("name", name, CLASSIFICATION)
    A, labels = load_dataset(name, intercept=intercept)
    return SoftmaxRegression(A, labels, l2=l2, name=f"softmax {name}")


def load_least_squares(name="diabetes", l2=0.0, l1=0.0, intercept=True):
    """A :class:`~numopt.problems.LeastSquares` on the diabetes regression dataset.

    The target is centered (the intercept column, on by default, then fits the remaining
    offset exactly).

    Parameters
    ----------
    name : {"diabetes"}, default "diabetes"
        The regression dataset scikit-learn ships.
    l2, l1 : float, default 0
        Regularization weights.
    intercept : bool, default True
        Append a column of ones to the standardized features.

    Returns
    -------
    LeastSquares

    Examples
    --------
    >>> from numopt.problems import load_least_squares
    >>> load_least_squares().A.shape
    (442, 11)
    """
    check_choice("name", name, ("diabetes",))
    A, target = load_dataset(name, intercept=intercept)
    target = np.asarray(target, dtype=np.float64)
    return LeastSquares(A, target - target.mean(), l2=l2, l1=l1, name=f"least_squares {name}")
