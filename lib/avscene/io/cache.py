"""The clip cache: decode each video once into memory-mapped arrays, then read any window without
decoding (step 2; feeds the shift-task training loop of paper §3.1 at ``>= 10x`` the decoding speed).

Layout, one folder per source video under the cache root::

    <root>/<stem>-<hash>/frames.npy   uint8 [T, H, W, 3], short side = the profile's media.frame_size
    <root>/<stem>-<hash>/audio.npy    int16 [C, N] at the profile's sample rate
    <root>/<stem>-<hash>/meta.json    fps, sample_rate, start (s), audio_padded (samples), source path +
                                      mtime + size, shapes

Frame ``k`` of the store shows presentation time ``start + k / fps`` and sample ``j`` is at
``start + j / sample_rate``, so a window read from the cache is the same ``Clip`` that ``load_clip``
returns at the cache's rates and size (audio quantized to int16). ``start`` is
``earliest_start(info, fps)``: the earliest of 0.0, the earlier stream's start and the later stream's
start that ``load_clip`` accepts at the cache's ``fps`` (e.g. 0.0 for a WebM whose first video frame is at
3 ms), so a first window at the file's start reads from the cache too; the store's first
``audio_padded`` samples are ``load_clip``'s zero fill (audio starting up to one frame after ``start``).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Iterable

import numpy as np

from .errors import ClipRangeError, MediaError
from .load import Clip, clip_lengths, frame_tolerance, load_span
from .media_info import probe, require_audio
from .pcm import from_pcm16, to_pcm16

#: 2: stores begin at ``earliest_start`` (version 1 began at ``MediaInfo.av_start``) and record
#: ``audio_padded``
CACHE_VERSION = 2


def _source_stamp(source: Path) -> dict:
    st = source.stat()
    return {"source": str(source.resolve()), "mtime_ns": st.st_mtime_ns, "size": st.st_size}


class CachedVideo:
    """Random-access reader of one cached video (memory-mapped; opening costs well under a millisecond)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.meta = json.loads((self.folder / "meta.json").read_text())
        self.frames = np.load(self.folder / "frames.npy", mmap_mode="r")  # uint8 [T, H, W, 3]
        self.audio = np.load(self.folder / "audio.npy", mmap_mode="r")  # int16 [C, N]
        self.fps = float(self.meta["fps"])
        self.sample_rate = int(self.meta["sample_rate"])
        self.start = float(self.meta["start"])
        self.audio_padded = int(self.meta.get("audio_padded", 0))  # leading zero-filled samples
        self.source = self.meta["source"]

    @property
    def duration(self) -> float:
        return self.frames.shape[0] / self.fps

    @property
    def end(self) -> float:
        return self.start + self.duration

    def load(self, start: float, duration: float) -> Clip:
        """The ``Clip`` of ``[start, start + duration)`` s (``frames`` uint8 ``[T, H, W, 3]``, ``audio``
        float32 ``[C, N]``) with the timing contract of ``load_clip``; ``ClipRangeError`` outside."""
        t, n = clip_lengths(duration, self.fps, self.sample_rate)
        if t <= 0 or n <= 0:
            raise ClipRangeError(self.source, f"zero-length clip requested (duration={duration})")
        k0 = math.floor((start - self.start) * self.fps + frame_tolerance(self.fps) * self.fps)
        j0 = round((start - self.start) * self.sample_rate)
        if k0 < 0 or j0 < 0 or k0 + t > self.frames.shape[0] or j0 + n > self.audio.shape[1]:
            raise ClipRangeError(self.source, f"clip [{start:.3f}, {start + duration:.3f}) s is outside the "
                                              f"cached span [{self.start:.3f}, {self.end:.3f}) s")
        frames = np.array(self.frames[k0:k0 + t])
        audio = from_pcm16(self.audio[:, j0:j0 + n])
        return Clip(frames=frames, audio=audio, fps=self.fps, sample_rate=self.sample_rate,
                    start=float(start), path=self.source, audio_padded=min(max(0, self.audio_padded - j0), n))


