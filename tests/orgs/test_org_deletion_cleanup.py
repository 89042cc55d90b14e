"""Attack on data retention: an organization is deleted; its audio and voice files must not stay in storage, and the
usage it ran up but Polar has not received yet must still be billed. On SQLite and PostgreSQL, local storage, the
loopback Polar (tests/polar_api.py), the app's own job runner."""

from __future__ import annotations

import secrets

import pytest
import redis

from resonance.billing import usage
from resonance.billing.models import UsageRecord
from resonance.generations import files
from resonance.generations.models import Generation
from resonance.jobs import distributed
from resonance.jobs.default import job_kinds
from resonance.jobs.distributed import CeleryDispatcher
from resonance.jobs.runner import Runner
from resonance.orgs import organizations
from resonance.orgs.scope import system_session, tenant_session
from resonance.speech.engine import sidecar_key
from resonance.storage import LocalStorage, get_storage
from resonance.voices import keys
from tests.billing.conftest import billing, polar  # noqa: F401  (the loopback Polar and billing switched on)
from tests.jobs.conftest import redis_url  # noqa: F401  (the running Redis, or fail under CI)
from tests.factories import all_rows, get, make_org, make_user, make_voice, signed_in



class Killed(BaseException):
    """The process dies mid-job: nothing in the job or the runner catches it."""


def stored_keys(org_id: str) -> list[str]:
    """Every object stored under the organization's folders (local storage: `<root>/<key>/.data`)."""
    root = get_storage().root
    found = []
    for top in ("voices", "generations"):
        folder = root / top / "orgs" / org_id
        found += [str(p.parent.relative_to(root)) for p in folder.rglob(".data")] if folder.exists() else []
    return sorted(found)


def org_with_files(name: str) -> dict:
    """An organization with a custom voice and a finished generation, their files in storage."""
    admin = make_user(name=f"Admin {name}")
    org = make_org(admin=admin, name=name)
    voice = make_voice(org, name=f"Voice {name}")
    storage = get_storage()
    sample = keys.custom_sample(org.id, voice.id)
    generation = Generation(org_id=org.id, voice_id=voice.id, text="Hello there.", voice_name=voice.name,
                            status="done", object_key=files.audio_key(org.id, "placeholder"))
    written = [sample, keys.original(sample), sidecar_key(sample), files.audio_key(org.id, generation.id),
               files.chunk_key(generation, 0), files.chunk_key(generation, 1)]
    generation.object_key = written[3]
    with system_session() as session:
        session.add(generation)
    for key in written:
        storage.put(key, f"bytes of {key}".encode(), "audio/wav")
    return {"org": org, "actor": signed_in(admin, org)[0], "keys": sorted(written), "generation": generation}


def delete(org_data: dict) -> None:
    with tenant_session(org_data["org"].id) as session:
        organizations.delete_org(session=session, actor=org_data["actor"], confirmation=org_data["org"].name)


def record(org, source_id: str, characters: int) -> UsageRecord:
    with tenant_session(org.id) as session:
        return usage.record_usage(session, org_id=org.id, kind="tts_generation", characters=characters,
                                  source_id=source_id)


@pytest.fixture
def orgs(db):
    assert isinstance(get_storage(), LocalStorage)
    return org_with_files("Doomed"), org_with_files("Survivor")


def test_the_deleted_organizations_files_go_and_the_others_stay(orgs):
    doomed, survivor = orgs
    assert stored_keys(doomed["org"].id) == doomed["keys"]

    delete(doomed)
    Runner(job_kinds()).run_pending()  # what the app's runner thread (or a Celery worker) does after the commit

    assert stored_keys(doomed["org"].id) == []
    assert stored_keys(survivor["org"].id) == survivor["keys"]
    assert all(get_storage().get(key) == f"bytes of {key}".encode() for key in survivor["keys"])
    assert Runner(job_kinds()).run_pending() == 0  # done: not run again


def test_a_purge_interrupted_by_a_stop_is_still_there_after_the_restart_and_completes(orgs, monkeypatch):
    doomed, survivor = orgs
    delete(doomed)
    storage = get_storage()
    real_delete_prefix = type(storage).delete_prefix
    calls = []

    def dies_after_the_first_prefix(self, prefix):
        calls.append(prefix)
        if len(calls) == 2:
            raise Killed()
        return real_delete_prefix(self, prefix)

    monkeypatch.setattr(type(storage), "delete_prefix", dies_after_the_first_prefix)
    with pytest.raises(Killed):
        Runner(job_kinds()).run_pending()
    assert 0 < len(stored_keys(doomed["org"].id)) < len(doomed["keys"])  # half done when it died
    monkeypatch.undo()

    restarted = Runner(job_kinds())  # a new process: the job is a row, not a thread's memory
    restarted.recover()
    assert restarted.run_pending() == 1

    assert stored_keys(doomed["org"].id) == []
    assert stored_keys(survivor["org"].id) == survivor["keys"]


def test_with_celery_workers_the_purge_is_sent_run_once_and_a_redelivery_does_nothing(orgs, configure, redis_url):
    queue = f"resonance-test-purge-{secrets.token_hex(4)}"  # keys of this test's own
    configure(REDIS_URL=redis_url, JOBS_BACKEND="celery", JOBS_QUEUE=queue)
    client = redis.Redis.from_url(redis_url)
    try:
        doomed, survivor = orgs
        delete(doomed)
        from resonance.orgs.purge import OrgFilePurge  # here: the module is what the attack test asks for

        (purge_id,) = [p.id for p in all_rows(OrgFilePurge, org_id=doomed["org"].id)]
        sent = []
        dispatcher = CeleryDispatcher(job_kinds())
        dispatcher.send = lambda task, args: sent.append((task, args))  # the broker's side is tests/jobs' concern
        assert dispatcher.run_pending() == 1
        assert sent == [(distributed.RUN, ["organization files", purge_id])]

        assert distributed.run_job(job_kinds(), "organization files", purge_id) == "ran"  # what a worker does
        assert distributed.run_job(job_kinds(), "organization files", purge_id) == "skipped"
        assert stored_keys(doomed["org"].id) == []
        assert stored_keys(survivor["org"].id) == survivor["keys"]
    finally:
        leftovers = client.keys("resonance:jobs:*organization files*")
        if leftovers:
            client.delete(*leftovers)
        client.close()


def test_usage_not_yet_delivered_survives_the_deletion_and_is_billed(orgs, billing):  # noqa: F811
    doomed, survivor = orgs
    doomed_org = doomed["org"]
    delivered = record(doomed_org, "gen_sent", 40)
    assert usage.send_due() == 1
    pending = [record(doomed_org, "gen_pending_1", 120).id, record(doomed_org, "voice_pending", 0).id]
    other = record(survivor["org"], "gen_other", 7).id

    delete(doomed)

    assert get(UsageRecord, delivered.id) is None  # billed already: goes with the organization
    assert sorted(r.id for r in all_rows(UsageRecord, org_id=doomed_org.id)) == sorted(pending)
    assert usage.send_due() == 3
    sent = {e["external_id"]: e["external_customer_id"] for e in billing.events()}
    assert {i: sent.get(i) for i in pending} == dict.fromkeys(pending, doomed_org.id)
    assert sent[other] == survivor["org"].id
    assert all(r.delivered_at is not None for r in all_rows(UsageRecord, org_id=doomed_org.id))
    assert usage.send_due() == 0
