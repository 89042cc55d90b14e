"""The sign-in providers this deployment offers, built from settings: Google, GitHub, Microsoft, Apple and any
OpenID Connect provider listed in RESONANCE_OIDC_PROVIDERS. A provider without credentials is simply absent."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from resonance.core.config import get_settings
from resonance.core.errors import NotFound


@dataclass(frozen=True)
class Provider:
    name: str  # in URLs and in ExternalIdentity.provider
    label: str  # on buttons and in messages
    client_id: str
    client_secret: str  # empty for Apple, whose secret is minted per request (apple.py)
    discovery_url: str = ""  # OpenID Connect providers
    authorize_url: str = ""  # plain OAuth 2 (GitHub)
    token_url: str = ""
    api_url: str = ""
    scope: str = "openid email profile"
    token_auth: str = "client_secret_basic"
    form_post: bool = False  # Apple posts the callback cross-site: its state cookie needs SameSite=None
    email_rule: str = "claim"  # how a verified email is proven: claim | microsoft | github | never

    @property
    def is_oidc(self) -> bool:
        return bool(self.discovery_url)


def configured() -> list[Provider]:
    """Every provider with credentials, built-in ones first."""
    s = get_settings()
    found: list[Provider] = []
    if s.GOOGLE_CLIENT_ID:
        found.append(Provider("google", "Google", s.GOOGLE_CLIENT_ID, s.GOOGLE_CLIENT_SECRET,
                              discovery_url=s.GOOGLE_DISCOVERY_URL))
    if s.GITHUB_CLIENT_ID:
        found.append(Provider("github", "GitHub", s.GITHUB_CLIENT_ID, s.GITHUB_CLIENT_SECRET,
                              authorize_url=s.GITHUB_AUTHORIZE_URL, token_url=s.GITHUB_TOKEN_URL,
                              api_url=s.GITHUB_API_URL, scope="read:user user:email", email_rule="github"))
    if s.MICROSOFT_CLIENT_ID:
        found.append(Provider("microsoft", "Microsoft", s.MICROSOFT_CLIENT_ID, s.MICROSOFT_CLIENT_SECRET,
                              discovery_url=s.MICROSOFT_DISCOVERY_URL, email_rule="microsoft"))
    if s.APPLE_CLIENT_ID:
        found.append(Provider("apple", "Apple", s.APPLE_CLIENT_ID, "", discovery_url=s.APPLE_DISCOVERY_URL,
                              scope="openid email name", token_auth="client_secret_post", form_post=True))
    for item in s.oidc_providers:
        found.append(Provider(item["name"], item["label"], item["client_id"], item["client_secret"],
                              discovery_url=item["discovery_url"],
                              email_rule="claim" if item["trust_email"] else "never"))
    return found


def get(name: str) -> Provider:
    for provider in configured():
        if provider.name == name:
            return provider
    raise NotFound("That sign-in option is not available.")


def label(name: str) -> str:
    """A configured provider's label, else the bare name (for messages about since-removed providers)."""
    for provider in configured():
        if provider.name == name:
            return provider.label
    return name.title() if name.isalnum() else ""


def start_url(name: str, *, next_path: str = "", link: bool = False) -> str:
    """Where a "Continue with …" or "Connect" link points: the backend start route (a full-page navigation)."""
    query = urlencode({k: v for k, v in (("next", next_path if next_path not in ("", "/") else ""),
                                         ("intent", "link" if link else "")) if v})
    return f"{get_settings().API_URL}/api/auth/oauth/{name}/start" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Button:
    """A configured provider's button on the sign-in, sign-up and account pages."""
    name: str
    label: str
    href: str  # the provider's start link


def buttons(*, next_path: str = "", link: bool = False) -> list[Button]:
    return [Button(name=p.name, label=p.label, href=start_url(p.name, next_path=next_path, link=link))
            for p in configured()]
