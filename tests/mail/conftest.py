"""Fixtures for the mail tests: a real SMTP server (tests/mail/smtp_server.py), its TLS certificates, and
`smtp_settings` to point Resonance at it."""

from __future__ import annotations

import pytest

from tests.mail.smtp_server import HOST, Certificates, SmtpServer, make_certificates


@pytest.fixture
def smtp_factory():
    """`smtp_factory(**aiosmtpd_options)`: a started server; every one is stopped after the test."""
    servers: list[SmtpServer] = []

    def start(**options) -> SmtpServer:
        servers.append(SmtpServer(**options).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def smtp(smtp_factory) -> SmtpServer:
    """A plain SMTP server (no TLS, no AUTH)."""
    return smtp_factory()


@pytest.fixture
def smtp_settings(configure):
    """`smtp_settings(server, **more)`: point the app at `server` (plain by default)."""

    def apply(server: SmtpServer, **more):
        values = dict(SMTP_HOST=HOST, SMTP_PORT=server.port, SMTP_SECURITY="none", SMTP_TIMEOUT_SECONDS=5,
                      MAIL_FROM="Resonance <no-reply@resonance.test>", SMTP_USER=None, SMTP_PASSWORD=None,
                      SMTP_CA_FILE=None, SMTP_VERIFY_TLS=None)
        values.update(more)
        return configure(**values)

    return apply


@pytest.fixture(scope="session")
def certificates(tmp_path_factory) -> Certificates:
    """A CA of the test session's own and a certificate for 127.0.0.1 signed by it."""
    return make_certificates(tmp_path_factory.mktemp("smtp-tls"))
