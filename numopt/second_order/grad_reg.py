r"""Gradient-regularized Newton (``grad_reg_newton``)."""

import math

import numpy as np

from ..core.registry import register
from ..core.validate import check_callable, check_choice, check_positive, check_real
from .base import SecondOrderSolver, norm
from .linalg import dense_hessian, solve_shifted

RULES = ("mishchenko", "fixed", "super_universal", "grad_norm_smooth")
REG_CONSTANT0 = 1.0  # H0 of the adaptive rules (Mishchenko's code; super-newton H0 = 1)
SUPER_UNIVERSAL_POWER = 1.0  # alpha in lambda = H ||g||^alpha, in [2/3, 1] (arXiv 2208.05888)
SUPER_UNIVERSAL_FLOOR = 1e-5  # H <- max(H / 4, 1e-5) after acceptance, epfml/super-newton
GNS_GAMMA0 = 1.0  # gamma_0 of Semenov, Jaggi & Doikov (arXiv 2506.13710), Alg. 1
GNS_GAMMA_FLOOR = 1e-9  # gamma <- max(2 gamma, 1e-9), epfml/grad-norm-smooth
GNS_EPS = 1e-8  # lambda = ||g|| / (gamma + 1e-8), ibid.
ROUNDING = 10.0 * float(np.finfo(float).eps)  # |f - f+| below this * |f|: f carries no signal


