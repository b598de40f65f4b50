"""Oracle budgets as hard caps, and the record of non-finite oracle values.

The loop (:func:`numopt.core.run`) swaps a problem's ``counts`` dict for a :class:`Counts`
that refuses to count the evaluation that would pass ``max_fev``: every objective
evaluation in numopt (``Problem.fun``, the zeroth-order ``Evaluator``, the coordinate
models) adds to ``counts["fun"]`` *before* calling the user's function, so the refusal comes
before the call and ``nfev <= max_fev`` always holds, even inside a line search or a batch
of zeroth-order queries. The loop catches :class:`BudgetExhausted` and ends the run with
``Status.BUDGET`` at the last complete iterate.
"""


class BudgetExhausted(Exception):  # noqa: N818  (a control-flow signal, not an error)
    """Raised by :class:`Counts` when an evaluation would pass ``max_fev``; the loop turns it
    into ``Status.BUDGET``. Never escapes :func:`numopt.core.run`.

    Examples
    --------
    >>> from numopt.core.budget import BudgetExhausted, Counts
    >>> counts = Counts({"fun": 0}, cap=1)
    >>> counts["fun"] += 1
    >>> try:
    ...     counts["fun"] += 1
    ... except BudgetExhausted:
    ...     print("refused at", counts["fun"])
    refused at 1
    """


class Counts(dict):
    """An oracle-count dict with an optional hard cap on ``"fun"`` and a tally of non-finite
    values.

    Parameters
    ----------
    counts : dict
        Initial counts (copied).
    cap : int, optional
        Largest allowed ``counts["fun"]``; setting it higher raises :class:`BudgetExhausted`
        and leaves the count unchanged.

    Attributes
    ----------
    nonfinite : dict
        ``{oracle: number of NaN/inf values it returned}`` (see :func:`note_nonfinite`).

    Examples
    --------
    >>> from numopt.core.budget import Counts
    >>> c = Counts({"fun": 3, "grad": 1})
    >>> c["fun"] += 2; c["fun"], c.cap
    (5, None)
    """

    def __init__(self, counts=(), cap=None):
        super().__init__(counts)
        self.cap = cap
        self.nonfinite = {}

    def __setitem__(self, key, value):
        if key == "fun" and self.cap is not None and value > self.cap:
            raise BudgetExhausted(f"max_fev={self.cap} objective evaluations spent")
        super().__setitem__(key, value)

    def __reduce__(self):  # pickle as a plain dict of counts
        return (dict, (dict(self),))


def note_nonfinite(counts, oracle):
    """Tally a NaN/inf value returned by ``oracle`` (no-op on a plain dict).

    Parameters
    ----------
    counts : dict
        A problem's ``counts``.
    oracle : str
        The oracle's name (``"fun"``, ``"grad"``, ...).

    Examples
    --------
    >>> from numopt.core.budget import Counts, note_nonfinite
    >>> c = Counts({"fun": 1})
    >>> note_nonfinite(c, "fun"); c.nonfinite
    {'fun': 1}
    """
    tally = getattr(counts, "nonfinite", None)
    if tally is not None:
        tally[oracle] = tally.get(oracle, 0) + 1
