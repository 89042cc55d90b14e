"""States hand the pages typed rows: a flag is a bool and a number an int, so a page tests `row.you`, never a string
that reads "1" or "". No state var is a dict of strings, but for two mappings that are not rows."""

from __future__ import annotations

import importlib
import pkgutil
import typing

import pytest
import reflex as rx

import resonance.ui.states
from resonance.ui.states.account import AccountState
from resonance.ui.states.org_settings import OrgSettingsState
from tests.factories import add_member, make_org, make_user, signed_in
from tests.ui.states.events import fire, state_for

# Mappings on purpose: the sliders' shown values by slider name, and the bar chart's data in the shape recharts reads.
NOT_ROWS = {("TTSState", "values_text"), ("BillingState", "chart")}


def _states() -> list[type[rx.State]]:
    for module in pkgutil.iter_modules(resonance.ui.states.__path__):
        importlib.import_module(f"resonance.ui.states.{module.name}")
    found, todo = [], list(rx.State.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("resonance.ui.states."):
            found.append(cls)
    return found


def _is_dict(var_type) -> bool:
    return (typing.get_origin(var_type) or var_type) is dict


def test_no_state_var_is_a_dict_or_a_list_of_dicts():
    dicts = set()
    for cls in _states():
        for name, var in cls.vars.items():
            var_type = var._var_type
            items = typing.get_args(var_type) if (typing.get_origin(var_type) or var_type) is list else ()
            if _is_dict(var_type) or any(_is_dict(item) for item in items):
                dicts.add((cls.__name__, name))
    assert dicts == NOT_ROWS


@pytest.mark.usefixtures("sqlite_db")
def test_member_and_session_flags_are_bools():
    admin = make_user(name="Ada Admin", email="ada@example.com")
    org = make_org(admin=admin, name="Acme")
    add_member(org, make_user(name="Max Member", email="max@example.com"))
    _, token = signed_in(admin, org)
    signed_in(admin, org)  # another session of the same user, elsewhere

    page = state_for(OrgSettingsState, token)
    fire(page, "load")
    flags = {m.email: (m.you, m.two_step) for m in page.members}
    assert flags == {"ada@example.com": (True, False), "max@example.com": (False, False)}
    assert all(type(flag) is bool for pair in flags.values() for flag in pair)

    account = state_for(AccountState, token)
    fire(account, "load")
    assert [type(s.current) for s in account.sessions] == [bool, bool]
    assert [s.current for s in account.sessions] == [True, False]  # this device first
