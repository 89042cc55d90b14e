"""Settings: defaults that meet the issue's numbers, validation that names the variable, the dev secret."""

from __future__ import annotations

import os
import stat

import pytest

from resonance.core import config
from resonance.core.errors import ConfigError


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No RESONANCE_* variable set but a private data folder: what a fresh machine sees."""
    for name in [n for n in os.environ if n.startswith("RESONANCE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RESONANCE_DATA_DIR", str(tmp_path))
    config.get_settings.cache_clear()
    yield tmp_path
    monkeypatch.undo()
    config.get_settings.cache_clear()


def test_defaults_meet_the_issues_numbers(clean_env):
    s = config.get_settings()
    assert s.ENV == "development"
    assert s.DATABASE_URL == f"sqlite:///{clean_env / 'resonance.db'}"
    assert s.SESSION_COOKIE_NAME == "__Host-resonance_session"
    assert (s.SESSION_IDLE_DAYS, s.SESSION_ABSOLUTE_DAYS) == (7, 0)
    assert (s.LOCKOUT_THRESHOLD, s.LOCKOUT_MINUTES, s.signin_rate) == (10, 60, (5, 10))
    assert (s.PASSWORD_MIN_LENGTH, s.PASSWORD_MAX_LENGTH) == (8, 128)
    assert s.ARGON2_MEMORY_KIB >= 19456 and s.ARGON2_TIME_COST >= 2 and s.ARGON2_PARALLELISM >= 1
    assert (s.EMAIL_CODE_MINUTES, s.EMAIL_RESEND_SECONDS) == (10, 30)
    assert s.INVITATION_DAYS == 30
    assert s.API_URL == "http://localhost:8000"
    assert s.allowed_origins == ["http://localhost:3000", "http://localhost:8000"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ENV", "staging"),
        ("SESSION_IDLE_DAYS", "0"),
        ("SESSION_IDLE_DAYS", "a week"),
        ("LOCKOUT_THRESHOLD", "0"),
        ("SIGNIN_RATE_LIMIT", "5"),
        ("SIGNIN_RATE_LIMIT", "0/10"),
        ("APP_URL", "localhost:3000"),
        ("API_URL", "ftp://example.com"),
        ("PASSWORD_MIN_LENGTH", "6"),
        ("ARGON2_MEMORY_KIB", "19455"),
        ("ARGON2_TIME_COST", "1"),
        ("INVITATION_DAYS", "-1"),
    ],
)
def test_a_bad_value_raises_config_error_naming_the_variable(clean_env, monkeypatch, variable, value):
    monkeypatch.setenv(f"RESONANCE_{variable}", value)
    with pytest.raises(ConfigError) as error:
        config.get_settings()
    message = str(error.value)
    assert f"RESONANCE_{variable}:" in message
    assert repr(value) in message  # says what it got
    assert ".env.example" in message


@pytest.mark.parametrize(("variable", "value"), [("SECRET_KEY", "too-short-but-secret"),
                                                 ("OIDC_PROVIDERS", '[{"client_secret": "oidc-secret-value"}]')])
def test_a_bad_secret_is_named_but_its_value_stays_out_of_the_message(clean_env, monkeypatch, variable, value):
    monkeypatch.setenv(f"RESONANCE_{variable}", value)
    with pytest.raises(ConfigError) as error:
        config.get_settings()
    message = str(error.value)
    assert f"RESONANCE_{variable}:" in message and "(got hidden)" in message
    assert "secret-value" not in message and "too-short-but" not in message  # printed at start, often into a log


def test_production_refuses_to_start_without_a_secret_key(clean_env, monkeypatch):
    monkeypatch.setenv("RESONANCE_ENV", "production")
    with pytest.raises(ConfigError, match="RESONANCE_SECRET_KEY must be set in production"):
        config.get_settings()
    assert not (clean_env / "secret_key").exists()


def test_production_with_a_secret_key_starts_and_posts_to_its_own_origin(clean_env, monkeypatch):
    monkeypatch.setenv("RESONANCE_ENV", "production")
    monkeypatch.setenv("RESONANCE_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("RESONANCE_APP_URL", "https://voices.example.com/")
    s = config.get_settings()
    assert s.secret_key() == "k" * 40
    assert s.API_URL == s.APP_URL == "https://voices.example.com"
    assert s.allowed_origins == ["https://voices.example.com"]
    assert not (clean_env / "secret_key").exists()


def test_the_dev_secret_is_generated_into_the_data_folder_once_and_reused(clean_env):
    path = clean_env / "secret_key"
    assert not path.exists()

    first = config.get_settings().secret_key()

    assert path.read_text().strip() == first and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.get_settings().secret_key() == first
    config.get_settings.cache_clear()  # a restart
    assert config.get_settings().secret_key() == first
    assert path.read_text().strip() == first


def test_a_postgresql_url_uses_the_installed_driver(clean_env, monkeypatch):
    monkeypatch.setenv("RESONANCE_DATABASE_URL", "postgresql://app:pw@db.internal:5432/resonance")
    assert config.get_settings().DATABASE_URL == "postgresql+psycopg://app:pw@db.internal:5432/resonance"


def test_the_settings_are_read_once(clean_env, monkeypatch):
    first = config.get_settings()
    monkeypatch.setenv("RESONANCE_LOCKOUT_THRESHOLD", "3")
    assert config.get_settings() is first and first.LOCKOUT_THRESHOLD == 10
