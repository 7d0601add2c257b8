#!/usr/bin/env bash
# Start facesearch: Docker Compose where a Docker engine answers, else local processes.
# Then import images/, index the photo folders in library/ and print the page's address. Running it again reuses what is running.
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"
cd "$ROOT"

if docker_engine && [[ "${FACESEARCH_MODE:-}" != local ]]; then
  say "Docker engine found: starting with docker compose"
  ensure_env_weaviate_key
  docker compose up -d --build --wait --wait-timeout 600
  docker compose exec -T app python -m facesearch import
  docker compose exec -T app python -m facesearch library index
  url="http://localhost:${FACESEARCH_API_PORT:-8000}"
else
  say "No Docker engine: starting local processes (state in .facesearch/)"
  ensure_python
  ensure_weaviate
  ensure_frontend
  "$PY" -m facesearch stack start
  "$PY" -m facesearch import
  "$PY" -m facesearch library index
  url="$("$PY" -c 'from facesearch.settings import get_settings; print(get_settings().api_url)')"
fi
say "facesearch is running: open $url and drop a photo (for example one from look_for/)"
