#!/usr/bin/env bash
# Every GPU figure in one call (see bench/gpu/run.py for the phases). On a lent GPU machine, from the
# repository root:
#
#   bash bench/gpu/run.sh            # ~8 minutes; figures on stdout, last line one JSON object, files in $OUT
#   bash bench/gpu/run.sh --smoke    # tiny sizes, CPU is fine: the check that it still runs
#
# Python: .venv/bin/python when it exists and imports torch (this project's machines), else python3
# (the GPU machine's image has torch and transformers preinstalled). Needs nothing from the network.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PY=python3
if [ -x .venv/bin/python ] && .venv/bin/python -c 'import torch' 2>/dev/null; then PY=.venv/bin/python; fi
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
exec "$PY" bench/gpu/run.py "$@"
