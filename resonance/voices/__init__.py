"""Voices: the 20 built-in voices, each organization's custom voices, and matching a recording to the engine."""
