#!/usr/bin/env bash
# fusecap's whole check, as CI runs it (`npm test`): setup, typecheck, lint, then every test file under
# test/ against a real PostgreSQL and a real Temporal dev server started for this run.
#
#   bash scripts/test-all.sh                      # everything
#   bash scripts/test-all.sh test/services/*.ts   # just these files (still with setup and services)
#
# Environment:
#   FUSECAP_TEST_EXTERNAL_SERVICES=1  use the TEMPORAL_ADDRESS / DATABASE_URL already set instead of
#                                     starting our own (by default they are ignored so a developer's
#                                     `fusecap up` data is never touched by tests)
#   FUSECAP_KEEP_SERVICES=1           keep the test services (in .fusecap/test-services/shared) running
#                                     afterwards and reuse them next time (faster reruns)
#   FUSECAP_SKIP_CHECKS=1             skip typecheck and lint
#   FUSECAP_TEST_TIMEOUT_MS           per-test timeout (default 900000)
#   FUSECAP_TEST_CONCURRENCY          test files run at once (default 2; the machines have 2 cores)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
START=$SECONDS
say() { printf '[test-all] %s\n' "$*" >&2; }

bash scripts/setup.sh
export ONNXRUNTIME_NODE_INSTALL=skip
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

# ---------------------------------------------------------------- static checks
FAILED_CHECKS=()
if [ -z "${FUSECAP_SKIP_CHECKS:-}" ]; then
  if [ -f tsconfig.json ]; then
    say "typecheck: npx tsc -p ."
    t0=$SECONDS
    npx --no-install tsc -p . || FAILED_CHECKS+=(typecheck)
    say "typecheck took $((SECONDS - t0))s"
  fi
  if compgen -G 'eslint.config.*' >/dev/null; then
    say "lint: npx eslint ."
    t0=$SECONDS
    npx --no-install eslint . || FAILED_CHECKS+=(lint)
    say "lint took $((SECONDS - t0))s"
  fi
  say "format: npx prettier --check"
  npx --no-install prettier --check --log-level warn "**/*.{ts,js}" || FAILED_CHECKS+=(format)
fi

# ---------------------------------------------------------------- services
# One services dir per run: two runs in the same checkout (two engineers, or CI retries) must not stop
# or wipe each other's servers. FUSECAP_KEEP_SERVICES=1 uses one shared dir that outlives the run.
SERVICES_ROOT=.fusecap/test-services
services() { node --import tsx scripts/services.ts "$@"; }
# Leftovers of runs that were killed before their trap ran (run-<pid> whose pid is gone).
for d in "$SERVICES_ROOT"/run-*; do
  [ -d "$d" ] || continue
  pid=${d##*/run-}
  if ! kill -0 "$pid" 2>/dev/null; then
    say "removing leftover $d"
    services stop --dir "$d" || true
    rm -rf "$d"
  fi
done
if [ -n "${FUSECAP_KEEP_SERVICES:-}" ]; then
  SERVICES_DIR=$SERVICES_ROOT/shared
  FRESH=
else
  SERVICES_DIR=$SERVICES_ROOT/run-$$
  # Every run starts from an empty cluster and an empty Temporal DB, so no test depends on what an
  # earlier run left behind.
  FRESH=--fresh
fi
if [ -z "${FUSECAP_TEST_EXTERNAL_SERVICES:-}" ]; then
  unset TEMPORAL_ADDRESS TEMPORAL_NAMESPACE DATABASE_URL
fi
stop_services() {
  if [ -z "${FUSECAP_KEEP_SERVICES:-}" ]; then
    services stop --dir "$SERVICES_DIR" || true
    rm -rf "$SERVICES_DIR"
  fi
  # Last: `services stop` itself runs under tsx, which writes its cache into TMPDIR.
  rm -rf "${TMPDIR:?}"
}
# Every temp folder the tests make (fixtures, state dirs, PGlite, trained tiny models) lives under one
# per-run TMPDIR that goes with the services, so a run leaves nothing behind in the system temp dir.
mkdir -p "$SERVICES_DIR"
export TMPDIR
TMPDIR=$(cd "$SERVICES_DIR" && pwd)/tmp
mkdir -p "$TMPDIR"
# As root, PostgreSQL runs as the 'postgres' OS user, which must reach the clusters the tests make under
# TMPDIR. A checkout inside a private folder (mktemp -d makes them 0700) blocks it: use a per-run folder in
# the system temp dir then, removed at exit all the same.
if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1 &&
  ! runuser -u postgres -- test -x "$TMPDIR" 2>/dev/null; then
  rm -rf "$TMPDIR"
  TMPDIR=$(mktemp -d /tmp/fusecap-test-XXXXXX)
  chmod 0755 "$TMPDIR"
  say "checkout not reachable by the postgres user: test temp dir is $TMPDIR"
fi
trap stop_services EXIT
# --headless: nobody looks at the UI during tests.
SERVICE_ENV=$(services start --dir "$SERVICES_DIR" --headless $FRESH)
eval "$SERVICE_ENV"
# DATABASE_URL is the admin URL of the test cluster: tests create (and drop) their own databases.
export TEMPORAL_ADDRESS DATABASE_URL
export TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
[ -n "${TEMPORAL_CLI:-}" ] && export TEMPORAL_CLI
say "TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS DATABASE_URL=$DATABASE_URL TEMPORAL_CLI=${TEMPORAL_CLI:-}"

# ---------------------------------------------------------------- tests
if [ $# -gt 0 ]; then
  CANDIDATES=("$@")
else
  # node 20's --test does not expand globs itself.
  shopt -s globstar nullglob
  CANDIDATES=(test/**/*.test.ts)
  shopt -u globstar nullglob
fi
FILES=()
SOLO=()
for f in "${CANDIDATES[@]}"; do
  # test/manual/: checks that need what CI machines lack (see test/manual/README.md); run by hand,
  # or named on the command line.
  if [[ "$f" == test/manual/* && $# -eq 0 ]]; then continue; fi
  # test/llm/: the real LLM generating. llama.cpp wants every core: beside another test file its
  # threads spin-wait and a caption takes minutes instead of ~9 s, so these run after the rest, one at
  # a time.
  if [[ "$f" == test/llm/* ]]; then SOLO+=("$f"); else FILES+=("$f"); fi
done
if [ $((${#FILES[@]} + ${#SOLO[@]})) -eq 0 ]; then
  say "no test files found"
  exit 1
fi
run_tests() {
  local concurrency=$1
  shift
  node --import tsx --test \
    --test-concurrency="$concurrency" \
    --test-timeout="${FUSECAP_TEST_TIMEOUT_MS:-900000}" \
    --test-reporter=spec \
    "$@"
}
set +e
TEST_RC=0
if [ ${#FILES[@]} -gt 0 ]; then
  say "running ${#FILES[@]} test files"
  run_tests "${FUSECAP_TEST_CONCURRENCY:-2}" "${FILES[@]}" || TEST_RC=$?
fi
if [ ${#SOLO[@]} -gt 0 ]; then
  say "running ${#SOLO[@]} LLM test files, one at a time"
  t0=$SECONDS
  run_tests 1 "${SOLO[@]}" || TEST_RC=$((TEST_RC ? TEST_RC : $?))
  say "LLM test files took $((SECONDS - t0))s"
fi
set -e

say "tests exited $TEST_RC; total $((SECONDS - START))s"
if [ ${#FAILED_CHECKS[@]} -gt 0 ]; then
  say "failed checks: ${FAILED_CHECKS[*]}"
  [ "$TEST_RC" -eq 0 ] && exit 1
fi
exit "$TEST_RC"