class ClipCache:
    """A folder of ``CachedVideo`` stores for one ``(fps, sample_rate, channels, frame_size)``.

    ``build`` decodes a source once (skipped when a fresh store exists: same path, mtime and size);
    ``load(source, start, duration)`` reads a window, building or rebuilding the store if it is missing
    or stale. ``ClipCache.from_profile(root, cfg)`` takes the sizes from ``cfg.media``.
    """

    def __init__(self, root: str | Path, *, fps: float, sample_rate: int, channels: int = 2,
                 frame_size: int | None = None, max_open: int = 256) -> None:
        self.root = Path(root)
        self.fps, self.sample_rate, self.channels, self.frame_size = float(fps), int(sample_rate), channels, frame_size
        self._open: OrderedDict[str, CachedVideo] = OrderedDict()
        self.max_open = max_open

    @classmethod
    def from_profile(cls, root: str | Path, cfg) -> "ClipCache":
        m = cfg.media
        return cls(root, fps=m.fps, sample_rate=m.sample_rate, channels=m.channels, frame_size=m.frame_size)

    def entry_dir(self, source: str | Path) -> Path:
        """The store folder of ``source`` (name: file stem + hash of its absolute path and the cache rates)."""
        source = Path(source)
        key = f"{source.resolve()}|{self.fps}|{self.sample_rate}|{self.channels}|{self.frame_size}|{CACHE_VERSION}"
        digest = hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        return self.root / f"{source.stem[:40]}-{digest}"

    def is_fresh(self, source: str | Path) -> bool:
        meta_path = self.entry_dir(source) / "meta.json"
        if not meta_path.is_file():
            return False
        try:
            meta = json.loads(meta_path.read_text())
            stamp = _source_stamp(Path(source))
        except (OSError, ValueError):
            return False
        return all(meta.get(k) == v for k, v in stamp.items()) and meta.get("version") == CACHE_VERSION

    def build(self, source: str | Path, *, overwrite: bool = False, silent_ok: bool = False) -> Path:
        """Decode ``source``'s whole audio-visual span into its store (atomically); return the folder.

        A file without an audio track raises ``MediaError`` unless ``silent_ok`` (UCF-101, notebook 05): its
        frames are stored with all-zero audio of the frames' length and ``"has_audio": false`` in the meta."""
        source = Path(source)
        folder = self.entry_dir(source)
        if not overwrite and self.is_fresh(source):
            return folder
        info = probe(source)
        silent = not info.has_audio
        if silent and not silent_ok:
            require_audio(info)
        clip = load_span(source, info, fps=self.fps, sample_rate=self.sample_rate, channels=self.channels,
                         size=self.frame_size, audio=not silent)
        start = clip.start
        if silent:
            n = clip_lengths(clip.num_frames / self.fps, self.fps, self.sample_rate)[1]
            audio, padded = np.zeros((self.channels, n), np.int16), 0
        else:
            audio, padded = to_pcm16(clip.audio), clip.audio_padded
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=self.root))
        try:
            np.save(tmp / "frames.npy", clip.frames)
            np.save(tmp / "audio.npy", audio)
            meta = {"version": CACHE_VERSION, "fps": self.fps, "sample_rate": self.sample_rate,
                    "channels": self.channels, "frame_size": self.frame_size, "start": start,
                    "audio_padded": padded, "has_audio": not silent,
                    "frames_shape": list(clip.frames.shape), "audio_shape": list(audio.shape),
                    **_source_stamp(source)}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        self._open.pop(str(folder), None)
        return folder

    def build_all(self, sources: Iterable[str | Path], *, workers: int | None = None,
                  overwrite: bool = False, silent_ok: bool = False) -> dict[str, str]:
        """Build stores for many sources in parallel processes (``silent_ok``: as :meth:`build`); returns
        ``{source: error}`` for failures."""
        from avscene.runtime import process_pool, progress

        sources = [str(s) for s in sources]
        todo = sources if overwrite else [s for s in sources if not self.is_fresh(s)]
        failures: dict[str, str] = {}
        workers = workers or max(1, min(len(todo), os.cpu_count() or 1))
        if workers == 1 or len(todo) <= 1:
            for s in progress(todo, desc="clip cache", disable=not todo):
                try:
                    self.build(s, overwrite=overwrite, silent_ok=silent_ok)
                except MediaError as e:
                    failures[s] = str(e)
            return failures
        with process_pool(workers) as pool:
            futures = {s: pool.submit(_build_one, self, s, overwrite, silent_ok) for s in todo}
            for s in progress(todo, desc="clip cache"):
                err = futures[s].result()
                if err:
                    failures[s] = err
        return failures

    def open(self, source: str | Path) -> CachedVideo:
        """The reader of ``source``'s store, building it first if it is missing or stale."""
        folder = self.entry_dir(source)
        key = str(folder)
        reader = self._open.get(key)
        if reader is None or not self.is_fresh(source):
            self.build(source)
            reader = CachedVideo(folder)
            self._open[key] = reader
            while len(self._open) > self.max_open:
                self._open.popitem(last=False)
        else:
            self._open.move_to_end(key)
        return reader

    def load(self, source: str | Path, start: float, duration: float) -> Clip:
        """``load_clip(source, start, duration, fps=..., sample_rate=..., channels=..., size=frame_size)``
        from the store (same frames; audio within int16 quantization)."""
        return self.open(source).load(start, duration)


def _build_one(cache: ClipCache, source: str, overwrite: bool, silent_ok: bool) -> str | None:
    try:
        cache.build(source, overwrite=overwrite, silent_ok=silent_ok)
    except MediaError as e:
        return str(e)
    return None
