"""The messages Resonance sends, as text and HTML with the app's look."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def _render(subject: str, lines: list[str], *, link: str | None = None, button: str = "", code: str = "") -> Message:
    text = "\n\n".join(lines + ([f"Your code: {code}"] if code else []) + ([f"{button}: {link}"] if link else []))
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    if code:
        body += f'<p style="font-size:28px;letter-spacing:6px;font-weight:600">{html.escape(code)}</p>'
    if link:
        body += (
            f'<p><a href="{html.escape(link)}" style="background:#0d9488;color:#fff;padding:10px 18px;'
            f'border-radius:8px;text-decoration:none">{html.escape(button)}</a></p>'
        )
    page = (
        '<div style="font-family:Inter,Arial,sans-serif;max-width:520px;margin:auto;color:#111">'
        '<h2 style="color:#0d9488">Resonance</h2>'
        f"{body}<p style='color:#888;font-size:12px'>If you did not ask for this, ignore this email.</p></div>"
    )
    return Message(subject, text + "\n\nIf you did not ask for this, ignore this email.\n", page)


def verify_email(*, name: str, code: str, link: str, minutes: int) -> Message:
    return _render(
        f"{code} is your Resonance verification code",
        [f"Hi {name},", f"Enter this code to verify your email address. It expires in {minutes} minutes."],
        code=code, link=link, button="Verify email",
    )


def account_exists(*, link: str) -> Message:
    return _render(
        "Someone tried to sign up with your email",
        ["Someone tried to create a Resonance account with this email address, which already has one.",
         "If it was you, sign in instead. Forgot your password? Reset it from the sign-in page."],
        link=link, button="Sign in",
    )


def password_reset(*, name: str, link: str, minutes: int) -> Message:
    return _render(
        "Reset your Resonance password",
        [f"Hi {name},", f"Follow this link to choose a new password. It expires in {minutes} minutes and works once.",
         "Resetting signs you out everywhere else."],
        link=link, button="Reset password",
    )


def invitation(*, org_name: str, inviter: str, role: str, link: str, days: int) -> Message:
    return _render(
        f"{inviter} invited you to {org_name} on Resonance",
        [f"{inviter} invited you to join {org_name} on Resonance as {role}.",
         f"The invitation is valid for {days} days."],
        link=link, button="Accept invitation",
    )
