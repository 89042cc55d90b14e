"""Generations: text turned into speech for an organization, as durable jobs with progress and history."""
