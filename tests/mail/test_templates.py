"""Every message renders as text and HTML with the app's look; user-provided values are escaped in the HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from resonance.mail import templates

LINK = "http://localhost:3000/reset-password?token=abc_DEF-123&x=1"


class _Page(HTMLParser):
    """What a mail client would see: the text, the links and every tag."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text, self.hrefs, self.tags = [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])

    def handle_data(self, data):
        self.text.append(data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


MESSAGES = {
    "verify_email": lambda: templates.verify_email(name="Ada", code="482913", link=LINK, minutes=10),
    "account_exists": lambda: templates.account_exists(link=LINK),
    "magic_link": lambda: templates.magic_link(LINK, 10),
    "password_reset": lambda: templates.password_reset(name="Ada", link=LINK, minutes=10),
    "invitation": lambda: templates.invitation(org_name="Acme Studio", inviter="Ada", role="member", link=LINK,
                                               days=30),
}
BUTTONS = {"verify_email": "Verify email", "account_exists": "Sign in", "magic_link": "Sign in",
           "password_reset": "Reset password", "invitation": "Accept invitation"}


@pytest.mark.parametrize("name", MESSAGES)
def test_each_message_has_text_and_html_with_the_link_button_and_brand(name):
    message = MESSAGES[name]()
    page = _Page(message.html)
    assert message.subject and "\n" not in message.subject
    # The link, whole, in the text part and twice in the HTML (the button and the plain link under it).
    assert f"{BUTTONS[name]}: {LINK}" in message.text
    assert page.hrefs == [LINK, LINK]
    assert BUTTONS[name] in page.words and LINK in page.words
    # The app's look: its name, teal button, table layout with inline styles (no <style> block, no scripts).
    assert "Resonance" in page.words and "#0d9488" in message.html
    assert "table" in page.tags and "style" not in page.tags and "script" not in page.tags
    assert message.html.startswith("<!DOCTYPE html>")
    assert "ignore this email" in message.text and "ignore this email" in page.words


def test_verification_carries_the_code_in_both_parts():
    message = MESSAGES["verify_email"]()
    assert "Your code: 482913" in message.text and "482913" in _Page(message.html).words
    assert message.subject == "482913 is your Resonance verification code"
    assert "expires in 10 minutes" in message.text


def test_magic_link_says_how_long_it_lives():
    message = templates.magic_link(url=LINK, minutes=15)
    assert "15 minutes" in message.text and "works once" in message.text
    assert "15 minutes" in _Page(message.html).words


def test_user_provided_values_are_escaped_in_html_and_plain_in_text():
    org, inviter = '<script>alert("x")</script> & Sons', 'Eve <b>"Boss"</b>'
    message = templates.invitation(org_name=org, inviter=inviter, role="admin", link=LINK, days=7)
    assert "<script>" not in message.html and "<b>" not in message.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons" in message.html
    page = _Page(message.html)
    assert "script" not in page.tags and "b" not in page.tags
    assert org in page.words and inviter in page.words  # the reader sees the names as typed
    assert org in message.text and inviter in message.text
    # A link's & is escaped inside the attribute, and comes back whole.
    assert 'href="http://localhost:3000/reset-password?token=abc_DEF-123&amp;x=1"' in message.html


def test_subject_is_one_line_that_fits_the_outbox_column():
    message = templates.invitation(org_name="Evil\r\nBcc: victim@example.com " + "x" * 300, inviter="Eve\nX",
                                   role="member", link=LINK, days=7)
    assert "\n" not in message.subject and "\r" not in message.subject
    assert len(message.subject) <= 200 and message.subject.endswith("…")
    assert message.subject.startswith("Eve X invited you to Evil Bcc: victim@example.com")


def test_text_part_has_no_markup():
    for build in MESSAGES.values():
        assert not re.search(r"<[a-z/][^>]*>", build().text)


def test_the_domain_code_carries_the_code_the_domain_and_the_organization_and_no_link():
    message = templates.domain_code(org_name="<b>Acme</b>", domain="bücher.de", code="482913", minutes=10)
    page = _Page(message.html)
    assert "Your code: 482913" in message.text and "482913" in page.words
    assert "bücher.de" in message.subject and "\n" not in message.subject
    assert "<b>Acme</b>" in page.words and "b" not in page.tags  # escaped in the HTML
    assert page.hrefs == [] and "expires in 10 minutes" in message.text
