"""The log's safety net on its own: whatever a log call passes, API keys, session cookies, credential headers, links
with tokens, token and code parameters and verification codes leave the process as [redacted]."""

from __future__ import annotations

import io
import logging

import pytest

from resonance.core import redaction
from resonance.core.redaction import REDACTED

KEY = "rsk_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"
SESSION = "c2Vzc2lvbi12YWx1ZS1zaG91bGQtbmV2ZXItc2hvdw"
TOKEN = "dG9rZW4tdmFsdWUtc2hvdWxkLW5ldmVyLXNob3c"
TICKET = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c3JfMSJ9.c2lnbmF0dXJl"


@pytest.fixture
def captured():
    """A logger of its own with a formatting handler; the filter installed as the app installs it."""
    redaction.uninstall()
    redaction.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    redaction.uninstall()


@pytest.mark.parametrize("line", [
    f"xi-api-key: {KEY}",
    f"calling with {KEY}",
    f"Cookie: theme=dark; __Host-resonance_session={SESSION}",
    f"{{'cookie': '__Host-resonance_session={SESSION}', 'host': 'app'}}",
    f"set-cookie: __Host-resonance_session={SESSION}; Path=/; Secure; HttpOnly",
    f"Authorization: Bearer {TOKEN}",
    f"{{'authorization': 'Bearer {TOKEN}', 'accept': '*/*'}}",
    f"Sign in: https://app.test/api/auth/magic/{TOKEN}",
    f"Accept invitation: https://app.test/invite/{TOKEN}",
    f"Reset password: https://app.test/reset-password?token={TOKEN}",
    f"GET /api/auth/oauth/google/callback?code={TOKEN}&state={TICKET} HTTP/1.1",
    f"ticket={TICKET}&next=/",
    f'{{"access_token": "{TOKEN}", "token_type": "Bearer"}}',
    "postgresql://resonance_app:" + TOKEN + "@db:5432/resonance",
])
def test_a_line_with_a_secret_is_scrubbed_whichever_way_it_is_logged(captured, line):
    logger, stream = captured
    secret = next(s for s in (KEY, SESSION, TOKEN, TICKET) if s in line)
    with pytest.raises(RuntimeError):
        try:
            raise RuntimeError(f"upstream said: {line}")
        except RuntimeError:
            logger.info(line)  # the secret in the message itself
            logger.warning("request failed with %d: %s", 502, line)  # in an argument
            logger.exception("failed")  # in the exception's text
            raise
    output = stream.getvalue()
    assert secret not in output and REDACTED in output
    assert output.count("\n") > 3 and "failed with 502" in output  # nothing dropped, placeholders still work


def test_a_verification_code_is_scrubbed_from_subject_and_body(captured):
    logger, stream = captured
    logger.info("mail to %s: %s", "ada@example.com", "482913 is your Resonance verification code")
    logger.info("Your code: 482913")
    output = stream.getvalue()
    assert "482913" not in output and "ada@example.com" in output


def test_the_access_log_keeps_its_arguments_shape(captured):
    """uvicorn's access formatter unpacks the record's five arguments: they stay five, scrubbed one by one."""
    logger, _ = captured
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "POST", f"/api/auth/magic/{TOKEN}", "1.1", 303), None)
    assert record.args == ("127.0.0.1:5000", "POST", f"/api/auth/magic/{REDACTED}", "1.1", 303)
    assert record.resonance_redacted


def test_an_ordinary_line_passes_untouched(captured):
    logger, stream = captured
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "mail %s to %s queued (%s)",
                               ("eml_1", "ada@example.com", "magic_link"), None)
    assert record.args == ("eml_1", "ada@example.com", "magic_link") and not record.resonance_redacted
    logger.info("generation %s failed (reference %s): stored at %s", "gen_1", "7f3a9c2e", "orgs/org_1/gen_1.wav")
    assert "orgs/org_1/gen_1.wav" in stream.getvalue()


def test_the_development_outbox_logger_is_whole_only_in_development(captured, configure):
    _, _ = captured
    outbox = logging.getLogger(redaction.DEV_OUTBOX)
    line = f"Sign in: http://localhost:8000/api/auth/magic/{TOKEN}"
    configure(ENV="development")
    assert TOKEN in outbox.makeRecord(outbox.name, logging.INFO, __file__, 1, line, (), None).getMessage()
    configure(ENV="production")
    assert TOKEN not in outbox.makeRecord(outbox.name, logging.INFO, __file__, 1, line, (), None).getMessage()


def test_install_is_idempotent_and_uninstall_restores_the_factory():
    redaction.uninstall()
    before = logging.getLogRecordFactory()
    redaction.install()
    redaction.install()
    assert logging.getLogRecordFactory().previous is before
    redaction.uninstall()
    assert logging.getLogRecordFactory() is before
