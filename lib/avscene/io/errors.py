"""The ``MediaError`` hierarchy: every bad input names the file and the problem (step 2).

Each class carries a short machine ``reason`` that ``avscene.datasets.scan`` counts skips by.
Nothing in ``avscene.io`` returns silently padded or short arrays: it raises one of these.
"""
from __future__ import annotations

from pathlib import Path


class MediaError(Exception):
    """Base class: ``str(err)`` is ``"<path>: <problem>"``; ``err.path``, ``err.problem``, ``err.reason``."""

    reason = "media_error"

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):  # picklable across process pools (scan)
        return (type(self), (self.path, self.problem))


class UnreadableMediaError(MediaError):
    """Missing, not a regular file, not a media container, or corrupt data the decoder rejects."""

    reason = "unreadable"


class TruncatedMediaError(MediaError):
    """The container promises more media than its data holds (a cut-off download)."""

    reason = "truncated"


class EmptyMediaError(MediaError):
    """A zero-byte file, or streams without a single decodable frame / sample."""

    reason = "empty"


class NoVideoStreamError(MediaError):
    """The file has no video stream."""

    reason = "no_video"


class NoAudioStreamError(MediaError):
    """The file has no audio stream (raised only where audio is required)."""

    reason = "no_audio"


class ClipRangeError(MediaError, ValueError):
    """The requested window ``[start, start + duration)`` is not inside the media (or is empty)."""

    reason = "out_of_range"
