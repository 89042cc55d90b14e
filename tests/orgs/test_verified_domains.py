"""Verified domains (orgs/domains.py): an Admin adds a domain and proves it with a code mailed to an address at it;
public mail domains, a domain another organization verified, and malformed domains are refused; the code is single
use, lives EMAIL_CODE_MINUTES, dies after CODE_ATTEMPT_LIMIT wrong guesses and works only for its own domain."""

from __future__ import annotations

import pytest

from resonance.core.config import get_settings
from resonance.core.errors import Forbidden, Invalid, NotFound, RateLimited
from resonance.identity.models import EmailToken
from resonance.orgs import domains
from resonance.orgs.models import DomainMode, OrgDomain, Organization
from resonance.orgs.scope import tenant_session
from tests.factories import add_member, all_rows, audit_actions, code_in, get, last_mail, make_org, make_user, \
    outbox, signed_in

pytestmark = pytest.mark.usefixtures("sqlite_db")


def add(actor, domain: str) -> OrgDomain:
    with tenant_session(actor.org_id) as session:
        return domains.add(session=session, actor=actor, domain=domain)


def send_code(actor, domain_id: str, email: str) -> str:
    with tenant_session(actor.org_id) as session:
        return domains.send_code(session=session, actor=actor, domain_id=domain_id, email=email)


def verify(actor, domain_id: str, code: str) -> OrgDomain:
    with tenant_session(actor.org_id) as session:
        return domains.verify(session=session, actor=actor, domain_id=domain_id, code=code)


def listed(actor) -> list[domains.DomainView]:
    with tenant_session(actor.org_id) as session:
        return domains.list_for_org(session=session, actor=actor)


def verified_domain(actor, domain: str = "acme.com", *, mode: str = DomainMode.SUGGESTION) -> OrgDomain:
    """Add, mail a code to it@domain and type it in: a verified domain of actor's organization."""
    row = add(actor, domain)
    address = send_code(actor, row.id, f"it@{domain}")
    verify(actor, row.id, code_in(last_mail(address)))
    if mode != DomainMode.SUGGESTION:
        with tenant_session(actor.org_id) as session:
            domains.set_mode(session=session, actor=actor, domain_id=row.id, mode=mode)
    return get(OrgDomain, row.id)


def _org(actor) -> Organization:
    return get(Organization, actor.org_id)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def admin():
    user = make_user(name="Ada Admin")
    org = make_org(admin=user, name="Acme")
    return signed_in(user, org)[0]


@pytest.fixture
def rival():
    """The Admin of a second organization."""
    user = make_user(name="Rita Rival")
    org = make_org(admin=user, name="Rival Corp")
    return signed_in(user, org)[0]


def test_an_admin_adds_a_domain_mails_a_code_at_it_and_the_code_verifies_it(admin, clock):
    row = add(admin, "  Acme.COM. ")
    assert (row.domain, row.verified_at, row.mode) == ("acme.com", None, DomainMode.SUGGESTION)

    sent_to = send_code(admin, row.id, "IT@Acme.com")
    assert sent_to == "it@acme.com"
    mail = last_mail("it@acme.com")
    assert "acme.com" in mail.subject and "Acme" in mail.text
    (token,) = all_rows(EmailToken)
    code = code_in(mail)
    assert code not in (token.code_hash or "") and token.token_hash != code  # stored as digests only
    assert listed(admin)[0].code_sent_to == "it@acme.com"

    verify(admin, row.id, code)
    stored = get(OrgDomain, row.id)
    assert stored.verified_at == clock.now() and stored.verified_email == "it@acme.com"
    assert listed(admin)[0].code_sent_to == ""
    assert {"domain.added", "domain.code_sent", "domain.verified"} <= set(audit_actions(_org(admin)))


@pytest.mark.parametrize("domain", ["gmail.com", "GoogleMail.com", "outlook.com", "hotmail.co.uk", "yahoo.co.jp",
                                    "gmx.de", "gmx.net", "yandex.ru", "yandex.com.tr", "proton.me", "icloud.com",
                                    "mail.com", "zoho.com", "live.fr"])
def test_public_mail_domains_cannot_be_added(admin, domain):
    with pytest.raises(Invalid, match="public email provider"):
        add(admin, domain)
    assert all_rows(OrgDomain) == []


