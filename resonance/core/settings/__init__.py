"""The settings, one part per concern; `resonance.core.config.Settings` joins them and validates the whole."""
