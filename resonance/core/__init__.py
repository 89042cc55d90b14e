"""Settings, database, security primitives, clock and errors: imports no other Resonance package."""
