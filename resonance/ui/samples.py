"""The editor's "Get started with" chips and the dashboard's "Quick actions" cards: short texts to start from, in the
reference's order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    label: str
    icon: str
    text: str


SAMPLES: tuple[Sample, ...] = (
    Sample("Narrate a story", "book_open",
           "In a quiet village at the edge of the forest, an old clockmaker spent his nights building a clock "
           "that could count wishes instead of hours. One winter evening, a curious girl knocked on his door and "
           "asked what it would cost to wind it. He smiled and said, \"Only a story you have never told anyone.\""),
    Sample("Tell a silly joke", "laugh",
           "Why did the scarecrow win an award? Because he was outstanding in his field! And do you know why "
           "the bicycle fell over? It was two tired. Okay, okay, one more: I told my wife she was drawing her "
           "eyebrows too high. She looked surprised."),
    Sample("Record an advertisement", "megaphone",
           "Mornings are hard. Your coffee shouldn't be. BrightBean Coffee is roasted in small batches and "
           "delivered fresh to your door every week. Smooth, bold and never bitter. Try your first bag free "
           "today at BrightBean dot com, and make every morning a bright one."),
    Sample("Speak in different languages", "languages",
           "Hello, and welcome! In France we would say bonjour, in Spain hola, in Italy ciao, and in Japan "
           "konnichiwa. However you say it, a warm greeting is the start of every good conversation. Thank you, "
           "merci, gracias and grazie for listening."),
    Sample("Direct a dramatic movie scene", "clapperboard",
           "The rain hammered against the window as she turned to face him. \"You knew,\" she whispered. "
           "\"All this time, you knew, and you said nothing.\" He stepped closer, his voice barely steady. "
           "\"I was trying to protect you.\" Thunder rolled across the city. \"From what?\" she asked."),
    Sample("Hear from a video game character", "gamepad_2",
           "Traveler, you have finally reached Ashenvale. The forest remembers every footstep, and the shadows "
           "are growing restless. Take this lantern; its flame will guide you where the old roads end. Be swift, "
           "and whatever you hear calling your name after dark, do not answer."),
    Sample("Introduce your podcast", "mic",
           "Welcome back to The Curious Mind, the show where we ask the questions you didn't know you had. "
           "I'm your host, and today we're diving into the science of sleep: why we dream, why we wake up tired, "
           "and what you can do tonight to rest a little better. Let's get into it."),
    Sample("Guide a meditation class", "flower_2",
           "Find a comfortable position and gently close your eyes. Breathe in slowly through your nose, and "
           "let the breath fill your chest. Hold it for a moment. Now breathe out, and let your shoulders soften. "
           "With every breath, let the day drift a little further away."),
)


@dataclass(frozen=True)
class QuickAction:
    title: str
    description: str
    sample: Sample  # its text is the editor's prefill


def _sample(label: str) -> Sample:
    return next(sample for sample in SAMPLES if sample.label == label)


# The dashboard's "Quick actions" cards, in the reference's order and words.
QUICK_ACTIONS: tuple[QuickAction, ...] = (
    QuickAction("Narrate a story", "Bring characters to life with expressive AI narration",
                _sample("Narrate a story")),
    QuickAction("Record an Ad", "Create professional advertisements with lifelike AI voices",
                _sample("Record an advertisement")),
    QuickAction("Direct a Movie Scene", "Generate dramatic dialogue for film and video",
                _sample("Direct a dramatic movie scene")),
    QuickAction("Voice a Game Character", "Build immersive worlds with dynamic character voices",
                _sample("Hear from a video game character")),
    QuickAction("Introduce Your Podcast", "Hook your listeners from the very first second",
                _sample("Introduce your podcast")),
    QuickAction("Guide a Meditation", "Craft soothing, calming audio for wellness content",
                _sample("Guide a meditation class")),
)
