"""Private database and Redis servers for tests that stop and start them mid-work (tests/ops/test_dependency_faults.py):
a PostgreSQL cluster and a redis-server of the test's own, on a free loopback port, in a temporary folder, never the
shared servers other tests and people use."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.servers import free_port

PG_BIN = Path(os.environ.get("RESONANCE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
START_DEADLINE_S = 60


def _as_postgres_user() -> list[str]:
    # PostgreSQL refuses to run as root; on a machine where the tests run as root, run it as the postgres user.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PrivatePostgres:
    """`initdb` into a temporary folder, trust authentication on 127.0.0.1 only; `stop()`/`start()` restart it."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="resonance-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8")

    @staticmethod
    def available() -> bool:
        return (PG_BIN / "pg_ctl").exists() and (os.geteuid() != 0 or shutil.which("runuser") is not None)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options,
                  "-w", "-t", str(START_DEADLINE_S), "start")

    def stop(self) -> None:
        """Fast shutdown, as a restart by an operator or a failover does: open connections are cut."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        subprocess.run([*_as_postgres_user(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    def _run(*command: str) -> None:
        subprocess.run([*_as_postgres_user(), *command], check=True, capture_output=True)


class PrivateRedis:
    """A redis-server without persistence on a free port; `stop()`, `start()`, and `pause()`/`resume()` (SIGSTOP:
    a server that accepts connections and never answers, as a hung or cut-off one does)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> None:
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + START_DEADLINE_S
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert self._process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self._process is not None:
            self.resume()
            self._process.terminate()
            self._process.wait(30)
            self._process = None

    def pause(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)
