"""The authorization-code round trip, driven by authlib: PKCE (S256) always, the OpenID nonce for OpenID Connect
providers, and a state bound to this browser.

`begin` returns the provider URL and a short-lived HttpOnly cookie: a signed token (our secret key) holding the
state's digest, the PKCE verifier, the nonce and what to do afterwards. `finish` accepts a callback only when its
state matches that cookie, redeems the code (with the verifier), validates the ID token (signature against the
provider's JWKS, iss, aud, exp, nonce; authlib) and returns who the provider says the person is.

Every call to the provider (discovery, token, key set, GitHub's API) runs under one guard, `_reaching`: a provider
that is down, slow (OAUTH_HTTP_TIMEOUT_SECONDS) or answers something unusable becomes `Refused("unreachable")`,
logged with the step and the cause but never the request's codes or tokens. authlib raises its HTTP client's
exceptions (httpx2 when it is installed, else httpx) and plain ValueError/TypeError for unparsable answers, not
AuthlibBaseError.
"""

from __future__ import annotations

import hmac
import importlib
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import BaseApp, FrameworkIntegration, OAuth2Mixin, OpenIDMixin
from authlib.integrations.httpx_client import OAuth2Client
from joserfc.errors import InvalidClaimError, JoseError

from resonance.core import security, text_input
from resonance.core.config import get_settings
from resonance.identity.oauth import apple
from resonance.identity.oauth.errors import Refused
from resonance.identity.oauth.providers import Provider

STATE_AUDIENCE = "resonance:oauth-state"

log = logging.getLogger("resonance.identity.oauth")


def _http_modules() -> list:
    # authlib's httpx integration drives httpx2 when importable and falls back to httpx: catch both.
    found = []
    for name in ("httpx2", "httpx"):
        try:
            found.append(importlib.import_module(name))
        except ImportError:
            pass
    return found


_HTTP = _http_modules()
_TRANSPORT_ERRORS = tuple(cls for m in _HTTP for cls in (m.HTTPError, m.StreamError, m.InvalidURL))
_STATUS_ERRORS = tuple(m.HTTPStatusError for m in _HTTP)
_REQUEST_ERRORS = tuple(m.RequestError for m in _HTTP)


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider vouches for. `email_verified` is our reading of the provider's proof, not its raw claim."""

    provider: str
    subject: str
    email: str
    email_verified: bool
    name: str


@dataclass(frozen=True)
class Started:
    url: str
    cookie_name: str
    cookie_value: str
    max_age: int
    same_site: str  # "lax", or "none" for providers that post the callback cross-site


@dataclass(frozen=True)
class Finished:
    identity: ProviderIdentity
    next_path: str
    link: dict | None  # {"u": user id, "sid": session id} when a signed-in person is connecting this provider


class _Client(OAuth2Mixin, OpenIDMixin, BaseApp):
    """authlib's framework-neutral OAuth 2 / OpenID client over httpx; we keep the state ourselves (cookie)."""

    client_cls = OAuth2Client


def _client(provider: Provider) -> _Client:
    return _cached_client(provider, get_settings().OAUTH_HTTP_TIMEOUT_SECONDS)


@lru_cache(maxsize=32)
def _cached_client(provider: Provider, timeout: float) -> _Client:
    # One per provider configuration: the discovery document and JWKS are fetched once, then reused.
    return _Client(
        FrameworkIntegration(provider.name), name=provider.name,
        client_id=provider.client_id, client_secret=provider.client_secret or None,
        server_metadata_url=provider.discovery_url or None,
        authorize_url=provider.authorize_url or None, access_token_url=provider.token_url or None,
        client_kwargs={"scope": provider.scope, "code_challenge_method": "S256",
                       "token_endpoint_auth_method": provider.token_auth, "timeout": timeout},
    )


def cookie_name(provider: Provider) -> str:
    return f"__Host-resonance_oauth_{provider.name}"


