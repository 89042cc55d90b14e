"""Voice rules: listing and search, editing, deleting — and who may."""

from __future__ import annotations

import pytest

from resonance.core.errors import Forbidden, Invalid, NotFound
from resonance.generations.models import Generation
from resonance.orgs.scope import system_session, tenant_session
from resonance.voices import service
from resonance.voices.models import Voice, VoiceVariant
from resonance.voices.service import VoiceFields
from tests.factories import get, make_generation, make_org, make_user


def voice(org=None, *, name: str, description: str = "", category: str = "GENERAL", language: str = "en-US",
          created_by: str | None = None) -> Voice:
    row = Voice(org_id=org.id if org else None, name=name, description=description, category=category,
                language=language, variant=VoiceVariant.CUSTOM if org else VoiceVariant.SYSTEM,
                object_key=f"voices/x/{name}", created_by=created_by)
    with system_session() as session:
        session.add(row)
    return row


def listing(org, **filters):
    with tenant_session(org.id) as session:
        found = service.list_voices(session=session, **filters)
    return [v.name for v in found.custom], [v.name for v in found.system]


def test_team_voices_newest_first_built_in_a_to_z_and_nothing_foreign(team, clock):
    org, _, _ = team
    voice(name="Walter"), voice(name="aaron")
    voice(org, name="First")
    clock.advance(seconds=5)
    voice(org, name="Second")
    voice(make_org(admin=make_user(), name="Other"), name="Foreign")
    assert listing(org) == (["Second", "First"], ["aaron", "Walter"])


def test_search_matches_name_or_description_case_insensitively_and_filters_combine(team):
    org, _, _ = team
    voice(name="Gavin", description="Calm and reassuring", category="MEDITATION")
    voice(name="Madison", description="Energetic podcast host", category="PODCAST", language="en-GB")
    voice(org, name="Calmer", description="ours", category="MEDITATION")
    assert listing(org, query="CALM") == (["Calmer"], ["Gavin"])
    assert listing(org, query="podcast") == ([], ["Madison"])
    assert listing(org, category="MEDITATION", query="gav") == ([], ["Gavin"])
    assert listing(org, language="en-GB") == ([], ["Madison"])


@pytest.mark.parametrize(("fields", "message"), [
    (VoiceFields(name="  "), "Voice name is required"),
    (VoiceFields(name="X", category="NOPE"), "Category is required"),
    (VoiceFields(name="X", language=""), "Language is required"),
    (VoiceFields(name="X", language="xx-YY"), "Unknown language: xx-YY"),
    (VoiceFields(name="x" * 101), "Voice name must be at most 100 characters"),
])
def test_bad_fields_are_refused_with_the_original_messages(fields, message):
    with pytest.raises(Invalid) as error:
        service.validate_fields(fields)
    assert str(error.value) == message


def test_the_creator_and_admins_may_edit_a_custom_voice_other_members_may_not(team):
    org, admin, member = team
    mine = voice(org, name="Mine", created_by=member.user_id)
    theirs = voice(org, name="Theirs", created_by=admin.user_id)
    with tenant_session(org.id) as session:
        service.update_voice(session=session, actor=member, voice_id=mine.id,
                             fields=VoiceFields(name="Renamed", category="PODCAST", language="en-GB",
                                                description=" new "))
    assert (get(Voice, mine.id).name, get(Voice, mine.id).category, get(Voice, mine.id).description) == (
        "Renamed", "PODCAST", "new")
    with pytest.raises(Forbidden), tenant_session(org.id) as session:
        service.update_voice(session=session, actor=member, voice_id=theirs.id, fields=VoiceFields(name="Nope"))
    with tenant_session(org.id) as session:
        service.update_voice(session=session, actor=admin, voice_id=mine.id, fields=VoiceFields(name="Admin did"))
    assert get(Voice, theirs.id).name == "Theirs"


def test_system_and_foreign_voices_cannot_be_changed(team):
    org, admin, _ = team
    system = voice(name="Aaron")
    foreign = voice(make_org(admin=make_user(), name="Other"), name="Foreign")
    for target in (system, foreign):
        with pytest.raises(NotFound, match="Voice not found"), tenant_session(org.id) as session:
            service.delete_voice(session=session, actor=admin, voice_id=target.id)
    assert get(Voice, system.id) and get(Voice, foreign.id)


def test_deleting_a_voice_keeps_its_generations_with_the_name(team):
    org, admin, _ = team
    doomed = voice(org, name="Doomed", created_by=admin.user_id)
    generation = make_generation(org, doomed, text="Remember me.")
    with tenant_session(org.id) as session:
        keys = service.delete_voice(session=session, actor=admin, voice_id=doomed.id)
    assert keys == ["voices/x/Doomed", "voices/x/Doomed.voice.json"]
    kept = get(Generation, generation.id)
    assert get(Voice, doomed.id) is None
    assert (kept.voice_id, kept.voice_name) == (None, "Doomed")
