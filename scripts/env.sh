# Shared environment for scripts/run and scripts/test: the project's virtualenv, bun from the npm registry, and
# Reflex with no calls home. Sourced, not executed.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.venv/bin:$ROOT/tools/node_modules/.bin:$PATH"
export REFLEX_TELEMETRY_ENABLED=False REFLEX_CHECK_LATEST_VERSION=False SE_OFFLINE=true
export NPM_CONFIG_REGISTRY="${NPM_CONFIG_REGISTRY:-$(npm config get registry 2>/dev/null)}"
export PYTHONUNBUFFERED=1

# Install what is missing: virtualenv and requirements (again when requirements.txt changes), bun.
ensure_python() {
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    python3 -m venv "$ROOT/.venv"
  fi
  local stamp="$ROOT/.venv/.requirements.sha"
  local want; want="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$ROOT/.venv/bin/pip" install --disable-pip-version-check -q -r "$ROOT/requirements.txt"
    echo "$want" > "$stamp"
  fi
}

ensure_bun() {
  if [ ! -x "$ROOT/tools/node_modules/.bin/bun" ]; then
    npm install --silent --prefix "$ROOT/tools" bun@1.4.4
  fi
}
