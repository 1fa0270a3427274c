"""Aligned vs. shifted window pairs of one video: the pretext task's examples (Owens & Efros 2018, §3.1).

One small function, ``window_pairs``, that the sampling step (``avscene.sampling``) may replace: the
video window starts at frame ``s``; the aligned audio starts at ``s``; the shifted audio starts at ``s2``
with ``|s2 - s| >= clip_frames - max_overlap_frames`` (so the windows overlap by at most
``max_overlap_frames``), both windows inside the video (starts ``0..cfg.max_shift_frames``), no padding; ``(s, s2)`` is drawn uniformly from
all valid pairs, as the original code does (reference notes §1.1), so both directions occur.
"""
from __future__ import annotations

import numpy as np

from ..config import Profile


def valid_pairs(max_start: int, min_shift: int) -> np.ndarray:
    """All ``(start, shifted_start)`` frame pairs ``[P, 2]`` with starts in ``0..max_start`` and ``|shift| >= min_shift``.

    ``max_start`` is ``cfg.max_shift_frames`` (``video_frames - clip_frames - 1``: the original's
    starts run 0..176 for 302-frame videos and 125-frame windows).
    """
    starts = np.arange(max_start + 1)
    s, s2 = np.meshgrid(starts, starts, indexing="ij")
    ok = np.abs(s - s2) >= min_shift
    if not ok.any():
        raise ValueError(f"no shift >= {min_shift} frames fits window starts 0..{max_start}")
    return np.stack([s[ok], s2[ok]], axis=1)


def window_pairs(rng: np.random.Generator, cfg: Profile, n: int) -> np.ndarray:
    """``n`` pairs ``[n, 2]`` of (video/aligned-audio start, shifted-audio start) in frames."""
    pairs = valid_pairs(cfg.max_shift_frames, cfg.min_shift_frames)
    return pairs[rng.integers(len(pairs), size=n)]


def cut(frames: np.ndarray, audio: np.ndarray, start: int, audio_start: int, clip_frames: int,
        fps: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Frames ``[clip_frames, H, W, 3]`` from ``start`` and audio ``[C, clip_samples]`` from frame ``audio_start``."""
    n = round(clip_frames * sr / fps)
    a0 = round(audio_start * sr / fps)
    if a0 + n > audio.shape[-1] or start + clip_frames > frames.shape[0]:
        raise ValueError(f"window {start}/{audio_start} + {clip_frames} frames does not fit the video")
    return frames[start:start + clip_frames], audio[:, a0:a0 + n]
