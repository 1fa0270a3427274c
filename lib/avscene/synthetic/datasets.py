"""Datasets built on one synthetic world generator (step 3; used by notebooks 03-08).

* ``PretextSet``: random scenes under a difficulty, long enough for the paper's shifts (§3.1).
* ``ActionSet``: action recognition, classes = actions (an object with a rhythm and a way of moving,
  ``ACTION_NAMES``), with train/test splits and a few-labels regime (``few_labels``), as the UCF-101
  transfer of §5 (notebook 05).
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
from .objects import CLASS_NAMES, N_CLASSES
from .scene import SceneClip, SceneSpec, World

SPLIT_OFFSETS = {"train": 0, "eval": 1_000_003, "test": 2_000_003}

#: the action set's objects (``CLASS_NAMES`` indices: ball, bar, clapper), whose impacts are seen and heard
ACTION_OBJECTS: tuple[int, ...] = (0, 1, 3)
#: the two-valued factors an action set's classes differ in (notebook 05)
ACTION_FACTORS: dict[str, tuple[str, str]] = {
    "rhythm": ("steady", "irregular"),  # a steady beat or random strikes (the same mean rate): seen and heard
    "travel": ("in place", "travelling"),  # across the frame or not: seen only (the sound is mono)
    "sync": ("in sync", "dubbed"),  # the sound follows the impacts, or another take's: only both senses tell
    "shake": ("held", "shaken"),  # a fast side-to-side tremble or none: seen in motion only, never heard
}
#: action-set designs: the two factors crossed with the object
ACTION_DESIGNS: dict[str, tuple[str, str]] = {"rhythm": ("rhythm", "travel"), "sync": ("sync", "travel"),
                                              "shake": ("sync", "shake")}


def actions(design: str = "shake") -> tuple[tuple[int, str, str], ...]:
    """The classes of ``design`` (``ACTION_DESIGNS``): ``(object, value of factor 1, value of factor 2)``."""
    try:
        f1, f2 = ACTION_DESIGNS[design]
    except KeyError:
        raise ValueError(f"unknown action design {design!r}; choose one of {', '.join(ACTION_DESIGNS)}") from None
    return tuple((o, a, b) for o in ACTION_OBJECTS for a in ACTION_FACTORS[f1] for b in ACTION_FACTORS[f2])


def action_names(design: str = "shake") -> tuple[str, ...]:
    return tuple(f"{CLASS_NAMES[o]} {a} {b}" for o, a, b in actions(design))


ACTIONS = actions()
ACTION_NAMES = action_names()
N_ACTIONS = len(ACTIONS)  # 12 in every design


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
    """Action recognition that behaves like UCF-101 (notebook 05): classes are *actions*, not objects.

    Each of the impulsive objects (``ACTION_OBJECTS``: ball, bar, clapper) does four actions, the values of
    two factors (``ACTION_FACTORS``) crossed, as the ``design`` (``ACTION_DESIGNS``) says:

    * ``shake`` (default): ``in sync`` or ``dubbed`` (the object's sound from another take, with its own
      events) x ``held`` or ``shaken`` (a side-to-side tremble of ``shake`` frame widths, period 8 frames);
    * ``sync``: the same sync factor x ``in place`` or ``travelling`` (``travel`` frame widths per video);
    * ``rhythm``: a ``steady`` beat or ``irregular`` strikes (the same mean rate) x the same travel.

    One frame shows the object but no factor; the sound (mono, so no motion can be heard) tells the object
    and the rhythm, never the shake, the travel or whether it follows the impacts; frames and sound together
    tell all. Trained from scratch, the network learns the shake after a few hundred steps but never the
    slow travel (notebook 05 measured both). With ``p_distractor``, a silent object of another kind stands
    in place beside the actor (its own motion): the sound then also tells which object acts. Class
    ``index % N_ACTIONS`` (``names``);
    ``seconds`` is the length of each generated video (clips are cut from it).
    """

    kind = "action"

    def __init__(self, media: MediaSpec, n: int, *, design: str = "shake", p_distractor: float = 0.5,
                 travel: float = 0.3, shake: float = 0.1, **kw):
        super().__init__(media, n, **kw)
        self.design, self.actions, self.names = design, actions(design), action_names(design)
        self.p_distractor, self.travel, self.shake = p_distractor, travel, shake

    def spec(self, index: int) -> SceneSpec:
        rng = self._rng(index)
        obj, a, b = self.actions[index % N_ACTIONS]
        values = {a, b}
        speed = (self.travel / self.world.seconds * (1.0 if rng.integers(2) else -1.0)
                 if "travelling" in values else 0.0)
        actor = ((obj, True), "steady" in values, speed, "dubbed" in values, self.shake if "shaken" in values else 0.0)
        if rng.uniform() < self.p_distractor:
            other = int(rng.choice([o for o in ACTION_OBJECTS if o != obj]))
            still = ((other, False), bool(rng.integers(2)) and self.design == "rhythm", 0.0, False, 0.0)
            objs = (actor, still) if rng.integers(2) else (still, actor)
            slots: tuple[float, ...] = (0.25, 0.75)
        else:
            objs, slots = (actor,), (0.5,)
        return SceneSpec(tuple(o[0] for o in objs), slots=slots, steady=tuple(o[1] for o in objs),
                         drift=tuple(o[2] for o in objs), dubbed=tuple(o[3] for o in objs),
                         shake=tuple(o[4] for o in objs), mono=True)

    @property
    def labels(self) -> np.ndarray:
        return np.arange(self.n) % N_ACTIONS

    def few_labels(self, per_class: int) -> np.ndarray:
        """Indices ``[per_class * N_ACTIONS]`` of the first ``per_class`` clips of each class (few-label regime)."""
        if per_class * N_ACTIONS > self.n:
            raise ValueError(f"{per_class} labels per class need {per_class * N_ACTIONS} clips, the set has {self.n}")
        return np.arange(per_class * N_ACTIONS)


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

    For retrieval and co-segmentation; ``class_sets`` gives each clip's *sounding* classes. ``p_silent``
    of the solo scenes also show a **silent** object of another class beside the sounding one (notebook
    07's AVOL-Net: where a sound comes from is then a question inside the frame, as on notebook 04's
    distractor benchmark); ``p_silent=0`` (the default) draws exactly the scenes it always drew.
    """

    kind = "solo_duet"

    def __init__(self, media: MediaSpec, n: int, *, p_duet: float = 0.5, p_silent: float = 0.0, **kw):
        super().__init__(media, n, **kw)
        if not 0.0 <= p_silent <= 1.0:
            raise ValueError(f"p_silent must be in [0, 1], got {p_silent}")
        self.p_duet, self.p_silent = p_duet, float(p_silent)

    def spec(self, index: int) -> SceneSpec:
        rng = self._rng(index)
        a = index % N_CLASSES
        if rng.uniform() < self.p_duet:
            b = int((a + rng.integers(1, N_CLASSES)) % N_CLASSES)
            return SceneSpec(((a, True), (b, True)) if rng.integers(2) else ((b, True), (a, True)))
        if self.p_silent > 0 and rng.uniform() < self.p_silent:
            b = int((a + rng.integers(1, N_CLASSES)) % N_CLASSES)
            return SceneSpec(((a, True), (b, False)) if rng.integers(2) else ((b, False), (a, True)))
        return SceneSpec(((a, True),))

    @property
    def labels(self) -> np.ndarray:
        """The first (solo) class ``index % N_CLASSES`` ``[n]``; see ``class_sets`` for duets."""
        return np.arange(self.n) % N_CLASSES

    @property
    def class_sets(self) -> np.ndarray:
        """Multi-hot bool ``[n, N_CLASSES]`` of the sounding classes (a silent object is not in it)."""
        out = np.zeros((self.n, N_CLASSES), dtype=bool)
        for i in range(self.n):
            for cls, sounding in self.spec(i).visible:
                out[i, cls] |= bool(sounding)
        return out

    @property
    def has_silent(self) -> np.ndarray:
        """bool ``[n]``: the scene shows a silent object."""
        return np.array([any(not snd for _, snd in self.spec(i).visible) for i in range(self.n)])

    @property
    def is_duet(self) -> np.ndarray:
        return self.class_sets.sum(axis=1) == 2


def pretext(cfg: Profile, split: str = "train", difficulty: str | Difficulty | None = None, n: int | None = None) -> PretextSet:
    """The profile's pretext videos (``cfg.synth.n_videos`` train, ``cfg.synth.n_eval`` eval)."""
    n = n if n is not None else (cfg.synth.n_videos if split == "train" else cfg.synth.n_eval)
    return PretextSet(cfg.media, n, difficulty=difficulty if difficulty is not None else cfg.synth.difficulty,
                      seed=cfg.seed, split=split)
