"""Test media with known events: white flashes, each with a tone burst starting at the same instant.

``make_flash_tone`` writes such a file with ``avscene.io.write_av`` (PyAV) in any container / codec /
frame rate / sample rate / channel count, with optional video / audio start offsets (real files' first
frame at a few ms, audio priming) or variable frame rate, and returns the true event times.
``flash_onsets`` / ``burst_onsets`` find the events again in a decoded ``Clip``. Reused by the timing
tests of steps 2+ (loaders, cache, datasets).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from avscene.io import write_av

#: (container extension, video codec, audio codec) for each container the timing tests cover
CODECS = {
    "mp4": ("libx264", "aac"),
    "webm-vp9": ("libvpx-vp9", "libopus"),
    "webm-vp8": ("libvpx", "libopus"),
    "webm-vp8-vorbis": ("libvpx", "libvorbis"),  # only where PyAV's FFmpeg has libvorbis
    "mkv": ("libx264", "flac"),
    "avi": ("mjpeg", "pcm_s16le"),
}
FLASH_SECONDS = 0.2
BURST_SECONDS = 0.12
TONE_HZ = 300.0
DARK, BRIGHT = 20, 235


@dataclass
class FlashToneFile:
    """A generated file and the truth about it: ``events`` are the presentation times (s) at which a
    flash's first frame is shown and its tone burst begins."""

    path: Path
    events: list[float]
    fps: float
    sample_rate: int
    channels: int
    duration: float
    audio_start: float = 0.0
    vfr: bool = False
    frame_times: np.ndarray = field(default=None, repr=False)
    video_start: float = 0.0


def vfr_times(duration: float, fps: float, seed: int = 0) -> np.ndarray:
    """Irregular increasing frame times (ms-rounded) averaging ``fps``: steps of 0.5x..1.5x the period."""
    rng = np.random.default_rng(seed)
    steps = rng.uniform(0.5, 1.5, size=int(duration * fps * 2)) / fps
    times = np.round(np.concatenate([[0.0], np.cumsum(steps)]) * 1000) / 1000
    return times[times < duration]


def make_flash_tone(path: str | Path, *, kind: str = "mp4", fps: float = 25.0, sample_rate: int = 16000,
                    channels: int = 2, duration: float = 2.5, size: tuple[int, int] = (48, 64),
                    audio_start: float = 0.0, video_start: float = 0.0, vfr: bool = False,
                    events: tuple[float, ...] | None = None, seed: int = 0) -> FlashToneFile:
    """Write a flash + tone-burst file; ``kind`` is a key of ``CODECS``. Events default to three instants
    spread over the span where both streams exist, each snapped to a frame's presentation time.

    ``video_start`` / ``audio_start`` (s) are the times of the first frame and of the first audio sample
    given to the encoder. Encoders may add priming before the audio (AAC: 1024 samples, which an MP4 edit
    list keeps only where they fall at times >= 0; Opus: pre-skip, dropped on decoding): ``probe`` tells
    where the decoded audio starts. The video's frame ``i`` is at ``video_start + frame_times[i]``."""
    video_codec, audio_codec = CODECS[kind]
    frame_times = vfr_times(duration, fps, seed) if vfr else np.arange(round(duration * fps)) / fps
    frame_times = video_start + frame_times
    lo, hi = max(audio_start, video_start) + 0.25, duration - 0.45
    wanted = events if events is not None else tuple(np.linspace(lo, hi, 3))
    idx = [int(np.argmin(np.abs(frame_times - e))) for e in wanted]
    true_events = [float(frame_times[k]) for k in idx]
    h, w = size
    frames = np.full((len(frame_times), h, w, 3), DARK, np.uint8)
    frames[:, : h // 4, : w // 4] = 128  # some static structure for the codecs
    n_audio = round((duration - audio_start) * sample_rate)
    audio = np.zeros((channels, n_audio), np.float32)
    tone_len = round(BURST_SECONDS * sample_rate)
    tone = 0.5 * np.sin(2 * np.pi * TONE_HZ * np.arange(tone_len) / sample_rate).astype(np.float32)
    for e in true_events:
        frames[(frame_times >= e - 1e-9) & (frame_times < e + FLASH_SECONDS)] = BRIGHT
        j = round((e - audio_start) * sample_rate)
        audio[:, j:j + tone_len] = tone[: max(0, min(tone_len, n_audio - j))]
    write_av(path, frames, audio, fps, sample_rate, video_codec=video_codec, audio_codec=audio_codec,
             audio_start=audio_start, video_start=video_start, frame_times=frame_times if vfr else None)
    return FlashToneFile(Path(path), true_events, fps, sample_rate, channels, duration, audio_start, vfr,
                         frame_times, video_start)


def flash_onsets(frames: np.ndarray, start: float, fps: float) -> np.ndarray:
    """Times (s) of the first frame of each flash in uint8 ``[T, H, W, 3]`` frames read from ``start``."""
    bright = frames[:, frames.shape[1] // 2:, frames.shape[2] // 2:].mean(axis=(1, 2, 3)) > (DARK + BRIGHT) / 2
    rises = np.flatnonzero(bright[1:] & ~bright[:-1]) + 1
    if bright[0]:
        rises = np.concatenate([[0], rises])
    return start + rises / fps


def burst_onsets(audio: np.ndarray, start: float, sample_rate: int, min_gap: float = 0.2) -> np.ndarray:
    """Times (s) where each tone burst begins in float ``[C, N]`` audio read from ``start``: the first
    sample above 30 % of the peak after at least ``min_gap`` s of quiet."""
    env = np.abs(audio).max(axis=0)
    loud = np.flatnonzero(env > 0.3 * env.max()) if env.max() > 0 else np.array([], int)
    if loud.size == 0:
        return np.array([])
    keep = np.concatenate([[True], np.diff(loud) > min_gap * sample_rate])
    return start + loud[keep] / sample_rate
