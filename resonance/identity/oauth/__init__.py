"""Social sign-in: providers from settings (providers.py), the authorization-code round trip with PKCE, a
browser-bound state and the OpenID nonce (flow.py), and the rules that tie a provider account to a user
(linking.py)."""
