"""An organization deleted, or a member removed, while work of the organization runs: a generation and a voice match
(stand-ins held at a known point), an export. Once the jobs and the purge have ended, nothing of a deleted
organization remains in storage or in its tables; a removed member's generation finishes in the organization.
On SQLite and PostgreSQL, local storage."""

from __future__ import annotations

import pytest

from resonance.billing.models import UsageRecord
from resonance.generations import files, jobs
from resonance.generations.models import Generation
from resonance.jobs.runner import Runner
from resonance.orgs import exports, members, organizations
from resonance.orgs.purge import ORG_FILE_PURGES
from resonance.orgs.scope import _OWNED, _SHARED, tenant_session
from resonance.speech.engine import sidecar_key
from resonance.storage import get_storage
from resonance.voices import matching
from tests.factories import add_member, all_rows, get, make_org, make_user, signed_in
from tests.generations.test_deletion_races import HeldEngine
from tests.generations.test_jobs import bill_from_now_on, queue
from tests.races import Gate, hold_put, in_thread, stored
from tests.voices.test_match_deletion_race import held_matcher, uploaded_voice


@pytest.fixture
def team(db):
    admin = make_user(name="Ada Admin")
    org = make_org(admin=admin, name="Acme")
    return org, signed_in(admin, org)[0]


def delete_org(org, principal) -> None:
    """The Admin deletes the organization; the purge job then removes its files (the app's runner does it after
    the commit)."""
    with tenant_session(org.id) as session:
        organizations.delete_org(session=session, actor=principal, confirmation=org.name)
    assert Runner([ORG_FILE_PURGES]).run_pending() == 1


def assert_nothing_left(org) -> None:
    assert stored(org.id) == []
    assert {m.__tablename__: all_rows(m, org_id=org.id) for m in _OWNED + _SHARED} == {
        m.__tablename__: [] for m in _OWNED + _SHARED}


@pytest.mark.parametrize("point", ["mid-work", "at their last files"])
def test_an_organization_deleted_while_a_generation_and_a_match_run_leaves_nothing(team, monkeypatch, configure,
                                                                                    point):
    org, principal = team
    speaking, matching_gate = Gate(), Gate()
    engine = HeldEngine(speaking, at=1 if point == "mid-work" else None)
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    voice = uploaded_voice(org)
    generation_id = queue(principal, engine)
    if point == "mid-work":
        held_matcher(monkeypatch, matching_gate)
    else:  # both jobs are done with their work and are writing their final files
        held_matcher(monkeypatch, None)
        hold_put(monkeypatch, speaking, lambda key: key == files.audio_key(org.id, generation_id))
        hold_put(monkeypatch, matching_gate, lambda key: key == sidecar_key(voice.object_key))
    bill_from_now_on(configure)
    assert jobs.GENERATION_JOBS.claim_next() == generation_id
    assert matching.MATCH_JOBS.claim_next() == voice.id
    joins = [in_thread(lambda: jobs.run_generation(generation_id)), in_thread(lambda: matching.run_match(voice.id))]
    speaking.arrived()
    matching_gate.arrived()

    delete_org(org, principal)
    speaking.release()
    matching_gate.release()
    for join in joins:
        join()

    assert_nothing_left(org)
    assert all_rows(UsageRecord) == []  # never finished: nothing to bill


def test_a_member_removed_while_their_generation_runs_still_gets_it_in_the_organization(team, monkeypatch,
                                                                                         configure):
    org, admin = team
    speaker = make_user(name="Sam Speaker")
    membership = add_member(org, speaker)
    member = signed_in(speaker, org)[0]
    gate = Gate()
    engine = HeldEngine(gate, at=1)
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    generation_id = queue(member, engine)
    bill_from_now_on(configure)
    assert jobs.GENERATION_JOBS.claim_next() == generation_id
    join = in_thread(lambda: jobs.run_generation(generation_id))
    gate.arrived(join)

    with tenant_session(org.id) as session:
        members.remove(session=session, actor=admin, membership_id=membership.id)
    gate.release()
    join()

    done = get(Generation, generation_id)
    assert (done.status, done.org_id, done.created_by) == ("done", org.id, speaker.id)
    assert [(r.org_id, r.source_id) for r in all_rows(UsageRecord)] == [(org.id, generation_id)]
    kept = stored(org.id)  # every stored object is the generation's: its audio and its chunks
    assert files.audio_key(org.id, generation_id) in kept
    assert all(key == done.object_key or key.startswith(files.chunk_prefix(org.id, generation_id)) for key in kept)


@pytest.mark.parametrize("point", ["while it reads the files", "while the archive is stored"])
def test_an_organization_deleted_while_it_is_exported_leaves_no_archive(team, monkeypatch, point):
    org, principal = team
    voice = uploaded_voice(org)
    with tenant_session(org.id) as session:
        export_id = exports.start(session=session, actor=principal).id
    gate, real_get = Gate(), type(get_storage()).get
    if point == "while it reads the files":
        def get_held(self, key):
            if key == voice.object_key:
                gate.hold()
            return real_get(self, key)

        monkeypatch.setattr(type(get_storage()), "get", get_held)
    else:
        hold_put(monkeypatch, gate, lambda key: key == exports.archive_key(org.id, export_id))
    assert exports.ORG_EXPORTS.claim_next() == export_id
    join = in_thread(lambda: exports.run_export(export_id))
    gate.arrived(join)

    delete_org(org, principal)
    gate.release()
    join()

    assert get(exports.OrgExport, export_id) is None
    assert_nothing_left(org)
