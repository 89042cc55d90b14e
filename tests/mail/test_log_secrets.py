"""Attack: read the production log after someone signs in by magic link, and after a sign-up's verification mail.

The app runs as in production (RESONANCE_ENV=production, the redacting filter installed as resonance.py installs
it) behind a real uvicorn server with its access log on, with SMTP unset and with a real SMTP server (aiosmtpd).
Everything any logger emits at DEBUG is captured, as records and as the root handler's formatted output. No
sign-in token, link, code or session cookie may appear; the recipient and the template's name must. And no record
of our own code needed the filter: the secret never reaches a log call in the first place.
"""

from __future__ import annotations

import io
import logging
import re
import time

import httpx
import pytest

from resonance.api.app import build_api
from resonance.core import redaction
from resonance.identity import accounts, magic_links
from resonance.jobs.runner import Runner
from resonance.mail import delivery
from resonance.mail.models import OutboxEmail
from resonance.orgs.principal import from_cookie
from resonance.orgs.scope import system_session
from tests.servers import serving
from tests.factories import all_rows, make_org, make_user, random_email

COOKIE = "__Host-resonance_session"


@pytest.fixture(scope="module")
def server():
    """The app's HTTP side on a loopback port; uvicorn's loggers left to propagate, as a process's log config does."""
    with serving(build_api(), name="log-secrets-api", log_config=None, log_level="debug", access_log=True,
                 lifespan="off") as url:
        yield url


@pytest.fixture
def production(sqlite_db, configure, server):
    configure(ENV="production", APP_URL="https://app.test", API_URL=server, SMTP_HOST=None)
    return server


class Log:
    """Every record at DEBUG from every logger, and the root handler's formatted output."""

    def __init__(self, caplog):
        self.caplog = caplog
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))

    def text(self) -> str:
        records = self.caplog.records
        parts = [self.stream.getvalue(), self.caplog.text]
        for record in records:
            parts += [record.getMessage(), repr(record.args), repr(record.msg), record.exc_text or "",
                      record.stack_info or ""]
        return "\n".join(parts)

    def scrubbed_records_of_our_own(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" for r in self.caplog.records
                if r.name.startswith("resonance") and getattr(r, "resonance_redacted", False)]


@pytest.fixture
def log(caplog, monkeypatch):
    redaction.uninstall()
    redaction.install()  # as resonance/resonance.py does at start
    captured = Log(caplog)
    root = logging.getLogger()
    root.addHandler(captured.handler)
    # Another test's uvicorn with its default log config leaves its loggers not propagating to the root.
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
    # aiosmtpd's own log: the receiving mail server, which in production is another party's machine. (First: each
    # set_level also sets the capturing handler's level, which must end at DEBUG.)
    caplog.set_level(logging.WARNING, logger="mail.log")
    for name in ("resonance", "uvicorn", "uvicorn.access", "uvicorn.error", "httpx"):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG)
    yield captured
    root.removeHandler(captured.handler)
    redaction.uninstall()


def sign_in_by_magic_link(base: str, email: str, link_in) -> tuple[str, str]:
    """Ask for a link (the sign-in page's service call), take it from the mail, open the backend's address for it
    (links of earlier mails) and post the landing page's form: the link and the session cookie it gave."""
    with system_session() as session:
        magic_links.request(session=session, email=email, ip="198.51.100.7")
    link = link_in()
    assert link.startswith("https://app.test/sign-in/link?token=")
    action = f"{base}/api/auth/magic/{link.rsplit('=', 1)[1]}"
    with httpx.Client(follow_redirects=False, timeout=30) as http:
        assert http.get(action).headers["location"] == link
        signed_in = http.post(action, headers={"Origin": "https://app.test"})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "https://app.test/"
    cookie = re.search(rf"{COOKIE}=([^;]+)", signed_in.headers["set-cookie"]).group(1)
    return link, cookie


def assert_clean(log: Log, *, secrets: list[str], recipient: str, template: str) -> None:
    assert log.scrubbed_records_of_our_own() == []  # our code logged no secret: the filter had nothing to do
    text = log.text()
    for secret in secrets:
        assert secret not in text  # nor did anything else (access log, HTTP client, exceptions)
    assert recipient in text and template in text


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.05)


def outbox_link(email: str) -> str:
    (row,) = [r for r in all_rows(OutboxEmail) if r.to == email]
    return re.search(r"\S+/sign-in/link\?token=[\w-]+", row.text).group(0)


def test_without_smtp_the_production_log_names_recipient_and_template_only(production, log):
    user = make_user()
    org = make_org(admin=user)
    link, cookie = sign_in_by_magic_link(production, user.email, lambda: outbox_link(user.email))
    assert from_cookie(cookie).user_id == user.id and from_cookie(cookie).org_id == org.id
    token = link.rsplit("=", 1)[1]
    # uvicorn writes the access line on its own thread, after the client may already have the answer.
    wait_for(lambda: '"POST /api/auth/magic/[redacted] HTTP/1.1" 303' in log.text())  # captured and scrubbed
    assert_clean(log, secrets=[token, link, cookie], recipient=user.email, template="magic_link")


def test_with_smtp_the_production_log_names_recipient_and_template_only(production, log, smtp, smtp_settings):
    smtp_settings(smtp)
    user = make_user()
    make_org(admin=user)

    def delivered_link() -> str:
        assert Runner([delivery.MAIL_JOBS]).run_pending() == 1
        body = smtp.wait_for(user.email, subject_has="sign-in link").message.get_body(("plain",)).get_content()
        return re.search(r"\S+/sign-in/link\?token=[\w-]+", body).group(0)

    link, cookie = sign_in_by_magic_link(production, user.email, delivered_link)
    assert from_cookie(cookie).user_id == user.id
    assert_clean(log, secrets=[link.rsplit("=", 1)[1], link, cookie], recipient=user.email, template="magic_link")


def test_the_verification_code_in_a_subject_stays_out_of_the_log(production, log, smtp, smtp_settings):
    smtp_settings(smtp)
    email = random_email("newcomer")
    with system_session() as session:
        accounts.sign_up(session=session, name="Newcomer", email=email, password="a long enough passphrase 42")
    assert Runner([delivery.MAIL_JOBS]).run_pending() == 1
    message = smtp.wait_for(email, subject_has="verification code").message
    code = message["Subject"].split()[0]
    link = re.search(r"\S+/verify-email\?token=[\w-]+", message.get_body(("plain",)).get_content()).group(0)
    assert code.isdigit()
    assert_clean(log, secrets=[code, link, link.rsplit("=", 1)[1]], recipient=email, template="verify_email")
