"""Mix-and-Separate data for Sound of Pixels (notebook ``08_coseg``; reference notes §3.1).

The official ``dataset/music.py`` and ``dataset/base.py`` (``hangzhaomit/Sound-of-Pixels``) build one
training example from ``N = num_mix = 2`` solo videos drawn at random, with no check on their category.
For each video they pick a centre frame and cut:

* ``num_frames = 3`` frames spaced ``stride_frames`` (24 at 8 fps) apart and centred on that frame. The
  offsets are ``(i - frames // 2) · spacing`` for ``i = 0 .. frames - 1``;
* ``audLen`` samples (65535 at 11,025 Hz) of mono sound centred on the centre frame's time. Sample
  ``audLen // 2`` of the window is the centre;
* at train time the sound is scaled by a gain drawn from U(0.5, 1.5). Every split then clips it to
  [-1, 1];
* the mixture is ``Σ_n source_n / N``, the mean of the sources. Each source's target magnitude is that
  of ``source_n / N``, its share of the mixture.

:class:`MixSeparateDataset` does the same over a solo source of notebook 06 (the
:class:`avscene.separation.data.ClipSource` protocol, e.g. :func:`avscene.separation.data.synthetic`).
Frames and sound share one timeline, starting at 0 in every clip. The window of a centre frame ``c``
starts at sample ``audio_offset(c) - samples // 2``, where :func:`avscene.sampling.audio_offset` is the
first sample of frame ``c``. The window therefore lies within one video frame of the official one, which
is centred on the middle of the frame, half a frame later. Windows are never padded or tiled, so a
centre frame is drawn only where both the frames and the window fit inside the video.

:func:`collate` stacks items into a batch. :func:`spectrograms` turns a batch into the network's inputs
and targets in the official ``NetWrapper.forward`` order (``main.py``): the STFT magnitudes, a 1e-10
floor on the mixture, the log-frequency warp of the mixture and of every source, loss weights and
binary/ratio targets computed on the warped magnitudes, and the log of the warped mixture as the input.
"""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from .. import sampling
from ..separation.data import ClipSource
from . import masks, spectrogram

__all__ = ["MIX_FLOOR", "GAIN_RANGE", "MixSeparateDataset", "collate", "spectrograms"]

#: The official floor on the mixture magnitude before warping (``mag_mix = mag_mix + 1e-10``).
MIX_FLOOR = 1e-10
#: Train-time gain of each source, ``random.random() + 0.5`` in the official ``_load_audio``.
GAIN_RANGE = (0.5, 1.5)
#: Salt of the per-item generator, ``np.random.default_rng([seed, index, SALT])``.
SALT = 13


def _first_at_least(x: np.ndarray, fps: float, sample_rate: int) -> np.ndarray:
    """Smallest frame ``c >= 0`` with ``audio_offset(c) >= x``: int64, same shape as ``x`` (int64)."""
    c = np.maximum(np.floor(x * fps / sample_rate).astype(np.int64) - 1, 0)
    while True:  # audio_offset is nondecreasing and rounds by at most half a sample: a step or two
        low = sampling.audio_offset(c, fps, sample_rate) < x
        if not low.any():
            return c
        c = np.where(low, c + 1, c)


