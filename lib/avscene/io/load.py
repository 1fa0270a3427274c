"""``load_clip``: a frame-exact audio-visual window of a media file (step 2; paper §3.1's input clips).

Timing contract (the same as ``write_av``'s and the clip cache's): frame ``i`` of the returned clip shows
presentation time ``start + i / fps`` and audio sample ``j`` is at ``start + j / sample_rate``, both on the
container's presentation timeline (``pts * time_base``; stream start times, AAC priming and edit lists
are honored because decoded frames' timestamps already include them). ``T = round(duration * fps)`` and
``N = round(duration * sample_rate)`` always, or a ``MediaError`` is raised.

Video rule: output frame ``i`` shows the last decoded frame whose time is ``<= t + tol`` at
``t = start + i / fps``, with ``tol = frame_tolerance(fps)`` (``min(1 ms, 0.1 / fps)``: container timestamps
are often rounded to 1 ms); this also resamples variable-frame-rate input to constant ``fps``. Before the
stream's first frame no frame qualifies, so there the nearest frame is taken when it is close: the first
frame also counts as shown at times up to ``video_lead_limit(fps) = 0.5 / fps + tol`` before it. It is one
rule: each frame is shown from its time (minus ``tol``) until the next frame's, the first one from half
an output frame step earlier. The step is the *output's* ``1 / fps``, not the source's frame duration:
timing is promised on the output grid (within one output frame), a first frame less than half an output
step after ``start`` is the frame whose nearest output grid time is ``start`` whatever the source rate,
and no source frame duration is needed (unknown for variable-frame-rate input; ``earliest_start``
decides from the probe and ``fps`` alone). A window starting earlier still raises ``ClipRangeError``
naming the file, the start and the first frame's time. Real files often start a few ms late (a WebM's
first VP8 frame at 3 ms, video 1-20 ms behind the audio): a first window at 0 is accepted (a first frame
at 20 ms, up to 25 fps output).

Audio rule: when the audio's first decoded sample is later than ``start`` by at most one output video
frame (``audio_lead_limit(fps) = 1 / fps``, plus half an output sample of rounding), the missing leading
samples are zeros and ``Clip.audio_padded`` counts them (samples at ``sample_rate``, every channel
alike); audio that starts later raises ``ClipRangeError``. One video frame is the unit of the
audio-visual alignment the models learn; encoder priming and muxing gaps (AAC's 1024 samples, Opus
pre-skip, ms-rounded Matroska timestamps) are smaller, and zero-filling keeps every real sample at its
exact time instead of shifting the audio. Nothing else is padded. Audio is exact to within the
container's timestamp precision (1 ms in Matroska / WebM) plus half an output sample (the resampler's
phase follows the decoded frame the read began at).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from .errors import (ClipRangeError, EmptyMediaError, NoAudioStreamError, NoVideoStreamError,
                     TruncatedMediaError, UnreadableMediaError)
from .media_info import MediaInfo, check_file, declared_end, open_media

_LAYOUT = {1: "mono", 2: "stereo", 6: "5.1"}
#: a decoded audio frame may carry up to this much extra after the window end (resampler's filter tail)
_AUDIO_MARGIN_S = 0.05
#: seek this far back and retry when a keyframe seek lands after the requested start (s)
_RESEEK_STEPS_S = (0.0, 1.0, 5.0, None)  # None: from the very beginning


@dataclass
class Clip:
    """One audio-visual window: ``frames`` uint8 ``[T, H, W, 3]`` RGB, ``audio`` float32 ``[C, N]`` in [-1, 1].

    ``start`` is the presentation time (s) of frame 0 and of sample 0. ``audio`` is ``None`` only for
    clips read with ``audio=False`` (vision-only data such as UCF-101 videos without sound).
    ``audio_padded``: how many leading samples of ``audio`` (per channel, at ``sample_rate``) are zeros
    because the audio stream starts after ``start`` (at most ``sample_rate / fps``; 0 when none).
    """

    frames: np.ndarray
    audio: np.ndarray | None
    fps: float
    sample_rate: int
    start: float
    path: str | None = None
    audio_padded: int = 0

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps

    def frame_times(self) -> np.ndarray:
        """float64 ``[T]``: presentation time of each frame (s)."""
        return self.start + np.arange(self.num_frames) / self.fps

    def sample_times(self) -> np.ndarray:
        """float64 ``[N]``: presentation time of each audio sample (s)."""
        n = 0 if self.audio is None else self.audio.shape[1]
        return self.start + np.arange(n) / self.sample_rate


def clip_lengths(duration: float, fps: float, sample_rate: int) -> tuple[int, int]:
    """``(T, N) = (round(duration * fps), round(duration * sample_rate))``, the one rounding rule."""
    return int(round(duration * fps)), int(round(duration * sample_rate))


def output_size(width: int, height: int, size: int | tuple[int, int] | None) -> tuple[int, int]:
    """``(H, W)`` of output frames: ``None`` keeps the source size, an int is the short side (aspect kept,
    long side rounded), a tuple is ``(H, W)`` exactly."""
    if size is None:
        return height, width
    if isinstance(size, int):
        if size <= 0:
            raise ValueError(f"size must be positive, got {size}")
        if height <= width:
            return size, max(1, round(width * size / height))
        return max(1, round(height * size / width)), size
    h, w = size
    return int(h), int(w)


def frame_tolerance(fps: float) -> float:
    """Seconds a frame may be late and still count as shown at a time (timestamp rounding)."""
    # container timestamps are often rounded to 1 ms (webm, mkv): a frame up to 1 ms late still counts
    return min(1e-3, 0.1 / fps)


def video_lead_limit(fps: float) -> float:
    """Seconds a window may start before the first video frame (which is then its frame 0): half an
    output frame step plus ``frame_tolerance``."""
    return 0.5 / fps + frame_tolerance(fps)


def audio_lead_limit(fps: float) -> float:
    """Seconds a window may start before the audio's first sample (zero-filled): one output video frame."""
    return 1.0 / fps


