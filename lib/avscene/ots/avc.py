"""Audio-visual correspondence (AVC): the Objects-that-Sound pretext pairs, honest and with a shortcut
(notebook 07; Arandjelović & Zisserman 2018, §3 and the L³-Net's AVC task; reference notes §2.5, §2.8).

**Positive**: one frame of a video and 1 s of audio from the same video at the same time. **Negative**:
the frame and 1 s of audio from a *different* video. Labels 1 / 0, drawn 50/50.

One timeline for frames and sound: frame ``k`` starts at ``k / fps`` seconds, audio sample ``j`` is at
``j / sample_rate``; the frame's time in samples is ``avscene.sampling.audio_offset(k, fps, sr)`` (=
``round(k · sr / fps)``). The 1-s window (``win = round(seconds · sr)`` samples) starts at

    start = audio_offset(k) - win // 2 + δ,     δ uniform on the integers in [-max_offset, +max_offset]

with ``max_offset = round(max_offset_seconds · sr)`` (default :data:`MAX_OFFSET_SECONDS` = 0.25 s): the
frame's time falls anywhere in the middle half of its window, never on a fixed phase of the window, of
the frame grid or of a codec frame (the paper's care, notes §2.5). Frames are drawn only where every
offset keeps the window inside the video (:attr:`AVCDataset.valid_frames`), so nothing is padded.

A negative takes its window at the **same** ``start`` in another video, through the same code path
(:meth:`AVCDataset._cut`): positives and negatives differ in the audio's video index and in nothing
else. ``negatives="other_video"`` (the paper) draws the other video uniformly; ``"other_classes"``
draws it among videos whose class sets do not intersect the frame's (the ``kyuyeonpooh``
re-implementation; removes the same-class label noise of notes §2.8.2).

Item ``i`` is a pure function of ``(seed, i)`` (``np.random.default_rng([seed, i, SALT])``): the video, the
frame, the label, the offset, the other video and the crop are drawn in that order, every one of them
for every item. Each item draws its own video, so any order of indices is shuffled across videos
(notes §2.5, the ``lrh2000`` ordering shortcut).

**The cautionary tale** (``shortcut=True``): the negatives' audio goes through a different "decoder":
resampled to ``SHORTCUT_BANDWIDTH · sr`` (0.8) and back with an ideal FFT resampler (the method of
``scipy.signal.resample``), i.e. everything above 80 % of the Nyquist frequency removed, as a
lower-bitrate codec would. Nothing about the scene changes, yet :func:`highband_score` (the top 10 % of
the spectrogram's bins, no learning) separates positives from negatives at 89-94 % (``smoke``) and
95-97 % (``cpu``) over three item seeds and two clip seeds, where it is at chance (46-54 %) in the
honest mode (tested at ``smoke``: > 85 % and within 10 points of 50 %).

:func:`collate` (or :meth:`AVCDataset.collate`) gives the networks' batch: ``image`` float ``[B, 3, c, c]``
in [-1, 1] (``avscene.models.inputs.frames_to_net``), ``spec`` ``[B, 1, F, T]``
(:func:`avscene.ots.spectrogram.log_spectrogram`), ``label``, ``video``, ``audio_video`` ``[B]`` int64
and the bookkeeping (``frame_index``, ``audio_start``, ``offset``, raw mono ``audio [B, win]``).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from ..models.inputs import frames_to_net
from ..sampling import audio_offset
from .spectrogram import log_spectrogram

__all__ = ["MAX_OFFSET_SECONDS", "NEGATIVES", "SHORTCUT_BANDWIDTH", "AVCDataset", "centred_sound", "collate",
           "detector_accuracy", "highband_score", "lowpass_resample", "stack_clips", "window_start"]

#: Largest random offset of the audio window's centre from the frame's time (seconds, either way).
MAX_OFFSET_SECONDS = 0.25
#: The shortcut negatives' bandwidth as a fraction of the Nyquist frequency.
SHORTCUT_BANDWIDTH = 0.8
NEGATIVES = ("other_video", "other_classes")
SALT = 2018_07
CROPS = ("random", "center")


def stack_clips(clip_set: Sequence[Any], indices: Sequence[int] | None = None,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Generate clips of a ``SoloDuetSet`` (or any set with ``class_sets``) into memory:
    ``(frames uint8 [V, T, H, W, 3], audio float32 [V, C, N], class_sets bool [V, K])``."""
    idx = list(range(len(clip_set))) if indices is None else [int(i) for i in indices]
    clips = [clip_set[i] for i in idx]
    frames = np.stack([c.frames for c in clips])
    audio = np.stack([c.audio for c in clips]).astype(np.float32, copy=False)
    return frames, audio, np.asarray(clip_set.class_sets)[idx]


