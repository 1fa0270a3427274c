"""On/off-screen separation of a whole video with a trained ``SeparationNet`` (Owens & Efros §6; reference
notes §1.7, the original's ``sep_video.py``).

The video is decoded at the profile's rates (frames at ``frame_size`` on the short side, then the centre
``crop_size`` square, as the training clips; the original scales to 256 x 256 and crops 224) and cut into
windows of ``cfg.separation.clip_frames`` frames with a 50 % step (smaller when the net's output,
``net.samples``, would leave a gap); the last window ends at the last frame. Each window's mixture is
RMS-normalised to ``MIXTURE_RMS`` (0.1414, the two-source training level), separated, reconstructed with the
mixture's phase and scaled back; where windows overlap the first write wins (the original's rule). Each
window gives its first ``net.samples`` samples (``(spec_frames - 1) * hop``, e.g. 95 % of a ``cpu`` window,
25 % of a ``smoke`` one), so the output covers the audio up to the last window's ``net.samples``: the final
``window - net.samples`` samples of the video are left out (and the written video is cut to match).
``mask="left" | "right"`` greys that half of every frame (value 128), as the original's ``--mask l|r``.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.io import wavfile

from .. import runtime
from ..config import Profile
from ..io.errors import MediaError
from ..io.load import Clip, earliest_start, load_span
from ..io.media_info import probe, require_audio
from ..io.pcm import to_pcm16
from ..io.write import AAC_RATES, write_av
from ..models.inputs import frames_to_net
from ..sampling import audio_offset
from ..shift.dataset import crop
from .data import MIXTURE_RMS
from .model import SeparationNet

MASKS = ("left", "right")
MASK_VALUE = 128


class TooShortError(MediaError):
    """The file's audio-visual span is shorter than one separation window."""

    reason = "too_short"


@dataclass
class Separated:
    """``on`` / ``off`` float32 mono ``[N]`` at ``sample_rate`` (``N``: up to the last window's output),
    ``frames`` uint8 ``[T, c, c, 3]`` as the net saw them (cropped, masked), ``windows`` separated,
    ``seconds`` of audio out, ``elapsed`` wall seconds of separating (and decoding, given a path)."""

    path: str
    on: np.ndarray
    off: np.ndarray
    frames: np.ndarray
    fps: float
    sample_rate: int
    windows: int
    seconds: float
    elapsed: float


