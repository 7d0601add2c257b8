#!/usr/bin/env bash
# Start facesearch: Docker Compose where a Docker engine answers, else local processes.
# Then import images/, index the photo folders in library/ and print the page's address. Running it again reuses what is running.
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"
cd "$ROOT"

# Changes from the page (enrol, add or remove photos) need an API key: the first start makes one and prints
# it once; later starts find it in the keys file and print nothing. $@ runs `python -m facesearch`.
page_key() {
  local made
  made="$("$@" keys create --name page --if-none)"
  [[ -n "$made" ]] || return 0
  say "An API key for changes from the page, shown only this once (keep it somewhere safe):"
  echo "    ${made%%$'\n'*}"
  echo "    Paste it when the page asks for an API key (the first time you enrol or remove someone)."
  echo "    Make more with \`$* keys create [--read-only]\`; \`keys list\` lists them, \`keys revoke ID\` revokes one."
}

if docker_engine && [[ "${FACESEARCH_MODE:-}" != local ]]; then
  say "Docker engine found: starting with docker compose"
  ensure_env_weaviate_key
  compose=(docker compose)
  # FACESEARCH_WEAVIATE_NODES=3 (from the environment; .env is read by compose only): a three-node Weaviate cluster.
  case "${FACESEARCH_WEAVIATE_NODES:-1}" in
    1) ;;
    3) compose+=(-f docker-compose.yml -f docker-compose.cluster.yml) ;;
    *) echo "With Docker, FACESEARCH_WEAVIATE_NODES is 1 or 3 (docker-compose.cluster.yml has three nodes)." >&2; exit 1 ;;
  esac
  "${compose[@]}" up -d --build --wait --wait-timeout 600
  "${compose[@]}" exec -T app python -m facesearch import
  "${compose[@]}" exec -T app python -m facesearch library index
  url="http://localhost:${FACESEARCH_API_PORT:-8000}"
  facesearch=("${compose[@]}" exec -T app python -m facesearch)
else
  say "No Docker engine: starting local processes (state in .facesearch/)"
  ensure_python
  ensure_weaviate
  ensure_frontend
  "$PY" -m facesearch stack start
  "$PY" -m facesearch import
  "$PY" -m facesearch library index
  url="$("$PY" -c 'from facesearch.settings import get_settings; print(get_settings().api_url)')"
  facesearch=("$PY" -m facesearch)
fi
say "facesearch is running: open $url and drop a photo (for example one from look_for/)"
page_key "${facesearch[@]}"
