"""Validate and decode the demo's video, before anything is written (bad input: one ``MediaError``).

:func:`open_video` checks the file (exists, a file, a readable container with a video and an audio track,
not truncated: ``avscene.io.probe``); :func:`plan` picks the span (``--start`` / ``--duration``, in seconds
from the start of the file's audio-visual span) and refuses a span shorter than every part needs (the sync
search needs ``clip_frames + 2 * max_offset`` frames); :func:`decode` reads the span once per set of rates
the networks need (``avscene.io.load_clip``: frame-exact, stream start times honoured, frames and audio
aligned within one frame), the frames at the video's own aspect, capped at :data:`LONG_SIDE` px on the
long side (what the overlays show); :func:`square` resizes them to a network's square input (the whole
frame, no crop: the original's ``predict_cam_resize``).

The decoded span is held in memory (about 0.4 MB a frame at 480 x 270: some 0.7 GB a minute at 30 fps, plus
the networks' square copies while they run): for long videos pick a span with ``--start`` / ``--duration``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import torch
import torch.nn.functional as F

from ..io.errors import ClipRangeError, MediaError, UnreadableMediaError
from ..io.load import Clip, earliest_start, load_clip
from ..io.media_info import MediaInfo, probe, require_audio
from ..separation.separate import TooShortError
from .weights import Weights, sep_window_frames

#: the decoded frames' long side (px) at most, unless a network's input is larger than the short side
LONG_SIDE = 480
Rates = tuple[float, int, int]  # fps, sample_rate, channels


@dataclass(frozen=True)
class Need:
    """A part's shortest span: ``frames`` frames at ``fps``, and why (``"sync: ..."``)."""

    frames: int
    fps: float
    why: str

    @property
    def seconds(self) -> float:
        return self.frames / self.fps


@dataclass
class Plan:
    """What to decode: ``[start, start + duration)`` s of ``info.path`` (presentation times) at each of
    ``rates``, frames at ``size = (H, W)``; ``needs`` per part."""

    info: MediaInfo
    start: float
    duration: float
    size: tuple[int, int]
    rates: list[Rates]
    needs: list[Need]

    @property
    def path(self) -> str:
        return self.info.path


def open_video(path: str | Path) -> MediaInfo:
    """``probe(path)`` of a file with a video and an audio track; ``MediaError`` naming the file otherwise
    (missing, a folder, unreadable, truncated, no video, no audio)."""
    try:
        return require_audio(probe(path))
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, RuntimeError) as exc:
        raise UnreadableMediaError(path, f"not a readable media file ({type(exc).__name__}: {exc})") from None


def needs(weights: Weights) -> list[Need]:
    """The shortest span of each part: sync a window plus the offsets' slack, CAM and separation a window."""
    s = weights.sync.media
    out = [Need(s.clip_frames + 2 * s.max_offset, s.fps,
                f"sync: a window of {s.clip_frames} frames and ±{s.max_offset} frames of slack = "
                f"{s.clip_frames + 2 * s.max_offset} frames at {s.fps:g} fps")]
    if weights.cam is not None:
        c = weights.cam.media
        out.append(Need(c.clip_frames, c.fps, f"cam: a window of {c.clip_frames} frames at {c.fps:g} fps"))
    if weights.separation is not None:
        p = weights.separation.media
        w = max(p.clip_frames, sep_window_frames(weights.separation.net, p.fps, p.sample_rate))
        out.append(Need(w, p.fps, f"separation: a window of {w} frames at {p.fps:g} fps"))
    return out


def display_size(width: int, height: int, at_least: int = 0, long_side: int = LONG_SIDE) -> tuple[int, int]:
    """``(H, W)``, even: the source's aspect with the long side at most ``long_side`` (never enlarged), unless
    the short side would then fall below ``at_least`` (a network's input side)."""
    scale = min(1.0, long_side / max(width, height))
    if min(width, height) * scale < at_least:
        scale = min(1.0, at_least / min(width, height))
    return max(2, round(height * scale / 2) * 2), max(2, round(width * scale / 2) * 2)


