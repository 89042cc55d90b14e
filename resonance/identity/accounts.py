"""Accounts: sign up, email verification, password reset and change, profile.

Answers never reveal whether an email has an account: sign-up of a taken address and a reset for an unknown one
look the same to the person asking; only the mailbox owner learns more.

An address belongs to an account only once its mailbox is proven (an emailed code or link, a magic link, a password
reset, or a provider that verified it). Proving it drops every claim on it that was never proven
(`claim_mailbox`): sign-ups that were not the one verifying, provider links that came with an unverified address,
sessions.

A sign-up of an unverified address is an attempt bound to the browser that made it (a random secret in that
browser's HttpOnly sign-up cookie, its keyed digest on the attempt's token). Each attempt has its own code and
link, and a later attempt from another browser leaves earlier ones working. The code works only in its own
browser: a code typed elsewhere is a wrong guess there. The link proves the mailbox wherever it is opened, but the
attempt's password (and name) take effect only in its own browser; elsewhere the address is verified with no
password at all, and the owner signs in by emailed link or sets one through "Forgot password". So whoever signs up
a victim's pending address gets nothing: their code and link reach only the victim's mailbox, and only the
victim's own browser turns a code or link into a password.

An account made through a provider that did not vouch for an address has none (`email` None) until its owner gives
one and proves it (`request_email`, then the emailed code or link).
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select, update

from resonance.core import routes, security, text_input
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, RateLimited
from resonance.identity import security_events, sessions, tokens
from resonance.identity.models import EmailToken, User
from resonance.identity.oauth.models import ExternalIdentity
from resonance.identity.passwords import validate_password
from resonance.mail import service as mail
from resonance.mail import templates

MAX_NAME = 120
TAKEN = ("This email address belongs to another account. Sign in to that account instead; you can connect "
         "{provider} to it from your account page.")

# The browser's sign-up secret: set by a backend route (Reflex events cannot set HttpOnly cookies) from a short
# signed ticket, read by the verify page from its websocket handshake.
SIGN_UP_COOKIE = "__Host-resonance_sign_up"
SIGN_UP_COOKIE_LIFETIME = timedelta(days=1)
_BROWSER_TICKET_AUDIENCE = "resonance:sign-up-browser"
_BROWSER_TICKET_LIFETIME = timedelta(seconds=60)


def browser_secret(value: str | None) -> str | None:
    """The sign-up cookie's secret when it has the shape `security.new_token` gives, else None."""
    if isinstance(value, str) and 32 <= len(value) <= 64 and value.isascii() \
            and value.replace("-", "").replace("_", "").isalnum():
        return value
    return None


def browser_ticket(browser: str) -> str:
    """A short-lived signed ticket the page posts to the route that sets the sign-up cookie."""
    return security.sign({"b": browser}, audience=_BROWSER_TICKET_AUDIENCE, lifetime=_BROWSER_TICKET_LIFETIME)


def read_browser_ticket(ticket: str | None) -> str | None:
    claims = security.unsign(ticket, audience=_BROWSER_TICKET_AUDIENCE) if ticket else None
    return browser_secret(claims.get("b")) if claims else None


def normalize_email(email: str) -> str:
    email = email.strip().lower() if isinstance(email, str) else ""
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or len(email) > 320 or " " in email or not text_input.is_line(email):
        raise Invalid("Enter a valid email address.")
    return email


def find_by_email(*, session: Session, email: str) -> User | None:
    email = email.strip().lower() if isinstance(email, str) else ""
    if not email or not text_input.is_line(email):
        return None  # an address no account can have
    return session.exec(select(User).where(User.email == email)).first()


