#!/usr/bin/env bash
# Re-run after adding, changing or removing photos in images/: only the differences are written.
# Usage: bash import/import.sh [FOLDER]   (default: images/)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

if docker_engine && [[ -n "$(docker compose ps -q app 2>/dev/null)" ]]; then
  exec docker compose exec -T app python -m facesearch import "$@"
fi
ensure_python
exec "$PY" -m facesearch import "$@"
