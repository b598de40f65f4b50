"""Line searches shared by every family that needs one: Armijo backtracking and strong
Wolfe."""

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


WOLFE_C2 = 0.9  # curvature constant for quasi-Newton directions, Nocedal & Wright (2006), §3.1
WOLFE_MAX_EVALS = 30  # trial points per search (bracketing + zoom) before giving up
WOLFE_EXTRAPOLATE = 4.0  # bracketing grows the trial step by at most this factor
WOLFE_SAFEGUARD = 0.1  # interpolated zoom trials stay this fraction inside the bracket


class StrongWolfe:
    r"""Line search for the strong Wolfe conditions
    :math:`\phi(t) \le \phi(0) + c_1 t \phi'(0)` and :math:`|\phi'(t)| \le c_2 |\phi'(0)|`
    (Nocedal & Wright 2006, Alg. 3.5 with the zoom of Alg. 3.6; trial steps by safeguarded
    cubic interpolation, §3.5). Where :math:`\phi` differences are lost in rounding, the
    approximate Wolfe conditions of Hager & Zhang (SIAM J. Optim. 16, 2005, eq. 4.1) accept a
    step instead, so quasi-Newton methods reach gradient norms near machine precision.

    Parameters
    ----------
    c1 : float, default 1e-4
        Sufficient-decrease constant in (0, c2).
    c2 : float, default 0.9
        Curvature constant in (c1, 1).
    max_evals : int, default 30
        Trial points before giving up.

    Examples
    --------
    A first trial far beyond the minimizer of :math:`(t - 3)^2` is zoomed back to it:

    >>> ls = StrongWolfe()
    >>> ls.search(lambda t: ((t - 3.0) ** 2, 2 * (t - 3.0)), 9.0, -6.0, step=100.0)
    (3.0, 0.0, 0.0)
    """

    def __init__(self, c1=ARMIJO_C1, c2=WOLFE_C2, max_evals=WOLFE_MAX_EVALS):
        self.c1 = check_real("c1", c1, low=0.0, high=1.0, low_open=True, high_open=True)
        self.c2 = check_real("c2", c2, low=self.c1, high=1.0, low_open=True, high_open=True)
        self.max_evals = check_int("max_evals", max_evals, low=1)

    def search(self, phi_dphi, phi0, slope, step=1.0, max_step=math.inf):
        """Search from ``step`` (at most ``max_step``).

        Parameters
        ----------
        phi_dphi : callable
            ``phi_dphi(t) -> (phi(t), phi'(t))``: value and directional derivative together
            (one objective and one gradient evaluation).
        phi0, slope : float
            :math:`\\phi(0)` and :math:`\\phi'(0) < 0`.
        step : float
            First trial step.
        max_step : float
            Largest step allowed (a bound on the feasible segment, say); a step that reaches
            it with sufficient decrease is accepted even if the curvature condition fails.

        Returns
        -------
        (t, phi(t), phi'(t)) or (None, None, None)
            The accepted step, or ``None`` when no acceptable step was found in ``max_evals``
            trials or the direction is not a descent direction. Non-finite trial values are
            treated as too long a step.
        """
        if not slope < 0:
            return None, None, None
        c1, curvature = self.c1, -self.c2 * slope
        slack = APPROX_WOLFE_EPS * abs(phi0)
        t = min(step, max_step)
        prev_t, prev_f, prev_d = 0.0, phi0, slope
        evals = 0
        while evals < self.max_evals:
            f, d = phi_dphi(t)
            evals += 1
            if not (math.isfinite(f) and math.isfinite(d)):
                return self._zoom(phi_dphi, phi0, slope, prev_t, prev_f, prev_d, t, math.inf,
                                  math.nan, evals)
            if f > phi0 + c1 * t * slope or (evals > 1 and f >= prev_f):
                if _approx_wolfe(f, d, phi0, slope, slack, c1):
                    return t, f, d
                return self._zoom(phi_dphi, phi0, slope, prev_t, prev_f, prev_d, t, f, d, evals)
            if abs(d) <= curvature:
                return t, f, d
            if d >= 0.0:
                return self._zoom(phi_dphi, phi0, slope, t, f, d, prev_t, prev_f, prev_d, evals)
            if t >= max_step:
                return t, f, d
            grown = _cubic_min(prev_t, prev_f, prev_d, t, f, d)
            low, high = t + 1.1 * (t - prev_t), WOLFE_EXTRAPOLATE * t
            grown = high if not (math.isfinite(grown) and grown > low) else min(grown, high)
            prev_t, prev_f, prev_d = t, f, d
            t = min(grown, max_step)
        return None, None, None

    def _zoom(self, phi_dphi, phi0, slope, lo, f_lo, d_lo, hi, f_hi, d_hi, evals):
        """Alg. 3.6: shrink ``[lo, hi]`` (``lo`` satisfies sufficient decrease, best so far)."""
        c1, curvature = self.c1, -self.c2 * slope
        slack = APPROX_WOLFE_EPS * abs(phi0)
        while evals < self.max_evals:
            a, b = min(lo, hi), max(lo, hi)
            width = b - a
            if width <= 4.0 * _EPS * b:
                break
            t = _cubic_min(lo, f_lo, d_lo, hi, f_hi, d_hi)
            if not (a + WOLFE_SAFEGUARD * width <= t <= b - WOLFE_SAFEGUARD * width):
                t = 0.5 * (a + b)
            f, d = phi_dphi(t)
            evals += 1
            if not (math.isfinite(f) and math.isfinite(d)):
                hi, f_hi, d_hi = t, math.inf, math.nan
                continue
            if f > phi0 + c1 * t * slope or f >= f_lo:
                if _approx_wolfe(f, d, phi0, slope, slack, c1):
                    return t, f, d
                hi, f_hi, d_hi = t, f, d
                continue
            if abs(d) <= curvature:
                return t, f, d
            if d * (hi - lo) >= 0.0:
                hi, f_hi, d_hi = lo, f_lo, d_lo
            lo, f_lo, d_lo = t, f, d
        if lo > 0.0:  # sufficient decrease holds at lo: a usable (if not Wolfe) step
            return lo, f_lo, d_lo
        return None, None, None


_EPS = 2.220446049250313e-16


def _approx_wolfe(f, d, phi0, slope, slack, c1):
    """Hager & Zhang (2005) eq. (4.1): f within rounding of phi0 and the slope reduced."""
    return f <= phi0 + slack and APPROX_WOLFE_SIGMA * slope <= d <= (2 * c1 - 1) * slope


def _cubic_min(a, fa, da, b, fb, db):
    """Minimizer of the cubic through ``(a, fa, da)`` and ``(b, fb, db)`` (Nocedal & Wright
    2006, eq. 3.59); NaN when it does not exist."""
    if not (math.isfinite(fb) and math.isfinite(db)) or a == b:
        return math.nan
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if radicand < 0.0:
        return math.nan
    d2 = math.copysign(math.sqrt(radicand), b - a)
    denom = db - da + 2.0 * d2
    if denom == 0.0:
        return math.nan
    return b - (b - a) * (db + d2 - d1) / denom
