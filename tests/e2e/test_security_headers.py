"""Security headers on the running app (`reflex run --env prod --single-port`), and the pages still working under
them in Chromium.

A plain HTTP client reads the headers of a prerendered page, a script of the built frontend, Reflex's /ping and an
API answer: the Content-Security-Policy (frame-ancestors 'none', so the app cannot be framed), X-Frame-Options,
nosniff, the referrer policy and the permissions policy (microphone for our own pages only). In Chromium a person
signs up, verifies with the code from the dev outbox (the sign-in hand-off posts a form, then the websocket carries
every event), creates an organization and records with the fake microphone (getUserMedia under the permissions
policy, the recorder's AudioWorklet from a Blob under the script policy) and plays the recording back (a blob:
URL under the media policy); the browser's console log holds no
Content-Security-Policy or permissions-policy violation. An upload without a key is refused before its body is
read by the production server too.
"""

from __future__ import annotations

import re

import httpx
import pytest

from .e2e_support import Browser, RunningApp, new_driver
from .test_journey import create_org, sign_up, verify

pytestmark = pytest.mark.e2e

HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}
FOREIGN_SCRIPT = "http://127.0.0.9:9/injected.js"
VIOLATION = re.compile(r"Content Security Policy|Refused to|Permissions policy|permissions-policy", re.IGNORECASE)


def assert_protected(response: httpx.Response) -> None:
    assert response.status_code == 200, response.request.url
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (name, response.request.url)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "microphone=(self)" in response.headers["permissions-policy"]
    assert "strict-transport-security" not in response.headers  # plain http, development settings


def test_pages_scripts_and_api_answers_carry_the_headers(app: RunningApp):
    with httpx.Client(base_url=app.url, timeout=30) as http:
        page = http.get("/sign-in/")
        assert_protected(page)
        assert "<html" in page.text
        script = re.search(r'src="(/[^"]+\.js)"', page.text) or re.search(r'href="(/[^"]+\.js)"', page.text)
        assert script, "no script in the prerendered page"
        assert_protected(http.get(script.group(1)))
        assert_protected(http.get("/ping"))
        assert_protected(http.get("/v1/openapi.json"))
        refused = http.get("/v1/models")
        assert refused.status_code == 401 and refused.headers["x-frame-options"] == "DENY"


def test_the_production_server_refuses_an_unauthenticated_upload_unread(app: RunningApp):
    """Reflex's production server (granian) closes the connection after the early 401 instead of draining the
    body: the client gets to send only what the sockets buffer."""
    sent = 0

    def body():
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.wav"\r\n\r\nRIFF'
        while sent < 60 * 1024 * 1024:
            sent += 64 * 1024
            yield bytes(64 * 1024)

    answer = httpx.post(f"{app.url}/v1/voices/add", content=body(), timeout=60,
                        headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 401 and answer.json()["detail"]["status"] == "needs_authorization"
    assert sent < 21 * 1024 * 1024


def test_the_app_works_under_its_policy_in_chromium(app: RunningApp, new_browser, tag, tmp_path):
    mailbox = new_browser()
    b = Browser(app, new_driver(tmp_path / "profile", microphone=True, console_log=True))
    seen: list[dict] = []
    try:
        email = f"csp-{tag}@example.com"
        sign_up(b, name="Cass Policy", email=email)
        seen += b.driver.get_log("browser")
        verify(b, mailbox, email)
        create_org(b, f"Policy Lab {tag}")
        seen += b.driver.get_log("browser")

        b.click("a[title='Voice cloning']")
        b.element("#create-voice-dialog")
        b.click("#create-tab-record")
        b.wait_text("#create-voice-dialog", "Click record to start capturing audio")
        b.click("#record-start")
        b.element("#record-stop")
        b.wait(lambda _: b.element("#record-timer").text >= "00:00:02", "two seconds of recording")
        b.click("#record-stop")
        b.wait_text(".voice-sample", "recording.wav")
        b.click(".sample-play")  # the recording plays from a blob: URL
        b.wait(lambda d: d.execute_script("return document.querySelector('.sample-play')?.dataset.state")
               == "playing", "the recording to play")
        seen += b.driver.get_log("browser")

        # The control: a script from another origin is refused, and the log shows it.
        b.driver.execute_script("const s = document.createElement('script'); s.src = '" + FOREIGN_SCRIPT + "';"
                                "document.head.appendChild(s);")
        b.wait(lambda d: any(FOREIGN_SCRIPT in e.get("message", "") for e in d.get_log("browser")),
               "the foreign script's refusal in the console log")
    finally:
        b.driver.quit()
    violations = [entry["message"] for entry in seen if VIOLATION.search(entry.get("message", ""))]
    assert violations == []
