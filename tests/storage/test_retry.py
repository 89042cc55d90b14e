"""The retry policy on its own clock: a transient failure is tried again with growing waits for the window and then
reported in plain words; a refusal (4xx, missing object) is never tried again."""

from __future__ import annotations

import os
import socket

import pytest
from botocore.exceptions import EndpointConnectionError

from resonance.storage import NotFound, StorageError, StorageUnavailable
from resonance.storage.base import StorageUnreachable
from resonance.storage.retry import RetryPolicy
from resonance.storage.s3 import S3Storage, transient

KEY = "generations/orgs/org_1/gen_1.chunks/0000.wav"


class FakeClock:
    """Time that passes only when the policy sleeps."""

    def __init__(self) -> None:
        self.now, self.waits = 0.0, []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def policy(self, seconds: float) -> RetryPolicy:
        return RetryPolicy(seconds=seconds, sleep=self.sleep, monotonic=lambda: self.now)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once it is closed: connection refused


def test_a_refused_connection_is_retried_with_growing_waits_then_reported_in_plain_words():
    clock = FakeClock()
    storage = S3Storage(bucket="b", endpoint_url=f"http://127.0.0.1:{closed_port()}", access_key_id="i",
                        secret_access_key="s", retry=clock.policy(30))
    with pytest.raises(StorageUnavailable) as raised:
        storage.put(KEY, b"x", "audio/wav")
    assert str(raised.value) == "Storage is unavailable right now; please try again."
    assert isinstance(raised.value.__cause__, StorageUnreachable) and KEY in str(raised.value.__cause__)
    assert clock.now == pytest.approx(30) and len(clock.waits) >= 8  # kept trying for the whole window
    assert all(wait <= 5 for wait in clock.waits) and clock.waits[3] > clock.waits[0]


def test_a_zero_window_tries_once():
    clock = FakeClock()
    storage = S3Storage(bucket="b", endpoint_url=f"http://127.0.0.1:{closed_port()}", access_key_id="i",
                        secret_access_key="s", retry=clock.policy(0))
    with pytest.raises(StorageUnavailable):
        storage.get(KEY)
    assert clock.waits == []


def test_a_missing_object_or_a_refusal_is_not_retried(seaweedfs):
    clock = FakeClock()
    storage = S3Storage(bucket=seaweedfs.new_bucket(), endpoint_url=seaweedfs.endpoint_url,
                        access_key_id=seaweedfs.access_key_id, secret_access_key=seaweedfs.secret_access_key,
                        retry=clock.policy(30))
    with pytest.raises(NotFound):
        storage.get(KEY)
    wrong_secret = S3Storage(bucket=storage.bucket, endpoint_url=seaweedfs.endpoint_url,
                             access_key_id=seaweedfs.access_key_id, secret_access_key="wrong", retry=clock.policy(30))
    with pytest.raises(StorageError) as raised:
        wrong_secret.put(KEY, b"x", "audio/wav")
    assert not isinstance(raised.value, StorageUnavailable)
    assert clock.waits == []


def test_a_failure_that_passes_is_ridden_out():
    clock, failures = FakeClock(), [StorageUnreachable("reset"), StorageUnreachable("reset")]

    def flaky() -> str:
        if failures:
            raise failures.pop()
        return "stored"

    assert clock.policy(30).run("put", flaky) == "stored"
    assert len(clock.waits) == 2 and clock.now < 1


@pytest.mark.parametrize(("code", "status", "expected"), [
    ("SlowDown", 503, True), ("InternalError", 500, True), ("", 502, True), ("ServiceUnavailable", 503, True),
    ("AccessDenied", 403, False), ("NoSuchBucket", 404, False), ("InvalidArgument", 400, False),
    ("TooManyRequests", 429, False),
])
def test_only_5xx_and_slow_down_answers_are_transient(code, status, expected):
    assert transient(code, status) is expected


def test_the_readiness_probe_answers_at_once_without_retrying():
    clock = FakeClock()
    storage = S3Storage(bucket="b", endpoint_url=f"http://127.0.0.1:{closed_port()}", access_key_id="i",
                        secret_access_key="s", retry=clock.policy(30))
    with pytest.raises(StorageError) as raised:
        storage.probe()
    assert not isinstance(raised.value, StorageUnavailable) and clock.waits == []


def test_a_file_upload_is_retried_like_every_request(tmp_path):
    clock = FakeClock()
    storage = S3Storage(bucket="b", endpoint_url=f"http://127.0.0.1:{closed_port()}", access_key_id="i",
                        secret_access_key="s", retry=clock.policy(30))
    (tmp_path / "archive.zip").write_bytes(b"PK archive")
    with open(tmp_path / "archive.zip", "rb") as file, pytest.raises(StorageUnavailable) as raised:
        storage.put_file(KEY, file, "application/zip")
    assert isinstance(raised.value.__cause__, StorageUnreachable) and KEY in str(raised.value.__cause__)
    assert clock.now == pytest.approx(30)


def test_a_file_upload_cut_off_midway_is_sent_again_whole(seaweedfs, tmp_path):
    clock = FakeClock()
    storage = S3Storage(bucket=seaweedfs.new_bucket(), endpoint_url=seaweedfs.endpoint_url,
                        access_key_id=seaweedfs.access_key_id, secret_access_key=seaweedfs.secret_access_key,
                        retry=clock.policy(30))
    data = os.urandom(100_000)
    (tmp_path / "archive.zip").write_bytes(data)
    real, cut = storage.client.upload_fileobj, []

    def cut_off_once(file, *args, **kwargs):
        if not cut:
            cut.append(file.read(1000))  # some bytes went before the connection broke
            raise EndpointConnectionError(endpoint_url=seaweedfs.endpoint_url)
        return real(file, *args, **kwargs)

    storage.client.upload_fileobj = cut_off_once
    with open(tmp_path / "archive.zip", "rb") as file:
        storage.put_file(KEY, file, "application/zip")
    assert cut and len(clock.waits) == 1
    assert storage.get(KEY) == data and storage.stat(KEY).content_type == "application/zip"