def sign_up(*, session: Session, name: str, email: str, password: str, browser: str | None = None) -> str:
    """Start a sign-up attempt of this browser and email its code and link; a verified address gets a warning mail
    and nothing changes. Returns the browser's sign-up secret (`browser` when it is one, else a new one) for its
    cookie, whatever the address's state, so the answer tells nothing."""
    name = text_input.line(name, "Name")
    if not name:
        raise Invalid("Enter your name.")
    if len(name) > MAX_NAME:
        raise Invalid(f"Name must be at most {MAX_NAME} characters.")
    email = normalize_email(email)
    validate_password(password, email=email, name=name)
    browser = browser_secret(browser) or security.new_token()
    password_hash = security.hash_password(password)  # before the lookup: every answer costs the same
    user = find_by_email(session=session, email=email)
    if user is not None and user.email_verified_at is not None:
        mail.send(session=session, to=email, message=templates.account_exists(link=_url(routes.SIGN_IN)))
        return browser
    if user is None:
        # The first attempt's password lets its maker sign in to reach the verify page again (it still needs a
        # code from the mailbox); only a proof of the mailbox in an attempt's own browser makes a password final.
        user = User(email=email, name=name, password_hash=password_hash)
        session.add(user)
        session.flush()
    try:
        send_verification(session=session, user=user, password_hash=password_hash, name=name, browser=browser)
    except RateLimited:
        pass  # a code went out seconds ago and still works; saying 'wait' would reveal the registration
    return browser


def send_verification(*, session: Session, user: User, to: str | None = None, password_hash: str | None = None,
                      name: str | None = None, browser: str | None = None) -> None:
    """Email a code and link proving `to` (the user's own address by default). With `browser`: a sign-up attempt
    of that browser, whose `password_hash` and `name` take effect when it proves the mailbox there; its mail warns
    when another browser's attempt is waiting too."""
    another = browser is not None and tokens.live_elsewhere(session=session, user=user, purpose=tokens.VERIFY_EMAIL,
                                                            browser=browser)
    issued = tokens.issue(session=session, user=user, purpose=tokens.VERIFY_EMAIL, with_code=True,
                          email=to, password_hash=password_hash, name=name, browser=browser)
    minutes = int(get_settings().EMAIL_CODE_MINUTES)
    if to is not None:  # an address given: proven only by its code, typed where it was asked for
        mail.send(session=session, to=to, message=templates.claim_email(code=issued.code or "", minutes=minutes))
        return
    link = _url(f"/verify-email?token={issued.token}")
    mail.send(session=session, to=user.email,
              message=templates.verify_email(name=name or user.name, code=issued.code or "", link=link,
                                             minutes=minutes, another=another))


def resend_verification(*, session: Session, email: str, browser: str | None = None,
                        password_proven: bool = False) -> str:
    """A new code for this browser's sign-up attempt if the address waits for verification; silently nothing
    otherwise (no enumeration). The attempt keeps its password; `password_proven` (the person just signed in with
    the account's password) binds that password instead. A browser without an attempt gets one without a password.
    Returns the browser's sign-up secret, like `sign_up`."""
    browser = browser_secret(browser) or security.new_token()
    user = find_by_email(session=session, email=email)
    if user is None or user.email_verified_at is not None:
        return browser
    attempt = tokens.latest(session=session, user=user, purpose=tokens.VERIFY_EMAIL, browser=browser)
    if password_proven:
        password_hash, name = user.password_hash, None
    else:
        password_hash, name = (attempt.password_hash, attempt.name) if attempt else (None, None)
    send_verification(session=session, user=user, password_hash=password_hash, name=name, browser=browser)
    return browser


def verify_code(*, session: Session, email: str, code: str, browser: str | None = None) -> User:
    """The code of this browser's sign-up attempt proves the mailbox; a code of another browser's attempt is a
    wrong guess here (and counts towards this browser's attempt limit)."""
    browser = browser_secret(browser)
    user = find_by_email(session=session, email=email)
    if user is None or user.email_verified_at is not None or browser is None:
        raise Invalid(tokens.EXPIRED)
    row = tokens.consume_code(session=session, user=user, code=code, purpose=tokens.VERIFY_EMAIL, browser=browser)
    return _proven(session, user, row, browser)


