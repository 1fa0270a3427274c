"""The shift task's dataset: each item is one video's frames with its aligned and its shifted audio.

Owens & Efros §3.1; reference notes §1.1. Item ``i`` is a pure function of ``(seed, i)`` (for exact
resume, ``avscene.train.data``): epoch ``i // V`` visits the videos in a seeded permutation; the window
starts come from ``avscene.sampling.sample_shifts`` (uniform over valid pairs, same video); the
augmentation is the original's: one random crop for every frame of the clip and a horizontal flip with
p = 0.5 **without swapping the audio channels** (as the original code does; a flipped scene therefore
pans the wrong way, which the task cannot exploit since both examples share the flip). Held-out items use
the centre crop and no flip. Videos too short for the window plus the smallest shift are excluded here
and counted; audio is never padded.

Items hold uint8 frames ``[T, H, W, 3]`` and int16 audio ``[2, C, N]`` (aligned, shifted); the batch goes
to the device as it is and becomes float there (:func:`to_device`, ``avscene.models.inputs``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch.utils.data import Dataset

from .. import sampling
from ..config import Profile
from ..datasets.sources import VideoSource
from ..models.inputs import audio_to_net, frames_to_net


@dataclass(frozen=True)
class Excluded:
    """Videos left out of a shift dataset (too short), by source index."""

    videos: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.videos)


def crop(frames: np.ndarray, size: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """A ``size``-pixel square of every frame of ``frames [T, H, W, 3]`` -> ``[T, size, size, 3]``: the
    original's training augmentation (one random crop for the whole clip, then a horizontal flip with
    p = 0.5) when ``rng`` is given, else the centre crop of held-out evaluation."""
    h, w = frames.shape[1:3]
    if rng is None:
        y, x, flip = (h - size) // 2, (w - size) // 2, False
    else:
        y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        flip = bool(rng.random() < 0.5)
    out = np.asarray(frames[:, y:y + size, x:x + size])
    return out[:, :, ::-1] if flip else out


class ShiftDataset(Dataset):
    """Aligned + shifted examples from ``source`` under ``cfg`` (window, shift law, crop size)."""

    def __init__(self, source: VideoSource, cfg: Profile, *, seed: int = 0, train: bool = True,
                 negatives: str | None = None, small_max_frames: int | None = None) -> None:
        self.source, self.cfg, self.seed, self.train = source, cfg, int(seed), train
        self.negatives = negatives or cfg.shift.negatives
        self.small_max_frames = small_max_frames
        m = cfg.media
        if abs(source.fps - m.fps) > 1e-6 or source.sample_rate != m.sample_rate:
            raise ValueError(f"source is at {source.fps} fps / {source.sample_rate} Hz, profile {cfg.name!r} "
                             f"wants {m.fps} fps / {m.sample_rate} Hz")
        need = sampling.min_video_frames(m.clip_frames, cfg.shift.max_overlap_frames)
        n_frames = np.asarray(source.n_frames)
        self.videos = np.flatnonzero(n_frames >= need)  # usable source indices
        self.excluded = Excluded(tuple(np.flatnonzero(n_frames < need).tolist()))
        if len(self.videos) == 0 or (self.negatives == "other_video" and len(self.videos) < 2):
            raise ValueError(f"no usable videos: all {len(n_frames)} are shorter than {need} frames "
                             f"({need / m.fps:.2f} s) needed for {m.clip_frames}-frame windows and shifts")
        self.n_frames = n_frames[self.videos]

    def __len__(self) -> int:
        """One epoch (the sampler may run past it: items are defined for every index)."""
        return len(self.videos)

    @lru_cache(maxsize=4)
    def _order(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, 1, epoch]).permutation(len(self.videos))

    def plan(self, index: int) -> tuple[sampling.ShiftPlan, np.random.Generator]:
        """Which video and which window starts item ``index`` uses (and its generator, for the crop)."""
        rng = np.random.default_rng([self.seed, 0, index])
        epoch, pos = divmod(index, len(self.videos))
        local = self._order(epoch)[pos]
        m = self.cfg.media
        plan = sampling.sample_shifts(rng, self.n_frames, np.array([local]), m.clip_frames,
                                      self.cfg.shift.max_overlap_frames, self.negatives, self.small_max_frames)
        return plan, rng

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        plan, rng = self.plan(int(index))
        m = self.cfg.media
        v, a = int(self.videos[plan.video[0]]), int(self.videos[plan.audio_video[0]])
        s0, s1 = int(plan.video_start[0]), int(plan.audio_start[0])
        frames, audio = self.source.read(v)
        other_audio = audio if a == v else self.source.read(a)[1]
        n = m.clip_samples
        j0, j1 = (int(x) for x in sampling.audio_offset(np.array([s0, s1]), m.fps, m.sample_rate))
        if j0 + n > audio.shape[1] or j1 + n > other_audio.shape[1]:
            raise ValueError(f"video {v}: audio ends before frame window [{s0}, {s0 + m.clip_frames}) "
                             f"or [{s1}, ...) does (the cache or source is inconsistent)")
        clip = crop(frames[s0:s0 + m.clip_frames], m.crop_size, rng if self.train else None)
        sound = np.stack([audio[:, j0:j0 + n], other_audio[:, j1:j1 + n]])
        return {"frames": torch.from_numpy(np.ascontiguousarray(clip)),  # uint8 [T, c, c, 3]
                "audio": torch.from_numpy(np.ascontiguousarray(sound)),  # int16 [2, C, N]
                "video": torch.tensor(v), "shift_frames": torch.tensor(s1 - s0 if a == v else 0)}


def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Stack items: frames uint8 ``[B, T, H, W, 3]``, audio int16 ``[B, 2, C, N]``, video ``[B]``."""
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}


def to_device(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    """Move a batch and convert it there (``avscene.models.inputs``): frames float ``[B, 3, T, H, W]`` and
    audio float ``[B, 2, C, N]``, both in [-1, 1]."""
    out = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
    out["frames"] = frames_to_net(out["frames"])
    out["audio"] = audio_to_net(out["audio"])
    return out