def earliest_start(info: MediaInfo, fps: float, audio: bool = True) -> float:
    """The earliest start (s) of a file's audio-visual span that ``load_clip`` accepts at ``fps``.

    The first of: 0.0 (when both streams start at or after it), the earlier stream's start, the later
    stream's start, that is within ``video_lead_limit(fps)`` of the first video frame and (with ``audio``)
    ``audio_lead_limit(fps)`` of the first audio sample. The later stream's start (``info.av_start``)
    always is. E.g. video at 3 ms and audio at 0: 0.0; audio at 0.5 s: 0.5.
    """
    video, sound = info.video_start, info.audio_start if audio and info.has_audio else None
    starts = sorted({video} if sound is None else {video, sound})
    candidates = ([0.0] if starts[0] > 0.0 else []) + starts
    for c in candidates:
        if c >= video - video_lead_limit(fps) and (sound is None or c >= sound - audio_lead_limit(fps)):
            return c
    return candidates[-1]


def _stream_start(stream: av.stream.Stream) -> float | None:
    """The stream's declared first timestamp (s), if any."""
    if stream.start_time is None or stream.time_base is None:
        return None
    return float(stream.start_time * stream.time_base)


def _is_stream_start(time: float, declared: float | None, from_beginning: bool) -> bool:
    """Whether a read's first decoded frame (at ``time`` s) is its stream's first: the read began at the
    stream's beginning, or the frame is no later than the stream's declared start."""
    return from_beginning or (declared is not None and time <= declared + 1e-6)


def _end_error(path: str, container: av.container.InputContainer, what: str, data_end: float,
               window_end: float) -> Exception:
    declared = declared_end(container)
    if declared is not None and window_end <= declared - 1e-3 and data_end < declared - 0.25:
        return TruncatedMediaError(path, f"{what} data ends at {data_end:.3f} s but the file declares "
                                         f"{declared:.3f} s (truncated?)")
    return ClipRangeError(path, f"clip ends at {window_end:.3f} s, after the {what} ends at {data_end:.3f} s")


