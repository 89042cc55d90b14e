"""Backend HTTP routes (FastAPI), mounted beside Reflex: session cookies, audio, webhooks, the public API."""
