"""Measuring how a recording sounds: speech, pitch, level and speaker likeness (no Reflex, no database)."""
