"""One database engine per URL for the life of the process: its pool and compiled statements are made once; another
URL gets its own; dispose_engines closes them all (a forked worker, a restored database file)."""

from __future__ import annotations

from sqlalchemy import text

from resonance.core.config import get_settings
from resonance.core.db import dispose_engines, get_engine


def _use(monkeypatch, url: str) -> None:
    monkeypatch.setenv("RESONANCE_DATABASE_URL", url)
    get_settings.cache_clear()


def test_one_engine_per_url_kept_until_disposed(sqlite_db, monkeypatch, tmp_path):
    first = get_engine()
    assert get_engine() is first
    url = get_settings().DATABASE_URL
    _use(monkeypatch, f"sqlite:///{tmp_path / 'other.db'}")
    other = get_engine()
    assert other is not first and other.url.database == str(tmp_path / "other.db")
    with other.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    _use(monkeypatch, url)
    assert get_engine() is first  # back on the first database: the same pool
    dispose_engines()
    assert get_engine() is not first
