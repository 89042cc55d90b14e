"""Real email in the browser: a backend configured for SMTP (STARTTLS with a private CA, and AUTH) sends to a real
aiosmtpd server; a person signs up with the code the received mail carries, then resets the password by clicking
the link in another received mail. The verification mail arrives within seconds of the sign-up, and /dev/outbox
shows both as sent.

The backend is a second one serving the session app's build at another loopback address (second_backend.py).
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mail.smtp_server import HOST as SMTP_HOST
from tests.mail.smtp_server import PASSWORD as SMTP_PASSWORD
from tests.mail.smtp_server import USER as SMTP_USER
from tests.mail.smtp_server import SmtpServer, make_certificates

from .e2e_support import PASSWORD, Browser, RunningApp, new_driver, stop_app
from .second_backend import start_backend

pytestmark = pytest.mark.e2e

HOST = "127.0.0.5"  # the SMTP-configured backend (billing uses 127.0.0.2)
NEW_PASSWORD = "Seven amber kites over 9 quiet dunes"


@pytest.fixture(scope="module")
def smtp(tmp_path_factory) -> Iterator[tuple[SmtpServer, Path]]:
    certificates = make_certificates(tmp_path_factory.mktemp("e2e-smtp-tls"))
    # No mail and no AUTH before STARTTLS: a delivery proves the app upgraded, trusted the CA and logged in.
    server = SmtpServer(tls_context=certificates.server_context(), require_starttls=True, authenticator=True,
                        auth_required=True).start()
    yield server, certificates.ca_file
    server.stop()


@pytest.fixture(scope="module")
def mail_app(app: RunningApp, smtp) -> Iterator[RunningApp]:
    server, ca_file = smtp
    base = Path(tempfile.mkdtemp(prefix="resonance-e2e-mail-"))
    settings = {"RESONANCE_SMTP_HOST": SMTP_HOST, "RESONANCE_SMTP_PORT": str(server.port),
                "RESONANCE_SMTP_SECURITY": "starttls", "RESONANCE_SMTP_CA_FILE": str(ca_file),
                "RESONANCE_SMTP_USER": SMTP_USER, "RESONANCE_SMTP_PASSWORD": SMTP_PASSWORD,
                "RESONANCE_MAIL_FROM": "Resonance <no-reply@resonance.test>"}
    try:
        running, proc = start_backend(app, base, host=HOST, settings=settings)
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield running
    finally:
        running.close()
        stop_app(proc)
        shutil.rmtree(base, ignore_errors=True)


def button_link(received) -> str:
    """The URL behind the mail's button, as a mail client would open it."""
    body = received.message.get_body(("html",)).get_content()
    return html.unescape(re.search(r'<a href="([^"]+)"', body).group(1))


def test_sign_up_code_and_reset_link_arrive_by_smtp_and_work(mail_app: RunningApp, smtp, tmp_path, tag):
    server, _ = smtp
    email = f"mia-{tag}@example.com"
    a = Browser(mail_app, new_driver(tmp_path / "profile-a"))
    b = Browser(mail_app, new_driver(tmp_path / "profile-b"))
    try:
        # Sign up; the code comes by SMTP (not the dev outbox), within seconds of the page moving on.
        a.open("/sign-up")
        a.fill("input[name=email]", email)
        a.fill("input[name=name]", "Mia <Mailer>")
        a.fill("input[name=password]", PASSWORD)
        a.click("#sign-up-submit")
        a.wait_path("/verify-email")
        queued = time.monotonic()
        verification = server.wait_for(email, subject_has="verification code", timeout=15)
        assert time.monotonic() - queued < 5, "the verification mail took too long to leave"
        assert verification.tls and SMTP_USER in server.capture.logins
        assert verification.message.get_content_type() == "multipart/alternative"
        assert "Hi Mia &lt;Mailer&gt;," in verification.message.get_body(("html",)).get_content()
        code = re.search(r"Your code: (\d{6})", verification.message.get_body(("plain",)).get_content()).group(1)
        a.wait_text("body", email)
        a.fill("input[name=code]", code)
        a.click("#verify-submit")
        a.wait_path("/org-selection")

        # Another browser asks for a reset and follows the link in the received mail.
        b.open("/forgot-password")
        b.fill("input[name=email]", email)
        b.click("#forgot-submit")
        reset = server.wait_for(email, subject_has="Reset your Resonance password", timeout=15)
        link = button_link(reset)
        assert link.startswith(f"{mail_app.url}/reset-password?token=")
        b.driver.get(link)
        b.fill("input[name=password]", NEW_PASSWORD)
        b.fill("input[name=confirm]", NEW_PASSWORD)
        b.click("#reset-submit")
        b.wait_path("/sign-in")
        b.fill("input[name=password]", NEW_PASSWORD)
        b.click("#sign-in-submit")
        b.wait_path("/org-selection")

        # Each mail was delivered once (the reset's security notice too), and the dev outbox says so.
        server.wait_for(email, subject_has="Your Resonance password was changed", timeout=15)
        assert sorted(r.message["Subject"] for r in server.received if email in r.rcpt_tos) == [
            f"{code} is your Resonance verification code", "Reset your Resonance password",
            "Your Resonance password was changed"]
        b.open("/dev/outbox")
        b.wait(lambda _: [el.text for el in b.elements(".outbox-status")][:3] == ["sent", "sent", "sent"],
               "the mails to show as sent")
    finally:
        for browser in (a, b):
            browser.driver.quit()
