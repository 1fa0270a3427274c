"""``probe(path) -> MediaInfo``: what a media file holds, from its packets (step 2, dataset scans).

Reads every packet's timestamps (demuxing, no full decode: milliseconds for a 10-s clip) and decodes the
first video frame and audio frame, so a file that probes cleanly is one ``load_clip`` can read.
Times are seconds on the container's presentation timeline (``pts * time_base``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

from .errors import (EmptyMediaError, MediaError, NoAudioStreamError, NoVideoStreamError,
                     TruncatedMediaError, UnreadableMediaError)

#: Declared and demuxed durations may differ by this much (seconds, or this fraction) before a file is
#: called truncated.
TRUNCATION_TOLERANCE_S = 0.5
TRUNCATION_TOLERANCE_FRACTION = 0.05


@dataclass(frozen=True)
class MediaInfo:
    """One media file's streams. Video fields always set; audio fields ``None`` when ``has_audio`` is False."""

    path: str
    container: str
    size_bytes: int
    duration: float  # container span: earliest stream start to latest stream end (s)
    video_codec: str
    width: int
    height: int
    fps: float  # nominal (the container's average / guessed rate)
    fps_measured: float  # (frames - 1) / span of the frames' presentation times
    num_frames: int
    video_start: float  # presentation time of the first decoded frame (s), as load_clip sees it
    video_end: float  # presentation time of the last frame plus its duration (s)
    variable_frame_rate: bool
    has_audio: bool
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    audio_start: float | None = None  # time of the first decoded sample (s), after priming is trimmed
    audio_end: float | None = None

    @property
    def av_start(self) -> float:
        """Start of the span where video (and audio, if any) both exist: a window may start here at any
        output rate, with no zero-filled audio. ``load_clip`` also accepts starts a little earlier (up to
        half an output frame before the first video frame, one output frame before the first audio
        sample): ``avscene.io.load.earliest_start(info, fps)`` is the earliest such start, where the clip
        cache's stores begin (e.g. 0.0 for a WebM whose first video frame is at 3 ms)."""
        return self.video_start if not self.has_audio else max(self.video_start, self.audio_start)

    @property
    def av_end(self) -> float:
        return self.video_end if not self.has_audio else min(self.video_end, self.audio_end)

    @property
    def av_duration(self) -> float:
        """Length of the audio-visual span a clip can be drawn from (s)."""
        return max(0.0, self.av_end - self.av_start)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "MediaInfo":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def check_file(path: str | Path) -> int:
    """Raise the right ``MediaError`` for a missing path, a directory or a zero-byte file; return size."""
    p = Path(path)
    if not p.exists():
        raise UnreadableMediaError(p, "file not found")
    if p.is_dir():
        raise UnreadableMediaError(p, "is a directory, not a media file")
    if not p.is_file():
        raise UnreadableMediaError(p, "is not a regular file")
    size = p.stat().st_size
    if size == 0:
        raise EmptyMediaError(p, "zero-byte file")
    return size


def open_media(path: str | Path) -> av.container.InputContainer:
    """``av.open`` for reading, with failures turned into ``UnreadableMediaError`` naming the file."""
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError) as e:
        raise UnreadableMediaError(path, f"not a readable media file ({type(e).__name__}: {e})") from e


def declared_end(container: av.container.InputContainer) -> float | None:
    """The end time (s) the container's header declares, if it declares one."""
    ends = []
    if container.duration is not None:
        ends.append((container.start_time or 0) / av.time_base + container.duration / av.time_base)
    for s in container.streams:
        if s.type in ("video", "audio") and s.duration is not None and s.time_base is not None:
            ends.append(float((s.start_time or 0) * s.time_base + s.duration * s.time_base))
    return max(ends) if ends else None


def _first_time(frames: list) -> float | None:
    """Presentation time (s) of the first of some decoded frames, if they have one."""
    return next((float(f.time) for f in frames if f.time is not None), None)


