"""Text before synthesis: trimming and limits, paralinguistic tags, and splitting into chunks.

The first chunk is short (a sentence, or its first clause) so the first audio is ready fast; later chunks pack whole
sentences into growing chunks, up to a size that keeps prosody natural and progress visible. The first chunk is only
ever cut at a clause boundary (a comma, semicolon, colon or dash, or before a conjunction that opens a clause), never
mid-phrase: the pieces are joined without a pause, and a cut between words sounds like a sentence break.
"""

from __future__ import annotations

import re

from resonance.speech.engine import SpeechInputError

MAX_CHARS = 5000
FIRST_CHUNK_CHARS = 40  # about 2 s of audio: what the listener waits for before hearing anything
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
# Where a first clause may end: after , ; : or a dash (— – or a spaced hyphen), or before a conjunction that opens
# a clause. "and", "or", "so", "while", "since", "when" and relative pronouns are left out: they join words ("salt
# and pepper"), or start phrases ("since Monday") or clauses that are spoken without a break, as often as not.
_FIRST_CLAUSE_END = re.compile(
    r"(?<=[,;:—–])\s+|(?<=\s-)\s+|\s+(?=(?:but|yet|because|although|though|whereas|unless|until)\s)",
    re.IGNORECASE,
)
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

    A first sentence longer than `first_chars` is cut after its first clause when it has one (see `first_clause`).
    Any other sentence is cut only when it is longer than `max_chars`, at a clause mark if there is one, else between
    words; tags are never cut.
    """
    return [chunk for chunk, _ in split_marked(text, first_chars=first_chars, max_chars=max_chars)]


def split_marked(text: str, *, first_chars: int = FIRST_CHUNK_CHARS,
                 max_chars: int = CHUNK_CHARS) -> list[tuple[str, bool]]:
    """`split`'s chunks, each with whether it ends a sentence (False: the next chunk goes on with the same sentence,
    so an engine must join them without a pause)."""
    parts = sentences(text)
    if not parts:
        return []
    first, rest = first_clause(parts[0], first_chars, max_chars)
    chunks: list[tuple[str, bool]] = [(first, not rest)]
    current, whole = "", True
    for sentence in ([rest] if rest else []) + parts[1:]:
        pieces = _pieces(sentence, max_chars)
        for n, piece in enumerate(pieces):
            limit = min(max_chars, first_chars * 2 ** len(chunks))
            if current and len(current) + 1 + len(piece) > limit:
                chunks.append((current, whole))
                current = piece
            else:
                current = f"{current} {piece}" if current else piece
            whole = n == len(pieces) - 1
    if current:
        chunks.append((current, whole))
    return chunks


def first_clause(sentence: str, first_chars: int = FIRST_CHUNK_CHARS,
                 max_chars: int = CHUNK_CHARS) -> tuple[str, str]:
    """(head, rest) of a first sentence: the whole sentence when it is short or has no clause boundary, else its
    first clause of at least a quarter of `first_chars` (a lone "Well," would be spoken as a sentence of its own),
    leaving at least as much behind. Only a sentence longer than `max_chars` with no such boundary is cut between
    words, as any other sentence that long is."""
    if len(sentence) <= first_chars:
        return sentence, ""
    least = max(1, first_chars // 4)
    for match in _FIRST_CLAUSE_END.finditer(sentence):
        if match.start() > max_chars:
            break
        if match.start() >= least and len(sentence) - match.end() >= least:
            return sentence[:match.start()].strip(), sentence[match.end():].strip()
    return _cut(sentence, max_chars)


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
