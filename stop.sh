#!/usr/bin/env bash
# Stop facesearch, whichever mode runs. The data stays (.facesearch/data or the compose volume).
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"
cd "$ROOT"

stopped=no
# Both compose files, so the cluster's nodes 2 and 3 stop too, whatever FACESEARCH_WEAVIATE_NODES is now.
compose=(docker compose -f docker-compose.yml -f docker-compose.cluster.yml)
if docker_engine && [[ -n "$("${compose[@]}" ps -q 2>/dev/null)" ]]; then
  "${compose[@]}" stop
  stopped=yes
fi
if [[ -x "$PY" ]] && "$PY" -m facesearch stack stop | grep -v '^Nothing was running'; then
  stopped=yes
fi
[[ $stopped == yes ]] || echo "Nothing was running."
