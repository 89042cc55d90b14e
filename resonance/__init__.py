"""Resonance: multi-tenant text-to-speech and voice matching, self-hosted."""
