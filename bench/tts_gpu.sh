#!/usr/bin/env bash
# Speech speed on a GPU machine (issue 7): Kokoro-82M on onnxruntime-gpu's CUDA provider.
#   PYTHONPATH=<onnxruntime-gpu, kokoro-onnx, phonemizer> bash bench/tts_gpu.sh <models folder>
# The folder holds kokoro-v1.0.int8.onnx and voices-en.npz; the float model the engine prefers on a GPU is made from
# the int8 one first (needs `onnx`). CUDA 13 and cuDNN 9 come from the machine (PyTorch's nvidia-* wheels will do).
set -uo pipefail
MODELS=${1:?models folder}
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
# CUDA libraries that ship inside Python packages (PyTorch's nvidia-* wheels) for onnxruntime's CUDA provider
NV=$($PY -c "import site,glob,os;print(':'.join(sorted({os.path.dirname(p) for s in site.getsitepackages() for p in glob.glob(s+'/nvidia/**/lib*.so*',recursive=True)})))" 2>/dev/null)
export LD_LIBRARY_PATH="${NV}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
$PY -c "import onnxruntime as o; print('onnxruntime', o.__version__, o.get_available_providers())"
[ -f "$MODELS/kokoro-v1.0.fp32.onnx" ] || $PY -m resonance.speech.dequantize "$MODELS/kokoro-v1.0.int8.onnx" "$MODELS/kokoro-v1.0.fp32.onnx"
echo "== CUDA, float model, one chunk at a time"
$PY bench/tts_speed.py --models-dir "$MODELS" --configs 0x1 --sizes 200,1000,5000
echo "== CUDA, float model, the engine's chunks in flight (4)"
$PY bench/tts_speed.py --models-dir "$MODELS" --configs 0x0 --sizes 200,1000,5000
echo "== CPU of the same machine"
$PY bench/tts_speed.py --models-dir "$MODELS" --device cpu --configs 1x0 --sizes 1000
