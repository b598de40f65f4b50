"""Linear systems benchmark (issue 5): omega tuning across sequences, the compiled SOR sweep
against PyAMG's, and SSOR-preconditioned CG against plain CG.

* **Bandits** — the shifted-Laplacian sequences of Khodak et al. (arXiv 2310.02246,
  ``scripts/contextual.m``): total SOR iterations of Tsallis-INF, ChebCB and
  Tsallis-INF-CB against Gauss–Seidel (omega = 1), the best fixed grid omega in hindsight,
  the per-instance grid optimum and Young's asymptotically optimal omega per instance.
  Iteration counts are exact and hardware-independent; every arm of every instance is
  priced by the compiled kernel.
* **Sweep** — seconds per forward SOR sweep on the 2-D Poisson matrix (256² and 512²),
  numopt's numba kernel and ``pyamg.relaxation.relaxation.sor`` interleaved, best of
  several repeats, reported as a ratio.
* **Heat** — Crank–Nicolson steps of the 2-D heat equation (``scripts/h2d.m``): SciPy's
  plain CG against SSOR-CG with fixed and learned omega, all warm-started from the
  previous step.
"""

import math

import numpy as np

from .common import Case, Section, markdown_table, peer, ratio, save_figure, timed

TITLE = "Linear systems: bandit-tuned SOR omega, SOR sweep vs PyAMG, SSOR-CG vs CG"
PEERS = ("pyamg", "scipy")
GRID = tuple(np.linspace(1.0, 1.95, 20).tolist())
SHIFT_RANGE = (-0.15, 0.65)
POLICIES = {"Tsallis-INF": ("tsallis_inf", {}),
            "ChebCB": ("chebcb", {"context_range": SHIFT_RANGE}),
            "Tsallis-INF-CB": ("tsallis_inf_cb", {"context_range": SHIFT_RANGE, "bins": 5})}
BANDIT_INSTANCES = {True: 300, False: 5000}
SWEEP_GRIDS = {True: (256, 512), False: (256, 512)}
SWEEP_OMEGAS = (1.0, 1.5)
SWEEPS, REPEATS = 5, 7
HEAT = {True: ((25, 100),), False: ((25, 1000), (50, 1000), (100, 1000))}
HEAT_OMEGAS = (1.0, 1.5)
SEED = 0


def cases(quick):
    """Bandit sequences, sweep timings per grid size and heat runs per nx."""
    variances = ("high",) if quick else ("high", "low")
    out = [Case("linear", f"bandits {v}", {"kind": "bandits", "variance": v,
                                           "n": BANDIT_INSTANCES[quick]}) for v in variances]
    out += [Case("linear", f"sweep {m}^2", {"kind": "sweep", "grid": m})
            for m in SWEEP_GRIDS[quick]]
    out += [Case("linear", "threads 512^2", {"kind": "threads", "grid": 512}),
            Case("linear", "first call", {"kind": "first_call"})]
    out += [Case("linear", f"heat nx={nx}", {"kind": "heat", "nx": nx, "steps": steps})
            for nx, steps in HEAT[quick]]
    return out


def run_case(case):
    """Dispatch on the case kind."""
    kind = case.params["kind"]
    if kind == "bandits":
        return _bandits(case.params["variance"], case.params["n"])
    if kind == "threads":
        return _threads(case.params["grid"])
    if kind == "first_call":
        return _first_call()
    if kind == "sweep":
        return _sweep(case.params["grid"])
    return _heat(case.params["nx"], case.params["steps"])


# ----------------------------------------------------------------------------- bandits
def _young_omega(shift, base_min, base_max, diag):
    """Young's omega* for ``A + shift I`` from the Jacobi spectral radius (known spectrum)."""
    rho = max(abs(1.0 - (base_min + shift) / (diag + shift)),
              abs(1.0 - (base_max + shift) / (diag + shift)))
    return 2.0 / (1.0 + math.sqrt(1.0 - rho ** 2))


