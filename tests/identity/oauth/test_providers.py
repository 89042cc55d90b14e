"""Provider-specific rules: Microsoft (emails unverified without xms_edov; the common endpoint's issuer filled with
the token's tenant), Apple (form_post with a SameSite=None state cookie; an ES256 client secret), and the settings
that switch providers on, validated with messages naming the variable."""

from __future__ import annotations

import json

import jwt
import pytest
from authlib.oidc.core import CodeIDToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.errors import InvalidClaimError

from resonance.core.errors import ConfigError
from resonance.identity.oauth import apple, flow, providers
from resonance.orgs.principal import from_cookie
from tests.factories import make_user, random_email
from tests.identity.oauth.conftest import APP, CLIENT_ID, CLIENT_SECRET, query

pytestmark = pytest.mark.usefixtures("sqlite_db")


@pytest.fixture
def microsoft_on(providers_on, configure, oidc):
    # The loopback provider stands in for Microsoft's endpoints; the Microsoft rules are the app's.
    return configure(MICROSOFT_CLIENT_ID=CLIENT_ID, MICROSOFT_CLIENT_SECRET=CLIENT_SECRET,
                     MICROSOFT_DISCOVERY_URL=oidc.discovery_url)


def test_microsoft_email_without_xms_edov_is_unverified_and_cannot_take_over(microsoft_on, walker):
    user = make_user(email=random_email("tenant"))
    url, _ = walker.sign_in_at_provider("/api/auth/oauth/microsoft/start", user.email)  # email_verified: true
    assert url == f"{APP}/verify-email?give=1" and walker.session_cookie() is None


def test_microsoft_email_with_xms_edov_signs_in(microsoft_on, walker):
    user = make_user(email=random_email("edov"))
    url, _ = walker.sign_in_at_provider("/api/auth/oauth/microsoft/start", f"edov:{user.email}")
    assert url == f"{APP}/" and from_cookie(walker.session_cookie()).user_id == user.id


class _CommonEndpoint:
    """Microsoft's discovery for /common: the issuer is a template."""

    def load_server_metadata(self):
        return {"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"}


def _issuer_accepted(claims: dict) -> bool:
    provider = providers.Provider("microsoft", "Microsoft", "id", "secret", discovery_url="x", email_rule="microsoft")
    options = flow._claims_options(provider, _CommonEndpoint())
    token = CodeIDToken({"aud": "id", "sub": "s", "exp": 4102444800, "iat": 1700000000, **claims}, {}, options, {})
    try:
        token.validate()
    except InvalidClaimError:
        return False
    return True


def test_microsoft_issuer_must_match_the_tokens_tenant():
    tid = "9188040d-6c67-4c5b-b112-36a304b66dad"
    good = f"https://login.microsoftonline.com/{tid}/v2.0"
    assert _issuer_accepted({"iss": good, "tid": tid})
    assert not _issuer_accepted({"iss": good, "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47"})
    assert not _issuer_accepted({"iss": "https://evil.example/{tid}/v2.0".replace("{tid}", tid), "tid": tid})
    assert not _issuer_accepted({"iss": good})


def _p8() -> tuple[str, ec.EllipticCurvePublicKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return pem, key.public_key()


@pytest.fixture
def apple_on(providers_on, configure, oidc, tmp_path):
    pem, public = _p8()
    path = tmp_path / "AuthKey_KEY123.p8"
    path.write_text(pem)
    configure(APPLE_CLIENT_ID="com.example.resonance.web", APPLE_TEAM_ID="TEAM123456", APPLE_KEY_ID="KEY123",
              APPLE_PRIVATE_KEY=str(path), APPLE_DISCOVERY_URL=oidc.discovery_url)
    return public


def test_apple_client_secret_is_an_es256_jwt_signed_with_the_p8_key(apple_on):
    secret = apple.client_secret()
    assert jwt.get_unverified_header(secret) == {"alg": "ES256", "kid": "KEY123", "typ": "JWT"}
    claims = jwt.decode(secret, apple_on, algorithms=["ES256"], audience="https://appleid.apple.com",
                        issuer="TEAM123456")
    assert claims["sub"] == "com.example.resonance.web" and claims["exp"] - claims["iat"] <= 300


def test_apple_start_asks_for_form_post_with_a_same_site_none_state_cookie(apple_on, walker):
    started = walker.app.get("/api/auth/oauth/apple/start")
    params = query(started.headers["location"])
    assert params["response_mode"] == "form_post" and params["code_challenge_method"] == "S256" and params["nonce"]
    cookie = started.headers["set-cookie"].lower()
    assert "samesite=none" in cookie and "secure" in cookie and "httponly" in cookie


def test_only_configured_providers_are_offered(providers_on, configure):
    assert [p.name for p in providers.configured()] == ["github", "loopback"]
    assert providers.buttons(next_path="/voices")[0] == providers.Button(
        name="github", label="GitHub", href="https://api.test/api/auth/oauth/github/start?next=%2Fvoices")
    assert providers.buttons(link=True)[1].href == "https://api.test/api/auth/oauth/loopback/start?intent=link"
    configure(GITHUB_CLIENT_ID=None, GITHUB_CLIENT_SECRET=None, OIDC_PROVIDERS=None)
    assert providers.configured() == []


@pytest.mark.parametrize(("values", "named"), [
    ({"GOOGLE_CLIENT_ID": "abc"}, "RESONANCE_GOOGLE_CLIENT_SECRET"),
    ({"APPLE_CLIENT_ID": "com.x", "APPLE_TEAM_ID": "T"}, "RESONANCE_APPLE_KEY_ID"),
    ({"OIDC_PROVIDERS": "[{"}, "RESONANCE_OIDC_PROVIDERS"),
    ({"OIDC_PROVIDERS": json.dumps([{"name": "Bad Name", "discovery_url": "https://x", "client_id": "a",
                                     "client_secret": "b"}])}, "RESONANCE_OIDC_PROVIDERS"),
    ({"OIDC_PROVIDERS": json.dumps([{"name": "okta", "discovery_url": "https://x", "client_id": "a"}])},
     "client_secret is required"),
    ({"OIDC_PROVIDERS": json.dumps([{"name": "google", "discovery_url": "https://x", "client_id": "a",
                                     "client_secret": "b"}])}, "built-in"),
    ({"MAGIC_LINK_RATE_PER_EMAIL": "lots"}, "RESONANCE_MAGIC_LINK_RATE_PER_EMAIL"),
])
def test_bad_provider_settings_are_refused_naming_the_variable(configure, values, named):
    with pytest.raises(ConfigError) as error:
        configure(**values)
    assert named in str(error.value)


def test_an_unreadable_apple_key_is_refused(configure):
    with pytest.raises(ConfigError) as error:
        configure(APPLE_CLIENT_ID="com.x", APPLE_TEAM_ID="T", APPLE_KEY_ID="K",
                  APPLE_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\nnot a key\\n-----END PRIVATE KEY-----")
    assert "RESONANCE_APPLE_PRIVATE_KEY" in str(error.value)
