#!/usr/bin/env bash
# The fast check (`npm run test:unit`): typecheck, lint, format, and the tests that need no service, no
# Python and no vision model — pure functions, parsers, the stage registry, workflow replay of recorded
# histories. Seconds, not minutes; `npm test` (scripts/test-all.sh) runs everything against real servers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shopt -s globstar nullglob
FILES=(
  test/lib/**/*.test.ts
  test/report/*.test.ts
  test/ingest/manifest.test.ts
  test/experts/fuse/*.test.ts
  test/experts/detect/nms.test.ts
  test/experts/detect/yolo-decode.test.ts
  test/experts/attributes/color-names.test.ts
  test/experts/attributes/geometry.test.ts
  test/experts/ocr/geometry.test.ts
  test/metrics/coco/metrics.test.ts
  test/metrics/clipscore.test.ts
  test/metrics/enrichment.test.ts
  test/metrics/retrieval.test.ts
  test/stages/registry.test.ts
  test/workflows/replay.test.ts
)
if [ -z "${FUSECAP_SKIP_CHECKS:-}" ]; then
  npx --no-install tsc -p .
  npx --no-install eslint .
  npx --no-install prettier --check "**/*.{ts,js}"
fi
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "${FILES[@]}"
