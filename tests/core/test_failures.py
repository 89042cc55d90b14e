"""The one helper for failures shown to people: a stable message with a reference, the detail logged under it."""

from __future__ import annotations

import logging
import re

from resonance.core.errors import Invalid, NotFound
from resonance.core.failures import report

log = logging.getLogger("resonance.tests")


def test_an_internal_error_becomes_the_message_and_a_reference_logged_with_the_detail(caplog):
    caplog.set_level(logging.INFO, logger="resonance")
    try:
        raise OSError("s3 PUT orgs/org_1/generations/gen_1.wav: AccessDenied")
    except OSError as error:
        shown = report(log, error, "Speech generation failed.", "generation %s failed", "gen_1")
    reference = re.fullmatch(r"Speech generation failed\. Reference: ([0-9a-f]{8})", shown).group(1)
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.getMessage() == f"generation gen_1 failed (reference {reference})"
    assert "orgs/org_1/generations/gen_1.wav" in caplog.text  # the traceback
    assert report(log, OSError(), "Failed.", "again") != report(log, OSError(), "Failed.", "again")  # fresh ids


def test_refusals_written_for_people_keep_their_words(caplog):
    caplog.set_level(logging.INFO, logger="resonance")
    assert report(log, Invalid("Text is required"), "Speech generation failed.", "generation %s", "g") == \
        "Text is required"
    assert report(log, NotFound("Voice not found"), "Speech generation failed.", "generation %s", "g") == \
        "Voice not found"
    assert all(r.levelno == logging.INFO for r in caplog.records)