@register
class GradRegNewton(SecondOrderSolver):
    r"""Gradient-regularized Newton: :math:`x^+ = x - (\tilde H + \lambda_k I)^{-1}\nabla f(x)`.

    One Cholesky per trial; a Cholesky that fails (the regularized matrix is not positive
    definite) counts as a rejected trial and enlarges :math:`\lambda`. ``rule``:

    * ``"mishchenko"`` (default): :math:`\lambda = \sqrt{H_k\|g\|}`, :math:`H` halved at each
      iteration and doubled until :math:`f(x^+) \le f(x) - \tfrac23\lambda r^2` and
      :math:`\|\nabla f(x^+)\| \le 2\lambda r`, :math:`r = \|x^+ - x\|` (Mishchenko, SIAM J.
      Optim. 33(3) 2023, arXiv 2112.02089, Alg. 2, the line-search version).
    * ``"fixed"``: :math:`\lambda = \sqrt{H\|g\|}` with a constant :math:`H \approx L_2/2`
      (ibid., Alg. 1: global :math:`O(1/k^2)`, local superlinear).
    * ``"super_universal"``: :math:`\lambda = H_k \|g\|^{\alpha}`; accept iff
      :math:`\langle \nabla f(x^+), x - x^+\rangle \ge \|\nabla f(x^+)\|^2 / (4\lambda)`, then
      :math:`H \leftarrow \max(H/4, 10^{-5})`, else :math:`H \leftarrow 4H` (Doikov,
      Mishchenko & Nesterov, arXiv 2208.05888, Alg. 2).
    * ``"grad_norm_smooth"``: :math:`\lambda = \|g\| / (\gamma_k + 10^{-8})`; accept iff
      :math:`f(x) - f(x^+) \ge \|\nabla f(x^+)\|^2 / (8\lambda)`, then
      :math:`\gamma \leftarrow \max(2\gamma, 10^{-9})`, else :math:`\gamma \leftarrow \gamma/2`
      (Semenov, Jaggi & Doikov, arXiv 2506.13710, Alg. 1). Pass ``hess_approx`` (Gauss–Newton,
      Fisher) to use an approximate Hessian :math:`\tilde H`.

    A search that fails ``max_trials`` times stops with ``success=False``
    (``INNER_FAILED``); it never moves silently. Where :math:`f` differences are below
    rounding, the decrease tests are replaced by their gradient parts.

    Parameters
    ----------
    rule : {"mishchenko", "fixed", "super_universal", "grad_norm_smooth"}, default "mishchenko"
    reg_constant : float, default 1.0
        :math:`H_0` (``"mishchenko"``, ``"super_universal"``), the constant :math:`H`
        (``"fixed"``) or :math:`\gamma_0` (``"grad_norm_smooth"``).
    power : float, default 1.0
        :math:`\alpha \in [2/3, 1]` of ``"super_universal"``.
    hess_approx : callable, optional
        ``hess_approx(x) -> (d, d)`` used instead of ``problem.hess`` (any rule).
    hess, memory, curvature_tol
        A Hessian model instead of the problem's ``hess`` (see :class:`CubicNewton`), and the
        saddle tolerance: at :math:`\|\nabla f\| \le` ``tol`` with a Hessian eigenvalue
        below ``-curvature_tol`` the run stops with ``Status.SADDLE``.
    max_trials : int, default 40
    **kwargs
        ``tol``, ``max_iter``, ``max_time``, ``max_fev``, ``backend``.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> A = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -1.0]]); y = np.array([1.0, -1.0, 1.0])
    >>> p = no.problems.LogisticRegression(A, y, l2=0.1)
    >>> res = no.minimize(p, np.zeros(2), method="grad_reg_newton", rule="super_universal")
    >>> bool(res.success), res.grad_norm <= 1e-8
    (True, True)
    """

    name = "grad_reg_newton"
    detects_saddles = True

    def __init__(self, *, rule="mishchenko", reg_constant=REG_CONSTANT0,
                 power=SUPER_UNIVERSAL_POWER, hess_approx=None, **kwargs):
        super().__init__(**kwargs)
        self.rule = check_choice("rule", rule, RULES)
        self.reg_constant = check_positive("reg_constant", reg_constant)
        self.power = check_real("power", power, low=2.0 / 3.0, high=1.0)
        self.hess_approx = check_callable("hess_approx", hess_approx)
        if hess_approx is not None:
            self.requires = ("fun", "grad")

    def init(self, problem, x0):
        constant = GNS_GAMMA0 * self.reg_constant if self.rule == "grad_norm_smooth" \
            else self.reg_constant
        return self.check_saddle(problem, self.start_state(problem, x0, constant=constant,
                                                           reg=math.nan, trials=0))

    def step(self, problem, state):
        xp = state.backend.xp
        H = self.hessian(problem, state)
        bad = self.nonfinite_hessian(state, H)
        if bad is not None:
            return bad
        constant = state.constant / 2.0 if self.rule == "mishchenko" else state.constant
        count = state.factorizations
        for trial in range(1, self.max_trials + 1):
            reg = self._regularization(constant, state.grad_norm)
            s = solve_shifted(xp, H, state.grad, reg)
            count += 1
            if s is not None:
                x_new = state.x + s
                accepted, next_constant = self._accept(problem, state, x_new, s, reg, constant)
                if accepted:
                    return self.moved(problem, state, x_new, constant=next_constant, reg=reg,
                                      trials=trial, factorizations=count)
            elif self.rule == "fixed":
                return self.failed(state, factorizations=count, message=(
                    f"H + lambda I is not positive definite (lambda = {reg:.3g}) with "
                    "rule='fixed'; raise reg_constant or use an adaptive rule."))
            constant = self._enlarge(constant)
        return self.failed(state, factorizations=count, message=(
            f"The regularization search of rule '{self.rule}' failed {self.max_trials} times "
            f"(lambda reached {reg:.3g}); the derivatives may be inconsistent with the "
            "objective, or raise max_trials."))

    def hessian(self, problem, state):
        """``hess_approx(x)`` when given, else the Hessian (or its model) at ``state.x``."""
        if self.hess_approx is not None:
            return dense_hessian(state.backend.xp, self.hess_approx(state.x))
        return super().hessian(problem, state)

    def _regularization(self, constant, grad_norm):
        if self.rule in ("mishchenko", "fixed"):
            return math.sqrt(constant * grad_norm)
        if self.rule == "super_universal":
            return constant * grad_norm ** self.power
        return grad_norm / (constant + GNS_EPS)

    def _enlarge(self, constant):
        if self.rule == "mishchenko":
            return 2.0 * constant
        if self.rule == "super_universal":
            return 4.0 * constant
        return constant / 2.0  # grad_norm_smooth: a smaller gamma is a larger lambda

    def _accept(self, problem, state, x_new, s, reg, constant):
        """``(accepted, constant for the next iteration)`` of one trial."""
        if self.rule == "fixed":
            return True, constant
        xp = state.backend.xp
        fun_new = problem.fun(x_new)
        if not math.isfinite(fun_new):
            return False, constant
        g_new = problem.grad(x_new)
        g_new_norm = norm(xp, g_new)
        flat = abs(state.fun - fun_new) <= ROUNDING * abs(state.fun)
        r = norm(xp, s)
        if self.rule == "mishchenko":
            decrease = (fun_new <= state.fun - 2.0 / 3.0 * reg * r ** 2
                        or (flat and g_new_norm < state.grad_norm))
            return decrease and g_new_norm <= 2.0 * reg * r, constant
        if self.rule == "super_universal":
            ok = -float(xp.vecdot(g_new, s)) >= g_new_norm ** 2 / (4.0 * reg)
            return ok, max(constant / 4.0, SUPER_UNIVERSAL_FLOOR)
        ok = (state.fun - fun_new >= g_new_norm ** 2 / (8.0 * reg)
              or (flat and g_new_norm < state.grad_norm))
        return ok, max(2.0 * constant, GNS_GAMMA_FLOOR)

    def record(self, state):
        return dict(super().record(state), regularization=state.reg, trials=state.trials)
