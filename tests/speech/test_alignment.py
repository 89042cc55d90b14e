"""Character timings from heard words: matched words keep their times, missed ones share their neighbours' gap,
every character of the text is timed in order, and pieces of a text join back into it."""

from __future__ import annotations

from resonance.speech.alignment import Heard, align, piece_spans


def timing(text: str, heard: list[Heard], duration: float) -> dict[str, tuple[float, float]]:
    result = align(text, heard, duration)
    assert "".join(result.characters) == text
    assert all(b >= a for a, b in zip(result.starts, result.starts[1:]))
    assert all(e >= s for s, e in zip(result.starts, result.ends)) and result.ends[-1] <= duration
    return {c + str(i): (s, e) for i, (c, s, e) in enumerate(zip(result.characters, result.starts, result.ends))}


def test_heard_words_keep_their_times_and_a_missed_word_gets_the_gap():
    times = timing("Hello, big world.", [Heard(" Hello,", 0.1, 0.5), Heard("World.", 0.9, 1.3)], 1.5)
    assert times["H0"] == (0.1, 0.18) and times["o4"][1] == 0.5  # "Hello" over its five letters
    assert times["b7"][0] == 0.5 and times["g9"][1] == 0.9  # "big" was not heard: the gap between its neighbours
    assert times["w11"] == (0.9, 0.98) and times[".16"] == (1.3, 1.5)  # the full stop runs to the end of the audio


def test_words_heard_differently_share_their_span_and_nothing_heard_spreads_over_the_audio():
    times = timing("It costs 3.5 now", [Heard("It", 0, 0.2), Heard("costs", 0.2, 0.6), Heard("three", 0.7, 0.9),
                                        Heard("point", 0.9, 1.1), Heard("five", 1.1, 1.4), Heard("now", 1.5, 1.8)], 2)
    assert times["39"][0] == 0.7 and times["511"][1] == 1.4 and times["n13"][0] == 1.5
    silent = timing("Nothing heard here.", [], 1.0)
    assert silent["N0"][0] == 0.0 and silent["h8"][0] > 0.3


def test_piece_spans_join_back_into_the_text():
    text = "One two.  Three four-five. Six!"
    spans = piece_spans(text, ["One two.", "Three four-five.", "Six!"])
    assert [text[a:b] for a, b in spans] == ["One two.  ", "Three four-five. ", "Six!"]
