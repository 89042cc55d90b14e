"""Whether an account has a second factor (an authenticator app that is on, or a passkey), as SQL: for the second
step after a first factor (identity/mfa.py), the lockout count a right password may clear (identity/signin.py),
an organization's two-step policy (orgs/principal.py) and its members list, each in a query of its own."""

from __future__ import annotations

from sqlalchemy import exists, or_
from sqlmodel import col

from resonance.identity.models import Passkey, TotpFactor


def has_second_factor(user_id):
    """SQL: the user (a column or a bound value) has a confirmed authenticator or a passkey."""
    return or_(exists().where(TotpFactor.user_id == user_id, col(TotpFactor.confirmed_at).is_not(None)),
               exists().where(Passkey.user_id == user_id))
