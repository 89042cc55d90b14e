"""Measuring how a recording sounds: speech, pitch, level, speaker embeddings, intelligibility (no Reflex, no database)."""
