"""Audio-visual media I/O with PyAV: the one decoder and encoder for video and audio (step 2).

``probe`` describes a file, ``load_clip`` reads a frame-exact window, ``ClipCache`` stores decoded videos
for fast random windows, ``write_av`` encodes; bad input raises a ``MediaError`` naming the file.
"""
from .cache import CachedVideo, ClipCache
from .errors import (ClipRangeError, EmptyMediaError, MediaError, NoAudioStreamError, NoVideoStreamError,
                     TruncatedMediaError, UnreadableMediaError)
from .load import Clip, clip_lengths, load_clip, output_size
from .media_info import MediaInfo, probe
from .write import write_av

__all__ = ["write_av", "probe", "MediaInfo", "load_clip", "Clip", "clip_lengths", "output_size",
           "ClipCache", "CachedVideo", "MediaError", "UnreadableMediaError", "TruncatedMediaError",
           "EmptyMediaError", "NoVideoStreamError", "NoAudioStreamError", "ClipRangeError"]
