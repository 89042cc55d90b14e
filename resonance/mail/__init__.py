"""Outgoing email: every message is written to the outbox table in the action's transaction (service.py), then
delivered over SMTP with retries (delivery.py, smtp.py), or, with no SMTP configured, shown on /dev/outbox and in
the log. templates.py holds the messages, layout.py their look."""
