"""Choosing and configuring the backend from settings, and S3 failures reported without secrets."""

from __future__ import annotations

import socket

import pytest
from pydantic import ValidationError

from resonance.core.config import Settings
from resonance.core.errors import ConfigError
from resonance.ops import bucket as bucket_command
from resonance.storage import LocalStorage, NotFound, StorageError, create_storage, get_storage
from resonance.storage.retry import RetryPolicy
from resonance.storage.s3 import S3Storage

S3_NAMES = ["ENDPOINT_URL", "BUCKET", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "REGION", "ADDRESSING_STYLE"]


@pytest.fixture
def env(configure):
    """`env(STORAGE_BACKEND="s3", ...)`: settings for this test, every storage variable unset first; the cached
    storage backend is forgotten before and after."""
    unset = dict.fromkeys(["STORAGE_BACKEND", *(f"S3_{name}" for name in S3_NAMES)])
    get_storage.cache_clear()
    yield lambda **values: configure(**{**unset, **values})
    get_storage.cache_clear()


def test_default_is_local_disk_under_the_data_dir(env, tmp_path):
    env(DATA_DIR=str(tmp_path))
    storage = get_storage()
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "storage").resolve()
    assert get_storage() is storage


def test_s3_without_its_settings_stops_the_app_naming_each_variable(env):
    with pytest.raises(ConfigError) as raised:
        env(STORAGE_BACKEND="s3")
    message = str(raised.value)
    assert "RESONANCE_STORAGE_BACKEND=s3 needs" in message
    for name in ("ENDPOINT_URL", "BUCKET", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY"):
        assert f"RESONANCE_S3_{name}" in message


def test_s3_names_only_what_is_missing(env):
    with pytest.raises(ConfigError, match=r"needs RESONANCE_S3_SECRET_ACCESS_KEY to be set"):
        env(STORAGE_BACKEND="s3", S3_ENDPOINT_URL="http://127.0.0.1:9", S3_BUCKET="b", S3_ACCESS_KEY_ID="id")


def test_aws_region_makes_the_endpoint_optional():
    settings = Settings(
        _env_file=None,
        STORAGE_BACKEND="s3",
        S3_REGION="eu-west-1",
        S3_BUCKET="b",
        S3_ACCESS_KEY_ID="i",
        S3_SECRET_ACCESS_KEY="s",
    )
    storage = create_storage(settings)
    assert isinstance(storage, S3Storage) and storage.bucket == "b"


@pytest.mark.parametrize(
    "values",
    [
        {"S3_ENDPOINT_URL": "ftp://storage.example"},
        {"STORAGE_BACKEND": "gcs"},
        {"VOICE_MIN_SECONDS": "300", "VOICE_MAX_SECONDS": "300"},
        {"VOICE_MIN_SPEECH_SECONDS": "300", "VOICE_MAX_SECONDS": "300"},
        {"VOICE_MIN_SPEECH_SECONDS": "-1"},
        {"VOICE_MAX_BYTES": "0"},
    ],
)
def test_malformed_storage_and_voice_settings_are_refused(values):
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **values)


def test_s3_is_configured_from_settings(env, seaweedfs, tmp_path):
    bucket = seaweedfs.new_bucket()
    env(
        DATA_DIR=str(tmp_path),
        STORAGE_BACKEND="s3",
        S3_ENDPOINT_URL=seaweedfs.endpoint_url,
        S3_BUCKET=bucket,
        S3_ACCESS_KEY_ID=seaweedfs.access_key_id,
        S3_SECRET_ACCESS_KEY=seaweedfs.secret_access_key,
    )
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    storage.put("voices/system/voi_1", b"RIFF", "audio/wav")
    stored = seaweedfs.client().get_object(Bucket=bucket, Key="voices/system/voi_1")
    assert stored["Body"].read() == b"RIFF" and stored["ContentType"] == "audio/wav"


def test_the_bucket_command_creates_the_configured_bucket_once(env, seaweedfs, tmp_path, capsys):
    """`python -m resonance.ops.bucket`, the set-up step of docs/production.md: the bucket appears, readiness's
    HeadBucket passes, and a second run leaves it as it is."""
    bucket = f"made-{tmp_path.name[-20:].lower().replace('_', '-')}"
    env(DATA_DIR=str(tmp_path), STORAGE_BACKEND="s3", S3_ENDPOINT_URL=seaweedfs.endpoint_url, S3_BUCKET=bucket,
        S3_ACCESS_KEY_ID=seaweedfs.access_key_id, S3_SECRET_ACCESS_KEY=seaweedfs.secret_access_key)
    with pytest.raises(NotFound):
        get_storage().probe()
    assert bucket_command.main() == 0
    assert capsys.readouterr().out == f"Bucket {bucket!r} created.\n"
    get_storage().probe()
    assert bucket in [b["Name"] for b in seaweedfs.client().list_buckets()["Buckets"]]
    assert bucket_command.main() == 0
    assert capsys.readouterr().out == f"Bucket {bucket!r} already exists.\n"


def test_the_bucket_command_with_local_storage_does_nothing(env, tmp_path, capsys):
    env(DATA_DIR=str(tmp_path))
    assert bucket_command.main() == 0
    assert "no bucket" in capsys.readouterr().out


def test_wrong_credentials_are_a_storage_error_without_the_secret(seaweedfs):
    secret = "this-secret-must-not-leak"
    storage = S3Storage(
        bucket=seaweedfs.new_bucket(),
        endpoint_url=seaweedfs.endpoint_url,
        access_key_id="nobody",
        secret_access_key=secret,
    )
    for call in (lambda: storage.put("k", b"x", "audio/wav"), lambda: storage.get("k")):
        with pytest.raises(StorageError) as raised:
            call()
        assert not isinstance(raised.value, NotFound)
        assert secret not in str(raised.value)


def test_missing_bucket_is_a_storage_error_not_a_missing_object(seaweedfs):
    storage = S3Storage(
        bucket="no-such-bucket-here",
        endpoint_url=seaweedfs.endpoint_url,
        access_key_id=seaweedfs.access_key_id,
        secret_access_key=seaweedfs.secret_access_key,
    )
    with pytest.raises(StorageError) as raised:
        storage.get("voices/system/voi_1")
    assert not isinstance(raised.value, NotFound)


def test_unreachable_server_is_a_storage_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    storage = S3Storage(bucket="b", endpoint_url=f"http://127.0.0.1:{port}", access_key_id="i", secret_access_key="s",
                        retry=RetryPolicy(seconds=0))  # tests/storage/test_retry.py covers the waiting
    with pytest.raises(StorageError) as raised:
        storage.get("voices/system/voi_1")
    assert "EndpointConnectionError" in str(raised.value.__cause__)
