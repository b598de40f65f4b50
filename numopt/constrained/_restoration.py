r"""Feasibility restoration shared by ``interior_point`` and ``alm_sketch``: minimize the
violation :math:`\tfrac12\|h(w)\|^2` from where the main iteration stalled.

Steps are Newton steps on :math:`\tfrac12\|h\|^2` with its Hessian
:math:`A^\top A + \sum_i h_i\nabla^2 c_i` shifted to be positive definite when the constraint
Hessians are available (quadratic convergence also to a nonzero-residual minimizer, where
Gauss–Newton crawls), else Levenberg–Marquardt steps
:math:`d = -D(DA^\top AD + \rho I)^{-1}DA^\top h` with :math:`\rho = \|h\|` (Fan & Yuan,
Computing 74, 2005); both scaled by the affine scaling :math:`D` of Coleman & Li (SIAM J.
Optim. 6, 1996) when there are bounds, with Armijo backtracking on :math:`\|h\|^2`.

At a point where the (scaled) gradient :math:`A^\top h` vanishes while :math:`h \ne 0`,
the Hessian of :math:`\tfrac12\|h\|^2`
(:math:`A^\top A + \sum_i h_i \nabla^2 c_i`, exact or by gradient differences) decides:
a negative eigenvalue gives a direction to leave a saddle or maximum of the violation
(a rank-deficient Jacobian at a symmetric start, HS61-like problems), none means a local
minimizer of the violation — the constraints are locally infeasible, and the run says so
("‖c‖ is stationary at a nonzero value") instead of stopping with a singular-matrix message.
"""

from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp

from ._kkt import SparseLU

INFEASIBLE_STATIONARITY = 1e-8  # ||D A^T h||_inf <= this * max(1, ||h||): stationary
NEGATIVE_CURVATURE_TOL = 1e-8  # relative eigenvalue of the violation Hessian below -this
FD_CURVATURE_STEP = 1e-6  # difference step of the violation Hessian without constraint Hessians
FD_CURVATURE_MAX_N = 500  # largest dimension for that difference Hessian
ARMIJO = 1e-4
SHIFT_FLOOR = 1e-10  # relative shift keeping the violation's Newton matrix nonsingular
MIN_STEP = 1e-12


def violation_hessian(w, h, A, evaluate, exact=None):
    r"""Hessian of :math:`\tfrac12\|h\|^2` at ``w``: ``A^T A + exact`` when ``exact`` (the
    :math:`\sum_i h_i\nabla^2 c_i` block, padded to ``w``'s size) is given, else by
    differences of :math:`A^\top h` (one ``evaluate`` per coordinate); None when too large."""
    N = w.shape[0]
    if N > FD_CURVATURE_MAX_N:
        return None
    if sp.issparse(A):
        A = A.toarray()
    if exact is not None:
        return A.T @ A + exact
    grad = A.T @ h
    H = np.empty((N, N))
    for i in range(N):
        step = FD_CURVATURE_STEP * max(1.0, abs(w[i]))
        e = w.copy()
        e[i] += step
        h_e, A_e = evaluate(e)
        H[:, i] = np.asarray(A_e.T @ h_e - grad).ravel() / step
    return 0.5 * (H + H.T)


def negative_curvature(H, scale):
    """A direction of negative curvature of ``H`` in the scaled space (max-norm 1 after
    scaling back), or None when ``H`` is positive semidefinite (relatively)."""
    if H is None:
        return None
    values, vectors = np.linalg.eigh(scale[:, None] * H * scale[None, :])
    if values[0] >= -NEGATIVE_CURVATURE_TOL * max(1.0, float(np.max(np.abs(values)))):
        return None
    d = scale * vectors[:, 0]
    return d / max(1e-16, float(np.max(np.abs(d))))


