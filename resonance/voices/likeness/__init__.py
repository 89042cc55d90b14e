"""Measuring how a recording sounds: speech, pitch, speaker embeddings, intelligibility (no Reflex, no database)."""
