"""Audio-visual media I/O with PyAV: the one decoder and encoder for video and audio (step 2)."""
from .write import write_av

__all__ = ["write_av"]
