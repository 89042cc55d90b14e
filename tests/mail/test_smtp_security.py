"""TLS and AUTH against a real server: STARTTLS and implicit TLS with a certificate from the test's own CA
(trusted through RESONANCE_SMTP_CA_FILE), refusal of an untrusted certificate, no plain-text fallback, and
user/password AUTH."""

from __future__ import annotations

import pytest

from resonance.jobs.runner import Runner
from resonance.mail import delivery, service, templates
from resonance.mail.models import PENDING, SENT, OutboxEmail
from resonance.orgs.scope import system_session
from tests.factories import get
from tests.mail.smtp_server import PASSWORD, USER

pytestmark = pytest.mark.usefixtures("sqlite_db", "clock")


def send_one() -> OutboxEmail:
    with system_session() as session:
        row = service.send(session=session, to="ada@example.com",
                           message=templates.password_reset(name="Ada", link="http://localhost:3000/r?t=1", minutes=10))
    assert Runner([delivery.MAIL_JOBS]).run_pending() == 1
    return get(OutboxEmail, row.id)


def test_starttls_with_auth_and_a_trusted_private_ca(smtp_factory, smtp_settings, certificates):
    # The server refuses mail and AUTH before STARTTLS, so a delivery proves the upgrade happened.
    server = smtp_factory(tls_context=certificates.server_context(), require_starttls=True, authenticator=True,
                          auth_required=True)
    smtp_settings(server, SMTP_SECURITY="starttls", SMTP_CA_FILE=str(certificates.ca_file), SMTP_USER=USER,
                  SMTP_PASSWORD=PASSWORD)
    row = send_one()
    assert row.status == SENT, row.last_error
    [received] = server.received
    assert received.tls and server.capture.logins == [USER]
    assert received.message["Subject"] == "Reset your Resonance password"


def test_an_untrusted_certificate_is_refused_and_the_message_kept(smtp_factory, smtp_settings, certificates):
    server = smtp_factory(tls_context=certificates.server_context(), require_starttls=True)
    smtp_settings(server, SMTP_SECURITY="starttls")  # the system's CAs do not know the test CA
    row = send_one()
    assert (row.status, row.attempts) == (PENDING, 1)
    assert "CERTIFICATE_VERIFY_FAILED" in row.last_error and server.received == []


def test_verification_can_be_switched_off_for_development(smtp_factory, smtp_settings, certificates):
    server = smtp_factory(tls_context=certificates.server_context(), require_starttls=True)
    smtp_settings(server, SMTP_SECURITY="starttls", SMTP_VERIFY_TLS="false")
    assert send_one().status == SENT and server.received[0].tls


def test_starttls_mode_never_falls_back_to_plain_text(smtp, smtp_settings):
    smtp_settings(smtp, SMTP_SECURITY="starttls")  # this server offers no STARTTLS
    row = send_one()
    assert row.status == PENDING and "STARTTLS extension not supported" in row.last_error
    assert smtp.received == []


def test_implicit_tls(smtp_factory, smtp_settings, certificates):
    server = smtp_factory(ssl_context=certificates.server_context())
    smtp_settings(server, SMTP_SECURITY="tls", SMTP_CA_FILE=str(certificates.ca_file))
    row = send_one()
    assert row.status == SENT, row.last_error
    assert server.received[0].tls


PLAIN_AUTH = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only


@PLAIN_AUTH
def test_auth_over_plain_loopback(smtp_factory, smtp_settings):
    server = smtp_factory(authenticator=True, auth_required=True, auth_require_tls=False)
    smtp_settings(server, SMTP_USER=USER, SMTP_PASSWORD=PASSWORD)
    assert send_one().status == SENT
    assert server.capture.logins == [USER] and len(server.received) == 1 and not server.received[0].tls


@PLAIN_AUTH
def test_a_wrong_password_keeps_the_message_for_a_retry(smtp_factory, smtp_settings):
    server = smtp_factory(authenticator=True, auth_required=True, auth_require_tls=False)
    smtp_settings(server, SMTP_USER=USER, SMTP_PASSWORD="wrong-password")
    row = send_one()
    assert (row.status, row.attempts) == (PENDING, 1)
    assert "SMTPAuthenticationError" in row.last_error and "535" in row.last_error
    assert server.received == [] and "wrong-password" not in row.last_error
