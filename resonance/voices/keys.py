"""Storage keys for voice audio: the reference sample and the upload as it came. (The engine sidecar's key is
speech.engine.sidecar_key.)"""


def system_sample(voice_id: str) -> str:
    return f"voices/system/{voice_id}"


def org_prefix(org_id: str) -> str:
    """Every stored object of the organization's custom voices lies under this prefix."""
    return f"voices/orgs/{org_id}/"


def custom_sample(org_id: str, voice_id: str, recording: str = "") -> str:
    """The normalised mono WAV every engine reads (cloning engines take it as reference audio). A replaced
    recording gets a key of its own (`recording`), so the voice's current files stay whole until the new ones are
    in place."""
    return f"{org_prefix(org_id)}{voice_id}" + (f".{recording}" if recording else "")


def original(sample_key: str) -> str:
    return f"{sample_key}.original"
