"""Where the aligned and the shifted windows start: the shift pretext task's sampler (notebook 01).

Owens & Efros §3.1; reference notes §1.1. A video of ``F`` frames offers ``S = F - T`` window starts
``0 .. S-1`` for a window of ``T`` frames (the original: 302-frame videos, 125-frame windows, starts
0..176). The aligned example takes frames and audio from the same start ``a``; the shifted one takes its
audio from start ``b`` of the **same** video, where the two windows overlap by at most
``max_overlap_frames`` (60), i.e. ``|a - b| >= T - max_overlap``. ``(a, b)`` is drawn uniformly from all
valid ordered pairs (12,656 in the original), so shifts run from 65 to 176 frames (2.17 to 5.87 s) in
either direction, with the triangular distribution of :func:`shift_distribution`.

Variants (``ShiftSpec.negatives``): ``"other_video"`` takes the negative's audio from a random other
video (the paper's weaker ablation); ``"small"`` draws ``1 <= |a - b| <= small_max`` frames (fine-tuning
and sync-offset work). Audio is never padded: every window lies inside its video.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEGATIVES = ("same_video", "other_video", "small")


@dataclass(frozen=True)
class ShiftPlan:
    """Window starts for a batch of videos (all arrays ``[B]``, in frames of the profile's fps).

    Example ``i`` shows frames ``video_start[i] : video_start[i] + T`` of video ``video[i]`` with two
    soundtracks: the aligned one (same start, same video) and the shifted one, taken from video
    ``audio_video[i]`` (the same video unless ``negatives="other_video"``) at ``audio_start[i]``.
    """

    video: np.ndarray  # int64 [B]
    video_start: np.ndarray  # int64 [B]
    audio_video: np.ndarray  # int64 [B]
    audio_start: np.ndarray  # int64 [B]

    @property
    def shift_frames(self) -> np.ndarray:
        """Signed shift of the negative's audio in frames (``audio_start - video_start``) ``[B]``."""
        return self.audio_start - self.video_start

    def __len__(self) -> int:
        return len(self.video)


def valid_pair_count(n_frames: int, clip_frames: int, max_overlap_frames: int) -> int:
    """Number of ordered (video start, audio start) pairs the original samples from (12,656 at 302/125/60)."""
    starts = n_frames - clip_frames
    min_shift = clip_frames - max_overlap_frames
    longest = starts - min_shift  # pairs at distance d: starts - d, for d = min_shift .. starts - 1
    return max(longest, 0) * (max(longest, 0) + 1)


def shift_distribution(n_frames: int, clip_frames: int, max_overlap_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact law of the signed shift: values ``[K]`` (frames) and probabilities ``[K]``."""
    starts = n_frames - clip_frames
    d = np.arange(clip_frames - max_overlap_frames, starts)
    weight = (starts - d).astype(np.float64)
    values = np.concatenate([-d[::-1], d])
    probs = np.concatenate([weight[::-1], weight])
    return values, probs / probs.sum()


def min_video_frames(clip_frames: int, max_overlap_frames: int) -> int:
    """Shortest video (frames) that admits one shifted pair: ``T + (T - max_overlap) + 1``."""
    return 2 * clip_frames - max_overlap_frames + 1


def _draw_distance(rng: np.random.Generator, starts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per video, |shift| ``d`` in ``[lo, hi]`` with probability proportional to ``starts - d`` ``[B]``.

    Inverse-CDF sampling of the decreasing-linear law, vectorized over videos of different lengths.
    """
    # weights w(d) = starts - d for d = lo..hi; cumulative C(k) for k = d - lo
    a = (starts - lo).astype(np.float64)  # weight at d = lo
    n = (hi - lo + 1).astype(np.float64)  # number of admissible distances
    total = n * a - n * (n - 1) / 2
    u = rng.random(len(starts)) * total
    # C(k) = (k+1) a - k (k+1) / 2 >= u  -> smallest integer k; solve the quadratic, then fix rounding
    k = np.ceil(((2 * a + 1) - np.sqrt((2 * a + 1) ** 2 - 8 * u)) / 2 - 1).astype(np.int64)
    k = np.clip(k, 0, (n - 1).astype(np.int64))
    cdf = lambda kk: (kk + 1) * a - kk * (kk + 1) / 2  # noqa: E731
    k = np.where(cdf(k) < u, k + 1, k)
    k = np.where((k > 0) & (cdf(k - 1) >= u), k - 1, k)
    return lo + np.minimum(k, (n - 1).astype(np.int64))


def sample_shifts(rng: np.random.Generator, n_frames: np.ndarray, videos: np.ndarray, clip_frames: int,
                  max_overlap_frames: int, negatives: str = "same_video",
                  small_max_frames: int | None = None) -> ShiftPlan:
    """Draw one aligned/shifted pair of window starts for each entry of ``videos`` ``[B]``.

    ``n_frames`` ``[V]`` is every video's length in frames (at the profile's fps); videos shorter than
    :func:`min_video_frames` must have been excluded when the index was built (a ``ValueError`` here).
    """
    if negatives not in NEGATIVES:
        raise ValueError(f"negatives must be one of {NEGATIVES}, got {negatives!r}")
    videos = np.asarray(videos, dtype=np.int64)
    frames = np.asarray(n_frames, dtype=np.int64)[videos]
    starts = frames - clip_frames  # window starts 0 .. starts-1
    min_shift = clip_frames - max_overlap_frames
    if negatives == "small":
        hi_small = small_max_frames or max(1, min_shift - 1)
        lo, hi = np.ones_like(starts), np.minimum(hi_small, starts - 1)
    else:
        lo, hi = np.full_like(starts, min_shift), starts - 1
    if np.any(hi < lo):
        bad = videos[hi < lo][:5]
        raise ValueError(f"videos {bad.tolist()} are too short for {clip_frames}-frame windows with "
                         f"{negatives} shifts (need >= {min_video_frames(clip_frames, max_overlap_frames)} frames)")
    if negatives == "other_video":
        # the frames' window is uniform; the negative's audio is a uniform window of another video
        video_start = (rng.random(len(videos)) * starts).astype(np.int64)
        n_videos = len(n_frames)
        other = (videos + 1 + (rng.random(len(videos)) * (n_videos - 1)).astype(np.int64)) % n_videos
        other_starts = np.asarray(n_frames, dtype=np.int64)[other] - clip_frames
        audio_start = (rng.random(len(videos)) * other_starts).astype(np.int64)
        return ShiftPlan(videos, video_start, other, audio_start)
    d = _draw_distance(rng, starts, lo, hi)
    # given d, the earlier start is uniform over 0 .. starts-1-d; the direction is a fair coin
    first = (rng.random(len(videos)) * (starts - d)).astype(np.int64)
    forward = rng.random(len(videos)) < 0.5
    video_start = np.where(forward, first, first + d)
    audio_start = np.where(forward, first + d, first)
    return ShiftPlan(videos, video_start, videos.copy(), audio_start)


def audio_offset(start_frame: np.ndarray | int, fps: float, sample_rate: int) -> np.ndarray:
    """First audio sample of a window starting at ``start_frame``: ``round(start * sr / fps)``.

    The original code's ``round(700.7 * frame)`` at 21 kHz and 29.97 fps.
    """
    return np.rint(np.asarray(start_frame, dtype=np.float64) * sample_rate / fps).astype(np.int64)