def redirect_uri(provider: Provider) -> str:
    return f"{get_settings().API_URL}/api/auth/oauth/{provider.name}/callback"


def begin(provider: Provider, *, next_path: str = "/", link: dict | None = None) -> Started:
    s = get_settings()
    state, verifier = security.new_token(), security.new_token(48)
    nonce = security.new_token() if provider.is_oidc else None
    extra = {"nonce": nonce} if nonce else {}
    if provider.form_post:
        extra["response_mode"] = "form_post"
    with _reaching(provider, "discovery"):
        started = _client(provider).create_authorization_url(
            redirect_uri(provider), state=state, code_verifier=verifier, **extra)
    lifetime = timedelta(minutes=s.OAUTH_STATE_MINUTES)
    binding = {"p": provider.name, "s": security.digest(state), "v": verifier, "n": nonce, "next": next_path,
               "link": link}
    return Started(
        url=started["url"], cookie_name=cookie_name(provider),
        cookie_value=security.sign(binding, audience=STATE_AUDIENCE, lifetime=lifetime),
        max_age=int(lifetime.total_seconds()), same_site="none" if provider.form_post else "lax",
    )


def finish(provider: Provider, *, params: dict, cookie: str | None) -> Finished:
    """The identity behind a callback; `Refused` with the reason otherwise. `params` are the callback's query (GET)
    or form (POST) fields."""
    binding = security.unsign(cookie, audience=STATE_AUDIENCE) if cookie else None
    state = str(params.get("state") or "")
    if (binding is None or binding.get("p") != provider.name or not state
            or not hmac.compare_digest(str(binding.get("s")), security.digest(state))):
        raise Refused("state", provider.label)
    if params.get("error"):
        raise Refused("cancelled" if params.get("error") == "access_denied" else "provider", provider.label)
    code = str(params.get("code") or "")
    if not code:
        raise Refused("provider", provider.label)
    client = _client(provider)
    if provider.name == "apple":
        client.client_secret = apple.client_secret()  # minted per exchange; any unexpired one is valid
    with _reaching(provider, "token"):
        try:
            token = client.fetch_access_token(redirect_uri(provider), code=code, code_verifier=binding["v"])
        except AuthlibBaseError:
            raise Refused("code", provider.label) from None  # invalid_grant: replayed, expired or foreign code
    if provider.is_oidc:
        identity = _from_id_token(provider, client, token, binding.get("n"), params)
    else:
        identity = _from_github(provider, client, token)
    return Finished(identity, str(binding.get("next") or "/"), binding.get("link"))


@contextmanager
def _reaching(provider: Provider, step: str):
    """Calls to the provider inside: transport failures, timeouts and unusable answers become "unreachable". The
    one place these are caught; refusals raised inside pass through."""
    try:
        yield
    except Refused:
        raise
    except (*_TRANSPORT_ERRORS, ValueError, TypeError, KeyError, AttributeError, RuntimeError) as error:
        log.warning("Sign-in with %s: the %s step failed: %s", provider.name, step, _cause(error))
        raise Refused("unreachable", provider.label) from None


def _cause(error: Exception) -> str:
    """What went wrong, without the request's query or body (codes, tokens)."""
    if isinstance(error, _STATUS_ERRORS):
        url = error.request.url
        return f"HTTP {error.response.status_code} from {url.scheme}://{url.host}:{url.port or ''}{url.path}"
    if isinstance(error, _REQUEST_ERRORS):
        try:
            url = error.request.url
            where = f" ({url.scheme}://{url.host}:{url.port or ''}{url.path})"
        except RuntimeError:  # no request attached
            where = ""
        return f"{type(error).__name__}{where}"
    return f"{type(error).__name__}: unusable answer"


