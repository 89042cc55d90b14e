"""OpenAI's text-to-speech endpoint, POST /v1/audio/speech, on Resonance's voices and generation pipeline: an OpenAI
client works by pointing its base URL at this server's /v1 and using an organization API key."""
