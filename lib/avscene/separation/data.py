"""Mixtures for on/off-screen separation (Owens & Efros §6; reference notes §1.7; notebook 06).

The original mixes the sound of two videos: every source is RMS-normalised to 0.1 (per channel, over
time), the mixture is their sum, and each pair appears twice in a batch, once with each video on screen
(``both_videos_in_batch``). Here the videos are *solo* clips of the synthetic world (one sounding object
on screen, its sound alone: :func:`synthetic`), and a controlled share of pairs (``p_same_class``) pairs two
objects of the same class, where only the motion can tell which voice belongs to the picture.

A *source* of solo videos (:class:`ClipSource`) has per-video frame and sample counts and cuts one clip at a
time: :class:`SoloSource` holds the synthetic world in memory, :class:`CacheSoloSource` reads real videos
(VoxCeleb2: :mod:`avscene.separation.voxceleb2`) through the clip cache. Its optional ``groups`` (speaker
identities) keep two clips of one speaker out of a mixture.

A dataset item is one *pair* (both clips cut at their own random start, frames and sound on one timeline as
everywhere else); :func:`collate` lays a batch of ``P`` pairs out as ``2P`` examples::

    frames [2P, T, c, c, 3] uint8   on [2P, C, N]   off [2P, C, N]   mixture = on + off   same_class [2P]

with example ``k`` and ``k + P`` the same mixture, seen from either video. At test the mixture is scaled to
RMS 0.1414 (``sqrt(0.1^2 + 0.1^2)``, the original's inference level) and both targets with it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch.utils.data import Dataset

from .. import sampling
from ..config import Profile
from ..io.cache import ClipCache
from ..io.pcm import from_pcm16
from ..models.inputs import frames_to_net
from ..shift.dataset import crop
from ..synthetic.datasets import SeparationSet

SOURCE_RMS = 0.1  # every source in training (per channel, over time)
MIXTURE_RMS = float(np.sqrt(2) * SOURCE_RMS)  # the mixture at test: sqrt(0.1^2 + 0.1^2) ~ 0.1414


class ClipSource(Protocol):
    """Solo videos to mix (notebook 06; paper §6): ``classes`` int64 ``[V]`` (``same_class`` compares them),
    ``groups`` int64 ``[V]`` or ``None`` (who speaks: two videos of one group never share a mixture),
    ``n_frames`` / ``n_samples`` int64 ``[V]`` at ``fps`` / ``sample_rate``, and
    ``clip(video, start, frames, samples)``: frames uint8 ``[frames, H, W, 3]`` from frame ``start`` and
    sound float32 ``[C, samples]`` from sample ``sampling.audio_offset(start, fps, sample_rate)``."""

    classes: np.ndarray
    groups: np.ndarray | None
    fps: float
    sample_rate: int

    @property
    def n_frames(self) -> np.ndarray: ...

    @property
    def n_samples(self) -> np.ndarray: ...

    def __len__(self) -> int: ...

    def clip(self, video: int, start: int, frames: int, samples: int) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass
class SoloSource:
    """Solo videos in memory, all of one length: frames uint8 ``[V, F, H, W, 3]``, the on-screen object's
    sound float32 ``[V, C, N]`` (nothing else in it), its class int64 ``[V]``, and optionally ``groups``
    int64 ``[V]`` (``None`` in the synthetic world: every video is its own speaker)."""

    frames: np.ndarray
    audio: np.ndarray
    classes: np.ndarray
    fps: float
    sample_rate: int
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        v = len(self.classes)
        if self.frames.shape[0] != v or self.audio.shape[0] != v:
            raise ValueError(f"{self.frames.shape[0]} videos of frames, {self.audio.shape[0]} of audio, {v} classes")
        if self.groups is not None and len(self.groups) != v:
            raise ValueError(f"{len(self.groups)} groups for {v} videos")

    def __len__(self) -> int:
        return len(self.classes)

    @property
    def n_frames(self) -> np.ndarray:
        """Frames per video, int64 ``[V]`` (all ``F``)."""
        return np.full(len(self), self.frames.shape[1], np.int64)

    @property
    def n_samples(self) -> np.ndarray:
        """Audio samples per video, int64 ``[V]`` (all ``N``)."""
        return np.full(len(self), self.audio.shape[-1], np.int64)

    def clip(self, video: int, start: int, frames: int, samples: int) -> tuple[np.ndarray, np.ndarray]:
        """Frames uint8 ``[frames, H, W, 3]`` from ``start`` and sound float32 ``[C, samples]`` of the same
        seconds (views into the arrays)."""
        j = int(sampling.audio_offset(start, self.fps, self.sample_rate))
        return self.frames[video, start:start + frames], self.audio[video, :, j:j + samples]


class CacheSoloSource:
    """Real solo videos through the clip cache (``avscene.io.ClipCache``; VoxCeleb2, notebook 06's real-data
    path): each clip is read from the memory-mapped store (frames uint8 ``[T, H, W, 3]``, int16 audio
    ``[C, N]`` turned into float32 in [-1, 1]); ``classes`` int64 ``[V]``, ``groups`` int64 ``[V]`` or
    ``None``, ``n_frames`` / ``n_samples`` int64 ``[V]`` (read from the stores when not given)."""

    def __init__(self, cache: ClipCache, sources: Sequence[str | Path], classes: Sequence[int], *,
                 groups: Sequence[int] | None = None, n_frames: Sequence[int] | None = None,
                 n_samples: Sequence[int] | None = None) -> None:
        self.cache = cache
        self.sources = [str(s) for s in sources]
        self.fps, self.sample_rate = cache.fps, cache.sample_rate
        self.classes = np.asarray(classes, dtype=np.int64)
        self.groups = None if groups is None else np.asarray(groups, dtype=np.int64)
        if n_frames is None or n_samples is None:
            opened = [cache.open(s) for s in self.sources]
            n_frames = [o.frames.shape[0] for o in opened] if n_frames is None else n_frames
            n_samples = [o.audio.shape[1] for o in opened] if n_samples is None else n_samples
        self._n_frames = np.asarray(n_frames, dtype=np.int64)
        self._n_samples = np.asarray(n_samples, dtype=np.int64)
        v = len(self.sources)
        if not (len(self.classes) == len(self._n_frames) == len(self._n_samples) == v) or (
                self.groups is not None and len(self.groups) != v):
            raise ValueError(f"{v} videos, {len(self.classes)} classes, "
                             f"{'no' if self.groups is None else len(self.groups)} groups, "
                             f"{len(self._n_frames)} frame and {len(self._n_samples)} sample counts")

    def __len__(self) -> int:
        return len(self.sources)

    @property
    def n_frames(self) -> np.ndarray:
        return self._n_frames

    @property
    def n_samples(self) -> np.ndarray:
        return self._n_samples

    def clip(self, video: int, start: int, frames: int, samples: int) -> tuple[np.ndarray, np.ndarray]:
        """Frames uint8 ``[frames, H, W, 3]`` from ``start`` and sound float32 ``[C, samples]`` of the same
        seconds, copied out of the store; a clip at a video's very end that the audio misses by a rounding
        sample is zero-filled to ``samples``."""
        store = self.cache.open(self.sources[video])
        j = int(sampling.audio_offset(start, self.fps, self.sample_rate))
        pictures = np.array(store.frames[start:start + frames])
        sound = from_pcm16(store.audio[:, j:j + samples])
        if sound.shape[1] < samples:
            sound = np.pad(sound, ((0, 0), (0, samples - sound.shape[1])))
        return pictures, sound

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (a spawned loader worker) without the cache's open memory maps."""
        state = dict(self.__dict__)
        c = self.cache
        state["cache"] = ClipCache(c.root, fps=c.fps, sample_rate=c.sample_rate, channels=c.channels,
                                   frame_size=c.frame_size, max_open=c.max_open)
        return state


