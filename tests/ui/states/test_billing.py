"""What the billing UI shows and refuses: prices from the settings, the editors' estimate only with billing on, the
"Subscription required" toast by role, and Upgrade / Manage refused to Members and with billing off (through the real
billing service; no Polar call is reached)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from resonance.billing import service as billing
from resonance.core.errors import Invalid, SubscriptionRequired
from resonance.orgs.models import Role
from resonance.ui.pages import billing as billing_page_module
from resonance.ui.pages.billing import billing_page
from resonance.ui.states import billing as billing_ui
from resonance.ui.states.home import HomeState
from resonance.ui.states.tts import TTSState
from tests.factories import add_member, make_org, make_user, signed_in

BILLING_ON = {"POLAR_ACCESS_TOKEN": "polar_at_test", "POLAR_PRODUCT_ID": "prod_test",
              "POLAR_SERVER_URL": "http://127.0.0.1:9"}  # port 9 (discard): nothing here may reach it


@pytest.fixture
def team(sqlite_db):
    admin_user, member_user = make_user(name="Ada Admin"), make_user(name="Max Member")
    org = make_org(admin=admin_user, name="Acme")
    add_member(org, member_user, Role.MEMBER)
    return signed_in(admin_user, org)[0], signed_in(member_user, org)[0]


def toast_js(event) -> str:
    return str(event.args[0][1])


def test_prices_and_estimates_follow_the_setting(configure):
    configure(BILLING_PRICE_PER_1000_CHARS="0.45")
    assert billing_ui.price_line(billing.price_cents_per_1000()) == (
        "Generate speech starting at $0.45 per 1,000 characters")
    # Trimmed and counted as the meter counts; four decimals as the original's badge.
    assert billing_ui.text_estimate("  " + "a" * 100 + "\n") == "$0.0450 estimated"
    configure(BILLING_PRICE_PER_1000_CHARS=None)
    assert billing_ui.price_line(billing.price_cents_per_1000()) == (
        "Generate speech starting at $0.30 per 1,000 characters")
    assert billing_ui.usd(1234) == "$12.34" and billing_ui.usd(0) == "$0.00"


def test_the_editors_show_an_estimate_only_when_billing_is_on(configure):
    tts, home = TTSState.computed_vars["estimate"], HomeState.computed_vars["estimate"]
    configure(**{k: None for k in BILLING_ON})
    assert tts.fget(type("S", (), {"text": "Hello"})()) == ""
    assert home.fget(type("S", (), {"text": "Hello"})()) == ""
    configure(**BILLING_ON)
    assert tts.fget(type("S", (), {"text": " Hello world "})()) == "$0.0033 estimated"
    assert home.fget(type("S", (), {"text": ""})()) == "Start typing to estimate"


def test_with_billing_off_the_page_says_what_members_may_do_not_how_to_configure(configure):
    configure(**{k: None for k in BILLING_ON})
    rendered = str(billing_page())
    assert billing_page_module.FREE_TITLE in rendered and billing_page_module.FREE_DETAIL in rendered
    assert "generate speech and create custom voices" in billing_page_module.FREE_DETAIL
    for operator_talk in ("POLAR_", ".env", "configured", "gated"):
        assert operator_talk not in billing_page_module.FREE_TITLE + billing_page_module.FREE_DETAIL
    assert "Billing is not configured" not in rendered and "POLAR_ACCESS_TOKEN" not in rendered


def test_chart_rows_and_the_period_as_iso_utc():
    days = [(date(2026, 11, 1), 0), (date(2026, 11, 2), 1234)]
    assert billing_ui.chart_rows(days) == [{"day": "Nov 1", "characters": 0}, {"day": "Nov 2", "characters": 1234}]
    start, end = datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC)
    assert billing_ui.period_times(start, end) == ("2026-11-03T00:00:00Z", "2026-12-03T00:00:00Z")
    assert billing_ui.period_times(None, None) == ("", "")


def test_the_subscription_toast_offers_subscribe_to_admins_and_an_admin_to_members(team):
    admin, member = team
    for_admin = toast_js(billing_ui.refusal_toast(SubscriptionRequired(), admin))
    assert '"Subscription required"' in for_admin and '"Subscribe"' in for_admin
    assert "billing____billing_state.upgrade" in for_admin  # the action starts checkout
    for_member = toast_js(billing_ui.refusal_toast(SubscriptionRequired(), member))
    assert '"Ask an Admin to subscribe"' in for_member and "Subscribe\"" not in for_member
    other = toast_js(billing_ui.refusal_toast(Invalid("Please select a voice"), admin))
    assert '"Please select a voice"' in other and "Subscribe" not in other


def test_members_cannot_start_checkout_or_the_portal(team, configure):
    admin, member = team
    configure(**BILLING_ON)
    for start in (billing.start_checkout, billing.start_portal):
        url, failure = asyncio.run(billing_ui._start(start, member))
        assert url == "" and '"Only admins can do this."' in toast_js(failure)


def test_with_billing_off_upgrade_says_billing_is_not_configured(team, configure):
    admin, _ = team
    configure(**{k: None for k in BILLING_ON})
    url, failure = asyncio.run(billing_ui._start(billing.start_checkout, admin))
    assert url == "" and '"Billing is not configured."' in toast_js(failure)
    assert billing.get_status(admin.org_id).enabled is False


def test_a_signed_out_tab_cannot_start_anything():
    url, failure = asyncio.run(billing_ui._start(billing.start_checkout, None))
    assert url == "" and "Sign in to an organization first." in toast_js(failure)
