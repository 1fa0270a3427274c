"""16-bit PCM: how audio is stored (the clip cache, synthetic sources) and batched until it reaches the
device (step 2; paper §3.1). ``int16 = round(clip(x, -1, 1) * 32767)`` and ``x = int16 / 32767``, the
original code's scaling; the one place this convention is written (``avscene.models.inputs`` turns
batches into the network's floats with it).
"""
from __future__ import annotations

import numpy as np

PCM16_SCALE = 32767.0


def to_pcm16(audio: np.ndarray) -> np.ndarray:
    """Float audio ``[...]`` in [-1, 1] (clipped outside) -> int16 ``[...]``, rounded to nearest."""
    return np.rint(np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0) * np.float32(PCM16_SCALE)).astype(np.int16)


def from_pcm16(audio: np.ndarray) -> np.ndarray:
    """int16 audio ``[...]`` -> float32 ``[...]`` in [-1, 1]."""
    return np.asarray(audio).astype(np.float32) / np.float32(PCM16_SCALE)