def synthetic(cfg: Profile, split: str, n: int, *, classes: tuple[int, ...] | None = None) -> SoloSource:
    """``n`` solo clips of ``split`` (disjoint world seeds): the frames of a ``SeparationSet`` scene (one
    visible sounding object; its off-screen source has no pixels) with only that object's stem as sound."""
    kw = {"classes": tuple(classes)} if classes is not None else {}
    clips = SeparationSet(cfg.media, n, p_same_class=0.0, seed=cfg.seed, split=split, **kw)
    m = cfg.media
    frames = np.empty((n, clips.world.n_frames, m.frame_size, m.frame_size, 3), np.uint8)
    audio = np.empty((n, m.channels, clips.world.n_samples), np.float32)
    for i, clip in enumerate(clips):
        frames[i] = clip.frames
        audio[i] = clip.stems[clip.stem_onscreen].sum(axis=0)
    return SoloSource(frames, audio, clips.labels.astype(np.int64), m.fps, m.sample_rate)


def rms_normalize(audio: torch.Tensor, target: float, eps: float = 1e-8) -> torch.Tensor:
    """``audio [..., C, N]`` scaled so that each channel's RMS over time is ``target`` (silence stays silent)."""
    rms = audio.pow(2).mean(dim=-1, keepdim=True).sqrt()
    return audio * (target / rms.clamp_min(eps))


