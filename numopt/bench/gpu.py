"""GPU benchmark: every family on CuPy arrays against numopt on the CPU and POT on the GPU.

Run by ``scripts/gpu_check.sh`` (``python -m numopt.bench.gpu --out gpu-report.md``); it
writes a Markdown report naming the device. Sections (each timed separately; one that fails
is reported with its error and makes the exit status non-zero, the others still run):

* optimal transport, n = m in {10 000, 20 000}, squared-Euclidean costs of random points
  scaled to max 1, reg 0.05: numopt ``sinkhorn`` / ``sinkhorn_log`` / ``sns`` on CuPy vs POT's
  ``sinkhorn`` / ``sinkhorn_log`` on the same CuPy arrays (to the same marginal tolerance) and
  vs numopt on the CPU (numba; per-iteration time over a capped run, n = 10 000 only);
* dense logistic regression, d = 4000 (m = 20 000): ``newton``, ``damped_newton``,
  ``cubic_newton``, ``lazy_newton`` on CuPy vs the same methods on NumPy (per-iteration time
  over 2 capped iterations on the CPU);
* red–black SOR on the 2048² five-point Poisson matrix (cupyx CSR) vs numba SOR on the CPU,
  time per sweep;
* batched zeroth-order evaluation: a batched Rosenbrock at k = 4096 points of d = 1000 on the
  device vs NumPy.

``--device numpy`` runs the same code with NumPy in place of CuPy at ``--size tiny`` (how the
module is checked on machines without a GPU; the figures are then meaningless).
"""

import argparse
import functools
import platform
import sys
import time
import traceback

import numpy as np

from ..backend import to_numpy

SIZES = {
    "full": dict(ot=(10_000, 20_000), ot_cpu=10_000, logreg=(20_000, 4000), grid=2048,
                 zo=(4096, 1000)),
    "tiny": dict(ot=(200, 300), ot_cpu=200, logreg=(400, 30), grid=32, zo=(64, 10)),
}
REG = 0.05
OT_TOL = 1e-6


def _device(name):
    if name == "numpy":
        return np, "CPU (NumPy stand-in: figures are not GPU figures)"
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(0)
    label = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    return cupy, f"{label} (CuPy {cupy.__version__}, CUDA runtime "\
                 f"{cupy.cuda.runtime.runtimeGetVersion()})"


def _sync(xp):
    if xp is not np:
        xp.cuda.runtime.deviceSynchronize()


def _timed(xp, fn):
    _sync(xp)
    start = time.perf_counter()
    out = fn()
    _sync(xp)
    return out, time.perf_counter() - start


def _ot_data(xp, n, seed=0):
    """Weights on the host and the cost matrix built on the device (no n x n host temp)."""
    rng = np.random.default_rng(seed)
    X, Y = xp.asarray(rng.random((n, 2))), xp.asarray(rng.random((n, 2)) + 0.1)
    M = (X[:, :1] - Y[:, 0][None, :]) ** 2 + (X[:, 1:] - Y[:, 1][None, :]) ** 2
    M /= xp.max(M)
    a = rng.random(n) + 0.5
    b = rng.random(n) + 0.5
    return a / a.sum(), b / b.sum(), M


def transport(xp, sizes):
    """numopt vs POT on the device, and vs numopt on the CPU."""
    import numopt as no

    ot = _optional("ot")
    rows = []
    for n in sizes["ot"]:
        a, b, dM = _ot_data(xp, n)
        da, db = xp.asarray(a), xp.asarray(b)
        for method in ("sinkhorn", "sinkhorn_log", "sns"):
            no.transport.sinkhorn(da, db, dM, REG, method=method, tol=OT_TOL, max_iter=3,
                                  warn=False)  # compile / warm-up
            res, seconds = _timed(xp, functools.partial(
                no.transport.sinkhorn, da, db, dM, REG, method=method, tol=OT_TOL, warn=False))
            row = dict(n=n, method=method, numopt_s=seconds, nit=res.nit,
                       marginal=float(res.marginal_error), success=bool(res.success))
            if ot is not None and method != "sns":
                pot_method = "sinkhorn" if method == "sinkhorn" else "sinkhorn_log"
                # POT stops on the absolute L2 marginal violation: give it numopt's result's
                _, pot_s = _timed(xp, functools.partial(
                    ot.sinkhorn, da, db, dM, REG, method=pot_method, numItermax=100_000,
                    stopThr=max(float(res.marginal_error), 1e-12)))
                row.update(pot_s=pot_s, vs_pot=pot_s / seconds)
            if n == sizes["ot_cpu"]:
                M = to_numpy(dM)
                cap = 50 if method != "sns" else 25
                cpu, cpu_s = _timed(np, functools.partial(
                    no.transport.sinkhorn, a, b, M, REG, method=method, tol=OT_TOL,
                    max_iter=cap, warn=False))
                per_gpu = seconds / max(res.nit, 1)
                per_cpu = cpu_s / max(cpu.nit, 1)
                row.update(cpu_s_per_iter=per_cpu, vs_cpu_per_iter=per_cpu / per_gpu)
            rows.append(row)
    return rows


