#!/usr/bin/env bash
# The test command. Installs what it needs (Python packages, weaviate-server, MinIO, the page's Node packages,
# Chromium), then runs the page's unit tests and every Python test tier: unit, contract, integration
# (a real local Weaviate + vectorizer + API), fuzz (thousands of generated bad inputs against that stack) and
# the browser tests. Extra arguments go to pytest. The tests run in FACESEARCH_TEST_WORKERS processes (2 unless set;
# pytest-xdist, a file at a time): most of their time is spent waiting on services, so two at once take little
# more than half the time of one on 2 cores (three were faster still, but their stacks' timing-sensitive fault and
# cluster tests then failed now and then). Each process starts its own session stack on free ports.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

ensure_python
ensure_weaviate
ensure_minio
if [[ -f frontend/package.json ]]; then
  ensure_frontend
  ensure_chromium
  say "Page unit tests (Vitest)"
  (cd frontend && npm test --silent)
fi
say "Python tests (pytest)"
"$PY" -m pytest -p no:cacheprovider -n "${FACESEARCH_TEST_WORKERS:-2}" --dist loadfile "$@"
