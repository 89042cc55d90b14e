"""Backup and restore of the default setup (SQLite + local storage), as one `.tar.gz`:

    python -m resonance.ops.backup create backup.tar.gz
    python -m resonance.ops.backup restore backup.tar.gz --into /srv/resonance-data [--force]

The archive holds `manifest.json` (format, time, the schema revision, row counts per table, each file's size and
SHA-256), `resonance.db` (a consistent snapshot taken with SQLite's online backup API, safe while the app writes),
`storage/…` (the local storage folder as it lies on disk) and `secret_key` when DATA_DIR has one (the generated
development key: authenticator secrets are encrypted with a key derived from it). The archive is written readable by
its owner only: it holds password hashes and that key.

The snapshot comes first and the files after it, so a file written meanwhile may be in the archive without its row
(`python -m resonance.ops.sweep` reports it), never a finished row without its file unless it was deleted meanwhile.
Restore refuses a target folder that is not empty unless `--force` (then its database, storage and key are
replaced), checks every file against the manifest before anything lands in place, and checks the database's
integrity. PostgreSQL and buckets: docs/production.md ("Backup and restore").
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import sys
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy.engine import make_url

from resonance.core.config import Settings, get_settings

FORMAT = 1
MANIFEST, DATABASE, STORAGE, SECRET = "manifest.json", "resonance.db", "storage", "secret_key"
_CHUNK = 1 << 20


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


def create(archive: Path, settings: Settings | None = None) -> dict:
    """Write the archive; returns its manifest."""
    settings = settings or get_settings()
    database = _sqlite_path(settings)
    with tempfile.TemporaryDirectory(prefix="resonance-backup-") as work:
        snapshot = Path(work) / DATABASE
        _snapshot(database, snapshot)
        sources = {DATABASE: snapshot}
        root = settings.storage_dir
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink() and not path.name.startswith(".tmp-"):
                    sources[f"{STORAGE}/{path.relative_to(root).as_posix()}"] = path
        secret = settings.DATA_DIR / SECRET
        if secret.is_file():
            sources[SECRET] = secret
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "schema_revision": _revision(snapshot),
            "tables": _counts(snapshot),
            "files": {name: {"size": path.stat().st_size, "sha256": _digest(path)} for name, path in sources.items()},
        }
        _write_archive(Path(archive), manifest, sources)
    return manifest


def restore(archive: Path, into: Path, *, force: bool = False) -> dict:
    """Unpack the archive into the data folder `into` (RESONANCE_DATA_DIR); returns its manifest."""
    into = Path(into)
    if into.exists() and any(into.iterdir()) and not force:
        raise BackupError(f"{into} is not empty: restore into an empty folder, or pass --force to replace its "
                          f"{DATABASE}, {STORAGE}/ and {SECRET}")
    into.mkdir(parents=True, exist_ok=True)
    staging = into / f".restore-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        manifest = _unpack(Path(archive), staging)
        _check_database(staging / DATABASE)
        for name in (DATABASE, STORAGE, SECRET):
            target = into / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            if (staging / name).exists():
                os.replace(staging / name, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _sqlite_path(settings: Settings) -> Path:
    url = make_url(settings.DATABASE_URL)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("This command backs up the default SQLite database; for PostgreSQL use pg_dump "
                          "(docs/production.md, \"Backup and restore\")")
    if settings.STORAGE_BACKEND != "local":
        raise BackupError("This command backs up local storage; for a bucket copy it with your provider's tools "
                          "(docs/production.md, \"Backup and restore\")")
    path = Path(url.database)
    if not path.is_file():
        raise BackupError(f"No database at {path}")
    return path


def _snapshot(source: Path, target: Path) -> None:
    # The online backup API copies a consistent state even while other connections write (WAL or not).
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _counts(database: Path) -> dict[str, int]:
    with _readonly(database) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _revision(database: Path) -> str | None:
    with _readonly(database) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:  # made by create_all, not by the migrations
            return None
        return row[0] if row else None


class _readonly:
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc) -> None:
        self.conn.close()


def _check_database(path: Path) -> None:
    with _readonly(path) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"The archive's database fails SQLite's integrity check: {result}")


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _write_archive(archive: Path, manifest: dict, sources: dict[str, Path]) -> None:
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(f".{archive.name}.{secrets.token_hex(4)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(body), 0o600, int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(body))  # first, so restore reads it before any file
            for name, path in sources.items():
                tar.add(path, arcname=name, recursive=False)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, archive)
    finally:
        partial.unlink(missing_ok=True)


def _unpack(archive: Path, staging: Path) -> dict:
    """Extract only the files the manifest lists, as plain files inside `staging`, each checked against it."""
    try:
        tar = tarfile.open(archive, mode="r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{archive} is not a readable backup: {error}") from None
    with tar:
        first = tar.next()
        if first is None or first.name != MANIFEST or not first.isfile():
            raise BackupError(f"{archive} has no manifest first: not a Resonance backup")
        manifest = json.loads(tar.extractfile(first).read())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}")
        expected: dict[str, dict] = manifest["files"]
        seen: set[str] = set()
        for member in tar:
            if member.offset == first.offset:
                continue  # iterating a TarFile starts again at its first member
            entry = expected.get(member.name)
            if entry is None or not member.isfile() or not _safe(member.name) or member.name in seen:
                raise BackupError(f"Unexpected entry {member.name!r} in the archive")
            target = staging.joinpath(*PurePosixPath(member.name).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            with tar.extractfile(member) as source, open(target, "wb") as out:
                while block := source.read(_CHUNK):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
            if digest.hexdigest() != entry["sha256"] or size != entry["size"]:
                raise BackupError(f"{member.name} does not match its checksum: the archive is damaged")
            if member.name == SECRET:
                target.chmod(0o600)
            seen.add(member.name)
        missing = set(expected) - seen
        if missing:
            raise BackupError(f"The archive lacks {len(missing)} file(s) its manifest lists, e.g. {min(missing)}")
    return manifest


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resonance.ops.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("create", help="write a backup of DATA_DIR's database and storage")
    made.add_argument("archive", type=Path)
    back = commands.add_parser("restore", help="unpack a backup into a data folder")
    back.add_argument("archive", type=Path)
    back.add_argument("--into", type=Path, required=True, help="the data folder (RESONANCE_DATA_DIR) to fill")
    back.add_argument("--force", action="store_true", help="replace the database, storage and key already there")
    args = parser.parse_args(argv)
    try:
        if args.command == "create":
            manifest = create(args.archive)
            print(f"backup: {args.archive} ({len(manifest['files']) - 1} files, "
                  f"{sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables)")
        else:
            manifest = restore(args.archive, args.into, force=args.force)
            print(f"restored {args.archive} (made {manifest['created_at']}) into {args.into}; "
                  f"start the app with RESONANCE_DATA_DIR={args.into}")
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
