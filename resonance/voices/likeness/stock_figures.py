"""What each Kokoro stock voice sounds like: speaker embeddings and pitch figures of `SENTENCES` spoken by it, in
`<models dir>/stock-figures.npz`.

The package ships the figures measured with the pinned model files (`SHIPPED`, beside this module): a models folder
whose files they fit gets a copy. Otherwise (other model files, or a changed `METHOD`) they are measured once: by the
test command's install step, by the app in the background after it starts (voices/warmup.py), or else by the first
match, whichever comes first (one at a time).

    python -m resonance.voices.likeness.stock_figures [--dir DIR]     # scripts/test's install step runs it
    python -m resonance.voices.likeness.stock_figures --ship    # measure into SHIPPED again (after a METHOD change)
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from resonance.speech import audio
from resonance.speech.engine import EngineVoice, SpeechEngineError
from resonance.speech.install import MODEL_FILE, VOICES_FILE, file_sizes
from resonance.speech.kokoro import KokoroEngine
from resonance.speech.kokoro_voices import STOCK_VOICES, TIMBRE
from resonance.voices.likeness import resemblyzer
from resonance.voices.likeness.embedders import Embeddings, embed
from resonance.voices.likeness.pitch import PitchFigures, pitch_figures
from resonance.voices.likeness.vad import speech_only

FILE = "stock-figures.npz"
RATE = 16_000
SENTENCES = ("Good morning. I would like to tell you about the old lighthouse on the hill. "
             "Every evening its keeper climbs the stairs, lights the lamp and watches the ships go by.")
METHOD = 1  # raise when the way the figures are measured changes
INPUTS = (VOICES_FILE, MODEL_FILE, resemblyzer.WEIGHTS_FILE)  # files the figures are measured with
SHIPPED = Path(__file__).with_name(FILE)  # measured with the model files scripts/env.sh installs


@dataclass(frozen=True)
class StockFigures:
    embeddings: Embeddings
    pitch: PitchFigures


def speak(engine: KokoroEngine, text: str, spec) -> np.ndarray:
    """`text` spoken by `spec`, mono float32 at 16 kHz."""
    chunks = list(engine.synthesize(text, EngineVoice("", spec)))
    return audio.resample(audio.concat([c.samples for c in chunks], chunks[0].sample_rate), chunks[0].sample_rate, RATE)


def version(models_dir: Path) -> str:
    """Changes when the method, the sentences, the stock voices or the files they are measured with change."""
    sizes = file_sizes(models_dir, INPUTS)
    names = " ".join(voice.name for voice in STOCK_VOICES)
    return hashlib.sha256(f"{METHOD}|{SENTENCES}|{names}|{sizes}".encode()).hexdigest()[:16]


def build(models_dir: Path) -> Path:
    """Measure every stock voice and write the figures file (atomically); returns its path."""
    engine = KokoroEngine(models_dir=models_dir)
    names, dvectors, resemblyzers, pitches = [], [], [], []
    for voice in STOCK_VOICES:
        speech = speech_only(speak(engine, SENTENCES, voice.name))
        found = embed(speech)
        figures = pitch_figures(speech)
        names.append(voice.name)
        dvectors.append(found.dvector)
        resemblyzers.append(found.resemblyzer)
        pitches.append((figures.median_hz, figures.spread_semitones))
    path = Path(models_dir) / FILE
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, version=np.array(version(models_dir)), names=np.array(names), dvector=np.stack(dvectors),
             resemblyzer=np.stack(resemblyzers), pitch=np.array(pitches, np.float64))
    tmp.replace(path)
    return path


def is_current(models_dir: Path, path: Path | None = None) -> bool:
    """Whether the figures file (`path`, default the one in `models_dir`) was measured with these model files."""
    path = path or Path(models_dir) / FILE
    if not path.is_file():
        return False
    with np.load(path) as saved:
        return "version" in saved.files and str(saved["version"]) == version(models_dir)


def _install_shipped(models_dir: Path) -> bool:
    """Copy the shipped figures into `models_dir` (atomically) when they were measured with its files."""
    if not is_current(models_dir, SHIPPED):
        return False
    tmp = Path(models_dir) / (FILE + ".tmp.npz")
    shutil.copyfile(SHIPPED, tmp)
    tmp.replace(Path(models_dir) / FILE)
    return True


def ensure(models_dir: Path | None = None) -> Path:
    """Build the figures unless they are current. Processes and threads wait for one another (a lock file beside
    them), so the figures are measured once however many ask at the same time."""
    models_dir = Path(models_dir or _default_dir())
    if not is_current(models_dir):
        if not (models_dir / MODEL_FILE).is_file():
            raise SpeechEngineError(f"Voice matching needs the Kokoro model in {models_dir}; run scripts/run to "
                                    "install it")
        with open(models_dir / (FILE + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not is_current(models_dir) and not _install_shipped(models_dir):
                build(models_dir)
    return models_dir / FILE


@lru_cache
def load(models_dir: Path | None = None) -> dict[str, StockFigures]:
    """The figures of every stock voice, measured first if need be."""
    models_dir = Path(models_dir or _default_dir())
    ensure(models_dir)
    with np.load(models_dir / FILE) as saved:
        return {
            str(name): StockFigures(Embeddings(saved["dvector"][i], saved["resemblyzer"][i]),
                                    PitchFigures(float(saved["pitch"][i][0]), float(saved["pitch"][i][1])))
            for i, name in enumerate(saved["names"])
        }


@lru_cache
def timbre_basis(models_dir: Path | None = None, directions: int = 12) -> np.ndarray:
    """The main directions in which the stock voices' timbres differ, each scaled to their spread along it
    (rows, shape (directions, 128)): steps along them stay among plausible voices."""
    with np.load(Path(models_dir or _default_dir()) / VOICES_FILE) as packs:
        # The timbre half hardly changes with sentence length; the rows of everyday sentence lengths represent it.
        timbres = np.stack([packs[voice.name][20:200, 0, TIMBRE].mean(axis=0) for voice in STOCK_VOICES])
    centred = timbres - timbres.mean(axis=0)
    _, spread, directions_ = np.linalg.svd(centred, full_matrices=False)
    scale = spread / np.sqrt(len(timbres) - 1)
    return (directions_[:directions] * scale[:directions, None]).astype(np.float32)


def _default_dir() -> Path:
    from resonance.core.config import get_settings

    return get_settings().SPEECH_MODELS_DIR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="models folder (default RESONANCE_SPEECH_MODELS_DIR)")
    parser.add_argument("--ship", action="store_true", help="measure again and keep the result as SHIPPED")
    args = parser.parse_args()
    models_dir = Path(args.dir or _default_dir())
    if args.ship:
        shutil.copyfile(build(models_dir), SHIPPED)
        print(f"speech: stock voice figures measured -> {SHIPPED}")
    elif not is_current(models_dir):
        print(f"speech: stock voice figures for voice matching -> {ensure(models_dir)}")


if __name__ == "__main__":
    main()
