"""The mails real services send arrive at a real SMTP server, and the links they carry work: the test clicks the
button's link from the received HTML (the same URL as the text part) and does what that page does."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from resonance.identity import accounts, signin
from resonance.jobs.runner import Runner
from resonance.mail import delivery
from resonance.orgs import invitations
from resonance.orgs.models import Membership, Role
from resonance.orgs.scope import system_session, tenant_session
from tests.factories import APP_URL, PASSWORD, all_rows, make_org, make_user, random_email, signed_in

NEW_PASSWORD = "a brand new passphrase 2024"


class _Links(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


def deliver_due() -> int:
    return Runner([delivery.MAIL_JOBS]).run_pending()


def link_in(smtp, to: str) -> str:
    """The button's URL in the one message `to` received; the text part carries the same URL."""
    [received] = [r for r in smtp.received if r.rcpt_tos == [to]]
    text, html = received.message.iter_parts()
    button = _Links(html.get_content()).hrefs[0]
    assert button.startswith(APP_URL + "/")
    assert button in re.findall(r"https?://\S+", text.get_content())
    return button


def test_password_reset_mail_link_sets_a_new_password(sqlite_db, clock, smtp, smtp_settings):
    smtp_settings(smtp)
    user = make_user()
    with system_session() as session:
        accounts.request_password_reset(session=session, email=user.email)
    assert deliver_due() == 1

    url = urlsplit(link_in(smtp, user.email))
    assert url.path == "/reset-password"
    with system_session() as session:
        accounts.reset_password(session=session, token=parse_qs(url.query)["token"][0], password=NEW_PASSWORD)
    with system_session() as session:
        assert signin.authenticate(session=session, email=user.email, password=NEW_PASSWORD, ip="").id == user.id


def test_verification_mail_code_and_link_both_verify(sqlite_db, clock, smtp, smtp_settings):
    smtp_settings(smtp)
    email = random_email()
    with system_session() as session:
        accounts.sign_up(session=session, name="Ada <Lovelace>", email=email, password=PASSWORD)
    assert deliver_due() == 1
    [received] = smtp.received
    code = re.search(r"Your code: (\d{6})", received.message.get_body(("plain",)).get_content()).group(1)
    assert received.message["Subject"] == f"{code} is your Resonance verification code"
    assert "Hi Ada &lt;Lovelace&gt;," in received.message.get_body(("html",)).get_content()

    url = urlsplit(link_in(smtp, email))
    assert url.path == "/verify-email"
    with system_session() as session:
        user = accounts.verify_link(session=session, token=parse_qs(url.query)["token"][0])
        assert user.email == email and user.email_verified_at == clock.now()


def test_an_invitation_sent_while_the_server_is_down_arrives_once_and_its_link_joins(db, clock, smtp, smtp_settings):
    smtp_settings(smtp)
    admin = make_user(name="Eve <Admin>")
    org = make_org(admin=admin, name="Acme & Sons")
    actor, _ = signed_in(admin, org)
    invitee = make_user(email=random_email("invitee"))

    smtp.stop()
    with tenant_session(org.id) as session:
        invitations.invite(session=session, actor=actor, email=invitee.email, role=Role.MEMBER)
    for _ in range(3):  # 30 s, 1 min, 2 min of outage
        assert deliver_due() == 1
        clock.advance(minutes=2)
    assert smtp.received == []

    smtp.start()
    assert deliver_due() == 1
    clock.advance(hours=1)
    assert deliver_due() == 0
    assert len(smtp.received) == 1
    assert smtp.received[0].message["Subject"] == "Eve <Admin> invited you to Acme & Sons on Resonance"

    url = urlsplit(link_in(smtp, invitee.email))
    token = url.path.removeprefix("/invite/")
    assert url.path == f"/invite/{token}" and token
    invited, _cookie = signed_in(invitee)
    with system_session() as session:
        assert invitations.accept(session=session, actor=invited, token=token) == org.id
    assert [(m.user_id, m.role) for m in all_rows(Membership, org_id=org.id) if m.user_id == invitee.id] == [
        (invitee.id, Role.MEMBER)]
