"""Outgoing email: every message is written to the outbox table first, then delivered (log, dev page, SMTP later)."""
