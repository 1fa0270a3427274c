"""Encode frames and audio into one media file with PyAV (the synthetic world's writer, inline video).

Timing contract (the same as the loaders'): frame ``i`` is presented at ``video_start + i / fps`` and
audio sample ``j`` at ``audio_start + j / sample_rate``, on the container's presentation timeline.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np

from .pcm import to_pcm16

_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}
_PIX_FMT = {"mjpeg": "yuvj420p", "png": "rgb24", "rawvideo": "rgb24"}
AUDIO_CHUNK = 1024
# sample rates FFmpeg's AAC encoder accepts (others, e.g. the smoke profile's 4 kHz, need FLAC or resampling)
AAC_RATES = frozenset({7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000})


def as_fraction(rate: float) -> Fraction:
    """29.97 -> 2997/100, 30000/1001 -> 30000/1001, 25 -> 25: the exact rate a stream is written at."""
    return Fraction(rate).limit_denominator(1001)


def write_av(target: str | Path | BinaryIO, frames: np.ndarray, audio: np.ndarray | None,
             fps: float, sample_rate: int, *, container_format: str | None = None,
             video_codec: str = "libx264", audio_codec: str = "aac", crf: int = 18,
             video_start: float = 0.0, audio_start: float = 0.0,
             audio_bit_rate: int | None = None, frame_times: np.ndarray | None = None) -> None:
    """Write ``frames`` uint8 ``[T, H, W, 3]`` and ``audio`` float32 ``[C, N]`` in [-1, 1] to ``target``.

    ``container_format`` is needed for file objects (e.g. ``"mp4"``); paths use their extension.
    ``video_start`` / ``audio_start`` (seconds) offset each stream's first timestamp, as real files do.
    ``frame_times`` float ``[T]`` (seconds, increasing) writes variable-frame-rate video instead: frame
    ``i`` is presented at ``frame_times[i]`` (rounded to 1/90000 s; ``fps`` is then only the nominal rate
    and ``video_start`` is ignored). Containers with a fixed frame rate (AVI) cannot hold it, nor a
    ``video_start`` that is not a whole number of frames.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 [T, H, W, 3], got {frames.dtype} {frames.shape}")
    t, h, w, _ = frames.shape
    pix_fmt = _PIX_FMT.get(video_codec, "yuv420p")
    if pix_fmt.startswith("yuv") and (h % 2 or w % 2):
        raise ValueError(f"{video_codec} with {pix_fmt} needs even frame sizes, got {w}x{h}")
    rate = as_fraction(fps)
    if frame_times is None and abs(video_start * rate - round(video_start * rate)) > 1e-6:
        # a start between frame ticks needs the fine time base of the VFR path (else it is rounded)
        frame_times = video_start + np.arange(t) / float(rate)
    if frame_times is not None:
        frame_times = np.asarray(frame_times, dtype=np.float64)
        if frame_times.shape != (t,) or np.any(np.diff(frame_times) <= 0):
            raise ValueError(f"frame_times must be increasing with shape ({t},), got {frame_times.shape}")
    kwargs = {"format": container_format} if container_format else {}
    with av.open(str(target) if isinstance(target, Path) else target, mode="w", **kwargs) as out:
        options = {}
        if video_codec == "libx264":
            options = {"crf": str(crf), "preset": "veryfast"}
        elif video_codec in ("libvpx-vp9", "libvpx"):
            options = {"crf": str(max(crf, 4)), "b": "0", "deadline": "realtime", "cpu-used": "8"}
        # options go in add_stream: setting them afterwards makes the muxer refuse packets (PyAV 18)
        vs = out.add_stream(video_codec, rate=rate, options=options)
        vs.width, vs.height, vs.pix_fmt = w, h, pix_fmt
        frame_tb = 1 / rate
        if frame_times is not None:
            frame_tb = Fraction(1, 90000)
            vs.codec_context.time_base = frame_tb  # else the encoder rebases pts to 1/fps ticks
            vs.time_base = frame_tb
            video_times = frame_times
            video_pts = np.round(frame_times * 90000).astype(np.int64)
        else:
            video_times = video_start + np.arange(t) / fps
            video_pts = round(video_start * rate) + np.arange(t)  # in frame ticks
        astream = None
        if audio is not None:
            audio = np.ascontiguousarray(audio, dtype=np.float32)
            if audio.ndim != 2 or audio.shape[0] not in _LAYOUTS:
                raise ValueError(f"audio must be float32 [C, N] with C in {sorted(_LAYOUTS)}, got {audio.shape}")
            astream = out.add_stream(audio_codec, rate=sample_rate, layout=_LAYOUTS[audio.shape[0]])
            if audio_bit_rate:
                astream.bit_rate = audio_bit_rate
        a_offset = round(audio_start * sample_rate)
        a_pos, n_audio = 0, 0 if audio is None else audio.shape[1]
        afmt = astream.codec_context.format.name if astream is not None else None

        def write_audio_until(seconds: float) -> None:
            nonlocal a_pos
            while astream is not None and a_pos < n_audio and audio_start + a_pos / sample_rate <= seconds:
                chunk = audio[:, a_pos:a_pos + AUDIO_CHUNK]
                data = chunk if afmt.endswith("p") else chunk.T.reshape(1, -1)
                data = data if afmt.startswith("flt") else to_pcm16(data)
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=afmt,
                                                   layout=_LAYOUTS[audio.shape[0]])
                frame.sample_rate, frame.pts = sample_rate, a_offset + a_pos
                frame.time_base = Fraction(1, sample_rate)
                out.mux(astream.encode(frame))
                a_pos += chunk.shape[1]

        for i in range(t):
            write_audio_until(float(video_times[i]))
            vf = av.VideoFrame.from_ndarray(frames[i], format="rgb24")
            vf.pts, vf.time_base = int(video_pts[i]), frame_tb
            out.mux(vs.encode(vf))
        write_audio_until(float("inf"))
        out.mux(vs.encode(None))
        if astream is not None:
            out.mux(astream.encode(None))