def window_start(frame: np.ndarray | int, fps: float, sample_rate: int, window: int) -> np.ndarray:
    """First sample of the ``window``-sample sound centred on frame ``frame``'s time:
    ``audio_offset(frame) - window // 2`` (every AVC item, retrieval input and AVOL map of notebook 07)."""
    return audio_offset(frame, fps, sample_rate) - window // 2


def centred_sound(audio: np.ndarray, frame: int, fps: float, sample_rate: int, seconds: float = 1.0) -> torch.Tensor:
    """The mono ``seconds`` of ``audio [V, C, N]`` centred on frame ``frame`` of every video -> ``[V, win]``
    float32 (``ValueError`` when the window leaves the audio); the AVC pairs' window at offset 0."""
    win = round(seconds * sample_rate)
    start = int(window_start(frame, fps, sample_rate, win))
    if start < 0 or start + win > audio.shape[-1]:
        raise ValueError(f"the {seconds:g}-s window around frame {frame} ({start}..{start + win}) leaves the "
                         f"{audio.shape[-1]}-sample audio")
    return torch.from_numpy(audio[:, :, start:start + win].mean(axis=1, dtype=np.float32))


def lowpass_resample(audio: np.ndarray, bandwidth: float = SHORTCUT_BANDWIDTH) -> np.ndarray:
    """Resample ``[..., N]`` to ``bandwidth · sr`` and back with an ideal FFT resampler: every rFFT bin above
    ``bandwidth`` of the Nyquist bin is zeroed (the shortcut negatives' decoder). float32, same shape."""
    spec = np.fft.rfft(np.asarray(audio, dtype=np.float64), axis=-1)
    keep = int(np.floor(bandwidth * (spec.shape[-1] - 1))) + 1
    spec[..., keep:] = 0
    return np.fft.irfft(spec, n=audio.shape[-1], axis=-1).astype(np.float32)


