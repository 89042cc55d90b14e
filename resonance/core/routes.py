"""The app's page addresses in one place, with builders for the ones that take parameters (pages, redirects and
emailed links all use them)."""

from urllib.parse import quote

HOME = "/"
SIGN_IN = "/sign-in"
SIGN_UP = "/sign-up"
VERIFY_EMAIL = "/verify-email"
FORGOT_PASSWORD = "/forgot-password"
RESET_PASSWORD = "/reset-password"
MAGIC_LINK = "/sign-in/link"  # the emailed sign-in link lands here (?token=)
SECOND_FACTOR = "/sign-in/two-step"  # the code of an account with two-step verification
NOT_ME = "/security/not-me"  # a security email's "This wasn't me" link lands here (?token=)
INVITE = "/invite/[token]"
ORG_SELECTION = "/org-selection"
VOICES = "/voices"
VOICE_CLONING = "/voices?create=1"  # the library with the Create custom voice dialog open
TEXT_TO_SPEECH = "/text-to-speech"
GENERATION = "/text-to-speech/[generation_id]"
ORG_SETTINGS = "/settings/organization"
BILLING = "/settings/billing"  # Admins; Polar returns here after checkout with ?checkout_id=
API_KEYS = "/settings/api-keys"  # Admins: organization keys for the public API
API_DOCS = "/docs/api"  # the public API, for people
ACCOUNT = "/account"
TWO_STEP_REQUIRED = "/account?two_step=required"  # where an organization that requires it sends members without it
DEV_OUTBOX = "/dev/outbox"

PUBLIC = (SIGN_IN, SIGN_UP, VERIFY_EMAIL, FORGOT_PASSWORD, RESET_PASSWORD, MAGIC_LINK, SECOND_FACTOR, NOT_ME,
          "/invite/")


def sign_in(next_path: str = "", email: str = "") -> str:
    params = []
    if next_path and next_path != HOME:
        params.append(f"next={quote(next_path, safe='/')}")
    if email:
        params.append(f"email={quote(email)}")
    return SIGN_IN + ("?" + "&".join(params) if params else "")


def verify_email(email: str, next_path: str = "") -> str:
    return f"{VERIFY_EMAIL}?email={quote(email)}" + (f"&next={quote(next_path, safe='/')}" if next_path else "")


def give_email(next_path: str = "") -> str:
    """The verify page asking an account without email for one (after a provider that vouched for none)."""
    return f"{VERIFY_EMAIL}?give=1" + (f"&next={quote(next_path, safe='/')}" if next_path not in ("", HOME) else "")


def invite(token: str) -> str:
    return f"/invite/{token}"


def text_to_speech(text: str) -> str:
    """The editor with its box filled (the page reads `?text=` on load)."""
    return f"{TEXT_TO_SPEECH}?text={quote(text.strip(), safe='')}"


def safe_next(path: str | None) -> str:
    """A local path to go to after signing in; anything else (other hosts, schemes) becomes "/"."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or "\n" in path:
        return "/"
    return path