def draw_pairs(classes: np.ndarray, n: int, p_same: float, rng: np.random.Generator,
               groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pairs of distinct videos ``(first [n], second [n])``: with probability ``p_same`` the second has
    the first's class (when another video of it exists), else another class. With ``groups`` int ``[V]``
    (speakers) the second is never of the first's group (``ValueError`` when there is only one group);
    without them the draws are those of the synthetic world's runs."""
    classes = np.asarray(classes)
    v = len(classes)
    if groups is not None:
        groups = np.asarray(groups)
        if len(groups) != v:
            raise ValueError(f"{len(groups)} groups for {v} videos")
        if v and (groups == groups[0]).all():
            raise ValueError("every video is of one group (one speaker): no mixture of two speakers exists")
    first = rng.integers(0, v, n)
    same = rng.random(n) < p_same
    second = np.empty(n, dtype=np.int64)
    for k in range(n):  # n is a batch's pairs: not a hot loop
        pool = np.flatnonzero((classes == classes[first[k]]) == same[k])
        pool = pool[pool != first[k]] if groups is None else pool[groups[pool] != groups[first[k]]]
        if len(pool) == 0:  # a class with one video (or speaker), or a world of one class
            pool = (np.setdiff1d(np.arange(v), [first[k]]) if groups is None
                    else np.flatnonzero(groups != groups[first[k]]))
        second[k] = pool[rng.integers(len(pool))]
    return first.astype(np.int64), second


class MixtureDataset(Dataset):
    """Pairs of solo clips of ``clip_frames`` frames (default ``cfg.media.clip_frames``) and the sound of
    the same seconds from ``source`` (see the module docstring). ``train``: item ``i`` is a pure function of
    ``(seed, i)`` (exact resume), each clip at a random start with a random crop and flip; else ``n_test``
    fixed pairs (seed ``seed``), centre crops, clips from the middle of their videos.

    A clip starts at one of frames ``0 .. n_frames[v] - max(cfg.media.clip_frames, clip_frames)`` of its
    video (``free [V]``), so every video needs at least :meth:`min_frames` frames (``ValueError`` else)."""

    @staticmethod
    def min_frames(cfg: Profile, clip_frames: int | None = None) -> int:
        """The fewest frames a source video must hold: ``max(cfg.media.clip_frames, clip_frames)``."""
        return max(cfg.media.clip_frames, int(clip_frames or cfg.media.clip_frames))

    def __init__(self, source: ClipSource, cfg: Profile, *, p_same_class: float, seed: int = 0,
                 train: bool = True, n_test: int = 0, clip_frames: int | None = None) -> None:
        self.source, self.cfg, self.seed, self.train = source, cfg, int(seed), train
        self.p_same = float(p_same_class)
        m = cfg.media
        self.frames_per_clip = int(clip_frames or m.clip_frames)  # the original: 63 frames (2.135 s)
        self.samples = round(self.frames_per_clip * m.sample_rate / m.fps)
        need = self.min_frames(cfg, self.frames_per_clip)
        n_frames = np.asarray(source.n_frames, dtype=np.int64)
        self.free = n_frames - need  # int64 [V]: the last start of each video's clips
        short = int(np.argmin(n_frames)) if len(n_frames) else 0
        if not len(n_frames) or self.free[short] < 0 or int(np.min(source.n_samples)) < self.samples:
            got = int(n_frames[short]) if len(n_frames) else 0
            raise ValueError(f"videos of {got} frames are shorter than a {need}-frame clip")
        self.groups = getattr(source, "groups", None)
        if not train:
            self.pairs = draw_pairs(source.classes, n_test, self.p_same, np.random.default_rng([self.seed, 11]),
                                    self.groups)

    def __len__(self) -> int:
        return 10**9 if self.train else len(self.pairs[0])

    def _clip(self, video: int, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray, int]:
        """Frames ``[T, c, c, 3]`` and sound ``[C, N]`` of one clip of ``video`` and its first frame."""
        free = int(self.free[video])
        start = int(rng.integers(0, free + 1)) if rng is not None else free // 2
        frames, sound = self.source.clip(video, start, self.frames_per_clip, self.samples)
        frames = crop(frames, self.cfg.media.crop_size, rng)
        return np.ascontiguousarray(frames), np.ascontiguousarray(sound), start

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if self.train:
            rng = np.random.default_rng([self.seed, 12, int(index)])
            (a,), (b,) = draw_pairs(self.source.classes, 1, self.p_same, rng, self.groups)
        else:
            rng = None
            a, b = int(self.pairs[0][index]), int(self.pairs[1][index])
        fa, sa, start_a = self._clip(int(a), rng)
        fb, sb, start_b = self._clip(int(b), rng)
        same = bool(self.source.classes[a] == self.source.classes[b])
        return {"frames_a": torch.from_numpy(fa), "frames_b": torch.from_numpy(fb), "audio_a": torch.from_numpy(sa),
                "audio_b": torch.from_numpy(sb), "same_class": torch.tensor(same),
                "videos": torch.tensor([int(a), int(b)]), "starts": torch.tensor([start_a, start_b]),
                "test": torch.tensor(not self.train)}


def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """``P`` pairs -> ``2P`` examples, each pair once with either video on screen (``both_videos_in_batch``):
    frames uint8 ``[2P, T, c, c, 3]``, ``on`` / ``off`` / ``mixture`` float32 ``[2P, C, N]`` (sources at RMS
    0.1; at test the mixture at RMS 0.1414, the targets scaled with it), ``same_class`` bool ``[2P]``,
    ``video`` (the on-screen one) and its clip's first frame ``start`` ``[2P]``."""
    def stack(key: str) -> torch.Tensor:
        return torch.stack([it[key] for it in items])

    a, b = rms_normalize(stack("audio_a"), SOURCE_RMS), rms_normalize(stack("audio_b"), SOURCE_RMS)
    on, off = torch.cat([a, b]), torch.cat([b, a])
    mixture = on + off
    if bool(items[0]["test"]):
        gain = MIXTURE_RMS / mixture.pow(2).mean(dim=(-2, -1), keepdim=True).sqrt().clamp_min(1e-8)
        on, off, mixture = on * gain, off * gain, mixture * gain
    videos, starts = stack("videos"), stack("starts")
    return {"frames": torch.cat([stack("frames_a"), stack("frames_b")]), "on": on, "off": off, "mixture": mixture,
            "same_class": torch.cat([stack("same_class")] * 2), "video": torch.cat([videos[:, 0], videos[:, 1]]),
            "start": torch.cat([starts[:, 0], starts[:, 1]])}


def to_device(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    """Move a batch; frames become the network's floats ``[B, 3, T, c, c]`` in [-1, 1]."""
    out = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
    out["frames"] = frames_to_net(out["frames"])
    return out
