"""When each character of a text is spoken: character timings (ElevenLabs' "alignment") from the words a speech
recogniser heard in the audio.

Kokoro's ONNX export outputs only audio (no per-phoneme durations), so the timings come afterwards: the heard words
are matched to the text's words, each word's span is spread evenly over its characters, and the characters between
words (spaces, punctuation) get the gaps. Words the recogniser missed share the time between their neighbours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

WORD = re.compile(r"\w+(?:['’-]\w+)*")


@dataclass(frozen=True)
class Heard:
    word: str
    start: float  # seconds
    end: float


@dataclass(frozen=True)
class Alignment:
    characters: list[str]
    starts: list[float]
    ends: list[float]

    def shifted(self, offset: float) -> Alignment:
        return Alignment(self.characters, [s + offset for s in self.starts], [e + offset for e in self.ends])


def _key(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def word_count(text: str) -> int:
    return sum(1 for _ in WORD.finditer(text))


def word_spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in WORD.finditer(text)]


def _word_times(spans: list[tuple[int, int]], text: str, heard: list[Heard],
                duration: float) -> list[tuple[float, float]]:
    """(start, end) of each text word: from the heard word it matches, else shared out between its neighbours."""
    times: list[tuple[float, float] | None] = [None] * len(spans)
    keys = [_key(text[a:b]) for a, b in spans]
    matcher = SequenceMatcher(None, keys, [_key(h.word) for h in heard], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                times[i] = (heard[j].start, heard[j].end)
        elif tag == "replace":  # heard differently ("3.5" as "three point five"): the group's span, by length
            _share(times, spans, i1, i2, heard[j1].start, heard[j2 - 1].end)
    i = 0
    while i < len(times):  # words not heard: the time between the known ones around them
        if times[i] is not None:
            i += 1
            continue
        j = i
        while j < len(times) and times[j] is None:
            j += 1
        low = times[i - 1][1] if i else 0.0
        high = times[j][0] if j < len(times) else duration
        _share(times, spans, i, j, low, max(low, high))
        i = j
    # Monotonic, within the audio
    out, floor = [], 0.0
    for start, end in times:
        start = min(max(start, floor), duration)
        end = min(max(end, start), duration)
        out.append((start, end))
        floor = end
    return out


def _share(times: list, spans: list[tuple[int, int]], i1: int, i2: int, low: float, high: float) -> None:
    lengths = [spans[i][1] - spans[i][0] for i in range(i1, i2)]
    total, at = sum(lengths) or 1, low
    for i, length in zip(range(i1, i2), lengths):
        step = (high - low) * length / total
        times[i] = (at, at + step)
        at += step


def align(text: str, heard: list[Heard], duration: float) -> Alignment:
    """Start and end (seconds) of every character of `text` in audio `duration` long where `heard` was recognised."""
    spans = word_spans(text)
    times = _word_times(spans, text, heard, duration)
    starts: list[float] = []
    ends: list[float] = []

    def spread(a: int, b: int, low: float, high: float) -> None:
        for k in range(b - a):
            starts.append(round(low + (high - low) * k / (b - a), 3))
            ends.append(round(low + (high - low) * (k + 1) / (b - a), 3))

    at, previous_end = 0, 0.0
    for (a, b), (start, end) in zip(spans, times):
        spread(at, a, previous_end, start)  # the gap before the word
        spread(a, b, start, end)
        at, previous_end = b, end
    spread(at, len(text), previous_end, max(previous_end, duration))
    return Alignment(list(text), starts, ends)


def piece_spans(text: str, pieces: list[str]) -> list[tuple[int, int]]:
    """The part of `text` each piece speaks (pieces are `text` cut between words): by counting words, so the parts
    join back into `text`, the spaces between them going to the piece before."""
    spans, words, at, cursor = [], word_spans(text), 0, 0
    for index, piece in enumerate(pieces):
        cursor += word_count(piece)
        end = len(text) if index == len(pieces) - 1 or cursor >= len(words) else words[cursor][0]
        spans.append((at, end))
        at = end
    return spans