def logistic(xp, sizes):
    """Second-order methods on a dense logistic regression, device vs CPU."""
    import numopt as no

    m, d = sizes["logreg"]
    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, d)) / np.sqrt(d)
    y = np.where(A @ rng.standard_normal(d) + 0.5 * rng.standard_normal(m) > 0, 1.0, -1.0)
    device = no.problems.LogisticRegression(xp.asarray(A), xp.asarray(y), l2=1.0)
    host = no.problems.LogisticRegression(A, y, l2=1.0)
    rows = []
    for method in ("newton", "damped_newton", "cubic_newton", "lazy_newton"):
        res, seconds = _timed(xp, lambda mt=method: no.minimize(device, method=mt, tol=1e-8))
        cpu, cpu_s = _timed(np, lambda mt=method: no.minimize(host, method=mt, tol=1e-8,
                                                               max_iter=2, backend="numpy"))
        per_gpu, per_cpu = seconds / max(res.nit, 1), cpu_s / max(cpu.nit, 1)
        rows.append(dict(method=method, m=m, d=d, device_s=seconds, nit=res.nit,
                         grad_norm=res.grad_norm, success=bool(res.success),
                         cpu_s_per_iter=per_cpu, vs_cpu_per_iter=per_cpu / per_gpu))
    return rows


def sor(xp, sizes):
    """Red–black SOR sweeps on the Poisson grid (cupyx CSR) vs numba SOR on the CPU."""
    import scipy.sparse as sp

    import numopt as no

    n = sizes["grid"]
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n))
    A = (sp.kron(sp.eye(n), T) + sp.kron(T, sp.eye(n))).tocsr()
    b = np.ones(n * n)
    sweeps = 200
    if xp is np:
        dA = A
    else:
        import cupyx.scipy.sparse as cusparse

        dA = cusparse.csr_matrix(A)
    db = xp.asarray(b)

    def device(k):
        return no.linear.sor(dA, db, omega=1.9, tol=1e-14, max_iter=k, ordering="red_black")

    def host(k):
        return no.linear.sor(A, b, omega=1.9, tol=1e-14, max_iter=k, backend="numba")

    # per sweep = (time of 1 + sweeps) - (time of 1): the set-up (colouring, permutation,
    # transfers, compilation) is reported apart
    device(1), host(1)  # compile / warm up
    (_, setup), (_, total) = _timed(xp, lambda: device(1)), _timed(xp, lambda: device(
        1 + sweeps))
    (_, cpu_setup), (_, cpu_total) = _timed(np, lambda: host(1)), _timed(np, lambda: host(
        1 + sweeps))
    per_gpu, per_cpu = (total - setup) / sweeps, (cpu_total - cpu_setup) / sweeps
    return [dict(grid=f"{n}x{n}", unknowns=n * n, sweeps=sweeps, device_setup_s=setup,
                 device_s_per_sweep=per_gpu, cpu_s_per_sweep=per_cpu,
                 vs_cpu=per_cpu / per_gpu)]


def zeroth(xp, sizes):
    """One batched evaluation of k points: the user's function on the device vs NumPy."""
    from numopt.zeroth.evaluate import Evaluator

    k, d = sizes["zo"]

    def rosenbrock(lib):
        def f(X):
            X = lib.asarray(X)
            return lib.sum(100.0 * (X[:, 1:] - X[:, :-1] ** 2) ** 2 + (1.0 - X[:, :-1]) ** 2,
                           axis=1)
        return f

    X = np.random.default_rng(0).standard_normal((k, d))
    on_device = Evaluator(rosenbrock(xp), batched=True)
    on_host = Evaluator(rosenbrock(np), batched=True)
    on_device(X)  # warm-up
    values, seconds = _timed(xp, lambda: [on_device(X) for _ in range(10)][-1])
    ref, cpu_s = _timed(np, lambda: [on_host(X) for _ in range(10)][-1])
    err = float(np.max(np.abs(values - ref) / np.maximum(1.0, np.abs(ref))))
    return [dict(points=k, dim=d, device_s=seconds / 10, cpu_s=cpu_s / 10,
                 vs_cpu=cpu_s / seconds, max_rel_diff=err)]


def _optional(name):
    try:
        return __import__(name)
    except ImportError:
        return None


SECTIONS = (
    ("Optimal transport (reg 0.05, tol 1e-6): numopt on the device vs POT on the device and "
     "numopt on the CPU", transport),
    ("Dense logistic regression, second-order methods", logistic),
    ("Red–black SOR, 5-point Poisson", sor),
    ("Batched zeroth-order evaluation (Rosenbrock)", zeroth),
)


def run(device="cupy", size="full"):
    """Run every section; return ``(markdown, failed)``."""
    import warnings

    from ..errors import ConvergenceWarning
    from .common import markdown_table

    warnings.simplefilter("ignore", ConvergenceWarning)  # capped runs are capped on purpose
    xp, label = _device(device)
    sizes = SIZES[size]
    lines = ["# numopt GPU check", "", f"- device: **{label}**",
             f"- host: {platform.machine()}, Python {platform.python_version()}",
             f"- size: {size}", ""]
    failed = False
    for title, section in SECTIONS:
        lines += [f"## {title}", ""]
        start = time.perf_counter()
        try:
            rows = section(xp, sizes)
        except Exception:
            failed = True
            lines += ["**failed:**", "", "```", traceback.format_exc(), "```", ""]
            continue
        lines += [markdown_table(rows, list(rows[0])), "",
                  f"_section time {time.perf_counter() - start:.1f} s_", ""]
    return "\n".join(lines), failed


def main(argv=None):
    """``python -m numopt.bench.gpu [--device cupy|numpy] [--size full|tiny] --out FILE``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cupy", "numpy"), default="cupy")
    parser.add_argument("--size", choices=tuple(SIZES), default="full")
    parser.add_argument("--out", default="gpu-report.md")
    args = parser.parse_args(argv)
    text, failed = run(args.device, args.size)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
