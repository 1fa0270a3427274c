"""Where training videos come from: the synthetic world or the clip cache of real videos (notebook 01).

A *video source* is an indexable set of whole videos at one profile's fps, sample rate and frame size:
``len(source)``, ``source.n_frames`` int ``[V]`` and ``source.read(v) -> (frames, audio)`` with frames
uint8 ``[F, H, W, 3]`` and audio int16 ``[C, N]`` (sample ``j`` at ``j / sample_rate`` on the frames'
timeline, frame ``k`` at ``k / fps``). Cached real videos return memory maps, so slicing a window reads
only that window; synthetic videos are generated on demand, deterministically per index.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from ..config import Profile
from ..io.pcm import to_pcm16


class VideoSource(Protocol):
    fps: float
    sample_rate: int
    n_frames: np.ndarray  # int64 [V]

    def __len__(self) -> int: ...

    def read(self, video: int) -> tuple[np.ndarray, np.ndarray]: ...


class SyntheticSource:
    """The videos of a synthetic clip set (``avscene.synthetic.datasets``: pretext, action, ...).

    ``SyntheticSource.pretext(cfg, "train")`` and ``SyntheticSource.pretext(cfg, "eval")`` never share a
    video (the splits draw from disjoint world seeds).
    """

    def __init__(self, clips) -> None:
        self.clips = clips
        media = clips.world.media
        self.fps, self.sample_rate = media.fps, media.sample_rate
        self.n_frames = np.full(len(clips), clips.world.n_frames, dtype=np.int64)

    @classmethod
    def pretext(cls, cfg: Profile, split: str = "train", difficulty=None, n: int | None = None) -> "SyntheticSource":
        from ..synthetic.datasets import pretext

        return cls(pretext(cfg, split, difficulty, n))

    def __len__(self) -> int:
        return len(self.clips)

    def scene(self, video: int):
        """The full ``SceneClip`` (with ground truth) of ``video``."""
        return self.clips[video]

    def read(self, video: int) -> tuple[np.ndarray, np.ndarray]:
        clip = self.scene(video)
        return clip.frames, to_pcm16(clip.audio)


class CacheSource:
    """Real videos through the clip cache (``avscene.io.ClipCache``), e.g. the entries of a ``scan`` index."""

    def __init__(self, cache, sources: Sequence[str | Path]) -> None:
        self.cache = cache
        self.sources = [str(s) for s in sources]
        self.fps, self.sample_rate = cache.fps, cache.sample_rate
        self.n_frames = np.array([cache.open(s).frames.shape[0] for s in self.sources], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.sources)

    def read(self, video: int) -> tuple[np.ndarray, np.ndarray]:
        cached = self.cache.open(self.sources[video])
        return cached.frames, cached.audio
