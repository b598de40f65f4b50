"""Seeded sequences of related linear systems (Khodak et al. 2024, arXiv 2310.02246; ``scripts/``):
shifted 5-point Laplacians with Beta-distributed shifts and the 2-D heat equation with a
time-varying diffusivity (Crank–Nicolson)."""

import math

import numpy as np
import scipy.sparse as sp

from ..core.validate import as_float_array, check_choice, check_int, check_positive

#: shift distributions ``c = SHIFT_LOW + SHIFT_WIDTH * Beta(a, b)`` (``contextual.m``)
SHIFT_BETA = {"high": (0.5, 1.5), "low": (2.0, 6.0)}
SHIFT_LOW, SHIFT_WIDTH = -0.15, 0.6
#: the context interval the paper's contextual policies use for the shifts
SHIFT_RANGE = (-0.15, 0.65)


def laplacian_5point(grid):
    """The 5-point Laplacian on a ``grid x grid`` interior grid, diagonal 4 (MATLAB
    ``delsq(numgrid('S', grid + 2))``), as CSR.

    Examples
    --------
    >>> A = laplacian_5point(3)
    >>> A.shape, float(A[4, 4]), int(A.nnz)
    ((9, 9), 4.0, 33)
    """
    grid = check_int("grid", grid, low=1)
    one_d = sp.diags_array([-np.ones(grid - 1), 2.0 * np.ones(grid), -np.ones(grid - 1)],
                           offsets=[-1, 0, 1])
    eye = sp.eye_array(grid)
    matrix = (sp.kron(eye, one_d) + sp.kron(one_d, eye)).tocsr()
    matrix.eliminate_zeros()
    return matrix


def shifted_laplacian_sequence(n_instances, variance="high", grid=10, seed=0):
    """Systems ``(A + c_t I) x = b_t`` with random shifts ``c_t`` and right-hand sides.

    ``A`` is :func:`laplacian_5point` (``grid = 10``: n = 100, smallest eigenvalue ≈ 0.162);
    ``c_t = -0.15 + 0.6 Beta(0.5, 1.5)`` (``variance="high"``) or ``-0.15 + 0.6 Beta(2, 6)``
    (``"low"``); ``b_t`` is standard normal, redrawn until ``||b_t|| <= sqrt(n)``. Shifts
    near -0.15 make ``A_t`` nearly singular, which is what makes omega matter.

    Parameters
    ----------
    n_instances : int
    variance : {"high", "low"}, default "high"
    grid : int, default 10
    seed : int, default 0
        Seed of the instances' own stream (independent of any tuner's).

    Yields
    ------
    A : scipy.sparse.csr_array, shape (grid**2, grid**2)
    b : ndarray, shape (grid**2,)
    shift : float
        ``c_t``, the natural context (it lies in ``SHIFT_RANGE = (-0.15, 0.65)``).

    References
    ----------
    Khodak et al., arXiv 2310.02246 and their ``scripts/contextual.m``.

    Examples
    --------
    >>> systems = list(shifted_laplacian_sequence(3, seed=0))
    >>> A, b, c = systems[0]
    >>> A.shape, bool(-0.15 <= c <= 0.45), bool(np.linalg.norm(b) <= 10)
    ((100, 100), True, True)
    """
    n_instances = check_int("n_instances", n_instances, low=0)
    shape = SHIFT_BETA[check_choice("variance", variance, tuple(SHIFT_BETA))]
    base = laplacian_5point(grid)
    n = base.shape[0]
    eye = sp.eye_array(n, format="csr")
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    for _ in range(n_instances):
        shift = SHIFT_LOW + SHIFT_WIDTH * float(rng.beta(*shape))
        b = rng.standard_normal(n)
        while np.linalg.norm(b) > math.sqrt(n):
            b = rng.standard_normal(n)
        yield (base + shift * eye).tocsr(), b, shift


def _bump(points, centre, radius):
    """``exp(1 - 1/(1 - |x - c|^2/r^2))`` inside the ball, 0 outside (``utils/bump.m``)."""
    r2 = np.minimum(np.sum((points - centre) ** 2, axis=1) / radius ** 2, 1.0)
    out = np.zeros(points.shape[0])
    inside = r2 < 1.0
    out[inside] = np.exp(1.0 - 1.0 / (1.0 - r2[inside]))
    return out


