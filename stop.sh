#!/usr/bin/env bash
# Stop facesearch, whichever mode runs. The data stays (.facesearch/data or the compose volume).
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"
cd "$ROOT"

stopped=no
if docker_engine && [[ -n "$(docker compose ps -q 2>/dev/null)" ]]; then
  docker compose stop
  stopped=yes
fi
if [[ -x "$PY" ]] && "$PY" -m facesearch stack stop | grep -v '^Nothing was running'; then
  stopped=yes
fi
[[ $stopped == yes ]] || echo "Nothing was running."
