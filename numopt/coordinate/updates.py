"""Block updates (Nutini, Laradji & Schmidt, JMLR 2022, §4 and §6, arXiv 1712.08859).

Each update maps the block gradient ``g_b`` to a new block ``x_b⁺`` and returns
``(x⁺, aux⁺, F(x⁺), info)`` or raises :class:`UpdateFailed`. With an L1 or non-negativity
term ``h`` every update is the proximal version: ``lipschitz``/``line_search`` take a
proximal gradient step with ``L_b``; ``matrix``, ``newton`` and ``exact`` minimise the
block model ``g_bᵀt + ½tᵀHt + h(x_b + t)`` (``H = M_bb``, the Hessian block, or ``Q_bb``) by
coordinate descent in a numba kernel; ``newton`` then backtracks (Armijo).
"""

import numpy as np
import scipy.linalg as sla

from ..core.linesearch import Armijo
from . import _kernels, _reference
from .prox import h_value, prox_step

UPDATES = ("lipschitz", "line_search", "matrix", "newton", "exact")
LS_GROWTH = 2.0  # L_b doubling in the Lipschitz line search, authors' code [C] (spec §2.2)
LS_MAX_DOUBLINGS = 60  # 2**60 ≈ 1e18: beyond this the block gradient is wrong, not small
QP_MAX_SWEEPS = 2000  # coordinate-descent sweeps for the block model with h (bounded)
QP_TOL = 1e-13  # sweep stops when no entry moves by more than this (relative)


ROUNDING_SLOPE = 1e-13  # |slope| below this × max(1, |F|) is lost in rounding


class UpdateFailed(Exception):
    """An update could not produce a decrease (line search or factorization failure)."""


class Stalled(UpdateFailed):
    """The predicted decrease is below rounding level: no further progress is possible."""


def objective(ctx, x, aux):
    """``F(x) = f(x) + h(x)``."""
    smooth = ctx.model.smooth(x, aux)
    return smooth + h_value(x, ctx.l1, ctx.nonneg) if ctx.composite else smooth


def moved(ctx, x, aux, block, delta):
    """``(x + E_b delta, aux after the move)``."""
    x_new = x.copy()
    x_new[block] += delta
    return x_new, ctx.model.moved(aux, block, delta)


def apply(ctx, kind, x, aux, fun, g_block, block, block_lipschitz, backend_name):
    """Run update ``kind`` on ``block``; returns ``(x⁺, aux⁺, F(x⁺), info)``.

    ``block_lipschitz`` is the starting estimate for ``line_search`` (``L_b`` otherwise);
    ``info`` holds ``lipschitz`` (the accepted estimate), ``step`` (Newton's Armijo step) and
    ``fallback`` (True when Newton used ``M_bb`` because the Hessian block was singular).
    """
    xb = x[block]
    info = {"lipschitz": block_lipschitz, "step": 1.0, "fallback": False}
    if kind == "lipschitz":
        delta = _prox_delta(ctx, xb, g_block, block_lipschitz)
    elif kind == "line_search":
        return _line_search(ctx, x, aux, g_block, block, block_lipschitz, info)
    elif kind == "newton":
        return _newton(ctx, x, aux, fun, g_block, block, info, backend_name)
    else:  # matrix, exact: the global bound M_bb is the exact Hessian block for quadratics
        if ctx.composite:
            delta = _block_model(ctx, ctx.model.bound_block(block), xb, g_block,
                                 backend_name) - xb
        else:
            try:
                delta = -ctx.block_solve(block, g_block)
            except np.linalg.LinAlgError as err:
                raise UpdateFailed(f"the block matrix M_bb is singular: {err}") from err
    x_new, aux_new = moved(ctx, x, aux, block, delta)
    return x_new, aux_new, objective(ctx, x_new, aux_new), info


def _prox_delta(ctx, xb, g_block, lipschitz):
    if not ctx.composite:
        return -g_block / lipschitz
    return prox_step(xb, g_block, lipschitz, ctx.l1, ctx.nonneg) - xb


