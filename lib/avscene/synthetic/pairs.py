"""Aligned vs. shifted window pairs of one video for the world's acceptance measurements (step 3).

The pairs come from the pretext task's own sampler (``avscene.sampling.sample_shifts``): uniform over
the original's valid (start, shifted start) pairs of the same video, both windows inside it.
"""
from __future__ import annotations

import numpy as np

from .. import sampling
from ..config import Profile


def window_pairs(rng: np.random.Generator, cfg: Profile, n: int) -> np.ndarray:
    """``n`` pairs ``[n, 2]`` of (video/aligned-audio start, shifted-audio start) in frames."""
    m = cfg.media
    plan = sampling.sample_shifts(rng, np.array([m.video_frames]), np.zeros(n, dtype=np.int64), m.clip_frames,
                                  cfg.shift.max_overlap_frames)
    return np.stack([plan.video_start, plan.audio_start], axis=1)


def cut(frames: np.ndarray, audio: np.ndarray, start: int, audio_start: int, clip_frames: int,
        fps: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Frames ``[clip_frames, H, W, 3]`` from ``start`` and audio ``[C, clip_samples]`` from frame ``audio_start``."""
    n = round(clip_frames * sr / fps)
    a0 = int(sampling.audio_offset(audio_start, fps, sr))
    if a0 + n > audio.shape[-1] or start + clip_frames > frames.shape[0]:
        raise ValueError(f"window {start}/{audio_start} + {clip_frames} frames does not fit the video")
    return frames[start:start + clip_frames], audio[:, a0:a0 + n]
