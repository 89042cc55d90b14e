"""The messages Resonance sends, as text and HTML with the app's look (the look lives in layout.py, which escapes
every value, so user-provided names pass through here as they are)."""

from __future__ import annotations

from resonance.mail.layout import Body, Message, render

__all__ = ["Message", "verify_email", "account_exists", "magic_link", "password_reset", "invitation", "domain_code"]


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


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
