# Shared by start.sh, stop.sh, import/import.sh and tests/run.sh: set up what local mode needs.
# Everything is idempotent and cached; the first run on a new machine builds weaviate-server (~5 min).

WEAVIATE_VERSION=1.35.2
# MinIO, the S3 server the tests back a cluster up to: its Go module version (the project has no semver tags).
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/facesearch"

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }

docker_engine() {
  command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1
}

# .venv: facesearch's packages (requirements.lock, what the Docker image installs) and the tests' and tools'
# (requirements-dev.lock); installed again only when either file changes.
ensure_python() {
  local stamp="$VENV/.requirements.sha256" want
  want="$(cat "$ROOT/requirements.lock" "$ROOT/requirements-dev.lock" | sha256sum | cut -d' ' -f1)"
  if [[ -x "$PY" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
  say "Installing Python packages into .venv (from requirements.lock and requirements-dev.lock)"
  [[ -x "$PY" ]] || python3 -m venv "$VENV"
  "$PY" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.lock" -r "$ROOT/requirements-dev.lock"
  echo "$want" > "$stamp"
}

# weaviate-server: $WEAVIATE_BIN, else the cached build, else `go install` at the pinned version,
# else the official release (machines with internet but no Go).
ensure_weaviate() {
  if [[ -n "${WEAVIATE_BIN:-}" ]]; then
    [[ -x "$WEAVIATE_BIN" ]] || { echo "WEAVIATE_BIN=$WEAVIATE_BIN is not an executable file" >&2; return 1; }
    return
  fi
  local dir="$CACHE/weaviate-$WEAVIATE_VERSION"
  export WEAVIATE_BIN="$dir/weaviate-server"
  [[ -x "$WEAVIATE_BIN" ]] && return
  mkdir -p "$dir"
  if command -v go >/dev/null 2>&1; then
    say "Building weaviate-server $WEAVIATE_VERSION from its Go module into $dir (first run only, about 5 minutes)"
    GOBIN="$dir" GOFLAGS=-trimpath go install "github.com/weaviate/weaviate/cmd/weaviate-server@v$WEAVIATE_VERSION"
  else
    say "Downloading the weaviate-server $WEAVIATE_VERSION release into $dir"
    curl -fsSL "$(weaviate_release_url "$WEAVIATE_VERSION" "$(uname -m)")" | tar -xz -C "$dir" weaviate
    mv "$dir/weaviate" "$WEAVIATE_BIN"
  fi
}

# MinIO for the tests (tests/integration/test_backup_s3.py; users bring their own S3): $MINIO_BIN, else the cached
# build, else `go install` at the pinned version (about 4 minutes on 2 cores, first run only). Without Go it says
# so and goes on: the S3 backup test then fails with a sentence naming the binary it wants.
ensure_minio() {
  if [[ -n "${MINIO_BIN:-}" ]]; then
    [[ -x "$MINIO_BIN" ]] || { echo "MINIO_BIN=$MINIO_BIN is not an executable file" >&2; return 1; }
    return
  fi
  local dir="$CACHE/minio-$MINIO_VERSION"
  export MINIO_BIN="$dir/minio"
  [[ -x "$MINIO_BIN" ]] && return
  if ! command -v go >/dev/null 2>&1; then
    echo "warning: no Go to build MinIO with: the S3 backup test will fail (or set MINIO_BIN)" >&2
    return
  fi
  say "Building MinIO $MINIO_VERSION from its Go module into $dir (first run only, about 4 minutes)"
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS=-trimpath go install "github.com/minio/minio@$MINIO_VERSION"
}

# The official Linux release archive, as Weaviate names its assets: weaviate-v<version>-linux-<amd64|arm64>.tar.gz,
# holding one binary named `weaviate`. $2 is `uname -m` (x86_64, aarch64) or Go's name for the architecture.
weaviate_release_url() {
  local arch
  case "$2" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "no Weaviate release for the $2 architecture" >&2; return 1 ;;
  esac
  echo "https://github.com/weaviate/weaviate/releases/download/v$1/weaviate-v$1-linux-$arch.tar.gz"
}

# The page: install the locked Node packages and build frontend/dist when the sources changed.
ensure_frontend() {
  local fe="$ROOT/frontend"
  [[ -f "$fe/package.json" ]] || return 0
  local stamp="$fe/node_modules/.lock.sha256" want
  want="$(sha256sum "$fe/package-lock.json" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    say "Installing the page's Node packages (npm ci)"
    (cd "$fe" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
  if [[ ! -f "$fe/dist/index.html" ]] || [[ -n "$(find "$fe/src" "$fe/index.html" "$fe/package-lock.json" -newer "$fe/dist/index.html" -print -quit)" ]]; then
    say "Building the page (frontend/dist)"
    (cd "$fe" && npm run --silent build >/dev/null)
  fi
}

# Compose: Weaviate's API key lives in .env (mode 0600, ignored by git); made here on first start.
ensure_env_weaviate_key() {
  local env="$ROOT/.env"
  [[ -n "${FACESEARCH_WEAVIATE_API_KEY:-}" ]] && return
  grep -q '^FACESEARCH_WEAVIATE_API_KEY=.' "$env" 2>/dev/null && return
  say "Making Weaviate's API key (kept in .env)"
  (umask 077; touch "$env")
  chmod 600 "$env"
  [[ -s "$env" && -n "$(tail -c1 "$env")" ]] && echo >> "$env"
  printf 'FACESEARCH_WEAVIATE_API_KEY=%s\n' "$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')" >> "$env"
}

ensure_chromium() {
  [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] && return
  say "Installing Chromium from Debian for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}