def _from_id_token(provider: Provider, client: _Client, token: dict, nonce: str | None, params: dict) -> ProviderIdentity:
    if not nonce or "id_token" not in token:
        raise Refused("id_token", provider.label)
    with _reaching(provider, "key set"):
        options = _claims_options(provider, client)
        client.fetch_jwk_set()  # kept in the metadata: the check below reads it from there
    with _reaching(provider, "key set"):  # a key id it does not know makes authlib fetch the set once more
        try:
            claims = client.parse_id_token(token, nonce=nonce, claims_options=options)
        except InvalidClaimError as error:
            raise Refused("nonce" if error.claim == "nonce" else "id_token", provider.label) from None
        except (JoseError, AuthlibBaseError, ValueError, KeyError, TypeError):
            raise Refused("id_token", provider.label) from None
    email = str(claims.get("email") or "").strip().lower()
    return _identity(provider, subject=str(claims["sub"]), email=email,
                     email_verified=bool(email) and _email_verified(provider, claims),
                     name=str(claims.get("name") or _apple_name(params) or ""))


def _claims_options(provider: Provider, client: _Client) -> dict:
    issuer = client.load_server_metadata().get("issuer", "")
    if provider.email_rule == "microsoft" and "{tenantid}" in issuer:
        # The "common" endpoint serves every tenant: the issuer must be the template filled with the token's tid.
        return {"iss": {"essential": True,
                        "validate": lambda claims, iss: bool(claims.get("tid"))
                        and iss == issuer.replace("{tenantid}", str(claims["tid"]))}}
    return {"iss": {"essential": True, "values": [issuer]}}


def _email_verified(provider: Provider, claims: dict) -> bool:
    if provider.email_rule == "claim":
        return _truthy(claims.get("email_verified"))
    if provider.email_rule == "microsoft":
        # Microsoft's email claim is whatever the tenant admin typed; only xms_edov says the domain owner verified it.
        return _truthy(claims.get("xms_edov"))
    return False


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1"))  # Apple: "true"


def _apple_name(params: dict) -> str:
    # Apple posts the name once, beside the code, as JSON in `user`; it is display data only.
    try:
        user = json.loads(params.get("user") or "{}")
        name = user.get("name") or {}
        return f"{name.get('firstName', '')} {name.get('lastName', '')}".strip()
    except (ValueError, AttributeError):
        return ""


def _from_github(provider: Provider, client: _Client, token: dict) -> ProviderIdentity:
    """GitHub is OAuth 2 without OpenID: the account from GET /user, the email from GET /user/emails (the primary
    one, verified only when GitHub says so)."""
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    with _reaching(provider, "user"):
        try:
            user = client.get(f"{provider.api_url}/user", token=token, headers=headers)
            emails = client.get(f"{provider.api_url}/user/emails", token=token, headers=headers)
        except AuthlibBaseError:
            raise Refused("provider", provider.label) from None  # no usable access token in the answer
        user.raise_for_status()
        emails.raise_for_status()
        profile, addresses = user.json(), emails.json()
    if not isinstance(profile, dict) or "id" not in profile or not isinstance(addresses, list):
        raise Refused("provider", provider.label)
    primary = next((e for e in addresses if isinstance(e, dict) and e.get("primary")), None)
    email = str((primary or {}).get("email") or "").strip().lower()
    return _identity(provider, subject=str(profile["id"]), email=email,
                     email_verified=bool(email) and (primary or {}).get("verified") is True,
                     name=str(profile.get("name") or profile.get("login") or ""))


def _identity(provider: Provider, *, subject: str, email: str, email_verified: bool, name: str) -> ProviderIdentity:
    """The identity, held to the rule for text every input follows: a subject or email the rule refuses is an
    unusable answer; a name it refuses is left out."""
    if not subject or not text_input.is_line(subject) or not text_input.is_line(email):
        raise Refused("provider", provider.label)
    name = name.strip()[:120] if text_input.is_line(name.strip()) else ""
    return ProviderIdentity(provider=provider.name, subject=subject, email=email, email_verified=email_verified,
                            name=name)