def _seek(container: av.container.InputContainer, stream: av.stream.Stream, target: float | None) -> None:
    """Seek to the keyframe at or before ``target`` s (``None``: the stream's very beginning). Some
    demuxers refuse a seek on one stream (AVI's PCM audio): fall back to the container's default stream,
    then to its first byte."""
    if target is None:
        offset = stream.start_time if stream.start_time is not None else 0
        tries = [(offset - 1 if offset > 0 else offset, stream), (0, None)]
    else:
        tries = [(int(math.floor(target / stream.time_base)), stream),
                 (int(math.floor(target * av.time_base)), None)]
    for offset, on in tries:
        try:
            container.seek(offset, stream=on, backward=True, any_frame=False)
            return
        except av.error.FFmpegError:
            continue
    container.seek(0, backward=True, any_frame=False)


def _read_video(path: str, container: av.container.InputContainer, start: float, t: int, fps: float,
                size: int | tuple[int, int] | None) -> np.ndarray:
    """uint8 ``[T, H, W, 3]``: frame ``i`` = last decoded frame with time <= ``start + i / fps`` (+ 1 ms),
    or the stream's first frame when that is at most ``video_lead_limit(fps)`` after the time."""
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    times = start + np.arange(t) / fps
    eps, reach = frame_tolerance(fps), video_lead_limit(fps)
    declared_first = _stream_start(stream)
    for back in _RESEEK_STEPS_S:
        _seek(container, stream, None if back is None else start - back)
        out: np.ndarray | None = None
        hw: tuple[int, int] | None = None
        prev, prev_time, prev_rgb, last_step = None, None, None, None
        i = 0
        try:
            for frame in container.decode(stream):
                ft = frame.time
                if ft is None:
                    continue
                # landed after the start: fine on the stream's first frame (it also covers `reach` before
                # it), else seek further back
                if prev is None and times[0] < ft - eps and not (
                        times[0] >= ft - reach and _is_stream_start(ft, declared_first, back is None)):
                    if back is None:
                        raise ClipRangeError(path, f"clip starts at {start:.3f} s, before the first video "
                                                   f"frame at {ft:.3f} s by more than half an output frame "
                                                   f"(limit {reach * 1e3:.1f} ms at {fps:g} fps)")
                    break
                while prev is not None and i < t and times[i] < ft - eps:
                    if prev_rgb is None:
                        prev_rgb = prev.to_ndarray(format="rgb24", width=hw[1], height=hw[0],
                                                   interpolation="AREA")
                    out[i] = prev_rgb
                    i += 1
                if i >= t:
                    break
                if prev_time is not None and ft > prev_time:
                    last_step = ft - prev_time
                if hw is None:
                    hw = output_size(frame.width, frame.height, size)
                    out = np.empty((t, hw[0], hw[1], 3), np.uint8)
                prev, prev_time, prev_rgb = frame, ft, None
        except av.error.FFmpegError as e:
            raise UnreadableMediaError(path, f"corrupt video data near {times[i]:.3f} s "
                                             f"({type(e).__name__}: {e})") from e
        if prev is None:
            if back is None:
                raise EmptyMediaError(path, "video stream has no decodable frames")
            continue
        if i < t:  # end of stream: the last frame lasts one frame step
            dur = (prev.duration * prev.time_base) if prev.duration else None
            last_dur = float(dur) if dur else (last_step or 1 / float(stream.average_rate or fps))
            data_end = prev_time + last_dur
            if times[-1] >= data_end - eps:
                raise _end_error(path, container, "video", data_end, start + t / fps)
            rgb = prev.to_ndarray(format="rgb24", width=hw[1], height=hw[0], interpolation="AREA")
            out[i:] = rgb
        return out
    raise AssertionError("unreachable")