def _reference_costs(variance, n):
    from ..linear._costs import grid_costs
    from ..linear._system import as_system
    from ..problems import shifted_laplacian_sequence

    grid = 10
    k = np.arange(1, grid + 1)
    eig = 2.0 - 2.0 * np.cos(np.pi * k / (grid + 1))
    base_min, base_max = 2 * eig.min(), 2 * eig.max()
    costs, young, contexts = [], [], []
    for A, b, shift in shifted_laplacian_sequence(n, variance, grid=grid, seed=SEED):
        system, _ = as_system(A, b, None, backend="numba", method="sor",
                              supported=("numba",))
        costs.append(grid_costs(system, None, GRID)[0])
        omega = _young_omega(shift, base_min, base_max, 4.0)
        young.append(grid_costs(system, None, [omega])[0][0])
        contexts.append(shift)
    return np.asarray(costs), np.asarray(young), np.asarray(contexts)


def _bandits(variance, n):
    from ..linear import OmegaTuner
    from ..problems import shifted_laplacian_sequence

    costs, young, _ = _reference_costs(variance, n)
    best = int(np.argmin(costs.sum(axis=0)))
    curves = {"Gauss–Seidel (omega=1)": costs[:, 0],
              f"best fixed omega={GRID[best]:.2f}": costs[:, best],
              "instance-optimal (grid)": costs.min(axis=1),
              "instance-optimal (Young omega*)": young}
    rows = [_bandit_row(variance, label, curve, costs, best, None)
            for label, curve in curves.items()]
    for label, (policy, options) in POLICIES.items():
        tuner = OmegaTuner(policy, seed=SEED, **options)

        def play(tuner=tuner):
            for A, b, shift in shifted_laplacian_sequence(n, variance, seed=SEED):
                tuner.solve(A, b, context=shift)
            return tuner.report()

        report, seconds, _ = timed(play)
        rows.append(_bandit_row(variance, label, report.iterations, costs, best, seconds,
                                omega=report.omega))
    return rows


