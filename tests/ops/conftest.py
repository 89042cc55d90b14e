"""Ops fixtures: a data folder of the test's own (database and local storage) and a fresh readiness cache."""

from __future__ import annotations

import pytest

from resonance.ops.readiness import readiness
from resonance.storage import get_storage


@pytest.fixture(autouse=True)
def _fresh_readiness():
    readiness.clear()
    yield
    readiness.clear()


@pytest.fixture
def data_dir(tmp_path, sqlite_db, configure):
    """DATA_DIR (and so local storage) in this test's folder, on the tests' SQLite database."""
    folder = tmp_path / "data"
    configure(DATA_DIR=folder)
    get_storage.cache_clear()
    yield folder
    get_storage.cache_clear()