def _resampler(src_channels: int, channels: int, sample_rate: int) -> tuple[av.AudioResampler, int]:
    """PyAV's resampler (libswresample) to planar audio at ``sample_rate``; returns it and a repeat factor.

    Mono sources stay mono here and are duplicated afterwards (no -3 dB pan law). Downmixes (5.1 ->
    stereo, stereo -> mono) use libswresample's standard matrix (L = FL + 0.707 FC + 0.707 SL, ...),
    which libswresample normalizes to unit row sums (no clipping) only for integer output: so downmixes
    are requested as int16 (``s16p``), everything else as float (``fltp``).
    """
    if channels not in _LAYOUT:
        raise ValueError(f"channels must be one of {sorted(_LAYOUT)}, got {channels}")
    if src_channels == 1 and channels > 1:
        return av.AudioResampler(format="fltp", layout="mono", rate=sample_rate), channels
    fmt = "s16p" if src_channels > channels else "fltp"
    return av.AudioResampler(format=fmt, layout=_LAYOUT[channels], rate=sample_rate), 1


def _as_float(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float32) / 32768.0 if x.dtype == np.int16 else x


def _read_audio(path: str, container: av.container.InputContainer, start: float, n: int,
                sample_rate: int, channels: int, max_lead: float) -> tuple[np.ndarray, int]:
    """float32 ``[C, N]``: sample ``j`` at ``start + j / sample_rate``, and how many leading samples are
    zeros because the stream's first sample is up to ``max_lead`` s after ``start``."""
    stream = container.streams.audio[0]
    end = start + n / sample_rate
    half = 0.5 / sample_rate
    declared_first = _stream_start(stream)
    for back in _RESEEK_STEPS_S:
        _seek(container, stream, None if back is None else start - back - 0.1)
        resampler, repeat = _resampler(stream.codec_context.layout.nb_channels or 1, channels, sample_rate)
        chunks: list[np.ndarray] = []
        t0 = None
        data_end = None
        landed_late = False
        try:
            for frame in container.decode(stream):
                if frame.pts is None or frame.samples == 0:
                    continue
                if t0 is None:
                    t0 = float(frame.time)
                    # landed after the start: fine on the stream's first frame (zero-filled up to
                    # max_lead before it), else seek further back
                    if t0 > start + half and not (
                            t0 <= start + max_lead + half and _is_stream_start(t0, declared_first, back is None)):
                        if back is None:
                            raise ClipRangeError(path, f"clip starts at {start:.3f} s, before the audio starts "
                                                       f"at {t0:.3f} s by more than one output video frame "
                                                       f"(limit {max_lead * 1e3:.1f} ms)")
                        landed_late = True
                        break
                    # channel count can change mid-stream; the resampler copes, the repeat must too
                    if frame.layout.nb_channels != (stream.codec_context.layout.nb_channels or 1):
                        resampler, repeat = _resampler(frame.layout.nb_channels, channels, sample_rate)
                chunks.extend(_as_float(o.to_ndarray()) for o in resampler.resample(frame))
                data_end = float(frame.time) + frame.samples / frame.sample_rate
                if data_end >= end + _AUDIO_MARGIN_S:
                    break
            chunks.extend(_as_float(o.to_ndarray()) for o in resampler.resample(None))
        except av.error.FFmpegError as e:
            raise UnreadableMediaError(path, f"corrupt audio data near {start:.3f} s "
                                             f"({type(e).__name__}: {e})") from e
        if t0 is None:
            if back is None:
                raise EmptyMediaError(path, "audio stream has no decodable samples")
            continue
        if landed_late:
            continue
        x = np.concatenate(chunks, axis=1) if chunks else np.zeros((1, 0), np.float32)
        offset = int(round((start - t0) * sample_rate))
        pad = min(max(0, -offset), n)  # leading zeros: the stream starts up to max_lead after `start`
        skip, keep = max(0, offset), n - pad
        if skip + keep > x.shape[1]:
            raise _end_error(path, container, "audio", t0 + x.shape[1] / sample_rate, end)
        x = x[:, skip:skip + keep]
        if repeat > 1:
            x = np.repeat(x, repeat, axis=0)
        if pad:
            x = np.concatenate([np.zeros((x.shape[0], pad), np.float32), x], axis=1)
        return np.ascontiguousarray(x, dtype=np.float32), pad
    raise AssertionError("unreachable")