def _bandit_row(variance, label, curve, costs, best, seconds, omega=None):
    curve = np.asarray(curve)
    fixed = costs[:, best]
    tail = max(len(curve) // 5, 1)
    return {"kind": "bandits", "problem": f"shifted Laplacian, {variance} variance",
            "solver": label, "instances": len(curve), "total": int(curve.sum()),
            "mean": float(curve.mean()), "vs best fixed": ratio(curve.sum(), fixed.sum()),
            "last 20% vs best fixed": ratio(curve[-tail:].sum(), fixed[-tail:].sum()),
            "vs instance-optimal": ratio(curve.sum(), costs.min(axis=1).sum()),
            "vs Gauss–Seidel": ratio(curve.sum(), costs[:, 0].sum()), "time": seconds,
            "curve": curve.tolist(), "omega": None if omega is None else omega.tolist()}


# ----------------------------------------------------------------------------- sweep
def _sweep(grid):
    from ..linear._kernels import csr_arrays, sor_sweep

    pyamg = peer("pyamg")
    gallery = peer("pyamg.gallery")
    A = gallery.poisson((grid, grid), format="csr")
    n = A.shape[0]
    b = np.ones(n)
    indptr, indices, data = csr_arrays(A)
    diag = A.diagonal()
    rows = []
    for omega in SWEEP_OMEGAS:
        mine = lambda x, omega=omega: sor_sweep(indptr, indices, data, diag, b, x,  # noqa: E731
                                                omega, False)
        theirs = lambda x, omega=omega: pyamg.relaxation.relaxation.sor(  # noqa: E731
            A, x, b, omega, iterations=1)
        best = {"numopt": math.inf, "pyamg": math.inf}
        for _ in range(REPEATS):
            for name, sweep in (("numopt", mine), ("pyamg", theirs)):
                x = np.zeros(n)
                _, seconds, _ = timed(lambda sweep=sweep, x=x: [sweep(x) for _ in range(SWEEPS)])
                best[name] = min(best[name], seconds / SWEEPS)
        x, y = np.zeros(n), np.zeros(n)
        mine(x)
        theirs(y)
        tested = _stop_test_timings(A, b, omega, pyamg)
        rows.append({"kind": "sweep", "problem": f"Poisson {grid}^2 (n={n})", "omega": omega,
                     "numopt s/sweep": best["numopt"], "pyamg s/sweep": best["pyamg"],
                     "numopt/pyamg": ratio(best["numopt"], best["pyamg"]),
                     "max |x - x_pyamg|": float(np.abs(x - y).max()), **tested})
    return rows


def _stop_test_timings(A, b, omega, pyamg, sweeps=20):
    """``sweeps`` SOR sweeps *with* the residual stopping test (``tol=0``, so all of them
    run), against PyAMG's ``sweeps`` bare sweeps: the test fused into the sweep
    (``sor_iterations``, one sweep ahead) and, for reference, a separate residual pass per
    sweep (``sor_sweep`` + ``residual_norm``, what the solver did before issue 14)."""
    from ..linear._kernels import csr_arrays, residual_norm, sor_iterations, sor_sweep

    indptr, indices, data = csr_arrays(A)
    diag = A.diagonal()

    def fused(x):
        sor_iterations(indptr, indices, data, diag, b, x, omega, False, 0.0, 0.0, sweeps, 1e10)

    def unfused(x):
        for _ in range(sweeps):
            sor_sweep(indptr, indices, data, diag, b, x, omega, False)
            residual_norm(indptr, indices, data, b, x)

    def bare(x):
        pyamg.relaxation.relaxation.sor(A, x, b, omega, iterations=sweeps)

    best = {"fused": math.inf, "unfused": math.inf, "pyamg": math.inf}
    runs = {"fused": fused, "unfused": unfused, "pyamg": bare}
    for _ in range(REPEATS):
        for name, fn in runs.items():
            _, seconds, _ = timed(fn, np.zeros(A.shape[0]))
            best[name] = min(best[name], seconds)
    return {f"{sweeps} sweeps + test, fused / pyamg bare": ratio(best["fused"], best["pyamg"]),
            f"{sweeps} sweeps + test, unfused / pyamg bare": ratio(best["unfused"],
                                                                  best["pyamg"])}


# ----------------------------------------------------------------------------- threads
def _spin(stop):
    while not stop.is_set():
        pass


def _threads(grid, sweeps=10):
    """The multi-threaded red–black SOR sweep against its serial twin, idle and beside two
    busy processes: forced onto all numba threads, and with the thread count that
    :func:`numopt.backend.threads.kernel_threads` picks (the target: within 1.2x of serial
    under load)."""
    import multiprocessing

    import numba

    from ..backend import threads
    from ..linear._kernels import (
        RB_PARALLEL_MIN_NNZ,
        csr_arrays,
        rb_sweep_residual,
        rb_sweep_residual_serial,
    )
    from ..linear._redblack import two_colouring

    gallery = peer("pyamg.gallery")
    A = gallery.poisson((grid, grid), format="csr")
    colour = two_colouring(A)
    red, black = (np.flatnonzero(colour == c).astype(np.int64) for c in (0, 1))
    args = (*csr_arrays(A), A.diagonal(), np.ones(A.shape[0]))

    def timing(count):
        best = math.inf
        for _ in range(REPEATS):
            x = np.zeros(A.shape[0])
            _, seconds, _ = timed(lambda x=x: [threads.run_with_threads(
                rb_sweep_residual, rb_sweep_residual_serial, count, *args, x, 1.5, False, red,
                black) for _ in range(sweeps)])
            best = min(best, seconds / sweeps)
        return best

    rows = []
    for load in (0, 2):
        stop = multiprocessing.Event()
        busy = [multiprocessing.Process(target=_spin, args=(stop,)) for _ in range(load)]
        for proc in busy:
            proc.start()
        try:
            threads._cache["at"] = -1e9  # re-read the load average now
            serial = timing(1)
            forced = timing(numba.get_num_threads())
            chosen = threads.kernel_threads(A.nnz, RB_PARALLEL_MIN_NNZ)
            auto = timing(chosen)
        finally:
            stop.set()
            for proc in busy:
                proc.join()
        rows.append({"kind": "threads", "problem": f"Poisson {grid}^2 red–black sweep",
                     "busy processes": load, "numba threads": numba.get_num_threads(),
                     "chosen threads": chosen, "serial s/sweep": serial,
                     "all threads / serial": ratio(forced, serial),
                     "chosen / serial": ratio(auto, serial)})
    return rows


def _first_call():
    """Seconds of ``import numopt`` and of the first SOR solve in a fresh process (numba's
    on-disk cache loaded, or compiled when the cache is cold), natural and red–black."""
    import json
    import subprocess
    import sys

    code = (
        "import json, time; t0 = time.perf_counter(); import numopt as no, numpy as np; "
        "t1 = time.perf_counter(); A = 4 * np.eye(4) - np.eye(4, k=1) - np.eye(4, k=-1); "
        "no.linear.sor(A, np.ones(4)); t2 = time.perf_counter(); "
        "no.linear.sor(A, np.ones(4), ordering='red_black', backend='numba'); "
        "t3 = time.perf_counter(); no.linear.sor(A, np.ones(4)); t4 = time.perf_counter(); "
        "print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    imported, natural, red_black, again = json.loads(out.stdout.strip().splitlines()[-1])
    return [{"kind": "first_call", "import numopt s": imported,
             "first sor (natural) s": natural, "first sor (red-black, numba) s": red_black,
             "second sor s": again}]


# ----------------------------------------------------------------------------- heat
def _heat(nx, steps):
    from scipy.sparse.linalg import cg

    from ..linear import OmegaTuner, ssor_cg
    from ..problems import HeatEquation2D

    def simulate(solve):
        heat = HeatEquation2D(nx=nx, steps=steps, stop_time=steps * 1e-3)
        total = 0
        for A, b, kappa in heat:
            x, nit = solve(A, b, kappa, heat.u)
            total += nit
            heat.update(x)
        return total

    def plain_cg(A, b, kappa, u):
        count = []
        x, info = cg(A, b, x0=u, rtol=1e-8, maxiter=10_000, callback=count.append)
        return x, len(count)

    def fixed(omega):
        def solve(A, b, kappa, u):
            res = ssor_cg(A, b, omega=omega, x0=u)
            return res.x, res.nit
        return solve

    def learned(policy):
        context_range = HeatEquation2D(nx=3, steps=steps, stop_time=steps * 1e-3).context_range
        tuner = OmegaTuner(policy, seed=SEED, context_range=context_range, solver="ssor_cg",
                           bins=6)

        def solve(A, b, kappa, u):
            res = tuner.solve(A, b, context=kappa, x0=u)
            return res.x, res.nit
        return solve

    methods = {"CG (SciPy)": plain_cg}
    methods.update({f"SSOR-CG omega={w}": fixed(w) for w in HEAT_OMEGAS})
    methods.update({"SSOR-CG Tsallis-INF": learned("tsallis_inf"),
                    "SSOR-CG ChebCB": learned("chebcb")})
    rows = []
    for label, solve in methods.items():
        total, seconds, _ = timed(simulate, solve)
        rows.append({"kind": "heat", "problem": f"heat nx={nx} ({steps} steps)",
                     "n": (nx - 1) ** 2, "solver": label, "total iterations": total,
                     "time": seconds})
    base = rows[0]
    for row in rows:
        row["iterations vs CG"] = ratio(row["total iterations"], base["total iterations"])
        row["time vs CG"] = ratio(row["time"], base["time"])
    return rows


# ----------------------------------------------------------------------------- report
def _figure(rows, outdir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problems = list(dict.fromkeys(r["problem"] for r in rows))
    fig, axes = plt.subplots(2, len(problems), figsize=(6.0 * len(problems), 7.5),
                             squeeze=False, sharex=True)
    for column, problem in enumerate(problems):
        mine = [r for r in rows if r["problem"] == problem]
        fixed = np.cumsum(next(r["curve"] for r in mine if r["solver"].startswith("best")))
        learned = [np.cumsum(r["curve"]) for r in mine if r["omega"] is not None]
        top, bottom = axes[0, column], axes[1, column]
        for r in mine:
            style = "-" if r["omega"] is not None else "--"
            cumulative = np.cumsum(r["curve"])
            instances = np.arange(1, r["instances"] + 1)
            top.plot(instances, cumulative, style, label=r["solver"])
            bottom.plot(instances, cumulative / fixed, style, label=r["solver"])
        top.set_ylim(0, 1.5 * max(c[-1] for c in learned))
        top.set(ylabel="cumulative SOR iterations", title=f"{problem} (Gauss–Seidel clipped)")
        bottom.set(xlabel="instance", ylabel="cumulative / best fixed omega", ylim=(0.4, 2.0))
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
        top.legend(fontsize=8)
    return save_figure(fig, outdir, "linear_cumulative_cost.png")


def summarize(rows, outdir):
    """Bandit, sweep and heat tables plus the cumulative-cost figure."""
    bandits = [r for r in rows if r["kind"] == "bandits"]
    sweeps = [r for r in rows if r["kind"] == "sweep"]
    heat = [r for r in rows if r["kind"] == "heat"]
    thread_rows = [r for r in rows if r["kind"] == "threads"]
    first = [r for r in rows if r["kind"] == "first_call"]
    text = []
    figures = []
    if bandits:
        text += ["### Omega tuning on shifted-Laplacian sequences (total SOR iterations, tol "
                 "1e-8, 20-arm grid 1.0..1.95, seed 0)", "",
                 markdown_table(bandits, ["problem", "solver", "instances", "total", "mean",
                                          "vs best fixed", "last 20% vs best fixed",
                                          "vs instance-optimal", "vs Gauss–Seidel", "time"]),
                 ""]
        figures.append(_figure(bandits, outdir))
    if sweeps:
        text += ["### One forward SOR sweep: numopt (numba) vs pyamg (C++), best of "
                 f"{REPEATS} x {SWEEPS} sweeps, interleaved", "",
                 markdown_table(sweeps, ["problem", "omega", "numopt s/sweep", "pyamg s/sweep",
                                         "numopt/pyamg", "max |x - x_pyamg|"]), "",
                 "20 sweeps with the residual stopping test (tol=0: all run) against PyAMG's "
                 "20 bare sweeps; the fused kernel computes the residual inside the sweep "
                 "(one sweep ahead), the unfused one adds a residual pass per sweep:", "",
                 markdown_table(sweeps, ["problem", "omega",
                                         "20 sweeps + test, fused / pyamg bare",
                                         "20 sweeps + test, unfused / pyamg bare"]), ""]
    if thread_rows:
        text += ["### Multi-threaded red–black SOR sweep vs its serial twin, idle and under "
                 "load (two busy processes beside it); 'chosen' is the thread count "
                 "numopt.backend.threads.kernel_threads picks", "",
                 markdown_table(thread_rows, ["problem", "busy processes", "numba threads",
                                              "chosen threads", "serial s/sweep",
                                              "all threads / serial", "chosen / serial"]),
                 ""]
    if first:
        text += ["### First-call cost in a fresh process (numba on-disk cache)", "",
                 markdown_table(first, ["import numopt s", "first sor (natural) s",
                                        "first sor (red-black, numba) s", "second sor s"]),
                 ""]
    if heat:
        text += ["### 2-D heat equation, Crank–Nicolson, warm-started solves (tol 1e-8)", "",
                 markdown_table(heat, ["problem", "n", "solver", "total iterations",
                                       "iterations vs CG", "time", "time vs CG"]), ""]
    return Section(TITLE, "\n".join(text), figures)