def verify_link(*, session: Session, token: str, browser: str | None = None) -> User:
    """The emailed link proves the mailbox wherever it is opened; the attempt's password takes effect only in the
    browser that made it (elsewhere the account is left with none: `password_hash` None)."""
    row = tokens.consume_link(session=session, token=token, purpose=tokens.VERIFY_EMAIL)
    if row.email is not None:  # a given address is never proven by a link (claim_email)
        raise Invalid(tokens.EXPIRED)
    return _proven(session, session.get(User, row.user_id), row, browser_secret(browser))


def _proven(session: Session, user: User, row: EmailToken, browser: str | None) -> User:
    if row.email is not None:  # an address given by an account without one
        return _take_email(session, user, row.email)
    mine = tokens.browser_hash(browser)
    if row.browser_hash and mine and hmac.compare_digest(row.browser_hash, mine):
        return claim_mailbox(session=session, user=user, password_hash=row.password_hash, name=row.name)
    return claim_mailbox(session=session, user=user)


def claim_mailbox(*, session: Session, user: User, password_hash: str | None = None, name: str | None = None) -> User:
    """The mailbox owner has just proven the address: by the emailed code or link of their sign-up attempt in its
    own browser (`password_hash` and `name` are that attempt's), its link elsewhere, a password reset (the new
    password), a magic link or a provider that verified it (no password). An account that was never verified may
    hold claims of someone else (pre-account takeover); they all go: other attempts' passwords, provider links that
    came with an unverified address, sessions, and pending codes and links."""
    if user.email_verified_at is not None:
        return user
    session.exec(
        delete(ExternalIdentity)
        .where(ExternalIdentity.user_id == user.id,
               ~(col(ExternalIdentity.email_verified) & (ExternalIdentity.email == user.email)))
    )
    sessions.revoke_all(session=session, user_id=user.id)
    session.exec(
        update(EmailToken)
        .where(EmailToken.user_id == user.id, col(EmailToken.used_at).is_(None))
        .values(used_at=clock.now())
    )
    user.password_hash = password_hash
    if name:
        user.name = name
    user.failed_signins, user.locked_until = 0, None
    user.email_verified_at, user.updated_at = clock.now(), clock.now()
    session.add(user)
    return user


def request_email(*, session: Session, user_id: str, email: str) -> str:
    """An account without an address gives one: a code goes to it, and the address is the account's once the code
    comes back to this account (`verify_claimed_email`). Returns the normalised address. Whether the address has
    another account is told only to whoever proves the mailbox."""
    email = normalize_email(email)
    user = session.get(User, user_id)
    if user is None or user.email is not None:
        raise Invalid(tokens.EXPIRED)
    send_verification(session=session, user=user, to=email)
    return email


def verify_claimed_email(*, session: Session, user_id: str, code: str, provider: str = "", ip: str = "",
                         user_agent: str = "") -> User:
    """The code sent by `request_email`: the address becomes the account's, verified (`ip` and `user_agent`: where
    from, for the security email)."""
    user = session.get(User, user_id)
    if user is None or user.email is not None:
        raise Invalid(tokens.EXPIRED)
    row = tokens.consume_code(session=session, user=user, code=code, purpose=tokens.VERIFY_EMAIL)
    if row.email is None:
        raise Invalid(tokens.EXPIRED)
    return _take_email(session, user, row.email, provider=provider, ip=ip, user_agent=user_agent)


