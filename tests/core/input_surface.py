"""Every service function that takes what a person or a program types or sends (form fields, ids from websocket
events), each as one call with a value put into one of its fields: the surface the input tests attack
(test_text_input.py, with NUL and other control characters) and fuzz (test_input_fuzz.py).

Each call runs in its own unit of work, as the Reflex states and API routes run it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import SQLModel
from sqlalchemy import select

from resonance.core.db import get_engine
from resonance.core.errors import Invalid, NotFound, ResonanceError, Unauthenticated
from resonance.generations import service as generations
from resonance.generations.models import Generation
from resonance.identity import accounts, magic_links, sessions, signin, tokens
from resonance.identity.models import User
from resonance.identity.oauth.errors import Refused
from resonance.orgs import api_keys, invitations, members, organizations
from resonance.orgs.models import Organization, Role
from resonance.orgs.principal import Principal
from resonance.orgs.scope import system_session, tenant_session
from resonance.speech.engine import SpeechParams
from resonance.voices import cloning
from resonance.voices import service as voices
from resonance.voices.models import Voice
from resonance.voices.service import VoiceFields
from tests.factories import PASSWORD, add_member, make_generation, make_org, make_user, make_voice, random_email, \
    signed_in, start_session
from tests.fakes import ToneEngine
from tests.generations.conftest import ready_voice

NEW_PASSWORD = "a sturdy unusual passphrase 917"
_ips = (f"198.51.100.{n % 250}" for n in itertools.count(1))  # a fresh client address per sign-in attempt


@dataclass
class World:
    """An organization with everything a form or an event can name: its Admin (signed in twice), a Member, a custom
    voice, a generation, a pending invitation and its invitee, an API key, an unverified account with a live code,
    and a live password-reset link."""

    org: Organization
    admin_user: User
    admin: Principal
    other_session_id: str
    membership_id: str
    voice: Voice
    system_voice: Voice
    generation: Generation
    invitation_id: str
    invitee: Principal
    key_id: str
    unverified_email: str
    reset_token: str


def build_world() -> World:
    admin_user = make_user(name="Ada Admin")
    org = make_org(admin=admin_user, name="Acme")
    admin, _ = signed_in(admin_user, org)
    other_session, _ = start_session(admin_user)
    membership = add_member(org, make_user(name="Max Member"), Role.MEMBER)
    voice = make_voice(org, name="Harbour Guide")
    system_voice = ready_voice()
    invitee_email = random_email("invitee")
    with tenant_session(org.id) as session:
        invitation_id = invitations.invite(session=session, actor=admin, email=invitee_email).id
        key_id = api_keys.create_key(session=session, actor=admin, name="CI").key.id
    invitee, _ = signed_in(make_user(email=invitee_email, name="Ivy Invitee"))
    unverified = make_user(verified=False, name="Una Unverified")
    with system_session() as session:
        tokens.issue(session=session, user=unverified, purpose=tokens.VERIFY_EMAIL, with_code=True, browser=BROWSER)
        reset = tokens.issue(session=session, user=admin_user, purpose=tokens.RESET_PASSWORD, with_code=False)
    return World(org, admin_user, admin, other_session.id, membership.id, voice, system_voice,
                 make_generation(org, system_voice), invitation_id, invitee, key_id, unverified.email, reset.token)


@dataclass(frozen=True)
class Entry:
    """One input of one service: `call(world, value)` runs it with `value` in that field. A value with a control
    character gets `refusal` (its message containing `message`), or, where `refusal` is None, the quiet answer
    `quiet` (the one an unknown address or id gets). `writes`: a refused call still records something (a failed
    attempt counts)."""

    name: str
    call: Callable[[World, str], object]
    refusal: type[ResonanceError] | None
    message: str = ""
    quiet: object = None
    writes: bool = False


def _system(service, **kwargs):
    with system_session() as session:
        return service(session=session, **kwargs)


def _in_org(w: World, service, **kwargs):
    with tenant_session(w.org.id) as session:
        return service(session=session, actor=w.admin, **kwargs)


def _in_org_unacted(w: World, service, **kwargs):
    with tenant_session(w.org.id) as session:
        return service(session=session, **kwargs)


def _voice(name: str = "Harbour Guide", description: str = "", language: str = "en-US") -> VoiceFields:
    return VoiceFields(name=name, language=language, description=description)


def _generation(w: World, text: str = "Hello there.", voice_id: str | None = None) -> generations.GenerationRequest:
    return generations.GenerationRequest(text=text, voice_id=voice_id or w.system_voice.id, params=SpeechParams())


def _speak(w: World, request: generations.GenerationRequest):
    return _in_org(w, generations.create_generation, request=request, capabilities=ToneEngine().capabilities)


BROWSER = "b" * 43  # the sign-up cookie secret of the browser that asked for the unverified account's code

EMAIL = "Enter a valid email address."
CONTROL = "can't contain control characters"

ENTRIES = [
    # Identity forms
    Entry("sign up: name", lambda w, v: _system(accounts.sign_up, name=f"Ada{v}", email=random_email(),
                                                password=NEW_PASSWORD), Invalid, f"Name {CONTROL}"),
    Entry("sign up: email", lambda w, v: _system(accounts.sign_up, name="Ada", email=f"ada{v}@example.com",
                                                 password=NEW_PASSWORD), Invalid, EMAIL),
    Entry("sign up: password", lambda w, v: _system(accounts.sign_up, name="Ada", email=random_email(),
                                                    password=f"{NEW_PASSWORD}{v}"), Invalid, f"Password {CONTROL}"),
    Entry("sign in: email", lambda w, v: _system(signin.authenticate, email=f"{w.admin_user.email}{v}",
                                                 password=PASSWORD, ip=next(_ips)), Unauthenticated, signin.WRONG),
    Entry("sign in: password", lambda w, v: _system(signin.authenticate, email=w.admin_user.email,
                                                    password=f"{PASSWORD}{v}", ip=next(_ips)),
          Unauthenticated, signin.WRONG, writes=True),
    Entry("magic link: email", lambda w, v: _system(magic_links.request, email=f"{w.admin_user.email}{v}",
                                                    ip=next(_ips)), Invalid, EMAIL),
    Entry("magic link: token", lambda w, v: _system(magic_links.consume, token=f"tok{v}"), Refused, "expired"),
    Entry("password reset request: email",
          lambda w, v: _system(accounts.request_password_reset, email=f"{w.admin_user.email}{v}"), None),
    Entry("password reset: token", lambda w, v: _system(accounts.reset_password, token=f"{w.reset_token}{v}",
                                                        password=NEW_PASSWORD), Invalid, tokens.EXPIRED),
    Entry("password reset: password", lambda w, v: _system(accounts.reset_password, token=w.reset_token,
                                                           password=f"{NEW_PASSWORD}{v}"),
          Invalid, f"Password {CONTROL}"),
    Entry("verification resend: email",
          lambda w, v: _system(accounts.resend_verification, email=f"{w.unverified_email}{v}", browser=BROWSER), None,
          quiet=BROWSER),
    Entry("verification code: email", lambda w, v: _system(accounts.verify_code, email=f"{w.unverified_email}{v}",
                                                           code="123456", browser=BROWSER), Invalid, tokens.EXPIRED),
    Entry("verification code: code", lambda w, v: _system(accounts.verify_code, email=w.unverified_email,
                                                          code=f"12{v}", browser=BROWSER),
          Invalid, "code is not right|expired", writes=True),  # each wrong code counts, then the code dies
    Entry("verification link: token", lambda w, v: _system(accounts.verify_link, token=f"tok{v}"),
          Invalid, tokens.EXPIRED),
    Entry("change password: current",
          lambda w, v: _system(accounts.change_password, user_id=w.admin_user.id, current=f"{PASSWORD}{v}",
                               new=NEW_PASSWORD, keep_session_id=w.admin.session_id), Invalid, "current password"),
    Entry("change password: new",
          lambda w, v: _system(accounts.change_password, user_id=w.admin_user.id, current=PASSWORD,
                               new=f"{NEW_PASSWORD}{v}", keep_session_id=w.admin.session_id),
          Invalid, f"Password {CONTROL}"),
    Entry("profile: name", lambda w, v: _system(accounts.rename, user_id=w.admin_user.id, name=f"Ada{v}"),
          Invalid, f"Name {CONTROL}"),
    Entry("sessions: sign out one (id)", lambda w, v: _system(sessions.revoke, user_id=w.admin_user.id,
                                                              session_id=f"{w.other_session_id}{v}"),
          None, quiet=False),
    # Organizations
    Entry("organization: create (name)", lambda w, v: _system(organizations.create, actor=w.admin, name=f"Acme{v}"),
          Invalid, f"Organization name {CONTROL}"),
    Entry("organization: rename (name)", lambda w, v: _in_org(w, organizations.rename, name=f"Acme{v}"),
          Invalid, f"Organization name {CONTROL}"),
    Entry("organization: switch (id)", lambda w, v: _system(organizations.switch, actor=w.admin,
                                                            org_id=f"{w.org.id}{v}"), NotFound),
    Entry("members: change role (id)", lambda w, v: _in_org(w, members.change_role,
                                                            membership_id=f"{w.membership_id}{v}", role=Role.ADMIN),
          NotFound),
    Entry("members: remove (id)", lambda w, v: _in_org(w, members.remove, membership_id=f"{w.membership_id}{v}"),
          NotFound),
    Entry("invitations: invite (email)", lambda w, v: _in_org(w, invitations.invite, email=f"new{v}@example.com"),
          Invalid, EMAIL),
    Entry("invitations: revoke (id)", lambda w, v: _in_org(w, invitations.revoke,
                                                           invitation_id=f"{w.invitation_id}{v}"), NotFound),
    Entry("invitations: accept (id)", lambda w, v: _system(invitations.accept, actor=w.invitee,
                                                           invitation_id=f"{w.invitation_id}{v}"), NotFound),
    Entry("invitations: accept (token)", lambda w, v: _system(invitations.accept, actor=w.invitee,
                                                              token=f"tok{v}"), NotFound),
    Entry("invitations: preview (token)", lambda w, v: _system(invitations.preview, token=f"tok{v}"), None),
    Entry("API keys: create (name)", lambda w, v: _in_org(w, api_keys.create_key, name=f"CI{v}"),
          Invalid, f"Key name {CONTROL}"),
    Entry("API keys: revoke (id)", lambda w, v: _in_org(w, api_keys.revoke_key, key_id=f"{w.key_id}{v}"), NotFound),
    # Voices
    Entry("voices: create (name)", lambda w, v: cloning.create_custom_voice(
        actor=w.admin, fields=_voice(name=f"Harbour{v}"), data=b"RIFF", declared_type="audio/wav"),
        Invalid, f"Voice name {CONTROL}"),
    Entry("voices: create (description)", lambda w, v: cloning.create_custom_voice(
        actor=w.admin, fields=_voice(description=f"Calm{v}"), data=b"RIFF", declared_type="audio/wav"),
        Invalid, f"Description {CONTROL}"),
    Entry("voices: edit (name)", lambda w, v: _in_org(w, voices.update_voice, voice_id=w.voice.id,
                                                      fields=_voice(name=f"Harbour{v}")), Invalid,
          f"Voice name {CONTROL}"),
    Entry("voices: edit (description)", lambda w, v: _in_org(w, voices.update_voice, voice_id=w.voice.id,
                                                             fields=_voice(description=f"Calm{v}")), Invalid,
          f"Description {CONTROL}"),
    Entry("voices: edit (language)", lambda w, v: _in_org(w, voices.update_voice, voice_id=w.voice.id,
                                                          fields=_voice(language=f"en-US{v}")), Invalid,
          f"Language {CONTROL}"),
    Entry("voices: edit (id)", lambda w, v: _in_org(w, voices.update_voice, voice_id=f"{w.voice.id}{v}",
                                                    fields=_voice()), NotFound),
    Entry("voices: delete (id)", lambda w, v: _in_org(w, voices.delete_voice, voice_id=f"{w.voice.id}{v}"), NotFound),
    Entry("voices: get (id)", lambda w, v: _in_org_unacted(w, voices.get_voice, voice_id=f"{w.voice.id}{v}"),
          NotFound),
    Entry("voices: search (query)", lambda w, v: _in_org_unacted(w, voices.list_voices, query=f"Harbour{v}"),
          None, quiet=voices.VoiceLists([], [])),
    # Generations
    Entry("generations: create (text)", lambda w, v: _speak(w, _generation(w, text=f"Hello{v} there.")),
          Invalid, f"Text {CONTROL}"),
    Entry("generations: create (voice id)", lambda w, v: _speak(w, _generation(w, voice_id=f"{w.system_voice.id}{v}")),
          NotFound),
    Entry("generations: get (id)", lambda w, v: _in_org_unacted(w, generations.get_generation,
                                                                generation_id=f"{w.generation.id}{v}"), NotFound),
    Entry("generations: delete (id)", lambda w, v: _in_org(w, generations.delete_generation,
                                                           generation_id=f"{w.generation.id}{v}"), NotFound),
    Entry("generations: history of a voice (voice id)",
          lambda w, v: _in_org_unacted(w, generations.list_generations, voice_id=f"{w.system_voice.id}{v}"),
          None, quiet=[]),
]


def _rows() -> dict[str, list]:
    with get_engine().connect() as conn:
        return {table.name: conn.execute(select(table)).all() for table in SQLModel.metadata.sorted_tables}


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, to show that a refused call wrote nothing."""
    return {table: sorted(map(repr, rows)) for table, rows in _rows().items()}


def stored_text() -> list[tuple[str, str]]:
    """(table, value) of every string the database holds."""
    return [(table, value) for table, rows in _rows().items() for row in rows for value in row
            if isinstance(value, str)]
