"""Datasets built on one synthetic world generator (step 3; used by notebooks 03-08).

* ``PretextSet``: random scenes under a difficulty, long enough for the paper's shifts (§3.1).
* ``ActionSet``: action recognition, classes = object class (a motion pattern plus its sound), with
  train/test splits and a few-labels regime (``few_labels``), as the UCF-101 transfer of §4.2.
* ``SeparationSet``: on-screen + off-screen mixtures with a controlled share of same-class pairs,
  where only the motion tells which voice is on screen (§5).
* ``SoloDuetSet``: solo and duet scenes with class labels, for retrieval (Objects that Sound) and
  co-segmentation (Sound of Pixels).

Each set is a ``Sequence`` of ``SceneClip`` (generated on access, deterministic per (seed, split,
index)) with ``labels`` available without generating anything. Splits use disjoint seeds.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Iterator

import numpy as np

from ..config import MediaSpec, Profile
from .difficulty import Difficulty, get as get_difficulty
from .objects import N_CLASSES
from .scene import SceneClip, SceneSpec, World

SPLIT_OFFSETS = {"train": 0, "eval": 1_000_003, "test": 2_000_003}


def split_seed(seed: int, split: str) -> int:
    """The world seed of ``split`` (``train``, ``eval``, ``test``): disjoint streams per split."""
    try:
        return int(seed) * 10_000_019 + SPLIT_OFFSETS[split]
    except KeyError:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLIT_OFFSETS)}") from None


class ClipSet(Sequence):
    """``n`` clips of one world; subclasses define ``spec(index)`` (None = a random scene)."""

    kind = "clips"

    def __init__(self, media: MediaSpec, n: int, *, difficulty: str | Difficulty | None = None, seed: int = 0,
                 split: str = "train", seconds: float | None = None, voices=None):
        self.media, self.n, self.split = media, int(n), split
        self.world = World(media, get_difficulty(difficulty), seed=split_seed(seed, split), seconds=seconds,
                           voices=voices)

    def _rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng([self.world.seed, int(index), 7777])

    def spec(self, index: int) -> SceneSpec | None:
        return None

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> SceneClip:  # type: ignore[override]
        if not -self.n <= index < self.n:
            raise IndexError(f"{self.kind} index {index} out of range for {self.n} clips")
        index = index % self.n
        return self.world.clip(index, self.spec(index))

    def __iter__(self) -> Iterator[SceneClip]:
        return (self[i] for i in range(self.n))

    @property
    def labels(self) -> np.ndarray:
        """One int label per clip ``[n]`` (class of the loudest on-screen sounder), computed from specs."""
        raise NotImplementedError(f"{type(self).__name__} has no labels")


class PretextSet(ClipSet):
    """Random scenes at a difficulty: the self-supervised training and held-out videos."""

    kind = "pretext"


class ActionSet(ClipSet):
    """Action recognition: class ``index % N_CLASSES`` sounds on screen; optional silent distractor.

    ``p_distractor``: chance of a silent object of another class next to it.
    """

    kind = "action"

    def __init__(self, media: MediaSpec, n: int, *, p_distractor: float = 0.5, **kw):
        super().__init__(media, n, **kw)
        self.p_distractor = p_distractor

    def spec(self, index: int) -> SceneSpec:
        rng = self._rng(index)
        cls = index % N_CLASSES
        if rng.uniform() < self.p_distractor:
            other = int((cls + rng.integers(1, N_CLASSES)) % N_CLASSES)
            vis = ((cls, True), (other, False)) if rng.integers(2) else ((other, False), (cls, True))
            return SceneSpec(vis)
        return SceneSpec(((cls, True),))

    @property
    def labels(self) -> np.ndarray:
        return np.arange(self.n) % N_CLASSES

    def few_labels(self, per_class: int) -> np.ndarray:
        """Indices ``[per_class * N_CLASSES]`` of the first ``per_class`` clips of each class (few-label regime)."""
        if per_class * N_CLASSES > self.n:
            raise ValueError(f"{per_class} labels per class need {per_class * N_CLASSES} clips, the set has {self.n}")
        return np.arange(per_class * N_CLASSES)


class SeparationSet(ClipSet):
    """On/off-screen separation: one visible sounding object plus one off-screen source.

    ``p_same_class`` of the mixtures pair two sources of the same class (then only motion tells which
    one is on screen); ``offscreen_db`` sets the off-screen level (0 = as loud).
    """

    kind = "separation"

    def __init__(self, media: MediaSpec, n: int, *, p_same_class: float = 0.3, offscreen_db: float = 0.0,
                 classes: tuple[int, ...] = tuple(range(N_CLASSES)), **kw):
        super().__init__(media, n, **kw)
        self.p_same_class, self.offscreen_db, self.classes = p_same_class, offscreen_db, tuple(classes)

    def spec(self, index: int) -> SceneSpec:
        rng = self._rng(index)
        on = int(rng.choice(self.classes))
        if rng.uniform() < self.p_same_class or len(self.classes) == 1:
            off = on
        else:
            off = int(rng.choice([c for c in self.classes if c != on]))
        return SceneSpec(((on, True),), (off,), offscreen_db=self.offscreen_db)

    @property
    def labels(self) -> np.ndarray:
        return np.array([self.spec(i).visible[0][0] for i in range(self.n)])

    @property
    def same_class(self) -> np.ndarray:
        """bool ``[n]``: the off-screen source has the on-screen object's class."""
        return np.array([s.visible[0][0] == s.offscreen[0] for s in map(self.spec, range(self.n))])


class SoloDuetSet(ClipSet):
    """Solo (one sounding object) and duet (two sounding objects of different classes) scenes.

    For retrieval and co-segmentation; ``class_sets`` gives each clip's sounding classes.
    """

    kind = "solo_duet"

    def __init__(self, media: MediaSpec, n: int, *, p_duet: float = 0.5, **kw):
        super().__init__(media, n, **kw)
        self.p_duet = p_duet

    def spec(self, index: int) -> SceneSpec:
        rng = self._rng(index)
        a = index % N_CLASSES
        if rng.uniform() < self.p_duet:
            b = int((a + rng.integers(1, N_CLASSES)) % N_CLASSES)
            return SceneSpec(((a, True), (b, True)) if rng.integers(2) else ((b, True), (a, True)))
        return SceneSpec(((a, True),))

    @property
    def labels(self) -> np.ndarray:
        """The first (solo) class ``index % N_CLASSES`` ``[n]``; see ``class_sets`` for duets."""
        return np.arange(self.n) % N_CLASSES

    @property
    def class_sets(self) -> np.ndarray:
        """Multi-hot bool ``[n, N_CLASSES]`` of the sounding classes."""
        out = np.zeros((self.n, N_CLASSES), dtype=bool)
        for i in range(self.n):
            for cls, _ in self.spec(i).visible:
                out[i, cls] = True
        return out

    @property
    def is_duet(self) -> np.ndarray:
        return self.class_sets.sum(axis=1) == 2


def pretext(cfg: Profile, split: str = "train", difficulty: str | Difficulty | None = None, n: int | None = None) -> PretextSet:
    """The profile's pretext videos (``cfg.synth.n_videos`` train, ``cfg.synth.n_eval`` eval)."""
    n = n if n is not None else (cfg.synth.n_videos if split == "train" else cfg.synth.n_eval)
    return PretextSet(cfg.media, n, difficulty=difficulty if difficulty is not None else cfg.synth.difficulty,
                      seed=cfg.seed, split=split)
