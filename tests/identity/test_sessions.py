"""Server-side sessions: the one-time ticket, the idle window that slides while active, the optional absolute cap,
and revoking one session or all others."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from resonance.core import security
from resonance.core.clock import clock as clock_
from resonance.core.config import get_settings
from resonance.identity import sessions
from resonance.identity.models import AuthSession
from resonance.orgs import principal as principals
from resonance.orgs.scope import system_session
from tests.factories import all_rows, get, make_user, start_session


def start(user) -> str:
    with system_session() as session:
        return sessions.start(session=session, user=user, ip="203.0.113.5", user_agent="Firefox")


def claim(ticket: str):
    with system_session() as session:
        return sessions.claim(session=session, ticket=ticket)


def resolve(token: str | None) -> AuthSession | None:
    with system_session() as session:
        return sessions.resolve(session=session, token=token)


def test_a_ticket_claims_its_session_once(db):
    user = make_user()
    ticket = start(user)
    (unclaimed,) = all_rows(AuthSession, user_id=user.id)
    assert unclaimed.token_hash is None and resolve(ticket) is None  # the ticket is not a cookie

    claimed = claim(ticket)

    assert claimed is not None and claimed.auth_session.id == unclaimed.id
    assert len(claimed.cookie_token) >= 43  # 32 random bytes, url-safe
    row = get(AuthSession, unclaimed.id)
    assert row.handoff_hash is None
    assert row.token_hash == security.digest(claimed.cookie_token) != claimed.cookie_token
    assert (row.ip, row.user_agent) == ("203.0.113.5", "Firefox")
    assert resolve(claimed.cookie_token).id == row.id
    assert claim(ticket) is None  # replayed


def test_each_sign_in_gets_a_new_session_and_token(db):
    user = make_user()
    first, second = claim(start(user)), claim(start(user))
    assert first.auth_session.id != second.auth_session.id
    assert first.cookie_token != second.cookie_token


def _forged_tickets(user) -> dict[str, str]:
    ticket = start(user)
    claims = jwt.decode(ticket, options={"verify_signature": False})
    now = clock_.now()
    other_key = "another-secret-key-that-is-long-enough-0123456789"
    return {
        "garbage": "not-a-jwt",
        "tampered-signature": ticket[:-4] + ("AAAA" if not ticket.endswith("AAAA") else "BBBB"),
        "other-key": jwt.encode(claims, other_key, algorithm="HS256"),
        "alg-none": jwt.encode(claims, None, algorithm="none"),
        "other-audience": security.sign({"sid": claims["sid"], "nonce": claims["nonce"]}, audience="resonance:other",
                                        lifetime=timedelta(minutes=1)),
        "wrong-nonce": security.sign({"sid": claims["sid"], "nonce": "guessed"}, audience=sessions.HANDOFF_AUDIENCE,
                                     lifetime=timedelta(minutes=1)),
        "no-expiry": jwt.encode({k: v for k, v in claims.items() if k != "exp"} | {"iat": now},
                                get_settings().secret_key(), algorithm="HS256"),
    }


@pytest.mark.parametrize("kind", ["garbage", "tampered-signature", "other-key", "alg-none", "other-audience",
                                  "wrong-nonce", "no-expiry"])
def test_a_forged_ticket_is_refused(sqlite_db, kind):
    user = make_user()
    forged = _forged_tickets(user)[kind]
    assert claim(forged) is None
    assert all(row.token_hash is None for row in all_rows(AuthSession))


def test_a_ticket_expires_after_the_handoff_window(sqlite_db, clock):
    user = make_user()
    ticket = start(user)
    clock.advance(seconds=60)
    assert claim(ticket) is None


def test_a_ticket_of_a_revoked_session_is_refused(sqlite_db):
    user = make_user()
    ticket = start(user)
    with system_session() as session:
        sessions.revoke_all(session=session, user_id=user.id)
    assert claim(ticket) is None


def test_a_session_expires_after_7_idle_days(db, clock):
    user = make_user()
    row, token = start_session(user)
    clock.advance(days=7, seconds=-1)
    assert resolve(token) is not None

    row2, token2 = start_session(user)
    clock.advance(days=7)
    assert resolve(token2) is None
    assert get(AuthSession, row2.id).revoked_at == clock.now()


def test_activity_slides_the_idle_window(db, clock):
    user = make_user()
    row, token = start_session(user)
    for _ in range(4):  # 24 days in all, never 7 idle
        clock.advance(days=6)
        assert resolve(token) is not None
    assert get(AuthSession, row.id).last_seen_at == clock.now()


def test_last_seen_is_written_at_most_once_a_minute(sqlite_db, clock):
    user = make_user()
    row, token = start_session(user)
    clock.advance(seconds=59)
    resolve(token)
    assert get(AuthSession, row.id).last_seen_at == row.last_seen_at
    clock.advance(seconds=1)
    resolve(token)
    assert get(AuthSession, row.id).last_seen_at == clock.now()


def test_an_absolute_lifetime_ends_even_an_active_session(sqlite_db, clock, configure):
    configure(SESSION_ABSOLUTE_DAYS=1)
    user = make_user()
    _, token = start_session(user)
    clock.advance(hours=12)
    assert resolve(token) is not None
    clock.advance(hours=11, minutes=59)
    assert resolve(token) is not None
    clock.advance(minutes=1)
    assert resolve(token) is None


def test_without_an_absolute_lifetime_an_active_session_lives_on(sqlite_db, clock):
    user = make_user()
    _, token = start_session(user)
    for _ in range(20):
        clock.advance(days=5)
        assert resolve(token) is not None


@pytest.mark.parametrize("token", [None, "", "unknown-token"])
def test_no_session_for_a_missing_or_unknown_token(sqlite_db, token):
    make_user()
    assert resolve(token) is None


def test_end_signs_out_the_session_behind_a_token(db):
    user = make_user()
    row, token = start_session(user)
    other_row, other_token = start_session(user)
    with system_session() as session:
        sessions.end(session=session, token=token)
    assert resolve(token) is None
    assert get(AuthSession, row.id).revoked_at is not None
    assert resolve(other_token).id == other_row.id


def test_revoke_one_of_my_sessions(db):
    user = make_user()
    row, token = start_session(user)
    other_row, other_token = start_session(user)

    with system_session() as session:
        assert sessions.revoke(session=session, user_id=user.id, session_id=other_row.id) is True
    with system_session() as session:
        assert sessions.revoke(session=session, user_id=user.id, session_id=other_row.id) is False  # already gone

    assert resolve(other_token) is None
    assert resolve(token).id == row.id


def test_revoking_another_users_session_id_changes_nothing(db):
    me, someone = make_user(), make_user()
    _, my_token = start_session(me)
    their_row, their_token = start_session(someone)

    with system_session() as session:
        assert sessions.revoke(session=session, user_id=me.id, session_id=their_row.id) is False

    assert get(AuthSession, their_row.id).revoked_at is None
    assert resolve(their_token).id == their_row.id
    assert resolve(my_token) is not None


def test_revoke_all_other_sessions_keeps_the_current_one(db):
    me, someone = make_user(), make_user()
    current, current_token = start_session(me)
    others = [start_session(me)[1] for _ in range(2)]
    _, their_token = start_session(someone)

    with system_session() as session:
        assert sessions.revoke_all(session=session, user_id=me.id, except_id=current.id) == 2

    assert resolve(current_token).id == current.id
    assert [resolve(t) for t in others] == [None, None]
    assert resolve(their_token) is not None


def test_active_sessions_lists_only_my_live_claimed_sessions(db, clock):
    me, someone = make_user(), make_user()
    idle, _ = start_session(me)
    clock.advance(days=3)
    live, _ = start_session(me)
    revoked, _ = start_session(me)
    start(me)  # unclaimed
    start_session(someone)
    with system_session() as session:
        sessions.revoke(session=session, user_id=me.id, session_id=revoked.id)
    clock.advance(days=4, seconds=1)  # the first one is now past its idle window

    with system_session() as session:
        listed = sessions.active_for(session=session, user_id=me.id)

    assert [row.id for row in listed] == [live.id]
    assert (listed[0].ip, listed[0].user_agent) == ("203.0.113.7", "pytest")


# The per-event lookup (resonance.orgs.principal.from_cookie) reads columns in one round trip and writes by id:
# the same windows must hold there.


def test_the_per_event_lookup_slides_the_idle_window_and_writes_last_seen_once_a_minute(db, clock):
    user = make_user()
    row, token = start_session(user)
    clock.advance(seconds=59)
    assert principals.from_cookie(token).session_id == row.id
    assert get(AuthSession, row.id).last_seen_at == row.last_seen_at
    clock.advance(seconds=1)
    assert principals.from_cookie(token).user_id == user.id
    assert get(AuthSession, row.id).last_seen_at == clock.now()
    for _ in range(4):  # 24 days in all, never 7 idle
        clock.advance(days=6)
        assert principals.from_cookie(token) is not None
    clock.advance(days=7)
    assert principals.from_cookie(token) is None
    assert get(AuthSession, row.id).revoked_at == clock.now()
    clock.advance(days=1)
    assert principals.from_cookie(token) is None
    assert get(AuthSession, row.id).revoked_at == clock.now() - timedelta(days=1)  # revoked once


def test_the_per_event_lookup_ends_a_session_at_its_absolute_lifetime(db, clock, configure):
    configure(SESSION_ABSOLUTE_DAYS=1)
    user = make_user()
    row, token = start_session(user)
    clock.advance(hours=23, minutes=59)
    assert principals.from_cookie(token) is not None
    clock.advance(minutes=1)
    assert principals.from_cookie(token) is None
    assert get(AuthSession, row.id).revoked_at == clock.now()


def test_the_per_event_lookup_never_revives_a_signed_out_session(db, clock):
    user = make_user()
    row, token = start_session(user)
    with system_session() as session:
        sessions.end(session=session, token=token)
    signed_out = get(AuthSession, row.id)
    clock.advance(minutes=5)  # a last-seen write would be due
    assert principals.from_cookie(token) is None
    after = get(AuthSession, row.id)
    assert (after.revoked_at, after.last_seen_at) == (signed_out.revoked_at, signed_out.last_seen_at)