def _nominal_fps(stream: av.video.stream.VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return float(rate)
    return 0.0


def probe(path: str | Path) -> MediaInfo:
    """Read ``path``'s streams, durations, rates and start times; raise a ``MediaError`` for bad input.

    Raises ``UnreadableMediaError`` (missing, directory, not media, undecodable), ``EmptyMediaError``
    (zero bytes or no frames), ``NoVideoStreamError``, ``TruncatedMediaError`` (data ends well before the
    declared duration, or holds well fewer video frames than the header declares). A missing audio stream is reported by ``has_audio=False``, not raised.
    """
    size = check_file(path)
    with open_media(path) as container:
        videos = list(container.streams.video)
        if not videos:
            raise NoVideoStreamError(path, "no video stream")
        vs = videos[0]
        audios = list(container.streams.audio)
        as_ = audios[0] if audios else None
        streams = [vs] + ([as_] if as_ is not None else [])
        pts: dict[int, list[int]] = {s.index: [] for s in streams}
        ends: dict[int, float] = {}
        decoded = {s.index: False for s in streams}
        # the first decoded frame's time: what load_clip sees (the declared start_time can differ, e.g.
        # Opus in WebM whose first packet's pre-skip is trimmed)
        first: dict[int, float | None] = {s.index: None for s in streams}
        try:
            for packet in container.demux(*streams):
                idx = packet.stream.index
                if packet.pts is not None:
                    pts[idx].append(packet.pts)
                    end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                    ends[idx] = max(ends.get(idx, end), end)
                if not decoded[idx] and packet.size:
                    frames = packet.decode()
                    decoded[idx], first[idx] = bool(frames), _first_time(frames)
            for s in streams:
                if not decoded[s.index] and pts[s.index]:
                    frames = s.codec_context.decode(None)
                    decoded[s.index], first[s.index] = bool(frames), _first_time(frames)
        except av.error.FFmpegError as e:
            raise UnreadableMediaError(path, f"corrupt data ({type(e).__name__}: {e})") from e
        vpts = np.sort(np.asarray(pts[vs.index], dtype=np.int64))
        if vpts.size == 0:
            raise EmptyMediaError(path, "video stream has no frames")
        if not decoded[vs.index]:
            raise UnreadableMediaError(path, f"video stream ({vs.codec_context.name}) cannot be decoded")
        tb = float(vs.time_base)
        vtimes = vpts * tb
        video_start = first[vs.index]
        if video_start is None:
            video_start = float(vs.start_time * tb) if vs.start_time is not None else float(vtimes[0])
        nominal = _nominal_fps(vs)
        steps = np.diff(vtimes)
        if steps.size:
            median = float(np.median(steps))
            fps_measured = (vtimes.size - 1) / float(vtimes[-1] - vtimes[0]) if vtimes[-1] > vtimes[0] else nominal
            vfr = bool(median > 0 and np.max(np.abs(steps - median)) > 0.1 * median + 1.5 * tb)
            last_dur = median
        else:
            fps_measured, vfr, last_dur = nominal, False, (1 / nominal if nominal else 0.0)
        video_end = max(ends.get(vs.index, 0.0), float(vtimes[-1]) + last_dur)
        header_frames, rate = int(vs.frames or 0), nominal or fps_measured
        if rate and header_frames > vtimes.size:  # a cut AVI re-indexes itself into a shorter, valid-looking file
            missing = (header_frames - vtimes.size) / rate
            if missing > max(TRUNCATION_TOLERANCE_S, TRUNCATION_TOLERANCE_FRACTION * header_frames / rate):
                raise TruncatedMediaError(path, f"{vtimes.size} video frames of the {header_frames} its header "
                                                f"declares (data ends {missing:.2f} s early)")
        info: dict[str, Any] = dict(
            path=str(path), container=container.format.name, size_bytes=size,
            video_codec=vs.codec_context.name, width=vs.codec_context.width, height=vs.codec_context.height,
            fps=nominal or fps_measured, fps_measured=float(fps_measured), num_frames=int(vtimes.size),
            video_start=video_start, video_end=video_end, variable_frame_rate=vfr, has_audio=False)
        if as_ is not None and pts[as_.index]:
            if not decoded[as_.index]:
                raise UnreadableMediaError(path, f"audio stream ({as_.codec_context.name}) cannot be decoded")
            atb = float(as_.time_base)
            apts = min(pts[as_.index])
            audio_start = first[as_.index]
            if audio_start is None:
                audio_start = float(as_.start_time * atb) if as_.start_time is not None else apts * atb
            info.update(has_audio=True, audio_codec=as_.codec_context.name,
                        sample_rate=int(as_.codec_context.sample_rate),
                        channels=int(as_.codec_context.layout.nb_channels),
                        audio_start=audio_start, audio_end=ends.get(as_.index, audio_start))
        starts = [info["video_start"]] + ([info["audio_start"]] if info["has_audio"] else [])
        stops = [info["video_end"]] + ([info["audio_end"]] if info["has_audio"] else [])
        info["duration"] = max(stops) - min(starts)
        declared = declared_end(container)
        if declared is not None:
            tol = max(TRUNCATION_TOLERANCE_S, TRUNCATION_TOLERANCE_FRACTION * (declared - min(starts)))
            if declared - max(stops) > tol:
                raise TruncatedMediaError(
                    path, f"data ends at {max(stops):.2f} s but the file declares {declared:.2f} s")
    return MediaInfo(**info)


def require_audio(info: MediaInfo) -> MediaInfo:
    """``info`` unchanged, or ``NoAudioStreamError`` naming the file."""
    if not info.has_audio:
        raise NoAudioStreamError(info.path, "no audio stream")
    return info


__all__ = ["MediaInfo", "probe", "MediaError", "check_file", "open_media", "declared_end", "require_audio"]
