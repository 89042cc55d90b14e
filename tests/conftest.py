"""Shared fixtures: an isolated environment, a database per backend, a controllable clock.

The environment is set before anything imports `resonance`, because settings are read once per process
(`get_settings` is cached, and `get_engine` keeps one engine per database URL). Tests that change a setting go
through `configure`, which clears the settings before and after and keeps the engines.

Databases: `db` runs a test on SQLite and on PostgreSQL (for data access and tenant isolation); `sqlite_db` runs it
on SQLite only (rules that do not depend on the database). Both empty every table before the test.
PostgreSQL is the server at `RESONANCE_TEST_POSTGRES_URL` (default postgresql://postgres@127.0.0.1:5432/test); a
database of its own is created for the session and dropped at the end. When the server is unreachable the
PostgreSQL variants are skipped, or fail when `CI` is set.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

_DATA_DIR = Path(tempfile.mkdtemp(prefix="resonance-tests-"))
# A developer's exported settings (SMTP, Polar, Redis...) must not change what the tests see; the test-only
# RESONANCE_TEST_* variables (which servers to test against) stay.
for _name in list(os.environ):
    if _name.startswith(("POLAR_", "BILLING_")) or _name == "REFLEX_TRUSTED_PROXY_HOPS" or (
            _name.startswith("RESONANCE_") and not _name.startswith("RESONANCE_TEST_")):
        del os.environ[_name]
os.environ.update({
    "RESONANCE_ENV": "development",
    "RESONANCE_DATA_DIR": str(_DATA_DIR),
    "RESONANCE_SECRET_KEY": "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "RESONANCE_APP_URL": "http://localhost:3000",
    "RESONANCE_API_URL": "http://localhost:8000",
    # OWASP's argon2id minimum: the cheapest parameters the settings accept, so hashing stays fast in tests.
    "RESONANCE_ARGON2_MEMORY_KIB": "19456",
    "RESONANCE_ARGON2_TIME_COST": "2",
    "RESONANCE_ARGON2_PARALLELISM": "1",
})

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import resonance.models  # noqa: E402,F401  (every table registered before create_all)
from resonance.core import config  # noqa: E402
from resonance.core.clock import clock as _clock  # noqa: E402
from resonance.core.db import dispose_engines, get_engine  # noqa: E402
from resonance.storage import get_storage  # noqa: E402
from resonance.core import ratelimit  # noqa: E402

# A developer's .env must not change what the tests see.
config.Settings.model_config["env_file"] = None

POSTGRES_ADMIN_URL = os.environ.get("RESONANCE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def migrate_to_head() -> None:
    """Run the Alembic migrations on the database the settings name (RESONANCE_MIGRATION_DATABASE_URL first)."""
    from alembic import command
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "alembic"))
    command.upgrade(config, "head")


def _clear_caches() -> None:
    """Forget the cached settings and storage backend, and every database engine (closing its connections), so the
    next use reads the environment: a test that configured S3 leaves no bucket behind for the next one, and one that
    killed connections or built an engine with other constants leaves no such engine behind."""
    global _engines_replaced
    _engines_replaced = True
    dispose_engines()
    _forget_settings()


def _forget_settings() -> None:
    """Forget the cached settings and storage backend. The engines stay (one per database URL), with their pooled
    connections and compiled statements, which every test would otherwise make again."""
    config.get_settings.cache_clear()
    get_storage.cache_clear()


_engines_replaced = False  # set by _clear_caches: the test's engines go at its end, not only its settings


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    # Under pytest-xdist (scripts/test runs two workers, taking groups in this order), the browser tests run in two
    # groups of whole files, one per worker, each with its own app (built once per worker), so both start at once.
    # The tests that mostly wait open the first group: they wait while the other worker's browser tests, with their
    # app and browsers, use the cores. Then test_matching's group, then the rest, which fills in evenly at the end.
    e2e_files = sorted({_file(item) for item in items if _is_e2e(item)})
    for item in items:
        path = _file(item)
        if _is_e2e(item):
            item.add_marker(pytest.mark.xdist_group(f"e2e-{e2e_files.index(path) % 2}"))
        elif path in ONE_WORKER:
            item.add_marker(pytest.mark.xdist_group(ONE_WORKER[path]))
    items.sort(key=_order)  # stable: each part keeps its order


# Tests that mostly wait, on servers they stop and start.
MOSTLY_WAITING = ("tests/storage/test_outage.py", "tests/storage/test_storage_backends.py",
                  "tests/storage/test_retry.py", "tests/ops/test_dependency_faults.py",
                  "tests/jobs/test_celery_worker.py")

# Files whose tests keep to one worker under pytest-xdist, by group: the waiting ones (above, in the first browser
# group); test_matching and test_gpu_model each share an expensive module-scoped fixture (built once, not on each
# worker: two voice matches, or the float model made from the int8 one); the Celery tests clean up the job keys
# their test made in the shared Redis database, which would include the keys of a job test running on the other
# worker (so test_distributed joins test_celery_worker).
ONE_WORKER = {"tests/voices/test_matching.py": "matching", "tests/speech/test_gpu_model.py": "float-model",
              "tests/jobs/test_distributed.py": "e2e-0",
              **{path: "e2e-0" for path in MOSTLY_WAITING}}


def _order(item) -> int:
    path = _file(item)
    return 0 if ONE_WORKER.get(path) == "e2e-0" else 1 if _is_e2e(item) else 2 if path in ONE_WORKER else 3


def _file(item) -> str:
    return item.nodeid.split("::")[0]


def _is_e2e(item) -> bool:
    return _file(item).startswith(("tests/e2e/", "e2e/"))


def pytest_sessionfinish(session, exitstatus):
    _clear_caches()
    shutil.rmtree(_DATA_DIR, ignore_errors=True)


# Databases


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("sqlite") / "resonance.db"
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A database of this session's own on the PostgreSQL server, with the schema; dropped at the end."""
    admin_url = make_url(POSTGRES_ADMIN_URL)
    if admin_url.drivername in ("postgresql", "postgres"):
        admin_url = admin_url.set(drivername="postgresql+psycopg2")  # the driver requirements.txt installs
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as error:  # noqa: BLE001  (any failure to connect means "no server")
        reason = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {type(error).__name__}"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set, so this fails instead of skipping)")
        pytest.skip(reason)
    name = f"resonance_test_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as conn:
        _drop_leftovers(conn, admin_url.host)
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # Tests commit often and never need durability across a crash: don't wait for the WAL flush.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine = create_engine(admin_url.set(database=name))
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    try:
        # Driver-less, as people write it in .env: the settings choose the installed driver.
        yield admin_url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    finally:
        _clear_caches()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _drop_leftovers(conn, host: str | None) -> None:
    """Drop test databases of earlier runs that were killed before their teardown (local server only, where the
    process id in the name tells whether that run is still going)."""
    if host not in ("127.0.0.1", "localhost", "::1", None):
        return
    names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'resonance\\_test\\_%'")).scalars()
    for name in list(names):
        pid = name.split("_")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _empty_tables() -> None:
    # DELETE in reverse dependency order, on both backends: on PostgreSQL, TRUNCATE ... CASCADE of these ten small
    # tables takes about 250 ms (it swaps every table's files), DELETE about 1 ms.
    with get_engine().begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


