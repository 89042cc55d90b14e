"""Measuring how a recording sounds: speech, level, pitch, speaker embeddings, intelligibility (no Reflex, no DB)."""