@pytest.mark.parametrize("domain", ["live.bbc.co.uk", "mail.acme.com", "gmxindustries.com", "outlook-partners.com"])
def test_company_domains_that_look_like_a_provider_are_not_public(admin, domain):
    assert add(admin, domain).domain == domain


@pytest.mark.parametrize("value", ["https://acme.com", "acme.com/about", "it@acme.com", "acme", "192.168.0.1",
                                   "acme..com", "-acme.com", "*.acme.com", "acme.com:443", "ac me.com", "",
                                   "acme\x00.com", "a" * 64 + ".com"])
def test_malformed_domains_are_refused(admin, value):
    with pytest.raises(Invalid):
        add(admin, value)
    assert all_rows(OrgDomain) == []


def test_an_international_domain_is_stored_as_idna_and_shown_in_unicode(admin):
    row = add(admin, "Bücher.de")
    assert row.domain == "xn--bcher-kva.de"
    assert listed(admin)[0].domain == "bücher.de"
    with pytest.raises(Invalid, match="already added"):
        add(admin, "xn--bcher-kva.de")


def test_the_code_goes_only_to_an_address_at_the_domain(admin):
    row = add(admin, "acme.com")
    for address in ("it@evil.com", "it@sub.acme.com", "it@acme.com.evil.com", "not an address"):
        with pytest.raises(Invalid):
            send_code(admin, row.id, address)
    assert all_rows(EmailToken) == [] and outbox("it@evil.com") == []


def test_the_code_expires_after_ten_minutes(admin, clock):
    row = add(admin, "acme.com")
    code = code_in(last_mail(send_code(admin, row.id, "it@acme.com")))
    clock.advance(minutes=get_settings().EMAIL_CODE_MINUTES, seconds=1)
    with pytest.raises(Invalid, match="expired"):
        verify(admin, row.id, code)
    assert get(OrgDomain, row.id).verified_at is None


def test_the_code_works_once(admin, clock):
    first = add(admin, "acme.com")
    code = code_in(last_mail(send_code(admin, first.id, "it@acme.com")))
    verify(admin, first.id, code)
    assert all_rows(EmailToken)[0].used_at is not None
    with tenant_session(admin.org_id) as session:
        domains.remove(session=session, actor=admin, domain_id=first.id)
    again = add(admin, "acme.com")
    with pytest.raises(Invalid, match="expired"):  # replayed on the same domain, added again
        verify(admin, again.id, code)
    assert get(OrgDomain, again.id).verified_at is None


def test_code_guessing_the_code_dies_at_the_attempt_limit(admin):
    limit = get_settings().CODE_ATTEMPT_LIMIT
    row = add(admin, "acme.com")
    code = code_in(last_mail(send_code(admin, row.id, "it@acme.com")))
    for _ in range(limit - 1):
        with pytest.raises(Invalid, match="not right"):
            verify(admin, row.id, wrong(code))
    with pytest.raises(Invalid, match="expired"):
        verify(admin, row.id, wrong(code))
    (token,) = all_rows(EmailToken)
    assert token.attempts == limit and token.used_at is not None  # counted although each guess failed
    with pytest.raises(Invalid, match="expired"):
        verify(admin, row.id, code)  # the right code no longer works
    assert get(OrgDomain, row.id).verified_at is None


def test_a_code_sent_for_one_domain_does_not_verify_another(admin, clock):
    mine = add(admin, "acme.com")
    other = add(admin, "acme.org")
    code = code_in(last_mail(send_code(admin, mine.id, "it@acme.com")))
    with pytest.raises(Invalid, match="expired"):  # no code was sent for acme.org
        verify(admin, other.id, code)
    assert get(OrgDomain, other.id).verified_at is None
    verify(admin, mine.id, code)


def test_codes_are_paced_by_the_resend_pause(admin, clock):
    row = add(admin, "acme.com")
    send_code(admin, row.id, "it@acme.com")
    with pytest.raises(RateLimited):
        send_code(admin, row.id, "it@acme.com")
    clock.advance(seconds=get_settings().EMAIL_RESEND_SECONDS)
    first = code_in(last_mail("it@acme.com"))
    send_code(admin, row.id, "ops@acme.com")
    with pytest.raises(Invalid):
        verify(admin, row.id, first)  # a new code replaces the earlier one
    verify(admin, row.id, code_in(last_mail("ops@acme.com")))


