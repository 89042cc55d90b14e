"""Billing fixtures: Polar played by tests/polar_api.py on loopback, the app configured to call it with the real
polar-sdk client, and an organization with an Admin and a Member."""

from __future__ import annotations

import pytest

from resonance.orgs.models import Role
from tests.factories import add_member, make_org, make_user, signed_in
from tests.polar_api import PolarAPI

TIMEOUT_S = 0.5  # the client's timeout in these tests; a stall longer than this is a timeout


@pytest.fixture
def polar():
    with PolarAPI() as server:
        yield server


@pytest.fixture
def billing(configure, polar):
    """Billing on, pointed at the loopback Polar."""
    configure(POLAR_ACCESS_TOKEN=polar.token, POLAR_PRODUCT_ID=polar.product_id, POLAR_SERVER_URL=polar.url,
              POLAR_WEBHOOK_SECRET=polar.webhook_secret, POLAR_TIMEOUT_SECONDS=TIMEOUT_S)
    return polar


@pytest.fixture
def team(db):
    """(org, admin principal, member principal) on SQLite and PostgreSQL."""
    return _team()


@pytest.fixture
def sqlite_team(sqlite_db):
    return _team()


def _team():
    admin, member = make_user(name="Ada Admin"), make_user(name="Mel Member")
    org = make_org(admin=admin, name="Acme Studio")
    add_member(org, member, Role.MEMBER)
    return org, signed_in(admin, org)[0], signed_in(member, org)[0]
