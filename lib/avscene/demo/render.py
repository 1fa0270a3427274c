"""The demo's files: ``sync.png`` / ``sync.json``, ``cam.mp4``, ``on.wav`` / ``off.wav``, ``on_screen.mp4``.

The CAM overlay follows the original's ``sep_video.heatmap`` (``avscene.localization.overlay``): thresholds
from the 97th percentile of the whole clip's map (taken over the CAM cells, as the original does), jet
colours, blend weight at most 0.35. Frames are blended in chunks, so a long clip never holds its heat maps
at full resolution at once. MP4 audio is AAC; a rate AAC cannot encode (21 kHz, 4 kHz) is resampled to the
next rate it can (at least 16 kHz); the wavs keep the network's rate.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy.io import wavfile

from ..io.pcm import to_pcm16
from ..io.write import AAC_RATES, write_av
from ..localization.cam import CamGeometry, upsample
from ..localization.overlay import LO_FRAC, MAX_ALPHA, PERCENTILE
from ..shift.sync import OffsetEstimate

#: the lowest rate an MP4's AAC track is resampled to when the network's rate is not an AAC rate
MIN_AAC_RATE = 16000


# ---------------------------------------------------------------- sync
def sync_figure(est: OffsetEstimate, path: Path, *, label: str, video: str) -> Path:
    """The score curve (mean "aligned" logit over the windows vs the candidate offset, frames below and
    seconds on top; each window's curve faint), the estimate marked, its confidence in the title."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(7.5, 4.2), dpi=120, layout="constrained")
    ax = fig.add_subplot()
    for row in est.per_window:
        ax.plot(est.offsets, row, color="0.8", lw=0.6, zorder=1)
    ax.plot(est.offsets, est.curve, "o-", color="tab:blue", ms=3, lw=1.6, zorder=2,
            label=f"mean over {len(est.starts)} window{'s' if len(est.starts) != 1 else ''}")
    best = float(est.curve[list(est.offsets).index(est.offset)])
    ax.axvline(est.offset, color="tab:red", lw=1, ls="--", zorder=0)
    ax.plot([est.offset], [best], "*", color="tab:red", ms=12, zorder=3,
            label=f"estimate: {est.offset:+d} frames ({est.seconds:+.3f} s)")
    ax.axhline(float(np.median(est.curve)), color="0.5", lw=0.8, ls=":", label="median of the curve")
    ax.set_xlabel("offset (frames; + = audio late)")
    ax.set_ylabel('"aligned" logit')
    fps = est.fps
    top = ax.secondary_xaxis("top", functions=(lambda f: f / fps, lambda s: s * fps))
    top.set_xlabel("offset (s)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best", fontsize=8)
    k = abs(est.offset)
    how = "in sync" if k == 0 else f"audio {'late' if est.offset > 0 else 'early'} by {k} frame{'s' if k != 1 else ''}"
    ax.set_title("\n".join([
        f"{Path(video).name}: {how} ({est.seconds:+.3f} s), confidence {est.confidence:.2f}",
        "(confidence = max - median of the curve, SyncNet-style, in logit units)",
        *textwrap.wrap(f"sync model: {label}", 110)]), fontsize=8)
    fig.savefig(path)
    return path


def write_json(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


# ---------------------------------------------------------------- the CAM overlay
def thresholds(cells: np.ndarray) -> tuple[float, float] | None:
    """``(lo, hi)`` of the overlay from the whole clip's CAM cells ``[T, h, w]`` (``None``: a constant map,
    shown as the plain frames)."""
    if cells.size == 0 or float(cells.max() - cells.min()) <= 1e-3:
        return None
    max_val = float(np.percentile(cells, PERCENTILE))
    return LO_FRAC * max_val, max_val + 1e-3


def heat_on_frames(cells: np.ndarray, geometry: CamGeometry, net_size: int, size: tuple[int, int]) -> np.ndarray:
    """CAM cells float ``[t, h, w]`` of a network that saw the whole frame resized to ``net_size`` square ->
    float32 ``[t, H, W]`` on frames of ``size = (H, W)`` (cells interpolated at their centres, then the
    square stretched back to the frame's aspect)."""
    sq = upsample(torch.from_numpy(np.ascontiguousarray(cells, dtype=np.float32)), geometry, net_size)
    return F.interpolate(sq[:, None], size=size, mode="bilinear", align_corners=False)[:, 0].numpy()


def blend(frames: np.ndarray, heat: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``overlay.heatmap``'s colouring with fixed thresholds: uint8 ``[t, H, W, 3]``, heat ``[t, H, W]``."""
    from matplotlib import colormaps

    z = (heat.astype(np.float32) - lo) / (hi - lo)
    vis = colormaps["jet"](np.clip(z, 0.0, 1.0), bytes=True)[..., :3].astype(np.float32)
    p = np.clip(z, 0.0, MAX_ALPHA)[..., None]
    return (frames.astype(np.float32) * (1 - p) + vis * p).astype(np.uint8)


def overlay_frames(frames: np.ndarray, cells: np.ndarray, geometry: CamGeometry, net_size: int,
                   chunk: int = 16) -> np.ndarray:
    """uint8 ``[T, H, W, 3]`` with the per-frame CAM ``cells [T, h, w]`` blended on, chunk by chunk."""
    limits = thresholds(cells)
    if limits is None:
        return np.array(frames, copy=True)
    out = np.empty_like(frames)
    size = frames.shape[1:3]
    for i in range(0, len(frames), chunk):
        heat = heat_on_frames(cells[i:i + chunk], geometry, net_size, size)
        out[i:i + chunk] = blend(frames[i:i + chunk], heat, *limits)
    return out


# ---------------------------------------------------------------- audio and video files
def aac_audio(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int]:
    """float ``[C, N]`` at a rate AAC can encode: as is, or resampled (torchaudio) to the next AAC rate of at
    least :data:`MIN_AAC_RATE`."""
    audio = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    if sample_rate in AAC_RATES:
        return audio, sample_rate
    import torchaudio

    target = min(r for r in AAC_RATES if r >= max(sample_rate, MIN_AAC_RATE))
    wave = torchaudio.functional.resample(torch.from_numpy(audio), sample_rate, target).numpy()
    return np.clip(wave, -1.0, 1.0), target


def write_video(path: Path, frames: np.ndarray, audio: np.ndarray, fps: float, sample_rate: int) -> Path:
    """H.264 + AAC MP4 of uint8 ``[T, H, W, 3]`` (even sizes) and float ``[C, N]`` audio on the same timeline."""
    wave, rate = aac_audio(audio, sample_rate)
    write_av(path, np.ascontiguousarray(frames), wave, fps, rate, audio_codec="aac")
    return path


def write_wav(path: Path, wave: np.ndarray, sample_rate: int) -> Path:
    """Mono float ``[N]`` -> 16-bit PCM wav at ``sample_rate``."""
    wavfile.write(path, sample_rate, to_pcm16(wave))
    return path
