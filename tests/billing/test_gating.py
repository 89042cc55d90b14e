"""Gating and metering where the work happens: generating speech and creating a voice need an active subscription
while billing is on; each success writes its usage record with its result, and Polar being down costs nothing."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.billing import service, usage
from resonance.billing.models import UsageRecord
from resonance.core.errors import SubscriptionRequired
from resonance.generations import jobs
from resonance.generations.models import Generation
from resonance.generations.service import GenerationRequest, create_generation
from resonance.jobs.runner import Runner
from resonance.orgs.scope import tenant_session
from resonance.voices import cloning
from resonance.voices.models import Voice
from resonance.voices.service import VoiceFields
from resonance.identity.models import User
from tests.factories import all_rows, get, signed_in
from tests.fakes import ToneEngine
from tests.generations.conftest import DEFAULTS, ready_voice
from tests.speech_samples import speech_wav

TEXT = "  Speech for the meter. A second sentence follows.  "
FIELDS = VoiceFields(name="Studio Ada", category="PODCAST", language="en-GB", description="Warm")


@pytest.fixture
def engine(monkeypatch) -> ToneEngine:
    tone = ToneEngine()
    monkeypatch.setattr(jobs, "get_engine", lambda: tone)
    return tone


def generate(actor, engine) -> str:
    with tenant_session(actor.org_id) as session:
        return create_generation(session=session, actor=actor, capabilities=engine.capabilities,
                                 request=GenerationRequest(TEXT, ready_voice().id, DEFAULTS)).id


def create_voice(actor) -> Voice:
    return cloning.create_custom_voice(actor=actor, fields=FIELDS, data=speech_wav(12.0), declared_type="audio/wav")


def test_without_a_subscription_generating_and_creating_voices_are_refused(billing, team, engine):
    org, admin, member = team
    for actor in (admin, member):
        with pytest.raises(SubscriptionRequired) as refused:
            generate(actor, engine)
        assert (refused.value.code, refused.value.status, str(refused.value)) == (
            "SUBSCRIPTION_REQUIRED", 402, "Subscription required")
        with pytest.raises(SubscriptionRequired):
            create_voice(actor)
    assert all_rows(Generation) == [] and all_rows(Voice, org_id=org.id) == [] and all_rows(UsageRecord) == []


def test_with_a_subscription_both_are_allowed(billing, team, engine):
    org, _, member = team
    billing.subscribe(org.id)
    assert generate(member, engine)
    voice = create_voice(member)
    [row] = all_rows(UsageRecord, kind="voice_creation")  # written with the voice row
    assert (row.org_id, row.source_id, row.characters) == (org.id, voice.id, 0)


def test_with_billing_off_nothing_is_gated_or_recorded(configure, polar, sqlite_team, engine):
    configure(POLAR_ACCESS_TOKEN=None, POLAR_SERVER_URL=polar.url)
    _, _, member = sqlite_team
    generation_id = generate(member, engine)
    create_voice(member)
    Runner([jobs.GENERATION_JOBS]).run_pending()
    assert get(Generation, generation_id).status == "done"
    assert all_rows(UsageRecord) == [] and polar.received == []


def test_the_public_voice_route_answers_402_without_a_subscription(billing, sqlite_team):
    org, _, _ = sqlite_team
    [admin] = [u for u in all_rows(User) if u.name == "Ada Admin"]
    _, cookie = signed_in(admin, org)
    with TestClient(build_api(), base_url="http://localhost:8000") as http:
        answer = http.post("/api/voices/create", params={"name": "Ada", "category": "PODCAST"}, content=speech_wav(12),
                           headers={"Origin": "http://localhost:3000", "Content-Type": "audio/wav",
                                    "Cookie": f"__Host-resonance_session={cookie}"})
    assert (answer.status_code, answer.json()) == (402, {"error": "Subscription required"})


def test_a_finished_generation_is_billed_with_its_done_status(billing, team, engine):
    org, admin, _ = team
    billing.subscribe(org.id)
    generation_id = generate(admin, engine)
    assert all_rows(UsageRecord) == []  # queued: nothing to bill yet
    Runner([jobs.GENERATION_JOBS]).run_pending()
    assert get(Generation, generation_id).status == "done"
    [row] = all_rows(UsageRecord)
    assert (row.kind, row.source_id, row.org_id, row.characters) == (
        "tts_generation", generation_id, org.id, len(TEXT.strip()))
    assert usage.send_due() == 1
    assert billing.events()[0]["metadata"] == {"characters": len(TEXT.strip())}
    assert service.get_status(org.id).period_characters == len(TEXT.strip())


def test_a_failed_generation_is_not_billed(billing, sqlite_team, monkeypatch):
    org, admin, _ = sqlite_team
    billing.subscribe(org.id)
    broken = ToneEngine(fail_at=1)
    monkeypatch.setattr(jobs, "get_engine", lambda: broken)
    generation_id = generate(admin, broken)
    Runner([jobs.GENERATION_JOBS]).run_pending()
    assert get(Generation, generation_id).status == "failed" and all_rows(UsageRecord) == []


def test_polar_down_does_not_stop_generating_and_the_usage_arrives_later(billing, sqlite_team, engine, clock):
    org, admin, _ = sqlite_team
    billing.subscribe(org.id)
    assert service.get_status(org.id).active  # known while Polar was up
    billing.fail("/v1/", times=1000)
    clock.advance(hours=2)  # the stored state is stale; Polar cannot confirm it
    generation_id = generate(admin, engine)
    Runner([jobs.GENERATION_JOBS]).run_pending()
    assert get(Generation, generation_id).status == "done"
    assert usage.send_due() == 0 and all_rows(UsageRecord)[0].delivered_at is None
    billing.heal()  # Polar is back
    clock.advance(seconds=5)
    assert usage.send_due() == 1
    assert [e["external_id"] for e in billing.events()] == [all_rows(UsageRecord)[0].id]
