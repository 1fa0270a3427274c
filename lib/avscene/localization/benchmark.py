"""The sound-source localization benchmark on the synthetic world (notebooks 04, 07, 08).

Four kinds of scene (``KINDS``: notebook 04's three; ``ALL_KINDS`` adds the fourth), each with ground
truth, at the profile's media sizes, seen as the network sees held-out clips (the ``crop_size`` centre
crop of ``frame_size`` frames; the original resized whole frames instead, ``predict_cam_resize``):

* ``"distractor"``: one sounding object and one **silent** object of another class that moves just as
  much (every class moves at its events); the benchmark of record;
* ``"offscreen"``: the same plus a sound source with no pixels (off-screen, at the world's off-screen level);
* ``"offscreen_only"``: two silent objects and an off-screen sound at the same level as on-screen sound:
  nothing on screen makes the sound, so there is nothing to point at (what CAM cannot tell you);
* ``"same_class"`` (notebook 07): as ``"distractor"``, but the silent object has the **sounding object's
  class** (the same look and motion, its own events and a slightly varied colour): appearance cannot
  tell them apart, only synchrony can. The two are separate objects of the world, so ground truth stays
  per object (the sounding one's mask; the silent one's in ``distractors``).

A kind's scenes depend only on its index in ``ALL_KINDS`` (new kinds are appended: the others' scenes
stay as they were).

Scenes are drawn from video indices no pretext training or held-out set uses (``FIRST_INDEX``); a
window is the first ``clip_frames`` frames and the audio from sample 0 (frames and audio share one
timeline from 0). Ground truth is the union of the masks of the *sounding* on-screen objects, per
frame (``gt``) or over the window (``gt_window``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import Profile

#: notebook 04's kinds; ``ALL_KINDS`` adds the ones later notebooks use (``"same_class"``: notebook 07)
KINDS = ("distractor", "offscreen", "offscreen_only")
ALL_KINDS = (*KINDS, "same_class")
# Scenes use world seed ``cfg.seed``; the pretext training world's seed is ``split_seed(cfg.seed, "train")``
# = ``cfg.seed * 10_000_019`` (the same world when the seed is 0), whose videos are indices 0 .. n_videos - 1;
# held-out videos come from another seed (split "eval"). No training video uses an index from here on.
FIRST_INDEX = 30_000_000
_KIND_STRIDE = 1_000_000


@dataclass
class Benchmark:
    """``N`` scenes of one kind, each a network window of ``T`` frames of ``S × S`` pixels.

    ``frames`` uint8 ``[N, T, S, S, 3]``; ``audio`` float32 ``[N, C, clip_samples]`` in [-1, 1];
    ``gt`` bool ``[N, T, S, S]``: pixels of sounding on-screen objects, per frame; ``distractors`` bool
    ``[N, T, S, S]``: pixels of silent objects; ``classes`` int ``[N, K]`` and ``sounding`` bool ``[N, K]``
    of the visible objects; ``offscreen`` bool ``[N]``: the scene has off-screen sound.
    """

    kind: str
    frames: np.ndarray
    audio: np.ndarray
    gt: np.ndarray
    distractors: np.ndarray
    classes: np.ndarray
    sounding: np.ndarray
    offscreen: np.ndarray
    indices: np.ndarray
    fps: float
    sample_rate: int

    def __len__(self) -> int:
        return len(self.frames)

    def gt_window(self, min_share: float = 0.0) -> np.ndarray:
        """Ground truth for one map per window, bool ``[N, S, S]``: pixels covered by a sounding object
        in any frame of the window (``min_share=0``, the convention used for time-averaged maps: a map
        summarizing the window should point where the source is at some time in it), or in at least
        ``min_share`` of its frames."""
        return self.gt.any(axis=1) if min_share <= 0 else self.gt.mean(axis=1) >= min_share

    def distractor_window(self, min_share: float = 0.0) -> np.ndarray:
        """Silent-object pixels, as :meth:`gt_window`, bool ``[N, S, S]``."""
        return self.distractors.any(axis=1) if min_share <= 0 else self.distractors.mean(axis=1) >= min_share

    @property
    def scorable(self) -> np.ndarray:
        """bool ``[N]``: scenes with on-screen sounding pixels in the window map (pointing needs them)."""
        return self.gt_window().any(axis=(1, 2))


def _spec(kind: str, rng: np.random.Generator, allowed: np.ndarray):
    from ..synthetic import SceneSpec

    cls = rng.choice(allowed, size=3, replace=len(allowed) < 3)
    if kind == "distractor":
        visible = [(int(cls[0]), True), (int(cls[1]), False)]
        off: tuple[int, ...] = ()
    elif kind == "offscreen":
        visible = [(int(cls[0]), True), (int(cls[1]), False)]
        off = (int(cls[2]),)
    elif kind == "offscreen_only":
        visible = [(int(cls[0]), False), (int(cls[1]), False)]
        off = (int(cls[2]),)
    elif kind == "same_class":
        visible = [(int(cls[0]), True), (int(cls[0]), False)]
        off = ()
    else:
        raise ValueError(f"unknown benchmark kind {kind!r}; choose one of {', '.join(ALL_KINDS)}")
    if rng.random() < 0.5:  # the sounding object is on the left or on the right, equally often
        visible.reverse()
    return SceneSpec(visible=tuple(visible), offscreen=off,
                     offscreen_db=0.0 if kind == "offscreen_only" else None)


def build(cfg: Profile, kind: str = "distractor", n: int | None = None, *, difficulty=None,
          seed: int | None = None) -> Benchmark:
    """``n`` (default ``cfg.localization.n_scenes``) scenes of ``kind`` under ``cfg``'s media sizes,
    in the world the network was trained on (``cfg.synth.difficulty`` unless ``difficulty`` is given)."""
    from ..synthetic import N_CLASSES, World

    if kind not in ALL_KINDS:
        raise ValueError(f"unknown benchmark kind {kind!r}; choose one of {', '.join(ALL_KINDS)}")
    m = cfg.media
    n = cfg.localization.n_scenes if n is None else int(n)
    if n < 1:
        raise ValueError(f"need at least one scene, got n={n}")
    seed = cfg.seed if seed is None else seed
    difficulty = difficulty if difficulty is not None else getattr(cfg.synth, "difficulty", None)
    world = World(m, difficulty, seed=seed, seconds=(m.clip_frames + 0.5) / m.fps)
    if world.n_frames < m.clip_frames or world.n_samples < m.clip_samples:
        raise RuntimeError(f"world too short: {world.n_frames} frames / {world.n_samples} samples")
    allowed = np.array(world.difficulty.classes or range(N_CLASSES))
    c, s = m.crop_size, m.frame_size
    y0 = (s - c) // 2
    first = FIRST_INDEX + ALL_KINDS.index(kind) * _KIND_STRIDE
    t, ns = m.clip_frames, m.clip_samples
    frames = np.empty((n, t, c, c, 3), np.uint8)
    audio = np.empty((n, m.channels, ns), np.float32)
    gt = np.zeros((n, t, c, c), bool)
    dis = np.zeros((n, t, c, c), bool)
    classes, sounding, off = [], [], np.zeros(n, bool)
    for i in range(n):
        spec = _spec(kind, np.random.default_rng([seed, 7, ALL_KINDS.index(kind), i]), allowed)
        clip = world.clip(first + i, spec)
        frames[i] = clip.frames[:t, y0:y0 + c, y0:y0 + c]
        audio[i] = clip.audio[:, :ns]
        mk = clip.masks[:, :t, y0:y0 + c, y0:y0 + c]
        if clip.sounding.any():
            gt[i] = mk[clip.sounding].any(axis=0)
        if (~clip.sounding).any():
            dis[i] = mk[~clip.sounding].any(axis=0)
        classes.append(clip.object_classes)
        sounding.append(clip.sounding)
        off[i] = bool((~clip.stem_onscreen & (clip.stem_classes >= 0)).any())
    return Benchmark(kind=kind, frames=frames, audio=audio, gt=gt, distractors=dis, classes=np.stack(classes),
                     sounding=np.stack(sounding), offscreen=off, indices=np.arange(first, first + n),
                     fps=m.fps, sample_rate=m.sample_rate)
