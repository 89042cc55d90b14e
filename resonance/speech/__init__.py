"""Speech: text in, audio out. Knows nothing of the database, organizations or Reflex.

`registry.get_engine()` gives the engine the settings choose (Kokoro in this process, or a remote /generate service);
`engine.synthesize(text, voice, params)` yields audio chunk by chunk. Audio helpers are in `resonance.speech.audio`,
text splitting and tags in `resonance.speech.text`, our own /generate service in `resonance.speech.service`.
"""
