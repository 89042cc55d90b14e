"""Sign-up: name, email and password rules, the stored hash, and no account enumeration."""

from __future__ import annotations

import re

import pytest
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from resonance.core import security
from resonance.core.errors import Invalid
from resonance.identity import accounts
from resonance.identity.models import EmailToken, User
from resonance.identity.passwords import validate_password
from resonance.orgs.scope import system_session
from tests.factories import PASSWORD, all_rows, code_in, last_mail, link_token, make_user, outbox, random_email

pytestmark = pytest.mark.usefixtures("sqlite_db")

COMMON_LONG = [w for w in FREQUENCY_LISTS["passwords"] if len(w) >= 8]


BROWSER = security.new_token()  # the secret of this browser's sign-up cookie


def sign_up(name="Ada Lovelace", email=None, password=PASSWORD):
    email = random_email() if email is None else email
    with system_session() as session:
        assert accounts.sign_up(session=session, name=name, email=email, password=password, browser=BROWSER) == BROWSER
    return email


def user_by_email(email: str) -> User | None:
    rows = all_rows(User, email=email.strip().lower())
    return rows[0] if rows else None


def test_sign_up_creates_an_unverified_user_and_mails_a_code_and_link():
    email = sign_up(name="  Ada Lovelace ", email="  Ada.Lovelace@Example.COM ")

    user = user_by_email("ada.lovelace@example.com")
    assert user is not None
    assert user.name == "Ada Lovelace"
    assert user.email == "ada.lovelace@example.com"
    assert user.email_verified_at is None
    mails = outbox("ada.lovelace@example.com")
    assert len(mails) == 1
    mail = mails[0]
    code = code_in(mail)
    assert re.fullmatch(r"\d{6}", code)
    assert mail.subject.startswith(code)
    assert link_token(mail, "/verify-email?token=")
    assert "10 minutes" in mail.text
    assert email.strip().lower() == user.email


def test_sign_up_stores_an_argon2id_hash_at_or_above_the_owasp_minimum():
    email = sign_up()

    stored = user_by_email(email).password_hash
    assert PASSWORD not in stored
    params = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", stored)
    assert params, stored
    memory, time_cost, parallelism = map(int, params.groups())
    assert memory >= 19456 and time_cost >= 2 and parallelism >= 1
    assert security.verify_password(stored, PASSWORD)
    assert not security.verify_password(stored, PASSWORD + "x")


@pytest.mark.parametrize("name", ["", "   ", "x" * 121], ids=["empty", "blank", "too-long"])
def test_sign_up_refuses_a_missing_or_too_long_name(name):
    email = random_email()
    with pytest.raises(Invalid, match="(?i)name"):
        sign_up(name=name, email=email)
    assert user_by_email(email) is None
    assert outbox(email) == []


@pytest.mark.parametrize(
    "email", ["", "plainaddress", "@example.com", "ada@", "ada@localhost", "ada lovelace@example.com",
              "a" * 310 + "@example.com"],
)
def test_sign_up_refuses_an_invalid_email(email):
    with pytest.raises(Invalid, match="valid email"):
        sign_up(email=email)
    assert all_rows(User) == []


@pytest.mark.parametrize("password", ["", "a1b2c3d", "x" * 129], ids=["empty", "7-chars", "129-chars"])
def test_sign_up_refuses_a_password_outside_8_to_128_characters(password):
    email = random_email()
    with pytest.raises(Invalid, match="Password must be at (least 8|most 128) characters"):
        sign_up(email=email, password=password)
    assert user_by_email(email) is None


@pytest.mark.parametrize("password", ["t7#kQz!p", "Zq9!" * 32], ids=["8-chars", "128-chars"])
def test_passwords_of_8_and_128_characters_are_accepted(password):
    validate_password(password, email="ada@example.com", name="Ada")


@pytest.mark.parametrize(
    "password", [COMMON_LONG[0], COMMON_LONG[0].upper(), COMMON_LONG[len(COMMON_LONG) // 2], COMMON_LONG[-1]],
    ids=["top-of-list", "upper-case", "middle-of-list", "end-of-list"],
)
def test_sign_up_refuses_a_password_from_the_zxcvbn_common_list(password):
    assert len(FREQUENCY_LISTS["passwords"]) >= 30000
    email = random_email()
    with pytest.raises(Invalid, match="too common"):
        sign_up(email=email, password=password)
    assert user_by_email(email) is None


def test_sign_up_refuses_the_email_or_name_as_password():
    with pytest.raises(Invalid, match="too common"):
        sign_up(email="grace.hopper@example.com", password="grace.hopper")
    with pytest.raises(Invalid, match="too common"):
        sign_up(name="Grace Brewster Hopper", password="grace brewster hopper")


def test_re_sign_up_of_a_verified_address_mails_a_warning_and_changes_nothing():
    user = make_user(name="Original Name")
    tokens_before = len(all_rows(EmailToken))

    sign_up(name="Intruder", email=user.email.upper(), password="a different passphrase 99")  # no error either

    after = user_by_email(user.email)
    assert (after.name, after.password_hash, after.email_verified_at) == (
        user.name, user.password_hash, user.email_verified_at)
    assert len(all_rows(EmailToken)) == tokens_before
    mail = last_mail(user.email)
    assert mail.subject == "Someone tried to sign up with your email"
    assert "already has one" in mail.text
    assert "http://localhost:3000/sign-in" in mail.text
    assert "Your code" not in mail.text


def test_re_sign_up_in_the_same_browser_after_the_cooldown_replaces_its_code_password_and_name(clock):
    email = sign_up(name="First", password=PASSWORD)
    first_code = code_in(last_mail(email))
    clock.advance(seconds=30)

    sign_up(name="Second", email=email, password="another long passphrase 7")

    user = user_by_email(email)
    assert user.name == "First"  # nothing changes on the account until a code proves the mailbox
    assert security.verify_password(user.password_hash, PASSWORD)
    assert len(all_rows(User, email=email)) == 1
    second_code = code_in(last_mail(email))
    assert len(outbox(email)) == 2
    assert "another sign-up" not in last_mail(email).text  # the same browser's attempt, renewed
    if second_code != first_code:
        with pytest.raises(Invalid), system_session() as session:
            accounts.verify_code(session=session, email=email, code=first_code, browser=BROWSER)
    with system_session() as session:
        accounts.verify_code(session=session, email=email, code=second_code, browser=BROWSER)
    user = user_by_email(email)
    assert user.name == "Second" and security.verify_password(user.password_hash, "another long passphrase 7")


def test_sign_up_keeps_a_browsers_secret_and_gives_a_new_one_to_a_browser_without(clock):
    with system_session() as session:
        given = accounts.sign_up(session=session, name="Ada", email=random_email(), password=PASSWORD, browser=None)
        forged = accounts.sign_up(session=session, name="Ada", email=random_email(), password=PASSWORD,
                                  browser="short; Path=/")
    assert accounts.browser_secret(given) == given and accounts.browser_secret(forged) == forged != given
    assert accounts.read_browser_ticket(accounts.browser_ticket(given)) == given
    assert accounts.read_browser_ticket("forged") is None
