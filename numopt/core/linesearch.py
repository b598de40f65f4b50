"""Backtracking line search shared by every family that needs one."""

import math

from .validate import check_int, check_real

ARMIJO_C1 = 1e-4  # sufficient-decrease constant, Nocedal & Wright (2006), §3.1
BACKTRACK_SHRINK = 0.5  # step contraction factor, Nocedal & Wright (2006), Alg. 3.1
MAX_BACKTRACKS = 60  # 0.5**60 ~ 1e-18: below this the step is lost in rounding
APPROX_WOLFE_EPS = 1e-10  # relative slack on f for the approximate Wolfe test, Hager & Zhang
# (2005), §4; used only when plain Armijo fails because f differences are lost in rounding
APPROX_WOLFE_SIGMA = 0.9  # curvature constant of the approximate Wolfe test, Hager & Zhang
# (2005) eq. (4.1): rejects tiny steps, so an inconsistent gradient is reported, not followed


class Armijo:
    r"""Armijo backtracking: the first :math:`t = t_0 \rho^j` with
    :math:`\phi(t) \le \phi(0) + c_1 t \phi'(0)` (Nocedal & Wright 2006, Alg. 3.1).

    Parameters
    ----------
    c1 : float, default 1e-4
        Sufficient-decrease constant in (0, 1).
    shrink : float, default 0.5
        Contraction factor :math:`\rho` in (0, 1).
    max_steps : int, default 60
        Backtracking steps before giving up.

    Examples
    --------
    >>> ls = Armijo()
    >>> t, value = ls.search(lambda t: (1 - t) ** 2, 1.0, -2.0, step=4.0)
    >>> t, value
    (1.0, 0.0)
    """

    def __init__(self, c1=ARMIJO_C1, shrink=BACKTRACK_SHRINK, max_steps=MAX_BACKTRACKS):
        self.c1 = check_real("c1", c1, low=0.0, high=1.0, low_open=True, high_open=True)
        self.shrink = check_real("shrink", shrink, low=0.0, high=1.0, low_open=True,
                                 high_open=True)
        self.max_steps = check_int("max_steps", max_steps, low=1)

    def search(self, phi, phi0, slope, step=1.0, dphi=None):
        """Backtrack from ``step``.

        Parameters
        ----------
        phi : callable
            ``phi(t)``: the objective along the search direction.
        phi0 : float
            ``phi(0)``.
        slope : float
            ``phi'(0)``; must be negative (a descent direction).
        step : float
            First trial step.
        dphi : callable, optional
            ``dphi(t)``: the directional derivative along the direction. When given, a trial
            that fails Armijo only because ``phi`` differences are below rounding is accepted
            by the approximate Wolfe test of Hager & Zhang (SIAM J. Optim. 16, 2005, eq. 4.1):
            ``phi(t) <= phi(0) + eps |phi(0)|`` and
            ``sigma slope <= dphi(t) <= (2 c1 - 1) slope``. This lets the baselines reach
            gradient norms near machine precision.

        Returns
        -------
        (t, phi(t)) or (None, None)
            The accepted step and its value, or ``(None, None)`` when no step in
            ``max_steps`` trials satisfies the condition (or the direction is not descent).
            Non-finite trial values count as rejections.
        """
        if not slope < 0:
            return None, None
        t = step
        slack = APPROX_WOLFE_EPS * abs(phi0)
        for _ in range(self.max_steps):
            value = phi(t)
            if math.isfinite(value):
                if value <= phi0 + self.c1 * t * slope:
                    return t, value
                if dphi is not None and value <= phi0 + slack and (
                        APPROX_WOLFE_SIGMA * slope <= dphi(t) <= (2 * self.c1 - 1) * slope):
                    return t, value
            t *= self.shrink
        return None, None
