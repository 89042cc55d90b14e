"""Text before synthesis: trimming and limits, paralinguistic tags, and splitting into chunks.

The first chunk is short (a sentence, or its first clause) so the first audio is ready fast; later chunks pack whole
sentences into growing chunks, up to a size that keeps prosody natural and progress visible.
"""

from __future__ import annotations

import re

from resonance.speech.engine import SpeechInputError

MAX_CHARS = 5000
FIRST_CHUNK_CHARS = 40  # ~2 s of audio: about 1 s to synthesise on one core of this 2-core machine
CHUNK_CHARS = 300

# [chuckle], [sigh], [clear throat]: letters, spaces, hyphens and apostrophes in square brackets.
TAG = re.compile(r"\[[A-Za-z][A-Za-z '\-]{0,30}\]")
# A sentence ends at . ! ? … (and any closing quote or bracket) before a space, at a blank line, or before a list item.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n[ \t]*\n\s*|\n(?=[ \t]*(?:[-*•]|\d+[.)])\s)")
# "Dr. Smith", "e.g. this", "J. R. R. Tolkien": a period after these is not the end of a sentence.
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|etc|e\.g|i\.e|Fig|approx)|(?<![\w.])[A-Z])\.$"
)
_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s+")
_WORD = re.compile(r"\[[^\]]*\]|\S+")
_PHRASE_STARTS = frozenset(
    "a an the and but or nor so yet as at by for from in into of on onto to with without about after before "
    "because since until while when where which who whom whose that than if though although unless whether once "
    "like through over under between during against across toward towards per via".split()
)


def prepare(text: str, *, keep_tags: bool) -> str:
    """Trimmed text within the limits; tags kept for engines that perform them, removed (never read) otherwise."""
    if not isinstance(text, str):
        raise SpeechInputError("Text must be a string")
    text = text.strip()
    if not text:
        raise SpeechInputError("Text is required")
    if len(text) > MAX_CHARS:
        raise SpeechInputError(f"Text is too long ({len(text):,} characters); the limit is {MAX_CHARS:,}")
    if not keep_tags:
        text = strip_tags(text)
        if not re.search(r"\w", text):
            raise SpeechInputError("Text has nothing to say once the [tags] are removed")
    return text


def find_tags(text: str) -> list[str]:
    """The paralinguistic tags in `text`, in order, without brackets ("chuckle")."""
    return [tag[1:-1] for tag in TAG.findall(text)]


def strip_tags(text: str) -> str:
    """`text` without tags, with the spaces around them tidied ("Well [sigh] fine ." -> "Well fine.")."""
    text = TAG.sub(" ", text)
    text = re.sub(r"[ \t]+([,.;:!?…])", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return "\n".join(line.strip() for line in text.splitlines()).strip()


def sentences(text: str) -> list[str]:
    """Sentences (and paragraphs or list items) of `text`, trimmed, in order."""
    out, start = [], 0
    for match in _BOUNDARY.finditer(text):
        head = text[start : match.end()]
        if match.group().startswith(".") and _ABBREVIATION.search(head.rstrip("\"'”’)]")):
            continue
        out.append(head)
        start = match.end()
    out.append(text[start:])
    return [" ".join(part.split()) for part in out if part.strip()]


def complete_prefix(text: str) -> int:
    """How much of `text`, still being written, is whole sentences: the end of the last sentence boundary (by
    `sentences`' rules; a mark counts once the whitespace after it has arrived), 0 when none has ended yet."""
    end = 0
    for match in _BOUNDARY.finditer(text):
        if match.group().startswith(".") and _ABBREVIATION.search(text[:match.end()].rstrip("\"'”’)]")):
            continue
        end = match.end()
    return end


def split(text: str, *, first_chars: int = FIRST_CHUNK_CHARS, max_chars: int = CHUNK_CHARS) -> list[str]:
    """Chunks of `text` in order: the first about `first_chars`, then whole sentences packed into chunks whose size
    limit doubles up to `max_chars`, so each chunk is ready before the audio before it has finished playing.

    Only a sentence longer than the limit is cut, at a clause mark if there is one, else between words; tags are
    never cut.
    """
    parts = sentences(text)
    if not parts:
        return []
    # A first sentence up to half as long again stays whole: better than a word or two left over for the next chunk
    first, rest = _cut(parts[0], first_chars) if len(parts[0]) > first_chars * 3 // 2 else (parts[0], "")
    chunks, current = [first], ""
    for sentence in ([rest] if rest else []) + parts[1:]:
        for piece in _pieces(sentence, max_chars):
            limit = min(max_chars, first_chars * 2 ** len(chunks))
            if current and len(current) + 1 + len(piece) > limit:
                chunks.append(current)
                current = piece
            else:
                current = f"{current} {piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def _pieces(sentence: str, limit: int) -> list[str]:
    """`sentence` cut into pieces of at most `limit` characters (one piece when it fits)."""
    out = []
    while sentence:
        piece, sentence = _cut(sentence, limit)
        out.append(piece)
    return out


def _cut(sentence: str, limit: int) -> tuple[str, str]:
    """Split off a head of at most `limit` characters: at the last clause mark that fits, else the last word."""
    if len(sentence) <= limit:
        return sentence, ""
    best = 0
    for match in _CLAUSE_END.finditer(sentence):
        if match.start() > limit:
            break
        if match.start() >= limit // 4:
            best = match.start()
    if not best:
        phrase = 0  # the last cut before a word that starts a phrase ("the keeper climbed | to the top")
        for match in _WORD.finditer(sentence):
            if match.end() > limit:
                break
            if best >= limit // 3 and match.group().lower() in _PHRASE_STARTS:
                phrase = best
            best = match.end()
        best = phrase or best
    if not best:  # one word (or tag) longer than the limit: keep it whole
        match = _WORD.match(sentence)
        best = match.end() if match else limit
    return sentence[:best].strip(), sentence[best:].strip()
