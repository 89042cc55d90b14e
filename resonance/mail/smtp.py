"""One outbox row onto the wire: a multipart/alternative message (text first, HTML second) sent with smtplib over
the configured security mode. TLS never silently falls back to plain text: a server that does not offer STARTTLS
in starttls mode is an error."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from resonance.core.config import Settings
from resonance.mail.models import OutboxEmail


def build(row: OutboxEmail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = settings.MAIL_FROM
    message["To"] = row.to
    message["Date"] = format_datetime(row.created_at)  # when the action happened, the same on every retry
    # Stable across retries, so a receiver that got a message whose acknowledgement was lost can drop the copy.
    message["Message-ID"] = f"<{row.id}@{sender_domain(settings)}>"
    message.set_content(row.text)
    if row.html:
        message.add_alternative(row.html, subtype="html")
    return message


def sender_domain(settings: Settings) -> str:
    return parseaddr(settings.MAIL_FROM)[1].rpartition("@")[2] or "resonance.local"


def tls_context(settings: Settings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.SMTP_CA_FILE or None)
    if not settings.SMTP_VERIFY_TLS:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def deliver(message: EmailMessage, settings: Settings) -> None:
    """Send one message; raises on any failure (the caller schedules the retry)."""
    host, port, timeout = settings.SMTP_HOST, settings.smtp_port, settings.SMTP_TIMEOUT_SECONDS
    if settings.SMTP_SECURITY == "tls":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(settings))
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if settings.SMTP_SECURITY == "starttls":
            client.starttls(context=tls_context(settings))  # raises SMTPNotSupportedError if not offered
        if settings.SMTP_USER:
            client.login(settings.SMTP_USER, settings.SMTP_PASSWORD)
        client.send_message(message)
    finally:
        _quit(client)


def _quit(client: smtplib.SMTP) -> None:
    # The message is accepted once DATA is answered; a failing QUIT must not turn that into a retry (a duplicate).
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