def _take_email(session: Session, user: User, email: str, *, provider: str = "", ip: str = "",
                user_agent: str = "") -> User:
    """`email` was just proven by the owner of `user`, an account without one. A verified account holding it stays
    separate (no merge: the person signs in there and connects the provider); an unverified registration of it is
    a claim never proven, and goes."""
    holder = find_by_email(session=session, email=email)
    if holder is not None and holder.email_verified_at is not None:
        raise Invalid(TAKEN.format(provider=provider or "this sign-in"), persist=True)
    old = user.email
    if holder is not None:
        session.delete(holder)
    session.flush()  # the transaction is open before the savepoint (pysqlite would otherwise start it there)
    user.email, user.email_verified_at, user.updated_at = email, clock.now(), clock.now()
    session.add(user)
    try:
        with session.begin_nested():  # someone verified or registered it this instant: the unique index decides
            session.flush()
    except IntegrityError:
        raise Invalid(TAKEN.format(provider=provider or "this sign-in")) from None
    security_events.record(session, user, security_events.EMAIL_CHANGED, ip=ip, user_agent=user_agent,
                           old_email=old, new_email=email)
    return user


def request_password_reset(*, session: Session, email: str) -> None:
    """Email a reset link if the address has an account; the caller's answer is the same either way."""
    try:
        email = normalize_email(email)
    except Invalid:
        return
    user = find_by_email(session=session, email=email)
    if user is None:
        return
    try:
        issued = tokens.issue(session=session, user=user, purpose=tokens.RESET_PASSWORD, with_code=False)
    except RateLimited:
        return  # the earlier mail is still fresh; saying so would reveal the account
    minutes = int(get_settings().EMAIL_CODE_MINUTES)
    mail.send(session=session, to=user.email, message=templates.password_reset(
        name=user.name, link=_url(f"/reset-password?token={issued.token}"), minutes=minutes))


def reset_password(*, session: Session, token: str, password: str, ip: str = "", user_agent: str = "") -> User:
    """Set a new password from a reset link; signs out every session and lifts a lockout."""
    row = tokens.peek_link(session=session, token=token, purpose=tokens.RESET_PASSWORD)
    if row is None:
        raise Invalid(tokens.EXPIRED)
    user = session.get(User, row.user_id)
    validate_password(password, email=user.email, name=user.name)
    tokens.consume_link(session=session, token=token, purpose=tokens.RESET_PASSWORD)
    password_hash = security.hash_password(password)
    claim_mailbox(session=session, user=user, password_hash=password_hash)  # the link proved the mailbox
    user.password_hash = password_hash
    user.failed_signins, user.locked_until = 0, None
    user.updated_at = clock.now()
    session.add(user)
    sessions.revoke_all(session=session, user_id=user.id)
    security_events.record(session, user, security_events.PASSWORD_CHANGED, ip=ip, user_agent=user_agent,
                           reset=True)
    return user


def change_password(*, session: Session, user_id: str, current: str, new: str, keep_session_id: str,
                    ip: str = "", user_agent: str = "") -> None:
    """Change a password knowing the current one; other sessions are signed out (ASVS 3.3.3)."""
    user = session.get(User, user_id)
    if not user.password_hash or not security.verify_password(user.password_hash, current):
        raise Invalid("Your current password is not right.")
    validate_password(new, email=user.email, name=user.name)
    user.password_hash, user.updated_at = security.hash_password(new), clock.now()
    session.add(user)
    sessions.revoke_all(session=session, user_id=user.id, except_id=keep_session_id)
    security_events.record(session, user, security_events.PASSWORD_CHANGED, ip=ip, user_agent=user_agent)


def rename(*, session: Session, user_id: str, name: str) -> User:
    name = text_input.line(name, "Name")
    if not name or len(name) > MAX_NAME:
        raise Invalid(f"Name must be 1 to {MAX_NAME} characters.")
    user = session.get(User, user_id)
    user.name, user.updated_at = name, clock.now()
    session.add(user)
    return user


def count(*, session: Session) -> int:
    return session.exec(select(func.count(User.id))).one()


def _url(path: str) -> str:
    # Links are built from the configured base URL, never from a request's Host header.
    return get_settings().APP_URL + path


def sign_in_url(email: str) -> str:
    return _url(f"/sign-in?email={quote(email)}")
