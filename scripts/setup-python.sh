#!/usr/bin/env bash
# Creates .venv (if missing) and installs trainer/requirements.txt into it when the requirements changed
# since the last successful install (sha256 marker in .venv), then prints the versions that matter.
# Idempotent: a second run with unchanged requirements installs nothing.
#
#   scripts/setup-python.sh            # uses python3 from PATH
#   PYTHON=python3.11 scripts/setup-python.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$root/.venv}"
requirements="$root/trainer/requirements.txt"
marker="$venv/.fusecap-requirements.sha256"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv with $($python --version 2>&1)"
  "$python" -m venv "$venv"
fi

want="$(sha256sum "$requirements" | cut -d' ' -f1)"
have="$(cat "$marker" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  echo "installing $requirements into $venv"
  "$venv/bin/python" -m pip install --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install -r "$requirements"
  # Written only after a successful install, so a failed one is retried next time.
  echo "$want" > "$marker"
else
  echo "requirements unchanged since the last install ($want)"
fi

"$venv/bin/python" - <<'PY'
import importlib
for name in ("torch", "transformers", "tokenizers", "onnx", "onnxruntime", "numpy", "PIL", "pyarrow", "webdataset"):
    try:
        module = importlib.import_module(name)
        print(f"{name} {getattr(module, '__version__', '?')}")
    except Exception as error:  # report every missing package, not just the first
        print(f"{name} MISSING ({error})")
import torch
print(f"cuda available: {torch.cuda.is_available()}")
PY