def load_clip(path: str | Path, start: float, duration: float, *, fps: float, sample_rate: int,
              channels: int = 2, size: int | tuple[int, int] | None = None, audio: bool = True) -> Clip:
    """Decode ``[start, start + duration)`` seconds of ``path`` into a ``Clip``.

    ``frames`` uint8 ``[round(duration*fps), H, W, 3]`` at constant ``fps``; ``audio`` float32
    ``[channels, round(duration*sample_rate)]`` (mono sources duplicated, 5.1 downmixed by
    libswresample). ``size``: ``None`` keeps the source size, an int sets the short side, ``(H, W)`` sets
    both (PyAV/swscale area resampling). ``audio=False`` skips the audio (``Clip.audio is None``) for
    vision-only use. Video and audio are each read after a seek to the keyframe before ``start``.
    ``start`` may be up to ``video_lead_limit(fps)`` before the first video frame (which is then frame 0)
    and ``audio_lead_limit(fps)`` before the first audio sample (zero-filled, counted in
    ``Clip.audio_padded``); ``earliest_start(probe(path), fps)`` is the earliest such start.
    Raises ``ClipRangeError`` (window outside the media or zero-length), ``NoVideoStreamError``,
    ``NoAudioStreamError``, ``TruncatedMediaError``, ``UnreadableMediaError``, ``EmptyMediaError``.
    """
    path = str(path)
    if fps <= 0 or sample_rate <= 0:
        raise ValueError(f"fps and sample_rate must be positive, got {fps}, {sample_rate}")
    t, n = clip_lengths(duration, fps, sample_rate)
    if not np.isfinite(start) or t <= 0 or (audio and n <= 0):
        raise ClipRangeError(path, f"zero-length or invalid clip requested (start={start}, "
                                   f"duration={duration}: {t} frames, {n} samples)")
    check_file(path)
    with open_media(path) as container:
        if not container.streams.video:
            raise NoVideoStreamError(path, "no video stream")
        if audio and not container.streams.audio:
            raise NoAudioStreamError(path, "no audio stream")
        frames = _read_video(path, container, start, t, fps, size)
        wave, padded = (_read_audio(path, container, start, n, sample_rate, channels, audio_lead_limit(fps))
                        if audio else (None, 0))
    return Clip(frames=frames, audio=wave, fps=float(fps), sample_rate=int(sample_rate), start=float(start),
                path=path, audio_padded=padded)


def load_span(path: str | Path, info: MediaInfo, *, fps: float, sample_rate: int, channels: int = 2,
              size: int | tuple[int, int] | None = None, audio: bool = True) -> Clip:
    """The whole audio-visual span of ``path`` (``info = probe(path)``) as one ``Clip``: from
    ``earliest_start(info, fps)`` for as many whole frames as the span holds. Trailing audio can end a few
    ms before the video: then one frame fewer is tried (three times at most). The clip cache stores this
    (``avscene.io.cache``); the separation command reads whole videos with it (notebook 06)."""
    start = earliest_start(info, fps, audio=audio)
    t = math.floor((info.av_end - start) * fps + 1e-6)
    last: ClipRangeError | None = None
    for _ in range(3):
        if t <= 0:
            break
        try:
            return load_clip(path, start, t / fps, fps=fps, sample_rate=sample_rate, channels=channels,
                             size=size, audio=audio)
        except ClipRangeError as e:
            last, t = e, t - 1
    raise last or ClipRangeError(str(path), "too short for a single frame")
