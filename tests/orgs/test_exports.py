"""Organization export: the archive's manifest and files, who may download it, the job's progress, failure and
expiry, and that the archive goes through a temporary file both ways. Real storage (local), the app's job runner,
the FastAPI app."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile

import pytest
from starlette.testclient import TestClient

from resonance.api import ranges
from resonance.api.app import build_api
from resonance.core.config import get_settings
from resonance.core.errors import Forbidden
from resonance.generations import files
from resonance.generations.models import Generation
from resonance.jobs import rows
from resonance.jobs.runner import Runner
from resonance.orgs import export_archive, exports, organizations, purge
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


def add_generations(world: dict, count: int, size: int) -> list[bytes]:
    """`count` more finished generations in the organization, each with `size` bytes of audio stored."""
    audio = [bytes([n]) * size for n in range(count)]
    with system_session() as session:
        for data in audio:
            generation = Generation(org_id=world["org"].id, voice_id=world["voice"].id, text="More.",
                                    voice_name="Aurora", status="done", created_by=world["member"].id)
            generation.object_key = files.audio_key(world["org"].id, generation.id)
            get_storage().put(generation.object_key, data, "audio/wav")
            session.add(generation)
    return audio


def temporary_files() -> list[str]:
    work = get_settings().DATA_DIR / "tmp"
    return sorted(path.name for path in work.iterdir()) if work.exists() else []


@pytest.fixture
def archive_files(monkeypatch) -> list:
    """Every file an archive is built into and then stored from, as `(built into, stored from)`."""
    seen: list = []
    real_build, backend = export_archive.build, type(get_storage())
    real_put_file = backend.put_file

    def build(org_id, into, **kwargs):
        seen.append([into, None])
        return real_build(org_id, into, **kwargs)

    def put_file(self, key, file, content_type):
        seen[-1][1] = file
        return real_put_file(self, key, file, content_type)

    monkeypatch.setattr(export_archive, "build", build)
    monkeypatch.setattr(backend, "put_file", put_file)
    return seen


def test_the_archive_is_built_in_a_file_a_stored_file_at_a_time_and_stored_from_it(sqlite_db, archive_files):
    world = org_with_data()
    size = 1024 * 1024
    audio = add_generations(world, 12, size)
    tracemalloc.start()
    try:
        export = export_now(world)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert export.status == rows.DONE and export.size_bytes > 12 * size
    assert peak < 4 * size  # one stored file at a time, never the whole archive
    [(built, stored)] = archive_files
    assert stored is built and built.closed  # a real file on disk, given to storage as a file, then closed
    with archive(export) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        paths = [g["file"] for g in manifest["generations"]]
        assert len(paths) == 13 and zipped.read(paths[0]) == SPEECH
        assert [zipped.read(path) for path in paths[1:]] == audio
        assert len(zipped.namelist()) == 16  # the manifest, the voice's two files and every generation's
    assert get_storage().stat(export.object_key).size == export.size_bytes
    assert temporary_files() == []


def test_no_temporary_file_is_left_when_an_export_fails_midway(sqlite_db, archive_files):
    world = org_with_data()
    add_generations(world, 3, 1000)
    get_storage().delete(world["generation"].object_key)  # read after the voice's files: the archive is begun
    export = export_now(world)
    assert export.status == rows.FAILED
    [(built, stored)] = archive_files
    assert stored is None and built.closed
    assert temporary_files() == []


def test_a_large_archive_is_downloaded_in_chunks_whole_and_in_ranges(sqlite_db, client, monkeypatch):
    world = org_with_data()
    add_generations(world, 3, 1000)
    export = export_now(world)
    stored = get_storage().get(export.object_key)
    backend = type(get_storage())

    def never_whole(self, key):
        raise AssertionError(f"{key} was read whole")

    monkeypatch.setattr(backend, "get", never_whole)
    monkeypatch.setattr(ranges, "CHUNK", 512)
    _, cookie = signed_in(world["admin"], world["org"])
    whole = client.get(f"/api/exports/{export.id}", cookies={COOKIE: cookie})
    assert whole.status_code == 200 and whole.content == stored
    assert whole.headers["content-length"] == str(len(stored)) and whole.headers["content-type"] == "application/zip"
    part = client.get(f"/api/exports/{export.id}", cookies={COOKIE: cookie}, headers={"Range": "bytes=100-2100"})
    assert part.status_code == 206 and part.content == stored[100:2101]
    assert part.headers["content-range"] == f"bytes 100-2100/{len(stored)}"