def test_domain_takeover_a_second_organization_cannot_verify_a_domain_already_verified(admin, rival, clock):
    verified_domain(admin, "acme.com")
    with pytest.raises(Invalid, match="already verified by another organization"):
        add(rival, "acme.com")
    # Added while still free, then verified elsewhere: no code is sent, and a code sent earlier no longer helps.
    pending = add(rival, "acme.net")
    code = code_in(last_mail(send_code(rival, pending.id, "boss@acme.net")))
    clock.advance(seconds=get_settings().EMAIL_RESEND_SECONDS)
    verified_domain(admin, "acme.net")
    with pytest.raises(Invalid, match="already verified by another organization"):
        verify(rival, pending.id, code)
    with pytest.raises(Invalid, match="already verified by another organization"):
        send_code(rival, pending.id, "boss@acme.net")
    assert get(OrgDomain, pending.id).verified_at is None


def test_domain_takeover_the_unique_index_settles_two_organizations_verifying_at_once(db, admin, rival, clock,
                                                                                       monkeypatch):
    """The check before verifying sees nothing (both verify 'at once'); the database refuses the second."""
    theirs = add(rival, "acme.com")
    their_code = code_in(last_mail(send_code(rival, theirs.id, "boss@acme.com")))
    clock.advance(seconds=get_settings().EMAIL_RESEND_SECONDS)
    verified_domain(admin, "acme.com")
    monkeypatch.setattr(domains, "_refuse_if_taken", lambda session, domain: None)
    with pytest.raises(Invalid, match="already verified by another organization"):
        verify(rival, theirs.id, their_code)
    assert [r.org_id for r in all_rows(OrgDomain, domain="acme.com") if r.verified_at] == [admin.org_id]


def test_a_member_is_refused_every_domain_action_and_nothing_changes(admin):
    row = add(admin, "acme.com")
    member_user = make_user(name="Max Member")
    add_member(_org(admin), member_user)
    member = signed_in(member_user, _org(admin))[0]
    with tenant_session(member.org_id) as session:
        actions = [
            lambda: domains.add(session=session, actor=member, domain="acme.org"),
            lambda: domains.send_code(session=session, actor=member, domain_id=row.id, email="it@acme.com"),
            lambda: domains.verify(session=session, actor=member, domain_id=row.id, code="123456"),
            lambda: domains.set_mode(session=session, actor=member, domain_id=row.id,
                                     mode=DomainMode.AUTOMATIC_INVITATION),
            lambda: domains.remove(session=session, actor=member, domain_id=row.id),
            lambda: domains.list_for_org(session=session, actor=member),
        ]
        for action in actions:
            with pytest.raises(Forbidden, match="Only admins"):
                action()
    assert [(r.domain, r.mode) for r in all_rows(OrgDomain)] == [("acme.com", DomainMode.SUGGESTION)]
    assert all_rows(EmailToken) == [] and outbox("it@acme.com") == []


def test_another_organizations_domain_id_reads_as_not_found(db, admin, rival):
    theirs = verified_domain(rival, "rival.com")
    with tenant_session(admin.org_id) as session:
        for action in (
            lambda: domains.send_code(session=session, actor=admin, domain_id=theirs.id, email="x@rival.com"),
            lambda: domains.verify(session=session, actor=admin, domain_id=theirs.id, code="123456"),
            lambda: domains.set_mode(session=session, actor=admin, domain_id=theirs.id,
                                     mode=DomainMode.AUTOMATIC_INVITATION),
            lambda: domains.remove(session=session, actor=admin, domain_id=theirs.id),
        ):
            with pytest.raises(NotFound, match="Domain not found"):
                action()
        assert domains.list_for_org(session=session, actor=admin) == []
    assert get(OrgDomain, theirs.id).mode == DomainMode.SUGGESTION


def test_mode_changes_and_removal_are_audited(admin):
    row = verified_domain(admin, "acme.com")
    with tenant_session(admin.org_id) as session:
        domains.set_mode(session=session, actor=admin, domain_id=row.id, mode=DomainMode.AUTOMATIC_INVITATION)
    assert get(OrgDomain, row.id).mode == DomainMode.AUTOMATIC_INVITATION
    with pytest.raises(Invalid), tenant_session(admin.org_id) as session:
        domains.set_mode(session=session, actor=admin, domain_id=row.id, mode="everyone")
    with tenant_session(admin.org_id) as session:
        domains.remove(session=session, actor=admin, domain_id=row.id)
    assert get(OrgDomain, row.id) is None
    assert {"domain.mode_changed", "domain.removed"} <= set(audit_actions(_org(admin)))
