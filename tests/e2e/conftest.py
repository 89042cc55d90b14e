"""End-to-end fixtures: the real app in a subprocess (session-wide) and independent Chromium contexts.

The app runs as `reflex run --env prod --single-port` on a free port, with its own temporary data folder, web build
folder and secret key (see e2e_support.py), so it never touches the dev server's `.web` or `data/`. Nothing here
relies on tests/conftest.py.

Knobs (environment): E2E_START_TIMEOUT (seconds for the app to serve, default 300: a cold `bun install`),
E2E_WAIT (seconds per browser wait, default 30), E2E_CHROMIUM and E2E_CHROMEDRIVER (default /usr/bin/...).
Run only these tests with `scripts/test tests/e2e` or `-m e2e`; skip them with `-m "not e2e"`.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .e2e_support import Browser, DriverPool, RunningApp, browsers, start_app, stop_app


@pytest.fixture(scope="session")
def app() -> Iterator[RunningApp]:
    """The whole app, migrated and serving, for the session; stopped (its process group) at the end."""
    base = Path(tempfile.mkdtemp(prefix="resonance-e2e-"))
    try:
        running, proc = start_app(base)
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield running
    finally:
        running.close()
        stop_app(proc)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def drivers(tmp_path_factory) -> Iterator[DriverPool]:
    pool = DriverPool(lambda: tmp_path_factory.mktemp("chromium-profile"))
    yield pool
    pool.close()


@pytest.fixture
def new_browser(app: RunningApp, drivers: DriverPool) -> Iterator[Callable[[], Browser]]:
    """Factory of independent browser contexts (each its own Chromium, with no cookies or storage of the app), given
    back to the pool after the test."""
    with browsers(app, drivers) as make:
        yield make


@pytest.fixture
def tag() -> str:
    """A short unique suffix for the names and addresses of one test."""
    return secrets.token_hex(3)
