"""Identity: accounts, passwords, email tokens, sign-in protection and server-side sessions (the Clerk replacement).

Knows nothing of organizations, Reflex or HTTP.
"""
