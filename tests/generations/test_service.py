"""Generation rules: validation messages, queueing, history pages, deletion."""

from __future__ import annotations

import pytest

from resonance.core.errors import Invalid, NotFound
from resonance.generations import service
from resonance.generations.models import Generation
from resonance.generations.service import GenerationRequest, VoiceUnavailable
from resonance.orgs.scope import tenant_session
from resonance.voices.models import Voice
from tests.factories import all_rows, make_org, make_user, signed_in
from tests.fakes import ToneEngine
from tests.generations.conftest import DEFAULTS, ready_voice, unmatched_voice

CAPS = ToneEngine().capabilities


def create(principal, text: str, voice_id: str, caps=CAPS) -> Generation:
    with tenant_session(principal.org_id) as session:
        return service.create_generation(session=session, actor=principal, capabilities=caps,
                                         request=GenerationRequest(text, voice_id, DEFAULTS))


def test_text_is_trimmed_and_queued_with_its_voice_name_and_chunks(team):
    org, principal = team
    voice = ready_voice()
    generation = create(principal, "   Hello there. How are you today?   ", voice.id)
    stored = all_rows(Generation, id=generation.id)[0]
    assert stored.text == "Hello there. How are you today?"
    assert (stored.status, stored.voice_name, stored.org_id, stored.created_by) == ("queued", "Aaron", org.id,
                                                                                      principal.user_id)
    assert stored.chunks_total >= 1


@pytest.mark.parametrize(("text", "message"), [
    ("", "Please enter some text"),
    ("    \n  ", "Please enter some text"),
    ("x" * 5001, "Text must be at most 5,000 characters (it has 5,001)"),
])
def test_bad_text_is_refused_and_nothing_is_queued(team, text, message):
    _, principal = team
    voice = ready_voice()
    with pytest.raises(Invalid) as error:
        create(principal, text, voice.id)
    assert str(error.value) == message
    assert all_rows(Generation) == []


def test_exactly_5000_characters_after_trimming_is_accepted(team):
    _, principal = team
    create(principal, "  " + "a" * 5000 + "  ", ready_voice().id)


def test_unknown_and_foreign_voices_are_not_found(team):
    _, principal = team
    other = make_org(admin=make_user(), name="Other")
    foreign = ready_voice(other, name="Secret")
    for voice_id in ("voi_missing", foreign.id):
        with pytest.raises(NotFound, match="Voice not found"):
            create(principal, "Hello.", voice_id)
    with pytest.raises(Invalid, match="Please select a voice"):
        create(principal, "Hello.", "")
    assert all_rows(Generation) == []


def test_voice_without_audio_or_still_matching_is_refused(team):
    org, principal = team
    bare = ready_voice(org, name="Bare")
    with tenant_session(org.id) as session:
        row = session.get(Voice, bare.id)
        row.object_key = None
        session.add(row)
    with pytest.raises(VoiceUnavailable, match="Voice audio not available"):
        create(principal, "Hello.", bare.id)
    matching = unmatched_voice(org, status="running", progress=0.5)
    with pytest.raises(VoiceUnavailable, match=r"still being matched to Kokoro voices \(50% done\)") as refused:
        create(principal, "Hello.", matching.id)
    assert (refused.value.voice_id, refused.value.match.status) == (matching.id, "running")
    failed = unmatched_voice(org, status="failed", error="No speech found.")
    with pytest.raises(VoiceUnavailable, match="matching it failed: No speech found. Delete it and add it again"):
        create(principal, "Hello.", failed.id)
    # An engine that clones from the sample does not need the match.
    create(principal, "Hello.", matching.id, caps=ToneEngine(clones=True).capabilities)


def test_history_is_newest_first_in_pages_and_per_organization(team, clock):
    org, principal = team
    voice = ready_voice()
    made = []
    for _ in range(7):
        made.append(create(principal, "Hi.", voice.id).id)
        clock.advance(seconds=1)
    other_admin = make_user()
    other_org = make_org(admin=other_admin, name="Other")
    other, _ = signed_in(other_admin, other_org)
    create(other, "Not yours.", voice.id)
    with tenant_session(org.id) as session:
        first = service.list_generations(session=session, limit=5)
        second = service.list_generations(session=session, before=first[-1], limit=5)
    assert [g.id for g in first + second] == list(reversed(made))


def test_delete_removes_the_row_and_returns_its_storage_keys(team):
    org, principal = team
    generation = create(principal, "Bye.", ready_voice().id)
    with tenant_session(org.id) as session:
        keys = service.delete_generation(session=session, actor=principal, generation_id=generation.id)
    assert keys == [f"generations/orgs/{org.id}/{generation.id}", f"generations/orgs/{org.id}/{generation.id}.chunks/"]
    assert all_rows(Generation) == []


def test_download_name_follows_the_original_rule():
    from resonance.generations.files import download_name

    assert download_name("Hello, World! This is Resonance.") == "hello-world-this-is-resonance.wav"
    assert download_name("x" * 80, "mp3") == "x" * 50 + ".mp3"
    assert download_name("!!!") == "Speech.wav"
