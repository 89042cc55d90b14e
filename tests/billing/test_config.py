"""Billing settings: off with nothing set, Polar's own variable names accepted, a token without a product refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resonance.billing import service
from resonance.core import config
from resonance.core.errors import ConfigError


def test_billing_is_off_with_nothing_configured(configure):
    settings = configure(POLAR_ACCESS_TOKEN=None)
    assert not service.billing_enabled()
    assert settings.BILLING_PRICE_PER_1000_CHARS == Decimal("0.30") and settings.POLAR_ENVIRONMENT == "sandbox"
    assert service.estimate_cents(1000) == 30 and service.estimate_cents(2500) == 75


def test_a_token_without_a_product_names_the_missing_variable(configure):
    with pytest.raises(ConfigError, match="POLAR_PRODUCT_ID"):
        configure(POLAR_ACCESS_TOKEN="polar_oat_x", POLAR_PRODUCT_ID=None)


def test_polar_names_work_without_the_prefix(monkeypatch):
    monkeypatch.setenv("POLAR_ACCESS_TOKEN", "polar_oat_plain")
    monkeypatch.setenv("POLAR_PRODUCT_ID", "prod_1")
    monkeypatch.setenv("POLAR_ENVIRONMENT", "production")
    monkeypatch.setenv("BILLING_PRICE_PER_1000_CHARS", "0.5")
    config.get_settings.cache_clear()
    try:
        settings = config.get_settings()
        assert (settings.POLAR_ACCESS_TOKEN, settings.POLAR_PRODUCT_ID, settings.POLAR_ENVIRONMENT) == (
            "polar_oat_plain", "prod_1", "production")
        assert service.billing_enabled() and service.estimate_cents(1000) == 50
    finally:
        monkeypatch.undo()
        config.get_settings.cache_clear()


@pytest.mark.parametrize(("name", "value"), [("POLAR_ENVIRONMENT", "live"), ("POLAR_SERVER_URL", "ftp://polar"),
                                             ("BILLING_PRICE_PER_1000_CHARS", "-1")])
def test_bad_values_are_refused_with_the_variable_named(configure, name, value):
    with pytest.raises(ConfigError, match=name):
        configure(**{name: value})
