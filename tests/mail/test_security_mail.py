"""A security email goes out over real SMTP (aiosmtpd) once the action commits: to the account's address, with the
"This wasn't me" link whole in both parts; the log names the recipient and template but never the link's token."""

from __future__ import annotations

import logging
import re

from resonance.identity import accounts, security_events
from resonance.identity.models import User
from resonance.jobs.runner import Runner
from resonance.mail import delivery
from resonance.orgs.scope import system_session
from tests.factories import PASSWORD, make_user, start_session

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def test_a_password_change_mails_the_owner_over_smtp_without_logging_the_link(db, clock, smtp, smtp_settings,
                                                                             caplog):
    smtp_settings(smtp)
    caplog.set_level(logging.DEBUG, logger="resonance")  # the app's own log (the test SMTP server logs the DATA)
    user = make_user(name="Ada")
    row, _ = start_session(user)
    with system_session() as session:
        accounts.change_password(session=session, user_id=user.id, current=PASSWORD,
                                 new="a brand new passphrase 2024", keep_session_id=row.id, ip="203.0.113.7",
                                 user_agent=CHROME)
    assert Runner([delivery.MAIL_JOBS]).run_pending() == 1

    [received] = smtp.received
    assert received.rcpt_tos == [user.email]
    assert received.message["Subject"] == "Your Resonance password was changed"
    text, html = received.message.iter_parts()
    link = re.search(r"This wasn't me: (\S+)", text.get_content()).group(1)
    assert link.startswith("http://localhost:3000/security/not-me?token=") and link in html.get_content()
    assert "Device: Chrome on Linux" in text.get_content() and "From: 203.0.113.x" in text.get_content()
    token = link.split("token=")[1]
    app_log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("resonance"))
    assert token not in app_log and "(password_changed)" in app_log and user.email in app_log


def test_the_security_templates_escape_names_and_say_why_they_were_sent():
    user = User(id="usr_x", email="ada@example.com", name='<b>Ada</b> & "Co"')
    notice = security_events.templates.Notice(name=user.name, when="14 Dec 2026, 09:00 UTC", device="Chrome on Linux",
                                              place="203.0.113.x", link="http://localhost:3000/x?token=t&y=1",
                                              hours=24)
    message = security_events.templates.passkey_changed(notice, added=True, passkey="<i>key</i>")
    assert "<b>" not in message.html and "&lt;b&gt;Ada&lt;/b&gt;" in message.html and "<i>" not in message.html
    assert "Hi <b>Ada</b> & \"Co\"," in message.text and "(<i>key</i>)" in message.text
    assert "works once, for 24 hours" in message.text and "new device" in message.text
    assert "ignore this email" not in message.text  # a security email is not one to ignore
