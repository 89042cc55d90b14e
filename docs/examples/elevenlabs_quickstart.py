"""A script as an ElevenLabs user writes it, with the official `elevenlabs` and `openai` SDKs. It runs against
ElevenLabs or against Resonance: only the environment differs.

    export ELEVENLABS_API_KEY=rsk_...                        # a Resonance organization API key
    export ELEVENLABS_BASE_URL=https://voices.example.com    # unset: ElevenLabs itself
    export OPENAI_API_KEY=$ELEVENLABS_API_KEY OPENAI_BASE_URL=$ELEVENLABS_BASE_URL/v1
    python docs/examples/elevenlabs_quickstart.py [voice_sample.wav]

It adds a voice from the recording given (default `voice_sample.wav`: at least 10 s of one person speaking), speaks
with a premade voice, and writes what it hears to files in the current folder. Everything it creates, it deletes.
The SDK's live-input helper (`convert_realtime`) always speaks `wss://`, so the server must be reached over TLS (a
deployment behind its proxy); everything else also works against `./scripts/run`'s http://localhost:8000.
tests/api/v1/test_sdk_conformance.py runs it against Resonance.
"""

from __future__ import annotations

import os
import sys
import zipfile
from io import BytesIO

from elevenlabs import ElevenLabs, VoiceSettings
from openai import OpenAI

TEXT = "Hello from the quickstart. This is a short test."

client = ElevenLabs(api_key=os.environ["ELEVENLABS_API_KEY"], base_url=os.environ.get("ELEVENLABS_BASE_URL"))
sample_path = sys.argv[1] if len(sys.argv) > 1 else "voice_sample.wav"


def save(name: str, data: bytes) -> None:
    assert data, f"{name}: no audio"
    with open(name, "wb") as out:
        out.write(data)
    print(f"wrote {name} ({len(data)} bytes)")


# Models and voices
models = client.models.list()
model_id = models[0].model_id
print("models:", [m.model_id for m in models])

voices = client.voices.get_all().voices
premade = next(v for v in voices if v.category == "premade")
print(f"{len(voices)} voices; speaking with {premade.name} ({premade.voice_id})")

found = client.voices.search(search=premade.name, page_size=10)
assert premade.voice_id in [v.voice_id for v in found.voices], "voices.search did not find the voice by name"
assert client.voices.get(premade.voice_id).name == premade.name

defaults = client.voices.settings.get_default()
print("default settings:", defaults)
print("voice settings:", client.voices.settings.get(premade.voice_id))

# A voice of our own from a recording (instant voice cloning)
with open(sample_path, "rb") as recording:
    added = client.voices.ivc.create(name="Quickstart voice", files=[recording],
                                     description="Added by the quickstart script")
print("added voice", added.voice_id)
assert client.voices.get(added.voice_id).name == "Quickstart voice"
client.voices.update(added.voice_id, name="Quickstart voice (renamed)")
assert client.voices.get(added.voice_id).name == "Quickstart voice (renamed)"

with open(sample_path, "rb") as recording:  # a new recording for the voice: it is matched again
    client.voices.update(added.voice_id, name="Quickstart voice (renamed)", files=[recording])
print("replaced the recording of", added.voice_id)

# Settings kept by a voice: text to speech uses them when a request sends none
client.voices.settings.update(premade.voice_id, request=VoiceSettings(speed=1.1))
assert client.voices.settings.get(premade.voice_id).speed == 1.1

# Text to speech: whole file, other formats, streamed, with character timings
save("hello.mp3", b"".join(client.text_to_speech.convert(premade.voice_id, text=TEXT, model_id=model_id,
                                                          output_format="mp3_44100_128")))
save("hello.ulaw", b"".join(client.text_to_speech.convert(premade.voice_id, text=TEXT, model_id=model_id,
                                                           output_format="ulaw_8000")))
save("hello_stream.mp3", b"".join(client.text_to_speech.stream(
    premade.voice_id, text=TEXT, model_id=model_id, voice_settings=VoiceSettings(speed=1.1))))

timed = client.text_to_speech.convert_with_timestamps(premade.voice_id, text=TEXT, model_id=model_id)
assert "".join(timed.alignment.characters) == TEXT
print("last character ends at", timed.alignment.character_end_times_seconds[-1], "s")
streamed_characters = []
for chunk in client.text_to_speech.stream_with_timestamps(premade.voice_id, text=TEXT, model_id=model_id,
                                                          output_format="pcm_24000"):
    if chunk.alignment:
        streamed_characters += chunk.alignment.characters
assert "".join(streamed_characters) == TEXT



def llm_output():  # text as a language model writes it, a few words at a time
    yield from ("Streaming input ", "arrives in pieces, ", "and audio comes ", "back as phrases end.")


save("live_input.mp3", b"".join(client.text_to_speech.convert_realtime(premade.voice_id, text=llm_output(),
                                                                        model_id=model_id)))

# History: the generations above, newest first
history = client.history.list(page_size=10, voice_id=premade.voice_id)
items = history.history
assert len(items) >= 6, f"expected the 6 generations above in history, got {len(items)}"
newest = client.history.get(items[0].history_item_id)
print("newest history item:", newest.history_item_id, repr(newest.text))
save("history_item.mp3", b"".join(client.history.get_audio(newest.history_item_id)))
save("history_one.mp3", b"".join(client.history.download(history_item_ids=[newest.history_item_id])))
both = b"".join(client.history.download(history_item_ids=[i.history_item_id for i in items[:2]]))
with zipfile.ZipFile(BytesIO(both)) as archive:
    names = archive.namelist()
    assert len(names) == 2, names
    save("history_zip_first.mp3", archive.read(names[0]))
client.history.delete(newest.history_item_id)

# Account
user = client.user.get()
subscription = client.user.subscription.get()
print(f"user {user.user_id}: {subscription.character_count} of {subscription.character_limit} characters used")

client.voices.settings.update(premade.voice_id, request=VoiceSettings(speed=1.0))
client.voices.delete(added.voice_id)
print("deleted voice", added.voice_id)

# OpenAI's SDK: text to speech in OpenAI's shape
openai_client = OpenAI()
speech = openai_client.audio.speech.create(model="tts-1", voice="alloy", input=TEXT)
save("openai.mp3", speech.content)
with openai_client.audio.speech.with_streaming_response.create(model="tts-1", voice="nova", input=TEXT,
                                                        response_format="wav") as response:
    save("openai_stream.wav", response.read())
print("done")