def window_step(clip_frames: int, out_samples: int, fps: float, sample_rate: int) -> int:
    """Frames between window starts: half a window (the original's 50 %), or fewer when a window's
    ``out_samples`` would not reach the next window's first sample (``audio_offset`` rounds, hence the -1)."""
    fit = math.floor((out_samples - 1) * fps / sample_rate)
    return max(1, min(clip_frames // 2, fit))


def window_starts(n_frames: int, clip_frames: int, step: int | None = None) -> np.ndarray:
    """First frames int64 ``[K]`` of windows of ``clip_frames`` every ``step`` (default half a window), the
    last placed to end at the last frame; empty when ``n_frames < clip_frames``."""
    if n_frames < clip_frames:
        return np.zeros(0, np.int64)
    step = step or max(1, clip_frames // 2)
    starts = np.arange(0, n_frames - clip_frames + 1, step, dtype=np.int64)
    if starts[-1] != n_frames - clip_frames:
        starts = np.append(starts, n_frames - clip_frames)
    return starts


def apply_mask(frames: np.ndarray, mask: str | None) -> np.ndarray:
    """``frames [..., H, W, 3]`` with the ``left`` / ``right`` half of each set to 128 (a copy), or as is."""
    if mask is None:
        return frames
    if mask not in MASKS:
        raise ValueError(f"unknown mask {mask!r}; choose one of {', '.join(MASKS)}")
    out = np.array(frames, copy=True)
    half = out.shape[-2] // 2
    if mask == "left":
        out[..., :half, :] = MASK_VALUE
    else:
        out[..., half:, :] = MASK_VALUE
    return out


def decode(path: str | Path, cfg: Profile) -> Clip:
    """The whole audio-visual span of ``path`` at ``cfg.media``'s rates (``avscene.io.load.load_span``), its
    frames cut to the centre ``crop_size`` square (uint8 ``[T, c, c, 3]``; audio float32 ``[C, N]``);
    ``MediaError`` naming the file when it is unreadable, has no audio or is shorter than one window
    (``TooShortError``)."""
    m, w = cfg.media, cfg.separation.clip_frames
    path = str(path)
    info = require_audio(probe(path))
    need = f"{info.av_duration:.2f} s < {w / m.fps:.2f} s"
    if math.floor((info.av_end - earliest_start(info, m.fps)) * m.fps + 1e-6) < w:  # before decoding anything
        raise TooShortError(path, f"shorter than one window: {need}")
    clip = load_span(path, info, fps=m.fps, sample_rate=m.sample_rate, channels=m.channels, size=m.frame_size)
    if clip.num_frames < w:  # the audio ended early enough to cost the frames that made a window
        raise TooShortError(path, f"shorter than one window: {need}")
    return dataclasses.replace(clip, frames=np.ascontiguousarray(crop(clip.frames, m.crop_size)))


@torch.no_grad()
def separate_windows(net: SeparationNet, frames: np.ndarray, mixture: np.ndarray,
                     device: torch.device) -> tuple[np.ndarray, np.ndarray]:
    """One batch: ``frames`` uint8 ``[K, T, c, c, 3]``, ``mixture`` float32 ``[K, C, n]`` -> on, off float32
    ``[K, net.samples]``, each window normalised to RMS 0.1414 and scaled back."""
    mix = torch.from_numpy(mixture).to(device)
    gain = MIXTURE_RMS / mix.pow(2).mean(dim=(-2, -1), keepdim=True).sqrt().clamp_min(1e-8)
    mix = mix * gain
    video = frames_to_net(torch.from_numpy(frames).to(device)) if net.video is not None else None
    on_spec, off_spec = net(video, mix)
    g = gain[:, 0]
    on, off = net.waveforms(on_spec, mix) / g, net.waveforms(off_spec, mix) / g
    return on.float().cpu().numpy(), off.float().cpu().numpy()


def separate(source: str | Path | Clip, net: SeparationNet, cfg: Profile, *, mask: str | None = None,
             batch: int = 8, device: torch.device | None = None) -> Separated:
    """Separate a whole video (a path, or what :func:`decode` returned) into on- and off-screen sound."""
    t0 = time.perf_counter()
    clip = source if isinstance(source, Clip) else decode(source, cfg)
    fps, sr, w = clip.fps, clip.sample_rate, cfg.separation.clip_frames
    n_win = round(w * sr / fps)
    if net.samples > n_win:
        raise ValueError(f"the net outputs {net.samples} samples, more than a window's {n_win}")
    starts = window_starts(len(clip.frames), w, window_step(w, net.samples, fps, sr))
    if len(starts) == 0:
        raise TooShortError(clip.path, f"shorter than one window: {len(clip.frames) / fps:.2f} s < {w / fps:.2f} s")
    offsets = audio_offset(starts, fps, sr)
    frames = apply_mask(clip.frames, mask)
    audio = np.pad(clip.audio, ((0, 0), (0, max(0, int(offsets[-1]) + n_win - clip.audio.shape[1]))))
    device = device or runtime.pick_device()
    net = net.to(device).eval()
    on_w, off_w = [], []
    for i in range(0, len(starts), batch):
        s, o = starts[i:i + batch], offsets[i:i + batch]
        f = frames[s[:, None] + np.arange(w)]  # [k, T, c, c, 3]
        a = np.ascontiguousarray(audio[:, o[:, None] + np.arange(n_win)].transpose(1, 0, 2))  # [k, C, n]
        on, off = separate_windows(net, f, a, device)
        on_w.append(on)
        off_w.append(off)
    on_all, off_all = np.concatenate(on_w), np.concatenate(off_w)
    length, L = int(offsets[-1]) + net.samples, net.samples
    on_out, off_out = np.zeros(length, np.float32), np.zeros(length, np.float32)
    for k in range(len(starts) - 1, -1, -1):  # the later windows first, so the first write wins
        on_out[offsets[k]:offsets[k] + L] = on_all[k]
        off_out[offsets[k]:offsets[k] + L] = off_all[k]
    return Separated(clip.path, on_out, off_out, frames, fps, sr, len(starts), length / sr,
                     time.perf_counter() - t0)


def write(result: Separated, out_dir: str | Path) -> list[Path]:
    """``on.wav``, ``off.wav`` (int16 mono) and the frames with the on-screen track: ``on.mp4`` (H.264 +
    AAC) where AAC takes the sample rate, else ``on.mkv`` (H.264 + FLAC, e.g. the smoke profile's 4 kHz,
    which AAC cannot encode; resampling would change the track). Returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sr, fps = result.sample_rate, result.fps
    paths = [out / "on.wav", out / "off.wav"]
    wavfile.write(paths[0], sr, to_pcm16(result.on))
    wavfile.write(paths[1], sr, to_pcm16(result.off))
    t = min(len(result.frames), math.floor(len(result.on) * fps / sr + 1e-6))
    frames = result.frames[:t, : result.frames.shape[1] // 2 * 2, : result.frames.shape[2] // 2 * 2]
    n = min(len(result.on), int(audio_offset(t, fps, sr)))
    aac = sr in AAC_RATES
    video = out / ("on.mp4" if aac else "on.mkv")
    write_av(video, np.ascontiguousarray(frames), np.clip(result.on[None, :n], -1.0, 1.0), fps, sr,
             audio_codec="aac" if aac else "flac")
    return paths + [video]


__all__ = [
    "MASKS",
    "Separated",
    "TooShortError",
    "apply_mask",
    "decode",
    "separate",
    "window_starts",
    "window_step",
    "write",
]