class MixSeparateDataset(Dataset):
    """``n`` mixtures of ``n_mix`` solo videos of ``source`` (reference notes §3.1; notebook 08).

    Item ``i`` is a pure function of ``(seed, i)``. It draws ``n_mix`` distinct videos uniformly from
    those long enough. Same-class mixtures are allowed, as in the official code, and flagged in
    ``same_class``. For each video the item picks a centre frame ``c``: uniform over the valid centres
    with ``train=True``, the middle one otherwise (the official validation takes the video's middle
    frame). A centre is valid when frames ``c + (k - frames // 2) · frame_spacing``, ``k = 0 .. frames -
    1``, lie in the video, and so does the audio window ``[audio_offset(c) - samples // 2, ... + samples)``.
    The item then cuts those frames and that window, mixing the sound down to mono (mean over channels).
    With ``train=True`` each source is scaled by a gain from U(0.5, 1.5). Every source is clipped to
    [-1, 1], as in the official code. The mixture is the mean of the sources.

    Returned item (``N = n_mix``, ``T = frames``, ``S = samples``):

    * ``frames``: uint8 ``[N, T, H, W, 3]``;
    * ``sources``: float32 ``[N, S]``;
    * ``mixture``: float32 ``[S]``;
    * ``classes``, ``videos``: int64 ``[N]``;
    * ``centre``: int64 ``[N]``, each source's centre frame;
    * ``start``: int64 ``[N]``, the first audio sample of each window;
    * ``gain``: float32 ``[N]``, all 1 with ``train=False``;
    * ``same_class``: bool ``[]``, whether two sources share a class.

    Raises ``ValueError`` when fewer than ``n_mix`` videos are long enough.
    """

    def __init__(self, source: ClipSource, n: int, *, n_mix: int = 2, frames: int = 3, frame_spacing: int,
                 samples: int, train: bool, seed: int = 0) -> None:
        if n_mix < 1 or frames < 1 or frame_spacing < 1 or samples < 1 or n < 0:
            raise ValueError(f"need n >= 0 and n_mix, frames, frame_spacing, samples >= 1; got n={n}, "
                             f"n_mix={n_mix}, frames={frames}, frame_spacing={frame_spacing}, samples={samples}")
        self.source, self.n, self.n_mix = source, int(n), int(n_mix)
        self.frames, self.spacing, self.samples = int(frames), int(frame_spacing), int(samples)
        self.train, self.seed = bool(train), int(seed)
        fps, sr = source.fps, int(source.sample_rate)
        #: Frame offsets from the centre, int64 ``[T]``: ``(k - T // 2) · spacing``.
        self.offsets = (np.arange(self.frames, dtype=np.int64) - self.frames // 2) * self.spacing
        n_frames = np.asarray(source.n_frames, dtype=np.int64)
        n_samples = np.asarray(source.n_samples, dtype=np.int64)
        half = self.samples // 2
        # Valid centres of each video form one interval [lo, hi]: every constraint is monotone in c.
        lo = np.maximum(-self.offsets[0], _first_at_least(np.full_like(n_frames, half), fps, sr))
        last_start = n_samples - self.samples + half  # audio_offset(c) may be at most this
        hi = np.minimum(n_frames - 1 - self.offsets[-1], _first_at_least(last_start + 1, fps, sr) - 1)
        self.lo, self.hi = lo, hi  # int64 [V]
        self.eligible = np.flatnonzero(lo <= hi)  # int64 [V']: the videos long enough
        if len(self.eligible) < self.n_mix:
            span = int(self.offsets[-1] - self.offsets[0]) + 1
            longest = (f"the longest holds {int(n_frames.max())} frames and {int(n_samples.max())} samples"
                       if len(n_frames) else "the source holds no video")
            raise ValueError(
                f"{len(self.eligible)} of {len(n_frames)} videos are long enough for a mixture of {self.n_mix}: "
                f"each needs {span} frames ({self.frames} frames {self.spacing} apart) and a "
                f"{self.samples}-sample window around the centre frame ({self.samples / sr:.2f} s at {sr} Hz); "
                f"{longest}")

    def __len__(self) -> int:
        return self.n

    def _sound(self, video: int, start: int) -> np.ndarray:
        """Mono sound float32 ``[S]`` of ``video`` from sample ``start``, cut through ``source.clip``."""
        fps, sr = self.source.fps, int(self.source.sample_rate)
        # clip() cuts sound from the first sample of a frame: start at the last frame at or before `start`
        first = int(_first_at_least(np.asarray([start + 1]), fps, sr)[0]) - 1
        skip = start - int(sampling.audio_offset(first, fps, sr))
        _, sound = self.source.clip(video, first, 0, skip + self.samples)
        return np.asarray(sound[:, skip:skip + self.samples], dtype=np.float32).mean(axis=0)

    def _frames(self, video: int, centre: int) -> np.ndarray:
        """uint8 ``[T, H, W, 3]``: the spaced frames around ``centre``, one ``source.clip`` call each."""
        return np.stack([np.asarray(self.source.clip(video, centre + int(o), 1, 0)[0][0]) for o in self.offsets])

    def middle(self, video: int) -> tuple[np.ndarray, np.ndarray]:
        """What a held-out item cuts of ``video`` (a long enough one: in ``eligible``): its frames uint8
        ``[T, H, W, 3]`` and mono sound float32 ``[S]`` around the middle valid centre, without gain (solo clips
        for the channel assignment and the NMF bases)."""
        lo, hi = int(self.lo[video]), int(self.hi[video])
        if lo > hi:
            raise ValueError(f"video {video} is too short for a window of {self.samples} samples")
        centre = (lo + hi) // 2
        start = int(sampling.audio_offset(centre, self.source.fps, int(self.source.sample_rate))) - self.samples // 2
        return self._frames(video, centre), np.clip(self._sound(video, start), -1.0, 1.0)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < self.n:
            raise IndexError(f"item {index} of {self.n}")
        rng = np.random.default_rng([self.seed, int(index), SALT])
        videos = rng.choice(self.eligible, self.n_mix, replace=False).astype(np.int64)
        lo, hi = self.lo[videos], self.hi[videos]
        # Every draw is made whatever `train` is, so train and test items of one index share their videos.
        drawn = rng.integers(lo, hi + 1)
        gain = rng.uniform(*GAIN_RANGE, size=self.n_mix).astype(np.float32)
        if self.train:
            centre = drawn.astype(np.int64)
        else:
            centre, gain = (lo + hi) // 2, np.ones(self.n_mix, np.float32)
        fps, sr = self.source.fps, int(self.source.sample_rate)
        start = sampling.audio_offset(centre, fps, sr) - self.samples // 2
        pictures, sounds = [], []
        for v, c, s, g in zip(videos.tolist(), centre.tolist(), start.tolist(), gain.tolist(), strict=True):
            pictures.append(self._frames(v, c))  # one frame a call: only the spaced ones are needed
            sound = self._sound(v, s)
            if self.train:
                sound = sound * np.float32(g)
            sounds.append(np.clip(sound, -1.0, 1.0))
        sources = np.stack(sounds).astype(np.float32)
        classes = np.asarray(self.source.classes, dtype=np.int64)[videos]
        return {"frames": torch.from_numpy(np.stack(pictures).astype(np.uint8, copy=False)),
                "sources": torch.from_numpy(sources),
                "mixture": torch.from_numpy(sources.mean(axis=0, dtype=np.float32)),
                "classes": torch.from_numpy(classes),
                "videos": torch.from_numpy(videos),
                "centre": torch.from_numpy(np.asarray(centre, dtype=np.int64)),
                "start": torch.from_numpy(np.asarray(start, dtype=np.int64)),
                "gain": torch.from_numpy(gain),
                "same_class": torch.tensor(bool(len(np.unique(classes)) < len(classes)))}


def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Stack ``B`` items of :class:`MixSeparateDataset` (a DataLoader ``collate_fn``).

    Output: ``frames`` uint8 ``[B, N, T, H, W, 3]``, ``sources`` float32 ``[B, N, S]``, ``mixture``
    float32 ``[B, S]``, ``classes``, ``videos``, ``centre`` and ``start`` int64 ``[B, N]``, ``gain``
    float32 ``[B, N]``, ``same_class`` bool ``[B]``.
    """
    if not items:
        raise ValueError("collate needs at least one item")
    return {key: torch.stack([it[key] for it in items]) for key in items[0]}


def spectrograms(batch: dict[str, torch.Tensor], *, n_fft: int, hop: int, rows: int) -> dict[str, torch.Tensor]:
    """The network's inputs and targets from a collated batch, as the official ``main.py`` builds them.

    Takes ``batch["mixture"]`` ``[B, S]`` and ``batch["sources"]`` ``[B, N, S]``. Writes ``F = n_fft // 2
    + 1`` for the linear bins and ``T = 1 + S // hop`` for the frames. The steps, in the official order:

    1. Take STFT magnitudes of the mixture and of each ``source_n / N``. As in ``_mix_n_and_stft``, a
       source's target is its share of the mixture.
    2. Add the 1e-10 floor to the mixture magnitude.
    3. Warp the mixture and the sources to ``rows`` log-frequency rows.
    4. Compute the loss weights and the binary and ratio targets on the warped magnitudes.
    5. Take the log of the warped mixture as the input.

    Returned, all float32:

    * ``mag_mix``: ``[B, 1, F, T]``, the linear mixture magnitude with the floor;
    * ``phase_mix``: ``[B, 1, F, T]``, the mixture phase in radians, kept for reconstruction;
    * ``log_mix``: ``[B, 1, rows, T]``, the network input, ``log(warp(mag_mix))``;
    * ``mags``: ``[B, N, rows, T]``, the warped source magnitudes;
    * ``binary``: ``[B, N, rows, T]``, the default target, ``mags > 0.5 · warp(mag_mix)``;
    * ``ratio``: ``[B, N, rows, T]``, ``mags / warp(mag_mix)`` clamped to [0, 5];
    * ``weight``: ``[B, 1, rows, T]``, ``clamp(log1p(warp(mag_mix)), 1e-3, 10)``.
    """
    mixture, sources = batch["mixture"].float(), batch["sources"].float()
    if mixture.dim() != 2 or sources.dim() != 3 or sources.shape[0] != mixture.shape[0] \
            or sources.shape[-1] != mixture.shape[-1]:
        raise ValueError(f"expected mixture [B, S] and sources [B, N, S], got {tuple(mixture.shape)} and "
                         f"{tuple(sources.shape)}")
    n = sources.shape[1]
    mag_mix, phase_mix = spectrogram.magnitude_phase(mixture, n_fft, hop)  # [B, F, T]
    mags = spectrogram.stft(sources / n, n_fft, hop).abs()  # [B, N, F, T]
    mag_mix = mag_mix.unsqueeze(1) + MIX_FLOOR  # [B, 1, F, T]
    warped_mix = spectrogram.warp(mag_mix, rows)  # [B, 1, rows, T]
    warped = spectrogram.warp(mags, rows)  # [B, N, rows, T]
    return {"mag_mix": mag_mix, "phase_mix": phase_mix.unsqueeze(1), "log_mix": torch.log(warped_mix),
            "mags": warped, "binary": masks.binary_masks(warped, warped_mix[:, 0]),
            "ratio": masks.ratio_masks(warped, warped_mix[:, 0]), "weight": masks.loss_weights(warped_mix[:, 0])}
