# One image for every Resonance process (web, worker, speech, migrate); compose.yaml and docs/production.md.
# GPU speech hosts: build with --build-arg SPEECH_GPU=1 (requirements-gpu.txt: onnxruntime-gpu instead of onnxruntime;
# the host needs the NVIDIA driver, the container the CUDA and cuDNN libraries that file names).
FROM python:3.11-slim
ARG SPEECH_GPU=0
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm unzip ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt requirements-gpu.txt ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -r requirements.txt \
    && if [ "$SPEECH_GPU" = "1" ]; then .venv/bin/pip uninstall -y onnxruntime \
       && .venv/bin/pip install --no-cache-dir -r requirements-gpu.txt; fi
COPY . .
# Kokoro's model and voice packs, resemblyzer's speaker encoder, and bun (Reflex builds the frontend with it).
RUN bash -c 'source scripts/env.sh && ensure_speech_models && ensure_stock_figures && ensure_bun'
ENV PATH=/app/.venv/bin:/app/tools/node_modules/.bin:$PATH \
    REFLEX_TELEMETRY_ENABLED=False REFLEX_CHECK_LATEST_VERSION=False PYTHONUNBUFFERED=1 RESONANCE_ENV=production
EXPOSE 8000 8100
# Liveness of the web process (/healthz touches nothing). Other processes of this image set their own check or none
# (compose.yaml); RESONANCE_HEALTHCHECK_URL points it elsewhere.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD python -c "import os, urllib.request; \
urllib.request.urlopen(os.environ.get('RESONANCE_HEALTHCHECK_URL', 'http://127.0.0.1:8000/healthz'), timeout=4)"
CMD ["reflex", "run", "--env", "prod", "--backend-only", "--backend-host", "0.0.0.0", "--backend-port", "8000"]
