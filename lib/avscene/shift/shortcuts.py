"""Shortcuts a careless shift sampler would open, measured with detectors that know nothing of
synchrony (Owens & Efros §3.1; notebook 01).

1. **Padding**: audio shifted past the video's end and zero-filled gives shifted windows that start or
   end in digital silence; :func:`padding_detector` scores "silence at an end means shifted" on such
   negatives and on the sampler's own (which never pad).
2. **Audio from another video**: it usually comes from *other things*; :func:`class_match_detector`
   scores "the sound's sources match what is seen" (from ground-truth classes) with other-video and
   with same-video negatives (the paper's choice: the same sources, so only timing can tell).
"""
from __future__ import annotations

import numpy as np

from .. import sampling
from ..config import Profile
from ..datasets.sources import SyntheticSource
from .dataset import ShiftDataset


def zero_run(wave: np.ndarray, sample_rate: int) -> bool:
    """``wave [C, N]`` starts or ends with at least 10 ms of exact digital silence."""
    k = max(1, sample_rate // 100)
    return bool(np.all(wave[:, :k] == 0) or np.all(wave[:, -k:] == 0))


def padding_detector(dataset: ShiftDataset, cfg: Profile, n_pairs: int, seed: int = 1) -> tuple[float, float]:
    """Accuracy of :func:`zero_run` as a shifted-audio detector on ``n_pairs`` pairs: (with negatives
    shifted by a uniform legal amount and zero-padded, with ``dataset``'s own negatives)."""
    m, source = cfg.media, dataset.source
    rng = np.random.default_rng(seed)
    naive = ours = 0
    for i in range(n_pairs):
        video = i % len(source)
        _, audio = source.read(video)
        s = int(rng.integers(0, source.n_frames[video] - m.clip_frames))
        d = int(rng.integers(cfg.min_shift_frames, cfg.max_shift_frames + 1)) * int(rng.choice([-1, 1]))
        j = int(sampling.audio_offset(s + d, m.fps, m.sample_rate))
        padded = np.pad(audio, ((0, 0), (m.clip_samples, m.clip_samples)))  # the careless version
        shifted = padded[:, m.clip_samples + j: m.clip_samples + j + m.clip_samples]
        aligned = audio[:, int(sampling.audio_offset(s, m.fps, m.sample_rate)):][:, :m.clip_samples]
        naive += (not zero_run(aligned, m.sample_rate)) + zero_run(shifted, m.sample_rate)
        pair = dataset[i]["audio"].numpy()
        ours += (not zero_run(pair[0], m.sample_rate)) + zero_run(pair[1], m.sample_rate)
    return naive / (2 * n_pairs), ours / (2 * n_pairs)


def class_match_detector(source: SyntheticSource, cfg: Profile, n_pairs: int) -> tuple[float, float]:
    """Accuracy of "aligned iff every sounding object seen is among the classes heard" (ground truth)
    on ``n_pairs`` pairs: (with same-video negatives, with other-video negatives). The positive always
    matches, so a pair scores 1 when the negative does not match and 0.5 when it does."""
    def heard(video: int) -> set[int]:  # every source heard, on screen or off
        return {int(c) for c in source.scene(video).stem_classes if c >= 0}

    def seen(video: int) -> set[int]:
        scene = source.scene(video)
        return {int(c) for c, s in zip(scene.object_classes, scene.sounding) if s}

    scores = []
    for negatives in ("same_video", "other_video"):
        dataset = ShiftDataset(source, cfg, seed=cfg.seed, negatives=negatives)
        hits = 0.0
        for i in range(n_pairs):
            plan, _ = dataset.plan(i)
            video, audio_video = int(dataset.videos[plan.video[0]]), int(dataset.videos[plan.audio_video[0]])
            hits += 0.5 * (1 + (not seen(video) <= heard(audio_video)))
        scores.append(hits / n_pairs)
    return scores[0], scores[1]