def _levenberg_marquardt(A, scale, h, rho):
    """``-(D A^T A D + rho I)^{-1} D A^T h`` (dense ``lstsq`` or one sparse LU); ``rho``
    is the Levenberg–Marquardt parameter of Fan & Yuan (2005), ``||h||``."""
    if sp.issparse(A):
        As = sp.csr_matrix(A) @ sp.diags(scale)
        M = (As.T @ As + rho * sp.identity(As.shape[1])).tocsc()
        return SparseLU(M).solve(-(As.T @ h))
    As = A * scale
    return np.linalg.lstsq(As.T @ As + rho * np.eye(As.shape[1]), -(As.T @ h), rcond=None)[0]


def restore(w, h, A, evaluate, *, done, scaling=None, max_step=None, hessian=None,
            objective_gradient=None, max_iter=200, tol=1e-8):
    """Run restoration from ``w`` (residual ``h``, Jacobian ``A``) until ``done(w, h)``.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(w) -> (h, A)``.
    done : callable
        ``done(w, h) -> bool``: the point is good enough to return to the main iteration.
    scaling : callable, optional
        ``scaling(w, grad) -> D`` (bounds); ones when None.
    max_step : callable, optional
        ``max_step(w, d) -> t`` (fraction to the boundary); 1 when None.
    hessian : callable, optional
        ``hessian(w, h, A) -> (N, N)`` Hessian of the violation (exact); by differences of
        ``evaluate`` when None.
    objective_gradient : callable, optional
        ``objective_gradient(w)``: a direction of negative curvature (whose sign is free for
        the violation) is turned to descend the objective too.

    Returns
    -------
    SimpleNamespace
        ``status`` in {"restored", "infeasible", "stalled", "max_iter"}, ``w``, ``h``,
        ``A``, ``steps``, ``h_norm``, ``stationarity``.
    """
    steps, stationarity = 0, np.inf
    status = "max_iter"
    for _ in range(max_iter):
        grad = A.T @ h
        scale = np.ones_like(w) if scaling is None else scaling(w, grad)
        stationarity = float(np.max(np.abs(scale * grad))) if grad.size else 0.0
        h_norm = float(np.linalg.norm(h))
        d = None
        if h_norm > 0 and stationarity <= INFEASIBLE_STATIONARITY * max(1.0, h_norm):
            if h_norm <= 10 * tol:
                status = "restored"
                break
            H = hessian(w, h, A) if hessian is not None else violation_hessian(w, h, A,
                                                                                 evaluate)
            d = negative_curvature(H, scale)
            if d is None:
                status = "infeasible"
                break
            if objective_gradient is not None and float(objective_gradient(w) @ d) > 0:
                d = -d
        if d is None and hessian is not None:  # Newton on the violation, shifted to be
            H = scale[:, None] * hessian(w, h, A) * scale[None, :]  # positive definite
            values = np.linalg.eigvalsh(H)
            shift = max(0.0, -values[0]) + SHIFT_FLOOR * max(1.0, float(np.abs(values).max()))
            d = scale * np.linalg.solve(H + shift * np.eye(H.shape[0]), -(scale * grad))
        if d is None:
            d = scale * _levenberg_marquardt(A, scale, h, h_norm)
        t = 1.0 if max_step is None else min(1.0, max_step(w, d))
        value, slope = 0.5 * h_norm ** 2, min(float(grad @ d), 0.0)
        while t > MIN_STEP:
            w_t = w + t * d
            h_t, A_t = evaluate(w_t)
            if np.all(np.isfinite(h_t)) and 0.5 * float(h_t @ h_t) < value + ARMIJO * t * slope:
                break
            t *= 0.5
        else:
            status = "stalled"
            break
        w, h, A = w_t, h_t, A_t
        steps += 1
        if done(w, h):
            status = "restored"
            break
    return SimpleNamespace(status=status, w=w, h=h, A=A, steps=steps,
                           h_norm=float(np.linalg.norm(h)), stationarity=stationarity)


def infeasible_message(result, reason):
    """The message of a run that ends locally infeasible."""
    return (f"Locally infeasible: ||c|| is stationary at a nonzero value (||c|| = "
            f"{result.h_norm:.3e}, its projected gradient {result.stationarity:.1e}; "
            f"restoration after {reason}); the constraints may be inconsistent, or start "
            "elsewhere.")
