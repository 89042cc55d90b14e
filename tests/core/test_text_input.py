"""What text may enter (resonance/core/text_input.py), and the attack: NUL, other control characters and lone
surrogates sent to every service that takes input. On PostgreSQL a NUL reached the query and failed it (psycopg
DataError, a 500 or a crashed event), and a lone surrogate failed its UTF-8 encoding on both databases; each must be
a clear refusal, or the answer an unknown address or id gets, with nothing written."""

from __future__ import annotations

import pytest

from resonance.core import text_input
from resonance.core.errors import Invalid, NotFound
from resonance.orgs.scope import tenant_session
from resonance.voices import service as voices
from tests.core.input_surface import ENTRIES, Entry, build_world, snapshot
from tests.factories import get, make_org, make_user, make_voice, signed_in
from resonance.voices.models import Voice

# NUL, ESC (C0), CSI (C1), DEL, a line break (refused in a single-line field) and a lone surrogate (JSON's "\ud800").
HOSTILE = ["\x00", "\x1b", "\x9b", "\x7f", "\ud800"]


# The rule


@pytest.mark.parametrize("value", ["a\x00b", "a\x01b", "a\x1fb", "a\x7fb", "a\x85b", "a\x9fb", "a\ud800b", "a\udfffb"])
def test_control_characters_and_lone_surrogates_are_refused_in_lines_and_text(value):
    assert not text_input.is_line(value)
    for check in (text_input.line, text_input.text):
        with pytest.raises(Invalid, match=r"^Voice name can't contain control characters or invalid Unicode\.$"):
            check(value, "Voice name")


def test_text_keeps_tabs_and_line_breaks_and_a_line_refuses_them():
    assert text_input.text("  Line one\r\n\tLine two\n", "Text") == "Line one\r\n\tLine two"
    for inside in ("\t", "\n", "\r"):
        with pytest.raises(Invalid, match="Name can't contain control characters"):
            text_input.line(f"Ada{inside}Lovelace", "Name")
    assert text_input.line("  Ada Lovelace\n", "Name") == "Ada Lovelace"  # surrounding whitespace is trimmed first


def test_every_other_character_passes_unchanged():
    sample = "Zoë 北京 ٱلْعَرَبِيَّة 😀 \u200d\u202e\u00a0 «quotes» — ok"  # letters, emoji, joiners, bidi, NBSP
    assert text_input.is_line(sample)
    assert text_input.line(sample, "Name") == text_input.text(sample, "Text") == sample


def test_anything_but_a_string_is_refused_and_none_reads_as_empty():
    assert text_input.line(None, "Name") == "" and text_input.text(None, "Text") == ""
    for value in (42, ["a"], {"a": 1}, b"bytes"):
        assert not text_input.is_line(value)
        with pytest.raises(Invalid, match="^Name must be text.$"):
            text_input.line(value, "Name")


# The attack, through every service that takes input


def test_a_control_character_in_any_field_gets_a_clear_answer_and_writes_nothing(db, subtests):
    world = build_world()
    before = snapshot()
    for entry in sorted(ENTRIES, key=lambda e: e.writes):  # those that count a failed attempt go last
        for value in HOSTILE:
            with subtests.test(entry.name, value=ascii(value)):  # a lone surrogate cannot cross to xdist
                _attack(entry, world, value)
        if not entry.writes:
            with subtests.test(entry.name, check="nothing written"):
                assert snapshot() == before


def _attack(entry: Entry, world, value: str) -> None:
    if entry.refusal is None:
        assert entry.call(world, value) == entry.quiet
        return
    with pytest.raises(entry.refusal, match=entry.message or None) as refused:
        entry.call(world, value)
    assert text_input.is_line(str(refused.value))  # the message never echoes the character


def test_tabs_and_line_breaks_in_a_description_are_kept(db):
    admin = make_user()
    org = make_org(admin=admin)
    actor, _ = signed_in(admin, org)
    voice = make_voice(org)
    fields = voices.VoiceFields(name="Harbour Guide", description="Calm.\r\n\tWarm and slow.")
    with tenant_session(org.id) as session:
        voices.update_voice(session=session, actor=actor, voice_id=voice.id, fields=fields)
    assert get(Voice, voice.id).description == "Calm.\r\n\tWarm and slow."


def test_an_id_that_is_not_text_is_not_found(db):
    admin = make_user()
    org = make_org(admin=admin)
    with tenant_session(org.id) as session:
        for value in (None, "", 7, ["voi_x"]):
            with pytest.raises(NotFound):
                voices.get_voice(session=session, voice_id=value)
