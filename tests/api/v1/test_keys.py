"""Organization API keys: Admins create (secret shown once, stored as a keyed digest) and revoke them; a key opens
the API for its organization only; a revoked or unknown key gets 401; each key has a rate limit (429 + Retry-After),
in this process or in Redis."""

from __future__ import annotations

import httpx
import pytest
import redis
from elevenlabs.core.api_error import ApiError

from resonance.core import ratelimit, security
from resonance.core.errors import ConfigError, Forbidden, Invalid
from resonance.orgs import api_keys
from resonance.orgs.api_keys import ApiKey
from resonance.orgs.models import Role
from resonance.identity.models import User
from resonance.orgs.scope import system_session, tenant_session
from tests.api.v1.conftest import client_for
from tests.factories import add_member, all_rows, audit_actions, get, make_user, signed_in
from tests.speech_samples import speech_wav

NO_RETRY = {"max_retries": 0}


def test_a_key_is_shown_once_and_stored_only_as_a_digest_with_its_prefix(team):
    [row] = all_rows(ApiKey, org_id=team.org.id)
    assert team.secret.startswith("rsk_") and len(team.secret) > 40
    assert row.digest == security.digest(team.secret) and team.secret not in (row.digest, row.prefix)
    assert row.prefix == team.secret[:12] and row.created_by == team.admin.user_id
    with tenant_session(team.org.id) as session:
        [view] = api_keys.list_keys(session=session, actor=team.admin)
    assert (view.name, view.prefix, view.created_by, view.revoked_at) == ("Acme script", row.prefix, "Acme Admin", None)
    assert not hasattr(view, "secret") and "api_key.created" in audit_actions(team.org)


def test_only_admins_manage_keys_and_names_are_checked(team):
    member_user = make_user(name="Mel Member")
    add_member(team.org, member_user, Role.MEMBER)
    member, _ = signed_in(member_user, team.org)
    [row] = all_rows(ApiKey, org_id=team.org.id)
    with tenant_session(team.org.id) as session:
        with pytest.raises(Forbidden):
            api_keys.create_key(session=session, actor=member, name="Mine")
        with pytest.raises(Forbidden):
            api_keys.list_keys(session=session, actor=member)
        with pytest.raises(Forbidden):
            api_keys.revoke_key(session=session, actor=member, key_id=row.id)
        with pytest.raises(Invalid, match="name"):
            api_keys.create_key(session=session, actor=team.admin, name="   ")
    assert get(ApiKey, row.id).revoked_at is None


def test_a_key_lists_its_organizations_voices_and_a_revoked_key_is_refused(team, system_voice):
    assert [v.name for v in team.client.voices.get_all().voices] == ["Aaron"]
    [row] = all_rows(ApiKey, org_id=team.org.id)
    assert get(ApiKey, row.id).last_used_at is not None
    with tenant_session(team.org.id) as session:
        api_keys.revoke_key(session=session, actor=team.admin, key_id=row.id)
    with pytest.raises(ApiError) as refused:
        team.client.voices.get_all(request_options=NO_RETRY)
    assert refused.value.status_code == 401
    assert refused.value.body["detail"]["status"] == "invalid_api_key"
    assert "api_key.revoked" in audit_actions(team.org)


def test_missing_and_unknown_keys_get_401_in_elevenlabs_shape(team, base_url):
    missing = httpx.get(f"{base_url}/v1/voices")
    assert missing.status_code == 401 and missing.json()["detail"]["status"] == "needs_authorization"
    for bad in ("rsk_" + "x" * 43, team.secret + "x", "sk_0123456789abcdef"):
        with pytest.raises(ApiError) as refused:
            client_for(base_url, bad).models.list(request_options=NO_RETRY)
        assert refused.value.status_code == 401
        assert refused.value.body == {"detail": {"status": "invalid_api_key",
                                                 "message": "Invalid API key: unknown or revoked.",
                                                 "request_id": refused.value.headers["x-request-id"]}}


def test_last_used_is_written_at_most_once_a_minute(team, clock):
    [row] = all_rows(ApiKey, org_id=team.org.id)
    team.client.models.list()
    first = get(ApiKey, row.id).last_used_at
    clock.advance(seconds=30)
    team.client.models.list()
    assert get(ApiKey, row.id).last_used_at == first
    clock.advance(seconds=31)
    team.client.models.list()
    assert get(ApiKey, row.id).last_used_at > first


