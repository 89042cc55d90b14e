"""Which audio container a file is, from its bytes' own signature: the only formats an upload may be opened as.

MP3 and ADTS AAC have no magic number; they are recognised by a run of chained frame headers, as ffmpeg's probes do.
"""

from __future__ import annotations

from dataclasses import dataclass

@dataclass(frozen=True)
class Container:
    demuxer: str  # the ffmpeg demuxer opened, never guessed by ffmpeg
    name: str
    content_type: str
    extension: str


WAV = Container("wav", "wav", "audio/wav", ".wav")
MP3 = Container("mp3", "mp3", "audio/mpeg", ".mp3")
AAC = Container("aac", "aac", "audio/aac", ".aac")
FLAC = Container("flac", "flac", "audio/flac", ".flac")
OGG = Container("ogg", "ogg", "audio/ogg", ".ogg")
MP4 = Container("mov", "mp4", "audio/mp4", ".m4a")
WEBM = Container("matroska", "webm", "audio/webm", ".webm")
MATROSKA = Container("matroska", "matroska", "audio/x-matroska", ".mka")
AIFF = Container("aiff", "aiff", "audio/aiff", ".aiff")
CAF = Container("caf", "caf", "audio/x-caf", ".caf")


def sniff_container(data: bytes) -> Container | None:
    """The audio container the bytes' signature shows, or None for anything else (text, images, archives...)."""
    head = data[:64]
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return WAV
    if head[:4] == b"fLaC":
        return FLAC
    if head[:4] == b"OggS":
        return OGG
    if head[4:8] == b"ftyp":
        return MP4
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: the DocType near the start tells WebM from Matroska
        return WEBM if b"webm" in head else MATROSKA
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return AIFF
    if head[:4] == b"caff":
        return CAF
    if head[:3] == b"ID3" and len(head) >= 10:  # an ID3v2 tag may precede MP3, AAC or FLAC
        size = 10 + _syncsafe(head[6:10]) + (10 if head[5] & 0x10 else 0)
        if data[size : size + 4] == b"fLaC":
            return FLAC
        return AAC if _is_adts(data, size) else MP3
    if _is_adts(data):
        return AAC
    if _is_mpeg_audio(data):
        return MP3
    return None


def _syncsafe(four: bytes) -> int:
    return (four[0] & 0x7F) << 21 | (four[1] & 0x7F) << 14 | (four[2] & 0x7F) << 7 | (four[3] & 0x7F)


def _adts_frame(data: bytes, at: int) -> tuple[tuple[int, int, int], int] | None:
    """(profile, rate index, channels) and length of the ADTS AAC frame whose header starts at `at`, if one does."""
    head = data[at : at + 7]
    if len(head) < 7 or head[0] != 0xFF or (head[1] & 0xF6) != 0xF0:
        return None
    length = (head[3] & 3) << 11 | head[4] << 3 | head[5] >> 5
    rate_index = (head[2] >> 2) & 15
    if length < 7 or rate_index > 12:
        return None
    return (head[2] >> 6, rate_index, (head[2] & 1) << 2 | head[3] >> 6), length


def _is_adts(data: bytes, at: int = 0) -> bool:
    return _chained(data, at, _adts_frame)


_KBPS = {  # (MPEG-1?, layer) -> bitrate by index
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_frame(data: bytes, at: int) -> tuple[tuple[int, int, int], int] | None:
    """(version, layer, rate) and length of the MPEG audio frame whose header starts at `at`, if one does."""
    head = data[at : at + 4]
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return None
    version, layer = (head[1] >> 3) & 3, 4 - ((head[1] >> 1) & 3)
    bitrate_index, rate_index, padding = head[2] >> 4, (head[2] >> 2) & 3, (head[2] >> 1) & 1
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    kbps, rate = _KBPS[(version == 3, layer)][bitrate_index], _RATES[version][rate_index]
    if layer == 1:
        length = (12 * kbps * 1000 // rate + padding) * 4
    else:
        length = (72 if layer == 3 and version != 3 else 144) * kbps * 1000 // rate + padding
    return (version, layer, rate), length


def _is_mpeg_audio(data: bytes, at: int = 0) -> bool:
    return _chained(data, at, _mpeg_frame)


def _chained(data: bytes, at: int, read_frame, frames: int = 3) -> bool:
    """Whether `data` has `frames` chained frames of one kind from `at`, as ffmpeg's own probes ask: a header-like
    pair of bytes alone is common in random data."""
    kind = None
    for _ in range(frames):
        frame = read_frame(data, at)
        if frame is None or (kind is not None and frame[0] != kind):
            return False
        kind, at = frame[0], at + frame[1]
        if at >= len(data):  # a file shorter than the frames asked for: its frames so far agree
            return True
    return True