class AVCDataset(Dataset):
    """AVC pairs over videos in memory; item ``i`` is a pure function of ``(seed, i)``.

    ``frames`` uint8 ``[V, T, H, W, 3]``, ``audio`` float ``[V, C, N]`` (one timeline, see the module
    docstring), ``class_sets`` bool ``[V, K]``. ``crop``: ``"random"`` (training) or ``"center"``
    (evaluation) square of ``crop_size`` pixels. ``n`` items (default ``V``).
    """

    def __init__(self, frames: np.ndarray, audio: np.ndarray, class_sets: np.ndarray, *, fps: float,
                 sample_rate: int, crop_size: int, n: int | None = None, seed: int = 0, seconds: float = 1.0,
                 max_offset_seconds: float = MAX_OFFSET_SECONDS, p_positive: float = 0.5, crop: str = "random",
                 negatives: str = "other_video", shortcut: bool = False,
                 shortcut_bandwidth: float = SHORTCUT_BANDWIDTH) -> None:
        if frames.ndim != 5 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise ValueError(f"frames must be uint8 [V, T, H, W, 3], got {frames.dtype} {frames.shape}")
        if audio.ndim != 3 or audio.shape[0] != frames.shape[0]:
            raise ValueError(f"audio must be [V, C, N] with V = {frames.shape[0]}, got {audio.shape}")
        if len(class_sets) != frames.shape[0]:
            raise ValueError(f"{len(class_sets)} class sets for {frames.shape[0]} videos")
        if frames.shape[0] < 2:
            raise ValueError("negatives need at least two videos")
        if negatives not in NEGATIVES:
            raise ValueError(f"negatives must be one of {NEGATIVES}, got {negatives!r}")
        if crop not in CROPS:
            raise ValueError(f"crop must be one of {CROPS}, got {crop!r}")
        if crop_size > min(frames.shape[2:4]):
            raise ValueError(f"crop {crop_size} is larger than the {frames.shape[2]}x{frames.shape[3]} frames")
        self.frames, self.audio = frames, audio
        self.class_sets = np.asarray(class_sets, dtype=bool)
        self.fps, self.sample_rate, self.crop_size = float(fps), int(sample_rate), int(crop_size)
        self.n = int(n) if n is not None else frames.shape[0]
        self.seed, self.p_positive, self.crop, self.negatives = int(seed), float(p_positive), crop, negatives
        self.shortcut, self.shortcut_bandwidth = bool(shortcut), float(shortcut_bandwidth)
        self.window = round(seconds * self.sample_rate)
        self.max_offset = round(max_offset_seconds * self.sample_rate)
        first = window_start(np.arange(frames.shape[1]), self.fps, self.sample_rate, self.window)
        ok = (first - self.max_offset >= 0) & (first + self.max_offset + self.window <= audio.shape[-1])
        self.valid_frames = np.flatnonzero(ok)
        if len(self.valid_frames) == 0:
            raise ValueError(f"no frame admits a {seconds:g}-s window with ±{max_offset_seconds:g}-s offsets in "
                             f"{audio.shape[-1] / self.sample_rate:g}-s videos")
        overlap = (self.class_sets.astype(np.int64) @ self.class_sets.T.astype(np.int64)) > 0
        self._disjoint = [np.flatnonzero(~row) for row in overlap]
        if negatives == "other_classes" and any(len(d) == 0 for d in self._disjoint):
            raise ValueError("some video has no video with disjoint classes for its negatives")

    @classmethod
    def from_set(cls, clip_set: Any, indices: Sequence[int] | None = None, **kw: Any) -> AVCDataset:
        """From a ``SoloDuetSet`` (generated into memory by :func:`stack_clips`), with its media's fps,
        sample rate and crop size unless given."""
        frames, audio, sets = stack_clips(clip_set, indices)
        media = clip_set.media
        kw = {"fps": media.fps, "sample_rate": media.sample_rate, "crop_size": media.crop_size, **kw}
        return cls(frames, audio, sets, **kw)

    def __len__(self) -> int:
        return self.n

    @property
    def n_videos(self) -> int:
        return self.frames.shape[0]

    def _cut(self, video: int, start: int) -> np.ndarray:
        """The one code path every item's sound goes through: mono ``[win]`` float32 from ``start``."""
        return self.audio[video, :, start:start + self.window].mean(axis=0, dtype=np.float32)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not -self.n <= index < self.n:
            raise IndexError(f"AVC index {index} out of range for {self.n} items")
        index = int(index) % self.n
        rng = np.random.default_rng([self.seed, index, SALT])
        video = int(rng.integers(self.n_videos))
        k = int(self.valid_frames[rng.integers(len(self.valid_frames))])
        positive = bool(rng.random() < self.p_positive)
        offset = int(rng.integers(-self.max_offset, self.max_offset + 1))
        if self.negatives == "other_classes":
            pool = self._disjoint[video]
            other = int(pool[rng.integers(len(pool))])
        else:
            other = int((video + 1 + rng.integers(self.n_videos - 1)) % self.n_videos)
        h, w = self.frames.shape[2:4]
        c = self.crop_size
        y0, x0 = int(rng.integers(h - c + 1)), int(rng.integers(w - c + 1))
        if self.crop == "center":
            y0, x0 = (h - c) // 2, (w - c) // 2
        audio_video = video if positive else other
        start = int(window_start(k, self.fps, self.sample_rate, self.window)) + offset
        sound = self._cut(audio_video, start)
        if self.shortcut and not positive:
            sound = lowpass_resample(sound, self.shortcut_bandwidth)
        return {"frame": self.frames[video, k, y0:y0 + c, x0:x0 + c], "audio": sound, "label": int(positive),
                "video": video, "audio_video": audio_video, "frame_index": k, "audio_start": start,
                "offset": offset}

    def collate(self, items: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
        """:func:`collate` at this dataset's sample rate (a ``DataLoader``'s ``collate_fn``)."""
        return collate(items, self.sample_rate)


def collate(items: Sequence[dict[str, Any]], sample_rate: int) -> dict[str, torch.Tensor]:
    """A batch of :class:`AVCDataset` items -> ``image [B, 3, c, c]`` in [-1, 1], ``spec [B, 1, F, T]``,
    ``audio [B, win]``, and int64 ``[B]``: ``label``, ``video``, ``audio_video``, ``frame_index``,
    ``audio_start``, ``offset``."""
    frames = torch.from_numpy(np.stack([it["frame"] for it in items]))  # [B, c, c, 3]
    audio = torch.from_numpy(np.stack([it["audio"] for it in items]))  # [B, win]
    batch = {"image": frames_to_net(frames[:, None])[:, :, 0], "spec": log_spectrogram(audio, sample_rate),
             "audio": audio}
    for key in ("label", "video", "audio_video", "frame_index", "audio_start", "offset"):
        batch[key] = torch.tensor([it[key] for it in items], dtype=torch.int64)
    return batch


def highband_score(spec: torch.Tensor, top: float = 0.1) -> torch.Tensor:
    """The hand-written shortcut detector (no learning): ``spec [B, 1, F, T] -> [B]``, the largest (over
    time) mean standardised log-magnitude of the top ``top`` fraction of frequency bins. The shortcut
    negatives, band-limited below them, sit near the floor there."""
    f = spec.shape[-2]
    band = spec[..., f - max(1, round(top * f)):, :]  # [B, 1, f_top, T]
    return band.mean(dim=(1, 2)).amax(dim=-1)


def detector_accuracy(score: torch.Tensor | np.ndarray, label: torch.Tensor | np.ndarray) -> float:
    """Accuracy of "positive when ``score`` is above its median" (no learning; labels about balanced)."""
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(label).astype(bool)
    return float(((s > np.median(s)) == y).mean())
