#!/usr/bin/env bash
# One-command GPU check for numopt (issue 18): at most 8 minutes on one H100.
#
#   scripts/gpu_check.sh [REPORT]        # default REPORT: gpu-report.md
#
# 1. installs the `gpu` extra (CuPy for CUDA 12) unless CuPy already imports
#    (set NUMOPT_GPU_NO_INSTALL=1 to skip; an offline machine needs the wheels pre-installed),
# 2. runs `pytest -m gpu` (every family's GPU tests; none may skip for lack of a device),
# 3. runs the GPU benchmark `python -m numopt.bench.gpu`, which writes REPORT (Markdown,
#    device named) with ratios to numopt on the CPU and to POT on the GPU.
# Exit status: 0 when the tests pass and every benchmark section ran; non-zero otherwise.
# Stage limits (seconds): install 120, tests 150, benchmark 180 -> 450 s < 8 min.
set -uo pipefail

REPORT="${1:-gpu-report.md}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
PY="${PYTHON:-python}"
status=0
start=$(date +%s)

stage() { echo; echo "=== [$(( $(date +%s) - start )) s] $*"; }

stage "device"
if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
else
    echo "nvidia-smi not found"
fi

stage "install the gpu extra"
if "$PY" -c "import cupy" >/dev/null 2>&1; then
    echo "CuPy already installed: $("$PY" -c 'import cupy; print(cupy.__version__)')"
elif [ "${NUMOPT_GPU_NO_INSTALL:-0}" = "1" ]; then
    echo "NUMOPT_GPU_NO_INSTALL=1 and CuPy is missing" >&2
    exit 3
else
    timeout 120 "$PY" -m pip install --quiet -e ".[gpu]" || {
        echo "installing the gpu extra failed (offline? install cupy-cuda12x first)" >&2
        exit 3
    }
fi
"$PY" - <<'EOF' || exit 4
from numopt.backend import cupy_status
ok, reason = cupy_status()
print("cupy_status:", ok, reason)
raise SystemExit(0 if ok else 1)
EOF

stage "pytest -m gpu"
# -rs lists skips: on a GPU machine a skipped GPU test is a failure of this check
timeout 150 "$PY" -m pytest -q -m gpu -p no:cacheprovider -rs tests/ \
    2>&1 | tee gpu-pytest.log
test_status=${PIPESTATUS[0]}
if [ "$test_status" -ne 0 ]; then
    echo "pytest -m gpu failed (status $test_status)" >&2
    status=1
fi
if grep -q "^SKIPPED" gpu-pytest.log; then
    echo "GPU tests were skipped on a GPU machine:" >&2
    grep "^SKIPPED" gpu-pytest.log >&2
    status=1
fi

stage "GPU benchmark -> $REPORT"
if ! timeout 180 "$PY" -m numopt.bench.gpu --out "$REPORT"; then
    echo "the GPU benchmark failed or ran past its limit (see $REPORT)" >&2
    status=1
fi

stage "done (status $status)"
exit $status