def diffusivity(t):
    """``kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t)`` (``scripts/h2d.m``)."""
    s = np.sin(2.0 * np.pi * np.asarray(t, dtype=float))
    return np.maximum(0.1 * s, -10.0 * s)


class HeatEquation2D:
    """Crank–Nicolson steps of ``u_t = kappa(t) Laplace(u) + F`` on the unit square.

    Dirichlet boundary, 5-point Laplacian ``L`` with ``dx = 1/nx`` on the ``(nx - 1)^2``
    interior points; step ``k`` solves

    .. math:: (I - \\tfrac12\\kappa\\,dt\\,L)\\,u^{k+1} = (I + \\tfrac12\\kappa\\,dt\\,L)\\,u^k
              + dt\\,F, \\qquad \\kappa, F \\text{ at } t_k + dt/2,

    with the diffusivity of :func:`diffusivity`, the forcing ``32 bump(radius 0.125)``
    centred at ``(1/2 + cos(16 pi t)/4, 1/2 + sin(16 pi t)/4)`` and the initial bump of radius
    0.25 at the centre (``scripts/h2d.m``, ``utils/Heat2D.m``). Iterating yields
    ``(A, b, kappa)``; call :meth:`update` with the solution before the next system.

    Parameters
    ----------
    nx : int, default 25
        Grid intervals per side (the paper: 25, 50, 100, 200, 400).
    steps : int, default 5000
        Number of time steps.
    stop_time : float, default 5.0
        ``dt = stop_time / steps`` (1e-3 by default).

    Examples
    --------
    >>> import numopt as no
    >>> heat = HeatEquation2D(nx=10, steps=3)
    >>> for A, b, kappa in heat:
    ...     res = no.linear.ssor_cg(A, b, omega=1.5, x0=heat.u)
    ...     heat.update(res.x)
    >>> heat.step, heat.u.shape
    (3, (81,))
    """

    def __init__(self, nx=25, steps=5000, stop_time=5.0):
        self.nx = check_int("nx", nx, low=3)
        self.steps = check_int("steps", steps, low=1)
        self.dt = check_positive("stop_time", stop_time) / self.steps
        dx = 1.0 / self.nx
        self.laplacian = (laplacian_5point(self.nx - 1) * (-1.0 / dx ** 2)).tocsr()
        ticks = np.arange(1, self.nx) * dx
        ii, jj = np.meshgrid(ticks, ticks, indexing="ij")
        self.points = np.column_stack([ii.ravel(), jj.ravel()])
        self.u = _bump(self.points, np.array([0.5, 0.5]), 0.25)
        self.step = 0
        self._awaiting = False

    @property
    def n(self):
        """Unknowns per system, ``(nx - 1)^2``."""
        return self.points.shape[0]

    @property
    def context_range(self):
        """``(min, max)`` of the diffusivity over the run's half steps (for the tuners)."""
        half_steps = (np.arange(self.steps) + 0.5) * self.dt
        values = diffusivity(half_steps)
        return float(values.min()), float(values.max())

    def system(self):
        """``(A, b, kappa)`` of the current step."""
        half = (self.step + 0.5) * self.dt
        kappa = float(diffusivity(half))
        half_l = (0.5 * kappa * self.dt) * self.laplacian
        eye = sp.eye_array(self.n, format="csr")
        centre = np.array([0.5 + math.cos(16 * math.pi * half) / 4,
                           0.5 + math.sin(16 * math.pi * half) / 4])
        forcing = 32.0 * _bump(self.points, centre, 0.125)
        b = self.u + half_l @ self.u + self.dt * forcing
        return (eye - half_l).tocsr(), b, kappa

    def update(self, u):
        """Accept the solution of the current system and advance one step."""
        self.u = as_float_array("u", u, shape=(self.n,))
        self.step += 1
        self._awaiting = False

    def __len__(self):
        return self.steps - self.step

    def __iter__(self):
        from ..errors import InvalidProblemError

        while self.step < self.steps:
            if self._awaiting:
                raise InvalidProblemError(
                    "HeatEquation2D: call heat.update(x) with the solution of the last system "
                    "before asking for the next one (each step starts from the previous "
                    "solution).")
            self._awaiting = True
            yield self.system()
