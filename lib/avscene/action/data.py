"""Clips for action recognition: labelled videos, the clips cut from them, and the probes' views (notebook 05).

A *labelled source* is a video source (``avscene.datasets.sources.VideoSource``: ``read(v) -> (frames uint8
[F, H, W, 3], audio int16 [C, N])`` on one timeline) with ``labels`` int ``[V]`` and ``has_audio`` bool ``[V]``
(videos without a sound track read as silence, as about half of UCF-101 does). ``ArraySource`` holds a
synthetic ``ActionSet`` in memory; ``avscene.action.ucf101`` reads UCF-101.

``ActionDataset`` turns it into step-indexed items (``avscene.train.data``): in training, a clip of
``cfg.action.clip_frames`` frames starts anywhere in the video, one random crop and flip for all its
frames (``avscene.shift.dataset.crop``), and its audio moves by up to ``cfg.action.audio_jitter`` frames
(the paper's "small audio shifts down to one frame"); at test, ``test_windows`` evenly spaced clips per
video with the centre crop, whose class probabilities are averaged (:func:`avscene.action.task.predict`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from .. import sampling
from ..config import Profile
from ..io.pcm import to_pcm16
from ..models.inputs import audio_to_net, frames_to_net, single_frame
from ..shift.dataset import crop
from ..synthetic.datasets import N_ACTIONS, ActionSet

VIEWS = ("full", "single_frame", "audio_only")


@dataclass
class ArraySource:
    """Videos in memory: frames uint8 ``[V, F, H, W, 3]``, audio int16 ``[V, C, N]``, labels int64 ``[V]``."""

    frames: np.ndarray
    audio: np.ndarray
    labels: np.ndarray
    fps: float
    sample_rate: int
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        v = len(self.labels)
        if self.frames.shape[0] != v or self.audio.shape[0] != v:
            raise ValueError(f"{self.frames.shape[0]} videos of frames, {self.audio.shape[0]} of audio, {v} labels")
        self.n_frames = np.full(v, self.frames.shape[1], dtype=np.int64)
        self.has_audio = np.abs(self.audio).reshape(v, -1).max(axis=1) > 0

    def __len__(self) -> int:
        return len(self.labels)

    def read(self, video: int) -> tuple[np.ndarray, np.ndarray]:
        return self.frames[video], self.audio[video]


def clip_samples(cfg: Profile) -> int:
    """Audio samples of one action clip: the same seconds as its ``cfg.action.clip_frames`` frames (the
    pretraining window, ``cfg.media.clip_samples``, is usually longer)."""
    return round(cfg.action.clip_frames * cfg.media.sample_rate / cfg.media.fps)


def synthetic(cfg: Profile, split: str, per_class: int) -> ArraySource:
    """The profile's synthetic action videos of ``split`` (``train``, ``eval`` or ``test``: disjoint world
    seeds), ``per_class`` of each action, in memory (index ``i`` has class ``i % N_ACTIONS``, so the first
    ``k * N_ACTIONS`` videos hold ``k`` of each class)."""
    a = cfg.action
    clips = ActionSet(cfg.media, per_class * N_ACTIONS, design=a.design, seconds=a.video_seconds,
                      p_distractor=a.p_distractor, travel=a.travel, shake=a.shake,
                      seed=cfg.seed, split=split)
    if clips.world.n_frames < a.clip_frames:
        raise ValueError(f"action videos of {a.video_seconds} s hold {clips.world.n_frames} frames, fewer than "
                         f"the {a.clip_frames}-frame clips")
    frames = np.empty((len(clips), clips.world.n_frames, cfg.media.frame_size, cfg.media.frame_size, 3), np.uint8)
    audio = np.empty((len(clips), cfg.media.channels, clips.world.n_samples), np.int16)
    for i, clip in enumerate(clips):
        frames[i], audio[i] = clip.frames, to_pcm16(clip.audio)
    return ArraySource(frames, audio, clips.labels.astype(np.int64), cfg.media.fps, cfg.media.sample_rate,
                       clips.names)


class ActionDataset(Dataset):
    """Clips of the videos ``indices`` of ``source`` (see the module docstring). Items: frames uint8
    ``[T, c, c, 3]``, audio int16 ``[C, N]``, ``label``, ``video`` (the source index), ``has_audio``, and
    where the clip was cut: its first frame ``start`` and first audio sample ``audio_start``."""

    def __init__(self, source, indices: np.ndarray, cfg: Profile, *, seed: int = 0, train: bool = True) -> None:
        self.source, self.cfg, self.seed, self.train = source, cfg, int(seed), train
        self.indices = np.asarray(indices, dtype=np.int64)
        if len(self.indices) == 0:
            raise ValueError("no videos to cut action clips from")
        a, m = cfg.action, cfg.media
        n_frames = np.asarray(source.n_frames)[self.indices]
        if (n_frames < a.clip_frames).any():
            short = self.indices[n_frames < a.clip_frames]
            raise ValueError(f"videos {short[:5].tolist()} hold fewer than {a.clip_frames} frames "
                             "(drop them when scanning)")
        self.n_frames = n_frames
        self.labels = np.asarray(source.labels)
        self.has_audio = np.asarray(getattr(source, "has_audio", np.ones(len(source), bool)), dtype=bool)
        self.windows = 1 if train else a.test_windows
        self.jitter = round(a.audio_jitter * m.samples_per_frame) if train else 0
        self._orders: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.indices) * self.windows

    def _order(self, epoch: int) -> np.ndarray:
        """The seeded order of the labelled videos in ``epoch`` (kept for the current epoch only)."""
        if epoch not in self._orders:
            self._orders = {epoch: np.random.default_rng([self.seed, 3, epoch]).permutation(len(self.indices))}
        return self._orders[epoch]

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        a, m = self.cfg.action, self.cfg.media
        if self.train:  # step-indexed: item i is epoch i // V, a seeded permutation within it
            rng = np.random.default_rng([self.seed, 4, int(index)])
            epoch, pos = divmod(int(index), len(self.indices))
            local = int(self._order(epoch)[pos])
            start = int(rng.integers(0, int(self.n_frames[local]) - a.clip_frames + 1))
        else:
            rng = None
            local, w = divmod(int(index), self.windows)
            free = int(self.n_frames[local]) - a.clip_frames
            start = free // 2 if self.windows == 1 else round(free * w / (self.windows - 1))
        video = int(self.indices[local])
        frames, audio = self.source.read(video)
        n = clip_samples(self.cfg)
        j = int(sampling.audio_offset(np.array([start]), m.fps, m.sample_rate)[0])
        if self.jitter:
            j = int(np.clip(j + rng.integers(-self.jitter, self.jitter + 1), 0, max(audio.shape[1] - n, 0)))
        sound = np.zeros((audio.shape[0], n), np.int16)
        got = np.asarray(audio[:, j:j + n])
        sound[:, :got.shape[1]] = got  # a sound track that ends early (or none) is silence after its end
        clip = crop(frames[start:start + a.clip_frames], m.crop_size, rng)
        has_audio, label = bool(self.has_audio[video]), int(self.labels[video])
        return {"frames": torch.from_numpy(np.ascontiguousarray(clip)), "audio": torch.from_numpy(sound),
                "label": torch.tensor(label), "video": torch.tensor(video), "has_audio": torch.tensor(has_audio),
                "start": torch.tensor(start), "audio_start": torch.tensor(j)}


def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Stack items: frames uint8 ``[B, T, H, W, 3]``, audio int16 ``[B, C, N]``, label / video ``[B]``."""
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}


def to_device(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    """Move a batch and make its inputs the network's floats: frames ``[B, 3, T, H, W]``, audio ``[B, C, N]``."""
    out = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
    out["frames"], out["audio"] = frames_to_net(out["frames"]), audio_to_net(out["audio"])
    return out


def view(frames: torch.Tensor, kind: str, *, train: bool) -> torch.Tensor:
    """What a probe sees of ``frames [B, 3, T, H, W]``: ``full`` (all of them); ``single_frame`` (one frame
    repeated T times: a random one per clip in training, the middle one at test); ``audio_only`` (a blank,
    mid-gray video: the network hears but sees nothing)."""
    if kind == "full":
        return frames
    if kind == "single_frame":
        return single_frame(frames, train=train)
    if kind == "audio_only":
        return torch.zeros_like(frames)
    raise ValueError(f"unknown view {kind!r}; choose one of {', '.join(VIEWS)}")