def _line_search(ctx, x, aux, g_block, block, lipschitz, info):
    """Double ``L`` until ``f(x⁺) ≤ f(x) + g_bᵀΔ + (L/2)‖Δ‖²`` (for ``h = 0`` this is
    ``f(x⁺) ≤ f(x) − ‖g_b‖²/(2L)``); the accepted ``L`` is kept for the next visit."""
    smooth0 = ctx.model.smooth(x, aux)
    for _ in range(LS_MAX_DOUBLINGS):
        delta = _prox_delta(ctx, x[block], g_block, lipschitz)
        x_new, aux_new = moved(ctx, x, aux, block, delta)
        bound = smooth0 + g_block @ delta + 0.5 * lipschitz * float(delta @ delta)
        smooth = ctx.model.smooth(x_new, aux_new)
        if smooth <= bound + 1e-12 * abs(smooth0):
            info["lipschitz"] = lipschitz
            value = smooth + (h_value(x_new, ctx.l1, ctx.nonneg) if ctx.composite else 0.0)
            return x_new, aux_new, value, info
        lipschitz *= LS_GROWTH
    raise UpdateFailed(f"the Lipschitz line search doubled L_b {LS_MAX_DOUBLINGS} times "
                       "without a decrease")


def _block_model(ctx, H, xb, g_block, backend_name):
    kernels = _kernels if backend_name == "numba" else _reference
    z, _ = kernels.block_qp_cd(np.ascontiguousarray(H), g_block, xb, ctx.l1, ctx.nonneg,
                               QP_MAX_SWEEPS, QP_TOL)
    return z


def _newton(ctx, x, aux, fun, g_block, block, info, backend_name):
    """Block (proximal) Newton step with Armijo backtracking on ``F``; the slope is
    ``g_bᵀΔ + h(x_b + Δ) − h(x_b)`` (Lee, Sun & Saunders, SIAM J. Optim. 2014, eq. 2.14)."""
    H = ctx.model.hess_block(x, aux, block)
    xb = x[block]
    try:
        sla.cho_factor(H)
    except np.linalg.LinAlgError:
        H = ctx.model.bound_block(block)
        info["fallback"] = True
    if ctx.composite:
        delta = _block_model(ctx, H, xb, g_block, backend_name) - xb
        # h(x_b + Δ) − h(x_b) entry by entry, so the slope keeps its accuracy near x*
        slope = float(g_block @ delta) + ctx.l1 * float(np.sum(np.abs(xb + delta) - np.abs(xb)))
    else:
        try:
            delta = -sla.cho_solve(sla.cho_factor(H), g_block)
        except np.linalg.LinAlgError as err:
            raise UpdateFailed(f"the block Hessian and its bound are singular: {err}") from err
        slope = float(g_block @ delta)
    if not np.any(delta) or slope >= 0:
        return x, aux, fun, info
    if ctx.model.quadratic:  # the unit step minimises the block model exactly
        x_new, aux_new = moved(ctx, x, aux, block, delta)
        return x_new, aux_new, objective(ctx, x_new, aux_new), info
    trial = {}

    def phi(t):
        trial[t] = moved(ctx, x, aux, block, t * delta)
        return objective(ctx, *trial[t])

    def dphi(t):  # right derivative of F along Δ at t
        x_t, aux_t = trial[t]
        value = float(ctx.model.block_grad(x_t, aux_t, block) @ delta)
        if ctx.l1:
            xt = x_t[block]
            value += ctx.l1 * float(np.where(xt != 0, np.sign(xt), np.sign(delta)) @ delta)
        return value

    t, value = Armijo().search(phi, fun, slope, step=1.0, dphi=dphi)
    if t is None and -slope <= ROUNDING_SLOPE * max(1.0, abs(fun)):
        raise Stalled(f"the block Newton decrease {-slope:.2e} is below rounding level")
    if t is None:
        raise UpdateFailed("Armijo backtracking found no decrease along the block Newton "
                           "direction")
    info["step"] = t
    return *trial[t], value, info
