"""Settings of billing with Polar."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings

from resonance.core.settings.paths import both as _both


class BillingSettings(BaseSettings):
    """Polar's credentials and the price per character."""

    # Billing with Polar. Off while POLAR_ACCESS_TOKEN is empty. Polar's own names are accepted with or
    # without the RESONANCE_ prefix. POLAR_SERVER_URL overrides the API host (tests point it at a loopback server).
    POLAR_ACCESS_TOKEN: str = Field("", validation_alias=_both("POLAR_ACCESS_TOKEN"))
    POLAR_ENVIRONMENT: Literal["sandbox", "production"] = Field("sandbox", validation_alias=_both("POLAR_ENVIRONMENT"))
    POLAR_PRODUCT_ID: str = Field("", validation_alias=_both("POLAR_PRODUCT_ID"))
    POLAR_WEBHOOK_SECRET: str = Field("", validation_alias=_both("POLAR_WEBHOOK_SECRET"))
    POLAR_SERVER_URL: str = Field("", validation_alias=_both("POLAR_SERVER_URL"))
    POLAR_TIMEOUT_SECONDS: float = Field(5, gt=0, validation_alias=_both("POLAR_TIMEOUT_SECONDS"))
    BILLING_PRICE_PER_1000_CHARS: Decimal = Field(Decimal("0.30"), gt=0, validation_alias=_both("BILLING_PRICE_PER_1000_CHARS"))
    BILLING_STATE_MAX_AGE_SECONDS: int = Field(900, ge=0, validation_alias=_both("BILLING_STATE_MAX_AGE_SECONDS"))
    BILLING_USAGE_SEND_SECONDS: float = Field(5, gt=0, validation_alias=_both("BILLING_USAGE_SEND_SECONDS"))

    @model_validator(mode="after")
    def _check_billing(self) -> Self:
        self.POLAR_ACCESS_TOKEN, self.POLAR_PRODUCT_ID = self.POLAR_ACCESS_TOKEN.strip(), self.POLAR_PRODUCT_ID.strip()
        if self.POLAR_ACCESS_TOKEN and not self.POLAR_PRODUCT_ID:
            raise ValueError("POLAR_PRODUCT_ID must be set when POLAR_ACCESS_TOKEN is (the metered product to sell)")
        return self
