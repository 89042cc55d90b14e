"""The messages Resonance sends, as text and HTML with the app's look (the look lives in layout.py, which escapes
every value, so user-provided names pass through here as they are)."""

from __future__ import annotations

from dataclasses import dataclass

from resonance.mail.layout import Body, Message, render

__all__ = ["Message", "verify_email", "account_exists", "magic_link", "password_reset", "invitation", "domain_code",
           "Notice", "new_sign_in", "password_changed", "email_changed", "two_step_changed", "backup_code_used",
           "backup_codes_renewed", "passkey_changed", "account_deleted"]


def verify_email(*, name: str, code: str, link: str, minutes: int, another: bool = False) -> Message:
    """`another`: an earlier sign-up with this address, from another browser, is still waiting."""
    warning = ["Someone just started another sign-up with this email address. If it wasn't you, ignore this email "
               "and don't enter this code anywhere: the code in our earlier email still works in the browser where "
               "you signed up."] if another else []
    return render(f"{code} is your Resonance verification code", Body(
        heading="Verify your email address",
        lines=[f"Hi {name},", *warning,
               f"Enter this code in the browser where you signed up. It expires in {minutes} minutes."],
        code=code, button="Verify email", link=link,
        after=["You can also verify by following the button above. Opened in another browser, it verifies the "
               "address without a password: sign in with an emailed link, or choose one with \"Forgot password\"."],
    ), template="verify_email")


def claim_email(*, code: str, minutes: int) -> Message:
    """To an address someone gives for their account: a code only, no link, so that a click by the mailbox's owner
    can never hand the address to someone else's account."""
    return render(f"{code} is your Resonance verification code", Body(
        heading="Confirm this address for your account",
        lines=["Someone asked to use this email address for their Resonance account.",
               f"If it was you, enter this code on the page where you asked. It expires in {minutes} minutes."],
        code=code,
        after=["If it wasn't you, ignore this email: without the code nothing changes, and never share the code."],
    ), template="claim_email")


def account_exists(*, link: str) -> Message:
    return render("Someone tried to sign up with your email", Body(
        heading="You already have an account",
        lines=["Someone tried to create a Resonance account with this email address, which already has one.",
               "If it was you, sign in instead. Forgot your password? Reset it from the sign-in page."],
        button="Sign in", link=link,
    ), template="account_exists")


def magic_link(url: str, minutes: int) -> Message:
    return render("Your Resonance sign-in link", Body(
        heading="Sign in to Resonance",
        lines=[f"Follow this link to sign in. It expires in {minutes} minutes and works once."],
        button="Sign in", link=url,
        after=["Signing in this way also confirms your email address."],
    ), template="magic_link")


def password_reset(*, name: str, link: str, minutes: int) -> Message:
    return render("Reset your Resonance password", Body(
        heading="Reset your password",
        lines=[f"Hi {name},",
               f"Follow this link to choose a new password. It expires in {minutes} minutes and works once.",
               "Resetting signs you out everywhere else."],
        button="Reset password", link=link,
    ), template="password_reset")


def invitation(*, org_name: str, inviter: str, role: str, link: str, days: int) -> Message:
    return render(f"{inviter} invited you to {org_name} on Resonance", Body(
        heading=f"Join {org_name} on Resonance",
        lines=[f"{inviter} invited you to join {org_name} on Resonance as {_article(role)} {role}.",
               f"The invitation is valid for {days} days."],
        button="Accept invitation", link=link,
    ), template="invitation")


def account_deleted(*, name: str) -> Message:
    """The last message to an address whose account is gone: no link, since nothing is left to sign in to."""
    return render("Your Resonance account was deleted", Body(
        heading="Your account was deleted",
        lines=[f"Hi {name},", "Your Resonance account was deleted at your request, with its sign-in methods and "
               "sessions. Voices and speech you made in organizations stay with those organizations.",
               "If you didn't ask for this, reply to this email."],
    ), template="account_deleted")


