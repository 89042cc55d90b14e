"""Text before synthesis: limits, tags, sentences and chunks."""

from __future__ import annotations

import pytest

from resonance.speech import text
from resonance.speech.engine import SpeechInputError

PARAGRAPH = (
    "The harbour was quiet before dawn, and the fishing boats rocked gently against the pier. "
    "Dr. Ellis walked along the quay with a notebook, counting the gulls that circled overhead! "
    "Was the storm really coming, as the radio had warned the night before? "
    "Nobody on the docks seemed worried; they mended their nets, drank their tea, and talked about the football. "
)


def long_text(limit: int = 5000) -> str:
    """About `limit` characters of varied prose: the paragraph repeated with numbers, topped up word by word."""
    out, n = "", 0
    while len(out) + len(PARAGRAPH) + 12 <= limit:
        out += PARAGRAPH.replace("harbour", f"harbour number {n}")
        n += 1
    while len(out) + len("and more ") + 1 <= limit:
        out += "and more "
    return (out.strip() + ".")[:limit]


def test_prepare_trims_and_enforces_limits():
    assert text.prepare("  Hello there.  \n", keep_tags=True) == "Hello there."
    with pytest.raises(SpeechInputError, match="Text is required"):
        text.prepare(" \n\t ", keep_tags=True)
    assert text.prepare("a" * 5000, keep_tags=True)
    with pytest.raises(SpeechInputError, match="5,001 characters"):
        text.prepare("a" * 5001, keep_tags=True)
    # The limit counts after trimming, as the original does.
    assert len(text.prepare("  " + "a" * 5000 + "  ", keep_tags=True)) == 5000


def test_tags_kept_for_engines_that_perform_them():
    assert text.prepare("Hello [chuckle] there.", keep_tags=True) == "Hello [chuckle] there."
    assert text.find_tags("Oh [sigh], fine [clear throat]. [laugh]") == ["sigh", "clear throat", "laugh"]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Hello [chuckle] there.", "Hello there."),
        ("Well [sigh], I suppose so [laugh].", "Well, I suppose so."),
        ("[cough] Excuse me.", "Excuse me."),
        ("Line one [gasp]\nline two", "Line one\nline two"),
        ("Footnote [1] stays, and [ brackets] too.", "Footnote [1] stays, and [ brackets] too."),
    ],
)
def test_tags_removed_for_engines_that_do_not(raw, clean):
    assert text.prepare(raw, keep_tags=False) == clean


def test_text_of_tags_only_is_refused_when_tags_are_removed():
    with pytest.raises(SpeechInputError, match="nothing to say"):
        text.prepare("[sigh] [laugh]", keep_tags=False)


def test_sentences_respect_abbreviations_quotes_and_paragraphs():
    parts = text.sentences('Dr. Smith said "fine." Then J. R. Tolkien left, e.g. early!\n\nNew paragraph\n- item one')
    assert parts == ['Dr. Smith said "fine."', "Then J. R. Tolkien left, e.g. early!", "New paragraph", "- item one"]
    assert text.sentences("I said no. Then I left.") == ["I said no.", "Then I left."]


def test_long_text_splits_into_ordered_chunks_covering_every_word():
    source = long_text()
    assert 4990 <= len(source) <= 5000
    chunks = text.split(text.prepare(source, keep_tags=False))
    assert " ".join(chunks).split() == source.split()
    assert len(chunks[0]) <= text.FIRST_CHUNK_CHARS * 1.5
    assert all(len(chunk) <= text.CHUNK_CHARS for chunk in chunks)
    assert 15 <= len(chunks) <= 40
    # Chunks grow so the next is ready before the audio before it ends, then stay at the cap.
    assert len(chunks[1]) <= 2 * text.FIRST_CHUNK_CHARS
    assert max(len(c) for c in chunks) > 0.8 * text.CHUNK_CHARS


def test_first_chunk_is_cut_at_a_clause_when_the_first_sentence_is_long():
    chunks = text.split(
        "When the first sentence begins, it keeps going with clause after clause and word after word "
        "until it has far outgrown the first chunk. Short one."
    )
    assert chunks[0] == "When the first sentence begins,"
    assert chunks[1].startswith("it keeps going")


def test_a_first_sentence_a_little_over_the_limit_stays_whole():
    assert text.split("The remote engine sends one request per chunk. Then more.") == [
        "The remote engine sends one request per chunk.", "Then more."]


def test_without_a_clause_boundary_the_first_sentence_stays_whole():
    sentence = "The lighthouse keeper climbed the spiral stairs an hour before sunset every evening and night."
    assert text.split(f"{sentence} Then more.") == [sentence, "Then more."]


@pytest.mark.parametrize("sentence, head", [
    ("He waited by the door for an hour because the bus was late again that day.", "He waited by the door for an hour"),
    ("The storm came in fast - nobody had expected it that early in the season.", "The storm came in fast -"),
    ("The storm came in fast — nobody had expected it that early in the season.", "The storm came in fast —"),
    ("There were three things to pack: a torch, a map and a flask of strong tea.", "There were three things to pack:"),
    ("Well, that is a very long sentence indeed and it goes on and on like this.", None),  # "Well," alone: too short
    ("We walked to the market on Monday since it was dry, then drove back home.", "We walked to the market on Monday since it was dry,"),
])
def test_the_first_chunk_ends_only_at_a_clause_boundary(sentence, head):
    chunks = text.split(f"{sentence} The next sentence follows it.")
    assert chunks[0] == (head or sentence)
    assert " ".join(chunks).split() == f"{sentence} The next sentence follows it.".split()


def test_every_first_chunk_of_varied_prose_ends_at_a_clause_or_sentence_end():
    source = text.prepare(long_text(), keep_tags=False)
    for start in range(0, len(PARAGRAPH) * 3, 7):  # the text entered at every seventh character of its prose
        piece = source[start:].split(" ", 1)[-1]
        first = text.sentences(piece)[0]
        chunks = text.split_marked(piece)
        head, ends = chunks[0]
        assert head == first if ends else (head.endswith((",", ";", ":", "-", "—", "–"))
                                           or chunks[1][0].split()[0] in ("but", "yet", "because", "although",
                                                                          "though", "whereas", "unless", "until"))


def test_chunks_are_marked_with_whether_they_end_a_sentence():
    words = " ".join(["word"] * 120) + "."  # one sentence over the chunk limit: cut between words
    marked = text.split_marked(f"The first one is short. {words} The last one.")
    assert [ends for _, ends in marked][0] is True
    inside = [chunk for chunk, ends in marked if not ends]
    assert inside and all(chunk.split()[-1] == "word" for chunk in inside)
    assert marked[-1] == ("The last one.", True) or marked[-1][0].endswith("The last one.")
    assert [chunk for chunk, _ in marked] == text.split(f"The first one is short. {words} The last one.")


def test_a_word_run_without_punctuation_is_cut_between_words_and_tags_stay_whole():
    words = " ".join(["word"] * 40 + ["[clear throat]"] + ["word"] * 120)
    chunks = text.split(words)
    assert " ".join(chunks) == words
    assert all(len(c) <= text.CHUNK_CHARS for c in chunks)
    assert sum(c.count("[clear throat]") for c in chunks) == 1
