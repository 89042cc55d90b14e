"""Organization export: the archive's manifest and files, who may download it, the job's progress, failure and
expiry. Real storage (local), the app's job runner, the FastAPI app."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.core.errors import Forbidden
from resonance.generations import files
from resonance.generations.models import Generation
from resonance.jobs import rows
from resonance.jobs.runner import Runner
from resonance.orgs import exports, organizations, purge
from resonance.orgs.exports import ORG_EXPORTS, OrgExport
from resonance.orgs.models import AuditEvent, Role
from resonance.orgs.scope import system_session, tenant_session
from resonance.storage import get_storage
from resonance.voices import keys
from tests.factories import add_member, all_rows, get, make_org, make_user, make_voice, signed_in

COOKIE = "__Host-resonance_session"
SAMPLE, ORIGINAL, SPEECH = b"RIFF sample", b"ID3 original upload", b"RIFF speech"


def org_with_data(name: str = "Acme Export") -> dict:
    """An organization with a custom voice (sample and original upload) and a finished generation, files stored."""
    admin, member = make_user(name="Ada Admin"), make_user(name="Mel Member")
    org = make_org(admin=admin, name=name)
    add_member(org, member, Role.MEMBER)
    voice = make_voice(org, name="Aurora")
    sample = keys.custom_sample(org.id, voice.id)
    storage = get_storage()
    storage.put(sample, SAMPLE, "audio/wav")
    storage.put(keys.original(sample), ORIGINAL, "audio/mpeg")
    generation = Generation(org_id=org.id, voice_id=voice.id, text="Hello there.", voice_name=voice.name,
                            status="done", created_by=member.id)
    generation.object_key = files.audio_key(org.id, generation.id)
    storage.put(generation.object_key, SPEECH, "audio/wav")
    with system_session() as session:
        v = session.get(type(voice), voice.id)
        v.object_key, v.original_key = sample, keys.original(sample)
        session.add(v)
        session.add(generation)
    return {"org": org, "admin": admin, "member": member, "voice": voice, "generation": generation}


def export_now(world: dict) -> OrgExport:
    actor, _ = signed_in(world["admin"], world["org"])
    with tenant_session(world["org"].id) as session:
        export = exports.start(session=session, actor=actor)
    Runner([ORG_EXPORTS]).run_pending()
    return get(OrgExport, export.id)


def archive(export: OrgExport) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(get_storage().get(export.object_key)))


def test_the_archive_holds_the_manifest_voices_generations_members_and_audit_log(sqlite_db):
    world = org_with_data()
    export = export_now(world)
    assert export.status == rows.DONE and export.progress == 1.0 and export.expires_at is not None
    with archive(export) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        voice, generation = world["voice"], world["generation"]
        assert manifest["organization"]["name"] == "Acme Export"
        [v] = manifest["voices"]
        assert (v["id"], v["name"]) == (voice.id, "Aurora")
        assert v["files"] == {"sample": f"voices/{voice.id}/sample.wav", "original": f"voices/{voice.id}/original.mp3"}
        assert zipped.read(v["files"]["sample"]) == SAMPLE and zipped.read(v["files"]["original"]) == ORIGINAL
        [g] = manifest["generations"]
        assert (g["id"], g["text"], g["voice_name"], g["created_by"]) == (
            generation.id, "Hello there.", "Aurora", world["member"].email)
        assert zipped.read(g["file"]) == SPEECH
        assert sorted((m["email"], m["role"]) for m in manifest["members"]) == sorted(
            [(world["admin"].email, "admin"), (world["member"].email, "member")])
        assert [e["action"] for e in manifest["audit_log"]] == ["organization.created", "organization.exported"]
        assert sorted(zipped.namelist()) == sorted(["manifest.json", v["files"]["sample"], v["files"]["original"],
                                                    g["file"]])


def test_another_organizations_data_never_reaches_the_archive(sqlite_db):
    ours, theirs = org_with_data("Ours"), org_with_data("Theirs")
    with archive(export_now(ours)) as zipped:
        text = " ".join(zipped.read(name).decode("latin-1") for name in zipped.namelist())
    for row in (theirs["voice"], theirs["generation"], theirs["org"]):
        assert row.id not in text
    assert theirs["admin"].email not in text


@pytest.fixture
def client():
    with TestClient(build_api(), base_url="http://localhost:8000") as http:
        yield http


def test_only_an_admin_of_the_organization_downloads_the_archive(sqlite_db, client):
    world, other = org_with_data("Ours"), org_with_data("Theirs")
    export = export_now(world)

    _, admin_cookie = signed_in(world["admin"], world["org"])
    answer = client.get(f"/api/exports/{export.id}", cookies={COOKIE: admin_cookie})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    assert "attachment" in answer.headers["content-disposition"] and answer.content.startswith(b"PK")
    assert "no-store" in answer.headers["cache-control"]

    _, member_cookie = signed_in(world["member"], world["org"])
    assert client.get(f"/api/exports/{export.id}", cookies={COOKIE: member_cookie}).status_code == 403
    _, foreign_cookie = signed_in(other["admin"], other["org"])
    assert client.get(f"/api/exports/{export.id}", cookies={COOKIE: foreign_cookie}).status_code == 404
    assert client.get(f"/api/exports/{export.id}").status_code == 401


def test_a_member_cannot_start_an_export(sqlite_db):
    world = org_with_data()
    member, _ = signed_in(world["member"], world["org"])
    with pytest.raises(Forbidden), tenant_session(world["org"].id) as session:
        exports.start(session=session, actor=member)
    assert all_rows(OrgExport) == []


def test_progress_is_written_as_files_are_added_and_the_request_is_audited(sqlite_db, monkeypatch):
    world = org_with_data()
    seen: list[float] = []
    write = exports._progress

    def write_and_read_back(export_id: str, done: float) -> None:  # what a page polling the row reads
        write(export_id, done)
        seen.append(get(OrgExport, export_id).progress)

    monkeypatch.setattr(exports, "_progress", write_and_read_back)
    export = export_now(world)
    assert seen == pytest.approx([0.25, 0.5, 0.75]) and export.progress == 1.0
    assert [e.action for e in all_rows(AuditEvent, org_id=world["org"].id)][-1] == "organization.exported"


def test_a_failed_export_leaves_no_archive_and_says_why_with_a_reference(sqlite_db):
    world = org_with_data()
    get_storage().delete(world["generation"].object_key)  # a file the archive needs is gone
    export = export_now(world)
    assert export.status == rows.FAILED and export.object_key is None
    assert export.error.startswith(exports.FAILED + " Reference: ")
    assert not get_storage().exists(exports.archive_key(world["org"].id, export.id))


def test_one_export_at_a_time(sqlite_db):
    world = org_with_data()
    actor, _ = signed_in(world["admin"], world["org"])
    with tenant_session(world["org"].id) as session:
        first = exports.start(session=session, actor=actor)
    with tenant_session(world["org"].id) as session:
        assert exports.start(session=session, actor=actor).id == first.id


def test_an_expired_archive_is_refused_then_removed(sqlite_db, client, clock):
    world = org_with_data()
    export = export_now(world)
    clock.advance(days=7, seconds=1)
    _, cookie = signed_in(world["admin"], world["org"])
    assert client.get(f"/api/exports/{export.id}", cookies={COOKIE: cookie}).status_code == 404
    assert exports.remove_expired() == 1
    assert not get_storage().exists(export.object_key)
    assert get(OrgExport, export.id).status == exports.EXPIRED


def test_deleting_the_organization_deletes_its_archives(sqlite_db):
    world = org_with_data()
    export = export_now(world)
    actor, _ = signed_in(world["admin"], world["org"])
    with tenant_session(world["org"].id) as session:
        organizations.delete_org(session=session, actor=actor, confirmation=world["org"].name)
    Runner([purge.ORG_FILE_PURGES]).run_pending()
    assert not get_storage().exists(export.object_key)
    assert get(OrgExport, export.id) is None
