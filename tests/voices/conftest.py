"""Voice fixtures: an organization with an Admin and a Member."""

from __future__ import annotations

import pytest

from resonance.orgs.models import Role
from tests.factories import add_member, make_org, make_user, signed_in


@pytest.fixture
def team(sqlite_db):
    admin, member = make_user(name="Ada Admin"), make_user(name="Mel Member")
    org = make_org(admin=admin, name="Acme")
    add_member(org, member, Role.MEMBER)
    return org, signed_in(admin, org)[0], signed_in(member, org)[0]
