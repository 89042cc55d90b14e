"""Attack: upload bodies to a real server before showing credentials, or larger than any route accepts.

The app's FastAPI part is served by uvicorn on a loopback port (a thread of this process, sharing the test's
database). Bodies are streamed chunked from a generator, so nothing tells the server their size in advance. A meter
around the app counts the body bytes the server's `receive` handed over, and every temporary file made while the
request runs is recorded (Starlette spools uploads over 1 MB through `tempfile`, into a temporary folder of the
test's own), with the bytes it held when closed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import httpx
import pytest

from resonance.api.app import build_api
from resonance.core import ratelimit
from tests.api.v1.conftest import make_team
from tests.servers import serving
from tests.factories import make_org, make_user, signed_in

MIB = 1024 * 1024
ATTACK_BYTES = 60 * MIB
CHUNK = 64 * 1024
# The meter sees the chunk that crosses a cap, which the app never gets: one read of the server's socket (asyncio
# reads at most 256 KiB at a time).
READ = 256 * 1024
COOKIE = "__Host-resonance_session"
APP_ORIGIN = "http://localhost:3000"


class Meter:
    """Outermost ASGI wrapper: the body bytes the server delivered to the app, per request (newest last)."""

    def __init__(self, app):
        self.app, self.received = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        index = len(self.received)
        self.received.append(0)

        async def counted():
            message = await receive()
            if message["type"] == "http.request":
                self.received[index] += len(message.get("body", b""))
            return message

        return await self.app(scope, counted, send)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Meter]]:
    meter = Meter(build_api())
    with serving(meter, name="bodies-under-test", lifespan="off") as url:
        yield url, meter


class Spool:
    """Every temporary file made through `tempfile` while a test runs, and its size when it was closed."""

    def __init__(self, monkeypatch, folder):
        self.folder, self.sizes, self.open = folder, [], 0
        monkeypatch.setattr(tempfile, "tempdir", str(folder))
        for name in ("TemporaryFile", "NamedTemporaryFile"):
            monkeypatch.setattr(tempfile, name, self._recording(getattr(tempfile, name)))

    def _recording(self, make):
        def made(*args, **kwargs):
            file = make(*args, **kwargs)
            self.open += 1
            close = file.close

            def closing():
                if not file.closed:
                    file.flush()
                    file.seek(0, 2)
                    self.sizes.append(file.tell())
                    self.open -= 1
                close()

            file.close = closing
            return file

        return made


@pytest.fixture
def spool(monkeypatch, tmp_path) -> Spool:
    folder = tmp_path / "tmp"
    folder.mkdir()
    return Spool(monkeypatch, folder)


@pytest.fixture
def team(sqlite_db, server):
    return make_team(server[0], "Acme")


@pytest.fixture
def cookie(sqlite_db):
    admin = make_user()
    return signed_in(admin, make_org(admin=admin))[1]


class Stream:
    """A chunked body of `total` bytes that counts what the client managed to hand to the connection."""

    def __init__(self, total: int = ATTACK_BYTES, head: bytes = b""):
        self.total, self.head, self.sent = total, head, 0

    def __iter__(self):
        if self.head:
            self.sent += len(self.head)
            yield self.head
        block = b"\0" * CHUNK
        while self.sent < self.total:
            self.sent += CHUNK
            yield block


def multipart_stream(boundary: str) -> Stream:
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nBig\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.wav\"\r\n"
            "Content-Type: audio/wav\r\n\r\nRIFF").encode()
    return Stream(head=head)


def upload_v1(base: str, key: str | None, path: str = "/v1/voices/add") -> tuple[httpx.Response, Stream]:
    body = multipart_stream("resonanceboundary")
    headers = {"Content-Type": "multipart/form-data; boundary=resonanceboundary"}
    if key is not None:
        headers["xi-api-key"] = key
    response = httpx.post(f"{base}{path}", content=iter(body), headers=headers, timeout=60)
    return response, body


def assert_nothing_spooled(spool: Spool) -> None:
    assert spool.sizes == [] and spool.open == 0
    assert list(spool.folder.iterdir()) == []


@pytest.mark.parametrize("key", [None, "rsk_not-a-real-key"], ids=["no-key", "wrong-key"])
def test_v1_upload_without_valid_key_is_401_before_a_byte_is_read(server, team, spool, key):
    base, meter = server
    response, body = upload_v1(base, key)
    expected = "needs_authorization" if key is None else "invalid_api_key"
    assert response.status_code == 401 and response.json()["detail"]["status"] == expected
    assert meter.received[-1] == 0
    assert body.sent < 21 * MIB  # the connection was closed, not drained
    assert_nothing_spooled(spool)
    assert response.headers["connection"] == "close"


def test_v1_voice_edit_without_valid_key_is_401_before_a_byte_is_read_and_with_one_stops_at_the_cap(server, team,
                                                                                                    spool):
    """Editing a voice takes a recording-sized body (to refuse a recording with a 422 saying why): the same guard."""
    base, meter = server
    response, body = upload_v1(base, None, "/v1/voices/voi_any/edit")
    assert response.status_code == 401 and meter.received[-1] == 0 and body.sent < 21 * MIB
    assert response.headers["connection"] == "close"
    response, body = upload_v1(base, team.secret, "/v1/voices/voi_any/edit")
    assert response.status_code == 413 and meter.received[-1] <= 21 * MIB and body.sent < 40 * MIB
    assert spool.open == 0 and list(spool.folder.iterdir()) == []


def test_v1_upload_over_the_organizations_limit_is_429_before_a_byte_is_read(server, team, spool):
    base, meter = server
    count, _ = ratelimit.rate(ratelimit.VOICE_UPLOAD)
    for _ in range(count):
        ratelimit.hit(ratelimit.VOICE_UPLOAD, team.org.id)
    response, body = upload_v1(base, team.secret)
    assert response.status_code == 429 and response.json()["detail"]["status"] == "rate_limit_exceeded"
    assert int(response.headers["retry-after"]) > 0
    assert meter.received[-1] == 0 and body.sent < 21 * MIB
    assert_nothing_spooled(spool)


def test_v1_upload_with_a_key_stops_at_the_cap(server, team, spool):
    base, meter = server
    response, body = upload_v1(base, team.secret)
    assert response.status_code == 413 and response.json()["detail"]["status"] == "file_too_large"
    assert meter.received[-1] <= 21 * MIB  # 20 MB of recording and 1 MB for the form
    assert body.sent < 40 * MIB
    assert spool.open == 0 and sum(spool.sizes) <= 21 * MIB  # what was spooled is gone with the request
    assert list(spool.folder.iterdir()) == []


def test_v1_upload_announcing_too_much_is_413_at_once(server, team, spool):
    base, meter = server
    body = multipart_stream("b")
    response = httpx.post(f"{base}/v1/voices/add", content=iter(body), timeout=60,
                          headers={"xi-api-key": team.secret, "Content-Length": str(ATTACK_BYTES + len(body.head)),
                                   "Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 413 and response.json()["detail"]["status"] == "file_too_large"
    assert meter.received[-1] == 0
    assert_nothing_spooled(spool)


def test_v1_json_body_is_capped_in_kilobytes(server, team, spool):
    base, meter = server
    body = Stream(total=4 * MIB, head=b'{"text": "')
    response = httpx.post(f"{base}/v1/text-to-speech/voi_any", content=iter(body), timeout=60,
                          headers={"xi-api-key": team.secret, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["detail"]["status"] == "file_too_large"
    assert meter.received[-1] <= 256 * 1024 + READ
    assert_nothing_spooled(spool)


def app_upload(base: str, token: str | None) -> tuple[httpx.Response, Stream]:
    body = Stream(head=b"RIFF")
    cookies = {COOKIE: token} if token else None
    response = httpx.post(f"{base}/api/voices/create", params={"name": "Big"}, content=iter(body), timeout=60,
                          headers={"Content-Type": "audio/wav", "Origin": APP_ORIGIN}, cookies=cookies)
    return response, body


@pytest.mark.parametrize("token", [None, "forged-session-token"], ids=["no-cookie", "unknown-cookie"])
def test_app_upload_without_a_session_is_401_before_a_byte_is_read(server, sqlite_db, spool, token):
    base, meter = server
    response, body = app_upload(base, token)
    assert (response.status_code, response.text) == (401, "Unauthorized")
    assert meter.received[-1] == 0 and body.sent < 21 * MIB
    assert_nothing_spooled(spool)


def test_app_upload_with_a_session_stops_at_the_cap(server, cookie, spool):
    base, meter = server
    response, body = app_upload(base, cookie)
    assert (response.status_code, response.json()) == (413, {"error": "Audio file exceeds the 20 MB size limit"})
    assert meter.received[-1] <= 20 * MIB + READ and body.sent < 40 * MIB
    assert_nothing_spooled(spool)


def test_other_routes_take_no_large_body(server, sqlite_db, spool):
    base, meter = server
    response = httpx.post(f"{base}/api/auth/session", content=iter(Stream(total=4 * MIB, head=b"ticket=")),
                          headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": APP_ORIGIN},
                          timeout=60)
    assert response.status_code == 413
    assert meter.received[-1] <= 256 * 1024 + READ
    assert_nothing_spooled(spool)


@pytest.mark.parametrize("authorization", [None, "Bearer rsk_not-a-real-key", "Basic rsk_not-a-real-key"],
                         ids=["no-key", "wrong-key", "not-bearer"])
def test_openai_speech_without_valid_bearer_key_is_401_in_openai_shape_before_a_byte_is_read(server, team, spool,
                                                                                           authorization):
    base, meter = server
    body = Stream(total=4 * MIB, head=b'{"input": "')
    headers = {"Content-Type": "application/json", **({"Authorization": authorization} if authorization else {})}
    response = httpx.post(f"{base}/v1/audio/speech", content=iter(body), headers=headers, timeout=60)
    expected = "invalid_api_key" if authorization == "Bearer rsk_not-a-real-key" else "needs_authorization"
    assert response.status_code == 401 and response.json()["error"]["code"] == expected
    assert meter.received[-1] == 0 and response.headers["connection"] == "close"
    assert_nothing_spooled(spool)


def test_openai_speech_body_is_capped_in_kilobytes_in_openai_shape(server, team, spool):
    base, meter = server
    body = Stream(total=4 * MIB, head=b'{"input": "')
    response = httpx.post(f"{base}/v1/audio/speech", content=iter(body), timeout=60,
                          headers={"Authorization": f"Bearer {team.secret}", "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "file_too_large"
    assert meter.received[-1] <= 256 * 1024 + READ
    assert_nothing_spooled(spool)
