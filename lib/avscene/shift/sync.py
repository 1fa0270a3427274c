"""Sync offset estimation with the shift network (Owens & Efros §3, §5; step 14; notebook 09).

"Is the sound of this video early or late, and by how much?" Slide the audio over ``-N..N`` frames against
windows of the frames and score each offset with the shift network's "aligned" logit; the offset with the
highest mean logit over the windows is the estimate. Convention: ``offset = +k`` means the **audio lags the
video by k frames** (a sound is heard k frames after the motion that made it), so the audio window of frame
``s`` starts at frame ``s + k``.

Confidence, as SyncNet's (Chung & Zisserman 2016: the median of the audio-visual distances over offsets minus
their minimum), with the logit as a similarity: ``confidence = max(curve) - median(curve)``, in logit units.

Test-time views (``views``): the logits can be averaged over the centre crop and its mirror image (``"flip"``)
or over five crops (corners and centre) and their mirrors (``"crops"``) of frames larger than the network's
input, as image classifiers' ten-crop testing; each view costs one more pass of the video layers (the sound
branch runs once per audio window, whatever the views).

Shapes: frames uint8 ``[T, H, W, 3]`` (at least the network's input size: ``crop_size``); audio int16 or float
``[C, N]`` at its rate, ``N`` about ``T * sample_rate / fps``, starting with frame 0 (``avscene.io.load_av``
honours stream start times).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import nn

from .. import config, runtime, sampling
from ..config import Profile
from ..course import outputs
from ..datasets.sources import SyntheticSource, VideoSource
from ..io.pcm import from_pcm16
from ..models.inputs import audio_to_net, frames_to_net
from ..sync_baseline import sync_score
from .dataset import crop
from .pretraining import pretrain

Views = Literal["center", "flip", "crops"]
VIEWS = ("center", "flip", "crops")


def test_views(frames: np.ndarray, size: int, views: Views = "center") -> np.ndarray:
    """The views the network scores of ``frames [T, H, W, 3]``: ``[V, T, size, size, 3]`` with V = 1
    (``"center"``: the centre crop), 2 (``"flip"``: and its mirror) or 10 (``"crops"``: the four corner crops
    and the centre crop, each also mirrored)."""
    if views not in VIEWS:
        raise ValueError(f"views must be one of {', '.join(VIEWS)}, not {views!r}")
    h, w = frames.shape[1:3]
    if h < size or w < size:
        raise ValueError(f"frames of {h}x{w} pixels are smaller than the network's {size}-pixel input")
    cy, cx = (h - size) // 2, (w - size) // 2
    corners = [(cy, cx)] + ([(0, 0), (0, w - size), (h - size, 0), (h - size, w - size)] if views == "crops" else [])
    out = [frames[:, y:y + size, x:x + size] for y, x in corners]
    if views != "center":
        out += [v[:, :, ::-1] for v in out]
    return np.ascontiguousarray(np.stack(out))


@dataclass(frozen=True)
class Window:
    """Where the network looks: ``clip_frames`` frames (``clip_samples`` samples) at ``fps`` and ``sample_rate``."""

    fps: float
    sample_rate: int
    clip_frames: int

    @classmethod
    def of(cls, cfg: Profile) -> "Window":
        m = cfg.media
        return cls(float(m.fps), int(m.sample_rate), int(m.clip_frames))

    @property
    def clip_samples(self) -> int:
        return round(self.clip_frames * self.sample_rate / self.fps)

    def audio_start(self, frame: np.ndarray | int) -> np.ndarray:
        return sampling.audio_offset(frame, self.fps, self.sample_rate)


@dataclass
class OffsetEstimate:
    """The estimated offset (frames; + = audio late), its confidence and the score curve over ``offsets``."""

    offset: int
    confidence: float
    offsets: np.ndarray  # [K] candidate offsets, frames
    curve: np.ndarray  # [K] mean "aligned" logit over the windows
    per_window: np.ndarray  # [W, K] each window's logits
    starts: np.ndarray  # [W] first frame of each window
    fps: float

    @property
    def seconds(self) -> float:
        """The offset in seconds (+ = audio late)."""
        return self.offset / self.fps

    def as_dict(self) -> dict:
        return {"offset_frames": int(self.offset), "offset_seconds": float(self.seconds),
                "confidence": float(self.confidence), "windows": int(len(self.starts)),
                "offsets": self.offsets.tolist(), "curve": [float(x) for x in self.curve]}


def window_starts(n_frames: int, clip_frames: int, max_offset: int, hop: int | None = None) -> np.ndarray:
    """First frames of the windows whose audio stays inside the clip at every candidate offset ``[W]``; at
    least one, else ``ValueError`` naming the length needed. Spread evenly from the first to the last."""
    first, last = max_offset, n_frames - clip_frames - max_offset
    if last < first:
        need = clip_frames + 2 * max_offset
        raise ValueError(f"the clip has {n_frames} frames; sync estimation needs at least {need} "
                         f"(a window of {clip_frames} and ±{max_offset} frames of slack)")
    hop = max(1, hop or clip_frames // 2)
    count = (last - first) // hop + 1
    return np.unique(np.linspace(first, last, count + (1 if (last - first) % hop else 0)).round().astype(np.int64))


def candidate_audio(audio: np.ndarray, window: Window, start: int, offsets: np.ndarray) -> np.ndarray:
    """The audio windows of the frame window at ``start`` for each candidate offset: ``[K, C, clip_samples]``."""
    j = window.audio_start(start + np.asarray(offsets))
    n = window.clip_samples
    if j.min() < 0 or j.max() + n > audio.shape[-1]:
        raise ValueError(f"offsets {offsets.min()}..{offsets.max()} at frame {start} leave the audio "
                         f"({audio.shape[-1]} samples)")
    return np.stack([audio[:, k:k + n] for k in j])


@torch.no_grad()
def estimate_offset(model: nn.Module, frames: np.ndarray, audio: np.ndarray, window: Window, max_offset: int, *,
                    hop: int | None = None, views: Views = "center", crop_size: int | None = None,
                    batch_size: int = 16, device: torch.device | None = None,
                    progress: bool = False) -> OffsetEstimate:
    """Score offsets ``-max_offset..max_offset`` frames of ``audio [C, N]`` against ``frames [T, H, W, 3]``
    with the shift network ``model`` (a ``ShiftNet``; eval mode during the call) -> :class:`OffsetEstimate`.

    ``views`` (:func:`test_views` of ``crop_size``-pixel crops; default: the frames as they are): each
    offset's logit is the mean over the views. Each window's video stem is computed once per view and shared
    by its ``2 * max_offset + 1`` audio windows, each audio window's sound features once and shared by the
    views; ``batch_size`` bounds the examples in one forward pass.
    """
    device = device or next(model.parameters()).device
    crop_size = crop_size or min(frames.shape[1:3])
    offsets = np.arange(-max_offset, max_offset + 1)
    starts = window_starts(len(frames), window.clip_frames, max_offset, hop)
    was_training = model.training
    model.eval()
    per_window = np.zeros((len(starts), len(offsets)), np.float64)
    bar = runtime.progress(starts, desc="sync windows", unit="window", disable=not progress, leave=False)
    try:
        for w, s in enumerate(bar):
            clips = test_views(frames[s:s + window.clip_frames], crop_size, views)  # [V, T, S, S, 3]
            stem = model.video_stem(frames_to_net(torch.from_numpy(clips).to(device)))  # [V, ...]
            n_views = len(clips)
            wav = audio_to_net(torch.from_numpy(np.ascontiguousarray(candidate_audio(audio, window, int(s), offsets))))
            step = max(1, batch_size // n_views)
            for first in range(0, len(offsets), step):
                a = wav[first:first + step].to(device)  # [B, C, N]
                k = len(a)
                sound = model.sound_features(a, stem.shape[2])  # [B, 2w, T']: once per audio window, for all views
                logits = model.logits_from_sound(stem.repeat_interleave(k, dim=0), sound.repeat(n_views, 1, 1))
                per_window[w, first:first + k] = logits.float().view(n_views, k).mean(0).cpu().numpy()
    finally:
        bar.close()
        model.train(was_training)
    return _estimate(offsets, per_window, starts, window.fps)


def _estimate(offsets: np.ndarray, per_window: np.ndarray, starts: np.ndarray, fps: float) -> OffsetEstimate:
    curve = per_window.mean(axis=0)
    best = int(np.argmax(curve))
    return OffsetEstimate(int(offsets[best]), float(curve[best] - np.median(curve)), offsets, curve, per_window,
                          np.asarray(starts), fps)


def baseline_offset(frames: np.ndarray, audio: np.ndarray, window: Window, max_offset: int, *,
                    hop: int | None = None) -> OffsetEstimate:
    """The same search scored by the motion-energy × audio-envelope correlation (``avscene.sync_baseline``,
    lag 0) instead of the network: the bar the network must clear."""
    offsets = np.arange(-max_offset, max_offset + 1)
    starts = window_starts(len(frames), window.clip_frames, max_offset, hop)
    wav = audio if audio.dtype != np.int16 else from_pcm16(audio)
    per_window = np.stack([sync_score(frames[s:s + window.clip_frames][None],
                                      candidate_audio(wav, window, int(s), offsets), max_lag=0)
                           for s in starts])
    return _estimate(offsets, per_window, starts, window.fps)


# ---------------------------------------------------------------- measured on held-out synthetic clips
def shifted_clip(frames: np.ndarray, audio: np.ndarray, window: Window, delay: int, margin: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """A clip of a video whose audio is **delayed** by ``delay`` frames (``-margin <= delay <= margin``): frames
    ``[margin, T - margin)`` and the audio that starts ``delay`` frames before them, so that the frame at
    clip time t is heard at clip time ``t + delay`` (the true offset of :func:`estimate_offset`)."""
    if abs(delay) > margin:
        raise ValueError(f"delay {delay} exceeds the margin {margin}")
    t = len(frames)
    a0, a1 = window.audio_start(np.array([margin - delay, t - margin - delay]))
    return frames[margin:t - margin], audio[:, a0:a1]


def offset_benchmark(model: nn.Module, cfg: Profile, *, n_clips: int | None = None, max_offset: int | None = None,
                     views: Views | None = None, source: VideoSource | None = None, seed: int = 0,
                     device: torch.device | None = None, progress: bool = True) -> dict:
    """Estimate known offsets on held-out synthetic clips (default: the profile's ``sync`` settings and its
    held-out pretext videos) with ``model`` and with the baseline.

    Returns ``true``, ``net``, ``baseline`` (``[n]`` offsets, frames), ``net_confidence``, the scalar
    ``exact``/``within1`` accuracies of both (fractions) and the settings used.
    """
    s = cfg.sync
    n_clips = n_clips or s.n_clips
    max_offset = s.max_offset if max_offset is None else max_offset
    views = views or s.views
    source = source or SyntheticSource.pretext(cfg, "eval")
    window = Window.of(cfg)
    rng = np.random.default_rng(seed)
    n = len(source)
    videos = rng.permutation(n)[:n_clips] if n_clips <= n else rng.integers(n, size=n_clips)
    true = rng.integers(-max_offset, max_offset + 1, size=len(videos))
    net, base, conf = [], [], []
    for v, d in zip(runtime.progress(videos, desc="sync clips", disable=not progress), true):
        frames, audio = source.read(int(v))
        clip_frames, clip_audio = shifted_clip(frames, audio, window, int(d), max_offset)
        est = estimate_offset(model, clip_frames, clip_audio, window, max_offset, hop=s.hop, views=views,
                              crop_size=cfg.media.crop_size, device=device)
        net.append(est.offset)
        conf.append(est.confidence)
        centre = crop(clip_frames, cfg.media.crop_size)
        base.append(baseline_offset(centre, clip_audio, window, max_offset, hop=s.hop).offset)
    net_a, base_a = np.asarray(net), np.asarray(base)
    return {"true": true, "net": net_a, "baseline": base_a, "net_confidence": np.asarray(conf),
            "exact": float((net_a == true).mean()), "within1": float((np.abs(net_a - true) <= 1).mean()),
            "baseline_exact": float((base_a == true).mean()),
            "baseline_within1": float((np.abs(base_a - true) <= 1).mean()),
            "n_clips": int(len(videos)), "max_offset": int(max_offset), "views": views, "fps": window.fps}


def synthetic_clip(cfg: Profile, delay: int, *, video: int = 0, split: str = "eval") -> tuple[np.ndarray, np.ndarray]:
    """Held-out synthetic video ``video`` with its audio delayed by ``delay`` frames (:func:`shifted_clip` with
    the profile's ``sync.max_offset`` as the margin): frames uint8 ``[T, frame_size, frame_size, 3]`` and
    int16 audio ``[C, N]``, e.g. to write to a file for the demo (notebook 09)."""
    frames, audio = SyntheticSource.pretext(cfg, split).read(video)
    return shifted_clip(frames, audio, Window.of(cfg), delay, cfg.sync.max_offset)


#: per-seed figures of :func:`offset_benchmark` that notebook 09 records (fractions in [0, 1])
SUMMARY_KEYS = ("exact", "within1", "baseline_exact", "baseline_within1")


def summarize(results: list[dict]) -> dict[str, float]:
    """Mean and sample standard deviation over seeds of each :data:`SUMMARY_KEYS` figure of ``results`` (one
    :func:`offset_benchmark` result per seed): ``{key: mean, key + "_std": std, key + "_min": lowest}``."""
    out: dict[str, float] = {}
    for key in SUMMARY_KEYS:
        vals = np.array([r[key] for r in results], np.float64)
        out[key] = float(vals.mean())
        out[f"{key}_std"] = float(vals.std(ddof=1)) if len(vals) > 1 else 0.0
        out[f"{key}_min"] = float(vals.min())
    errors = np.concatenate([r["net"] - r["true"] for r in results])
    out["mean_error_frames"] = float(errors.mean())
    out["rms_error_frames"] = float(np.sqrt((errors.astype(np.float64) ** 2).mean()))
    return out


# ---------------------------------------------------------------- the seed study (make seeds; notebook 09)
def study_path(profile: str) -> Path:
    """``figures/seeds/<profile>_sync.json``: the sync offsets of several shift runs, each trained from scratch."""
    return outputs.figures_root() / "seeds" / f"{profile}_sync.json"


def run_study(profile: str, seeds: list[int] | None = None, *, n_clips: int | None = None, out=None,
              device: torch.device | None = None, progress: bool = True) -> dict:
    """Measure :func:`offset_benchmark` for the shift run of every seed of ``profile`` (loaded when finished,
    else fetched or trained: ``shift``, ``seed<k>/shift``) on ``n_clips`` clips (default ``sync.study_clips``),
    and write the study to ``out`` (default :func:`study_path`): per seed its figures and its clips'
    true and estimated offsets, then :func:`summarize` over the seeds."""
    cfg = config.get(profile)
    seeds = list(range(cfg.sync.seeds)) if seeds is None else [int(k) for k in seeds]
    n_clips = n_clips or cfg.sync.study_clips
    results, rows = [], []
    for k in seeds:
        scfg = cfg.replace(seed=k)
        net = pretrain(scfg, device=device).model.eval()
        t0 = time.perf_counter()
        r = offset_benchmark(net, scfg, n_clips=n_clips, seed=k, device=device, progress=progress)
        results.append(r)
        rows.append({"seed": k, **{key: r[key] for key in SUMMARY_KEYS}, "n_clips": r["n_clips"],
                     "seconds": round(time.perf_counter() - t0, 1), "true": r["true"].tolist(),
                     "net": r["net"].tolist(), "baseline": r["baseline"].tolist()})
        print(f"seed {k}: exact {r['exact']:.3f}, within ±1 {r['within1']:.3f}; baseline {r['baseline_exact']:.3f} / "
              f"{r['baseline_within1']:.3f} ({r['n_clips']} clips, {rows[-1]['seconds']:.0f} s)", flush=True)
    study = {"profile": profile, "max_offset": results[0]["max_offset"], "views": results[0]["views"],
             "fps": results[0]["fps"], "seeds": rows, "summary": summarize(results),
             "environment": runtime.environment()}
    target = Path(out) if out else study_path(profile)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(study, indent=1) + "\n")
    print(f"written to {target}")
    return study


def load_study(profile: str) -> dict | None:
    """The recorded study of ``profile`` (None when it was never run), its seeds' offsets as arrays, ready for
    :func:`summarize` and ``figures.sync_errors``."""
    p = study_path(profile)
    if not p.exists():
        return None
    study = json.loads(p.read_text())
    for row in study["seeds"]:
        row.update({k: np.asarray(row[k]) for k in ("true", "net", "baseline")},
                   max_offset=study["max_offset"], fps=study["fps"])
    return study
