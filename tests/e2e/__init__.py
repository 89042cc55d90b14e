"""Browser end-to-end and websocket security tests against the running app (see conftest.py)."""
