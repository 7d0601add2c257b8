#!/usr/bin/env bash
# Times `bash start.sh` as a new user meets it: a fresh clone of this repository with empty Go, pip,
# npm and weaviate-server caches (first run), then again after stop.sh (warm run).
# Usage: bash bench/start_time.sh        Prints the machine and both times; writes bench/results/start-*.json.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/facesearch-start-XXXX)"
trap 'bash "$work/repo/stop.sh" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git clone -q "$here" "$work/repo"
export XDG_CACHE_HOME="$work/cache" GOPATH="$work/go" GOCACHE="$work/go-build" GOMODCACHE="$work/go/pkg/mod"
export npm_config_cache="$work/npm" PIP_NO_CACHE_DIR=1 FACESEARCH_MODE=local
unset WEAVIATE_BIN
# Free ports, so a running facesearch is not disturbed.
eval "$("$here/.venv/bin/python" - <<'PY'
from facesearch.testing import free_port, free_port_block
for name in ("WEAVIATE_PORT", "WEAVIATE_GRPC_PORT", "VECTORIZER_PORT", "API_PORT"):
    print(f"export FACESEARCH_{name}={free_port()}")
print(f"export FACESEARCH_WEAVIATE_CLUSTER_PORT={free_port_block(5)}")
PY
)"

timed() { local s=$SECONDS; bash "$work/repo/start.sh" > "$work/$1.log" 2>&1 || { cat "$work/$1.log"; exit 1; }; echo $((SECONDS - s)); }
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GB, $(date -u +%F)"
first=$(timed first)
bash "$work/repo/stop.sh" > /dev/null
warm=$(timed warm)
echo "first run (fresh clone, empty caches): ${first} s"
echo "warm run (after stop.sh):              ${warm} s"
mkdir -p "$here/bench/results"
out="$here/bench/results/start-$(date -u +%Y%m%dT%H%M%SZ).json"
printf '{"first_run_s": %s, "warm_run_s": %s, "cpu": "%s", "cores": %s, "date": "%s"}\n' "$first" "$warm" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(nproc)" "$(date -u +%FT%TZ)" > "$out"
echo "result: $out"