@pytest.mark.parametrize("counter", ["memory", "redis"])
def test_each_key_has_its_own_rate_limit_with_retry_after(team, base_url, configure, clock, counter):
    configure(API_RATE_LIMIT="3/60", REDIS_URL="redis://127.0.0.1:6379/0" if counter == "redis" else None)
    other = client_for(base_url, team.key())
    for _ in range(3):
        team.client.models.list(request_options=NO_RETRY)
    with pytest.raises(ApiError) as limited:
        team.client.models.list(request_options=NO_RETRY)
    assert limited.value.status_code == 429 and limited.value.body["detail"]["status"] == "rate_limit_exceeded"
    assert limited.value.headers["retry-after"] == "60"
    assert other.models.list(request_options=NO_RETRY)[0].model_id == "resonance_v1"  # another key: its own window
    clock.advance(seconds=45)
    with pytest.raises(ApiError) as still:
        team.client.models.list(request_options=NO_RETRY)
    assert still.value.headers["retry-after"] == "15"
    clock.advance(seconds=16)
    assert team.client.models.list(request_options=NO_RETRY)
    if counter == "redis":  # the window really is in Redis, where every worker sees it
        [row] = [k for k in all_rows(ApiKey, org_id=team.org.id) if k.name == "Acme script"]
        shared = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        assert shared.zcard(ratelimit.redis_key(ratelimit.API_KEY, row.id)) == 1  # the three before have left it


def test_a_key_outlives_its_creators_account_but_owns_no_voices_then(team, system_voice):
    with system_session() as session:
        session.delete(session.get(User, team.admin.user_id))
    [row] = all_rows(ApiKey, org_id=team.org.id)
    assert row.created_by is None  # the organization's key, still listed (as made by a deleted user)
    created = team.client.voices.ivc.create(name="Orphan", files=[("o.wav", speech_wav(12.0), "audio/wav")])
    with pytest.raises(ApiError) as refused:
        team.client.voices.delete(created.voice_id, request_options=NO_RETRY)
    assert refused.value.status_code == 403 and refused.value.body["detail"]["status"] == "missing_permissions"


def test_a_malformed_rate_limit_stops_the_app_naming_the_variable(configure):
    with pytest.raises(ConfigError, match="RESONANCE_API_RATE_LIMIT: .*COUNT/SECONDS"):
        configure(API_RATE_LIMIT="sixty a minute")
    assert configure(API_RATE_LIMIT="120/60").api_rate == (120, 60)


# Refusals as the SDK reads them: status code, `detail.status` and `detail.message`, and the request's id


def refusal(call) -> ApiError:
    with pytest.raises(ApiError) as refused:
        call()
    error = refused.value
    detail = error.body["detail"]
    assert isinstance(detail["status"], str) and isinstance(detail["message"], str) and detail["message"]
    assert detail["request_id"] == error.headers["request-id"] == error.headers["x-request-id"]
    return error


def test_401_404_422_and_429_reach_the_sdk_in_elevenlabs_shape_with_the_request_id(team, base_url, configure, clock,
                                                                                  system_voice, engine, runner):
    unknown = refusal(lambda: client_for(base_url, "rsk_" + "x" * 43).voices.get_all(request_options=NO_RETRY))
    assert (unknown.status_code, unknown.body["detail"]["status"]) == (401, "invalid_api_key")
    missing = refusal(lambda: team.client.voices.get("voi_missing", request_options=NO_RETRY))
    assert (missing.status_code, missing.body["detail"]["status"]) == (404, "voice_not_found")
    invalid = refusal(lambda: b"".join(team.client.text_to_speech.convert(system_voice.id, text="x" * 5001,
                                                                          request_options=NO_RETRY)))
    assert (invalid.status_code, invalid.body["detail"]["status"]) == (422, "invalid_request")
    assert "text" in invalid.body["detail"]["message"]
    listed = team.client.models.with_raw_response.list(request_options=NO_RETRY)
    assert listed.headers["request-id"] == listed.headers["x-request-id"]  # successes carry it too
    configure(API_RATE_LIMIT="1/60")  # the calls above are in this minute's window
    limited = refusal(lambda: team.client.models.list(request_options=NO_RETRY))
    assert (limited.status_code, limited.body["detail"]["status"]) == (429, "rate_limit_exceeded")
    assert limited.headers["retry-after"] == "60"


def test_a_call_resonance_does_not_offer_is_404_in_elevenlabs_shape(team, base_url):
    not_offered = refusal(lambda: team.client.dubbing.list(request_options=NO_RETRY))
    assert not_offered.status_code == 404 and not_offered.body["detail"]["status"] == "not_found"
    assert not_offered.body["detail"]["message"] == ("Resonance does not offer GET /v1/dubbing. The calls it offers "
                                                     "are listed at /v1/openapi.json.")
    for path in ("/v2/voices/%00x", "/v1/speech-to-text"):
        response = httpx.post(base_url + path, headers={"xi-api-key": team.secret}, timeout=30)
        assert response.status_code == 404 and response.json()["detail"]["status"] == "not_found"
    assert "/v2/voices/%00x" in httpx.get(f"{base_url}/v2/voices/%00x", headers={"xi-api-key": team.secret}).text
    wrong_method = httpx.put(f"{base_url}/v1/models", headers={"xi-api-key": team.secret})
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "GET"
    assert wrong_method.json()["detail"] == {"status": "method_not_allowed",
                                             "message": "/v1/models does not take PUT; it takes GET.",
                                             "request_id": wrong_method.headers["request-id"]}
    assert httpx.get(f"{base_url}/no-such-page").json() == {"detail": "Not Found"}  # outside the API: FastAPI's