def domain_code(*, org_name: str, domain: str, code: str, minutes: int) -> Message:
    """To an address at a domain an Admin is verifying: a code only, typed where it was asked for."""
    return render(f"{code} is your code to verify {domain} on Resonance", Body(
        heading=f"Verify {domain} for {org_name}",
        lines=[f"An admin of {org_name} on Resonance asked to verify {domain} with this address.",
               f"If it was you, enter this code in the organization's settings. It expires in {minutes} minutes.",
               f"Once verified, people with a verified address at {domain} can join or ask to join {org_name}."],
        code=code,
        after=["If it wasn't you, ignore this email: without the code nothing changes, and never share the code."],
    ), template="domain_code")


# Security emails (identity/security_events.py): what happened to the account, when and from where, and a "This
# wasn't me" button that secures it.

NOT_ME_BUTTON = "This wasn't me"
SECURITY_FOOTER = "We send this email whenever someone signs in from a new device or changes how your account signs in."


@dataclass(frozen=True)
class Notice:
    """What every security email says besides the event: to whom, when, from which device and place, and the
    "This wasn't me" link."""

    name: str
    when: str  # "14 Dec 2026, 09:00 UTC"
    device: str
    place: str
    link: str
    hours: int  # how long the link works


def _security(subject: str, heading: str, what: str, notice: Notice, *, template: str) -> Message:
    seen = [f"When: {notice.when}", f"Device: {notice.device}", f"From: {notice.place}"]
    return render(subject, Body(
        heading=heading,
        lines=[f"Hi {notice.name},", what, *seen, "If this was you, there is nothing to do."],
        button=NOT_ME_BUTTON, link=notice.link,
        after=["If it wasn't you, follow the button: it signs your account out everywhere and emails you a link to "
               f"choose a new password. It works once, for {notice.hours} hours."],
        footer=SECURITY_FOOTER,
    ), template=template)


def new_sign_in(notice: Notice, *, how: str) -> Message:
    """`how`: "with your password", "with Google"… ("" when unknown)."""
    how = f" {how}" if how else ""
    what = f"Your Resonance account was signed in{how} from a device and network it has not used before."
    return _security("New sign-in to your Resonance account", "New sign-in to your account", what, notice,
                     template="new_sign_in")


def password_changed(notice: Notice, *, reset: bool = False) -> Message:
    what = ("The password of your Resonance account was reset with a link we emailed you." if reset
            else "The password of your Resonance account was changed.")
    return _security("Your Resonance password was changed", "Your password was changed",
                     what + " Every other session was signed out.", notice, template="password_changed")


def email_changed(notice: Notice, *, old: str | None, new: str) -> Message:
    what = (f"The email address of your Resonance account changed from {old} to {new}." if old
            else f"{new} is now the email address of your Resonance account.")
    return _security("Your Resonance email address was changed", "Your email address was changed", what, notice,
                     template="email_changed")


def two_step_changed(notice: Notice, *, on: bool) -> Message:
    if on:
        return _security("Two-step verification is on for your Resonance account", "Two-step verification is on",
                         "Signing in to your Resonance account now also asks for a code from your authenticator app.",
                         notice, template="two_step_on")
    return _security("Two-step verification is off for your Resonance account", "Two-step verification is off",
                     "Signing in to your Resonance account no longer asks for a code from an authenticator app.",
                     notice, template="two_step_off")


def backup_code_used(notice: Notice, *, left: int) -> Message:
    return _security("A backup code of your Resonance account was used", "A backup code was used",
                     f"One of your backup codes was used. {left} of them are left; each works once.", notice,
                     template="backup_code_used")


def backup_codes_renewed(notice: Notice) -> Message:
    return _security("New backup codes for your Resonance account", "Your backup codes were replaced",
                     "New backup codes were made for your Resonance account; the old ones no longer work.", notice,
                     template="backup_codes_renewed")


def passkey_changed(notice: Notice, *, added: bool, passkey: str = "") -> Message:
    named = f" ({passkey})" if passkey else ""
    if added:
        return _security("A passkey was added to your Resonance account", "A passkey was added",
                         f"A passkey{named} can now sign in to your Resonance account.", notice,
                         template="passkey_added")
    return _security("A passkey was removed from your Resonance account", "A passkey was removed",
                     f"A passkey{named} can no longer sign in to your Resonance account.", notice,
                     template="passkey_removed")


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
