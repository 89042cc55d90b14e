"""Changing a password knowing the current one: other sessions end, this one stays."""

from __future__ import annotations

import pytest

from resonance.core import security
from resonance.core.errors import Invalid
from resonance.identity import accounts
from resonance.identity.models import User
from resonance.orgs.scope import system_session
from tests.factories import PASSWORD, get, make_user, resolve, start_session

NEW_PASSWORD = "an even better passphrase 31"

pytestmark = pytest.mark.usefixtures("sqlite_db")


def change(user: User, current: str, new: str, keep: str) -> None:
    with system_session() as session:
        accounts.change_password(session=session, user_id=user.id, current=current, new=new, keep_session_id=keep)


def test_a_wrong_current_password_is_refused_and_nothing_changes():
    user = make_user()
    here, here_token = start_session(user)
    _, other_token = start_session(user)

    with pytest.raises(Invalid, match="current password is not right"):
        change(user, "not my password", NEW_PASSWORD, here.id)

    assert get(User, user.id).password_hash == user.password_hash
    assert resolve(other_token) is not None and resolve(here_token) is not None


def test_changing_the_password_signs_out_other_sessions_and_keeps_this_one():
    user = make_user()
    here, here_token = start_session(user)
    others = [start_session(user)[1] for _ in range(2)]
    stranger_token = start_session(make_user())[1]

    change(user, PASSWORD, NEW_PASSWORD, here.id)

    assert security.verify_password(get(User, user.id).password_hash, NEW_PASSWORD)
    assert resolve(here_token).session_id == here.id
    assert [resolve(token) for token in others] == [None, None]
    assert resolve(stranger_token) is not None


def test_the_new_password_must_follow_the_policy():
    user = make_user()
    here, _ = start_session(user)
    with pytest.raises(Invalid, match="too common"):
        change(user, PASSWORD, "iloveyou123", here.id)
    with pytest.raises(Invalid, match="at least 8"):
        change(user, PASSWORD, "short", here.id)
    assert get(User, user.id).password_hash == user.password_hash