def _use_database(kind: str, request, monkeypatch) -> str:
    global _engines_replaced
    url = request.getfixturevalue("postgres_url" if kind == "postgres" else "sqlite_url")
    monkeypatch.setenv("RESONANCE_DATABASE_URL", url)
    _forget_settings()
    _engines_replaced = False
    _empty_tables()
    request.addfinalizer(lambda: _clear_caches() if _engines_replaced else _forget_settings())
    return kind


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, monkeypatch) -> str:
    """An empty database, on SQLite and on PostgreSQL; the value is the backend's name."""
    return _use_database(request.param, request, monkeypatch)


@pytest.fixture
def sqlite_db(request, monkeypatch) -> str:
    """An empty SQLite database, for rules that do not depend on the backend."""
    return _use_database("sqlite", request, monkeypatch)


# Settings


@pytest.fixture
def configure():
    """`configure(LOCKOUT_THRESHOLD=3, ...)`: change settings for this test (environment + cache reset); a value of
    None unsets the variable. The engine is kept, so the test's database stays the one its `db` fixture chose.
    """
    with pytest.MonkeyPatch.context() as env:

        def apply(**values) -> config.Settings:
            for key, value in values.items():
                if value is None:
                    env.delenv(f"RESONANCE_{key}", raising=False)
                else:
                    env.setenv(f"RESONANCE_{key}", str(value))
            config.get_settings.cache_clear()
            return config.get_settings()

        yield apply
    _forget_settings()


# Time and in-memory state


@pytest.fixture
def clock():
    """The app's clock, frozen at the next whole second (never before anything already written);
    `clock.advance(minutes=10)` moves it."""
    _clock.freeze(datetime.now(UTC) + timedelta(seconds=1))
    yield _clock
    _clock.unfreeze()


@pytest.fixture(autouse=True)
def _fresh_process_state():
    ratelimit.reset()
    yield
    _clock.unfreeze()
    ratelimit.reset()