def plan(info: MediaInfo, weights: Weights, start: float = 0.0, duration: float | None = None) -> Plan:
    """The span to decode; ``MediaError`` naming the file when ``--start`` / ``--duration`` leave the span
    or the span is too short for a part (saying how long it must be)."""
    path = info.path
    rates = list(dict.fromkeys(m.media.rates for m in weights.models()))
    first = max(earliest_start(info, fps) for fps, _, _ in rates)
    span = info.av_end - first
    if not (math.isfinite(start) and start >= 0):
        raise ClipRangeError(path, f"--start {start} must be a number of seconds >= 0")
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise ClipRangeError(path, f"--duration {duration} must be a number of seconds > 0")
    if start >= span:
        raise ClipRangeError(path, f"--start {start:.2f} s is at or past the end of its audio and video "
                                   f"({span:.2f} s)")
    length = span - start if duration is None else min(duration, span - start)
    wanted = needs(weights)
    worst = max(wanted, key=lambda n: n.seconds)
    for n in wanted:
        if math.floor(length * n.fps + 1e-6) < n.frames:
            raise TooShortError(path, f"{length:.2f} s of audio and video{' from --start' if start else ''} is "
                                      f"shorter than one window: it must be at least {worst.seconds:.2f} s "
                                      f"({worst.why})")
    at_least = max(m.media.frame_size for m in weights.models())
    return Plan(info, first + start, length, display_size(info.width, info.height, at_least), rates, wanted)


def decode(p: Plan) -> dict[Rates, Clip]:
    """The planned span at each of its rates: ``Clip`` frames uint8 ``[T, H, W, 3]`` (``H, W = p.size``),
    audio float32 ``[C, N]``, frame 0 and sample 0 at ``p.start``. ``MediaError`` for unreadable,
    truncated or too short data (audio that ends early costs frames: checked again here)."""
    clips: dict[Rates, Clip] = {}
    for fps, sample_rate, channels in p.rates:
        t = math.floor(p.duration * fps + 1e-6)
        last: MediaError | None = None
        for _ in range(3):  # trailing audio can end a few ms before the video: one frame fewer
            try:
                clips[(fps, sample_rate, channels)] = load_clip(
                    p.path, p.start, t / fps, fps=fps, sample_rate=sample_rate, channels=channels, size=p.size)
                last = None
                break
            except ClipRangeError as exc:
                last, t = exc, t - 1
            except MediaError:
                raise
            except (av.error.FFmpegError, OSError, ValueError, RuntimeError) as exc:
                raise UnreadableMediaError(p.path, f"cannot be decoded ({type(exc).__name__}: {exc})") from None
        if last is not None:
            raise last
    worst = max(p.needs, key=lambda n: n.seconds)
    for n in p.needs:
        got = next(c for r, c in clips.items() if r[0] == n.fps).num_frames
        if got < n.frames:
            raise TooShortError(p.path, f"its audio and video hold {got} frames at {n.fps:g} fps, shorter than one "
                                        f"window: it must be at least {worst.seconds:.2f} s ({worst.why})")
    return clips


def square(frames: np.ndarray, size: int, chunk: int = 32) -> np.ndarray:
    """uint8 ``[T, H, W, 3]`` -> uint8 ``[T, size, size, 3]``: the whole frame resized (bilinear with
    antialiasing when shrinking), as the original's ``predict_cam_resize``; in chunks of frames."""
    t, h, w, _ = frames.shape
    if (h, w) == (size, size):
        return np.ascontiguousarray(frames)
    out = np.empty((t, size, size, 3), np.uint8)
    with torch.no_grad():
        for i in range(0, t, chunk):
            x = torch.from_numpy(np.ascontiguousarray(frames[i:i + chunk])).permute(0, 3, 1, 2).float()
            y = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
            out[i:i + chunk] = y.round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    return out
