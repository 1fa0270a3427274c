"""The demo from start to end, timed: :func:`demo` (usable from a notebook; the CLI calls it).

Order: check the video (``media.open_video``), load the weights (``weights.resolve``), plan and decode the
span (``media``), then the model parts, each over sliding windows with a progress bar:

* sync: ``avscene.shift.sync.estimate_offset`` (every window's logits averaged into one curve);
* cam: windows of the CAM model's length every half window, the last ending at the last frame;
  ``abs(CAM)`` of each window linearly interpolated in time to its frames (the original's
  ``sep_video --cam``), averaged where windows overlap: one map per frame (a map of fewer than 4 cells
  across, the shift model's own at small inputs, is evaluated densely: :func:`dense_levels`);
* separation: ``avscene.separation.separate``'s windows and stitching (first write wins), plus windows
  past the end (last frame repeated, silence) until the outputs cover every sample of the clip.

Only then are the files written, into a temporary folder beside ``out`` that is moved into place at the
end (``out`` may exist: its old demo files are replaced, other files kept); any error or Ctrl-C removes it.
"""
from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import runtime
from ..localization import cam as C
from ..sampling import audio_offset
from ..separation import separate as S
from ..shift.sync import OffsetEstimate, baseline_offset, estimate_offset
from . import media as M
from . import render
from .weights import DemoError, Model, Weights, resolve

#: every file the demo may write (an existing ``out`` keeps everything else)
DEMO_FILES = ("sync.png", "sync.json", "cam.mp4", "on.wav", "off.wav", "on_screen.mp4")
#: CAM maps with fewer cells across are evaluated densely (:func:`dense_levels`)
MIN_CAM_CELLS = 4


class OutputError(DemoError):
    """An output folder the demo cannot write to."""


@dataclass
class DemoResult:
    """What :func:`demo` made: ``files`` in ``out``; the sync ``estimate``; wall ``timings`` (s) of each part
    (``weights``, ``decode``, ``sync``, ``cam``, ``separation``, ``writing``); which weights made each output
    (``labels``); ``notes`` (what was skipped or substituted); ``seconds`` of video processed; ``windows``
    per part."""

    out: Path
    files: list[Path]
    estimate: OffsetEstimate
    timings: dict[str, float]
    labels: dict[str, str | None]
    notes: list[str]
    seconds: float
    windows: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- the model parts
def _bar(total: int, desc: str, progress: bool):
    return runtime.progress(total=total, desc=desc, unit="window", disable=not progress, leave=False)


def _pad_audio(audio: np.ndarray, length: int) -> np.ndarray:
    return audio if audio.shape[1] >= length else np.pad(audio, ((0, 0), (0, length - audio.shape[1])))


def sync_part(model: Model, frames: np.ndarray, audio: np.ndarray, *, device: torch.device,
              progress: bool, batch: int = 16) -> tuple[OffsetEstimate, OffsetEstimate]:
    """``frames`` uint8 ``[T, S, S, 3]`` at the model's size, ``audio`` float ``[C, N]`` -> the network's
    estimate and the motion x loudness baseline's (``avscene.shift.sync.baseline_offset``); ``batch``: offsets
    scored per network call (memory grows with it)."""
    m = model.media
    audio = _pad_audio(audio, int(audio_offset(len(frames), m.fps, m.sample_rate)) + 1)  # rounding slack
    est = estimate_offset(model.net, frames, audio, m.window, m.max_offset, batch_size=batch, device=device,
                          progress=progress)
    return est, baseline_offset(frames, audio, m.window, m.max_offset)


def per_frame(maps: torch.Tensor, frames: int) -> torch.Tensor:
    """``[N, T', h, w]`` -> ``[N, frames, h, w]``: frame ``i`` takes map time ``T' i / frames``, linearly
    between its neighbours (``localization.cam.to_frames``, the original's ``sep_video.heatmap``)."""
    t = maps.shape[1]
    u = torch.arange(frames, dtype=torch.float64) * t / frames
    lo = u.floor().long()
    hi = (lo + 1).clamp_max(t - 1)
    p = (u - lo).to(maps.dtype)[None, :, None, None]
    return (1 - p) * maps[:, lo] + p * maps[:, hi]


def dense_levels(net: torch.nn.Module, size: int) -> int:
    """À-trous levels (``localization.cam.maps``) that bring a map of fewer than :data:`MIN_CAM_CELLS` cells
    across up to that many (the shift model's own map at small inputs: 1 x 1 at 32 px); 0 for a map that
    has them (the original CAM model's 14 x 14, the shift model's 7 x 7 at 224 px). The dense map is the
    network's own, sampled more finely."""
    cells, levels = math.ceil(size / C.geometry(net, size).stride), 0
    while cells * 2 ** levels < MIN_CAM_CELLS and levels < C.dense_levels_available(net):
        levels += 1
    return levels


def cam_part(model: Model, frames: np.ndarray, audio: np.ndarray, *, device: torch.device, batch: int,
             progress: bool) -> tuple[np.ndarray, C.CamGeometry, int]:
    """Per-frame CAMs of a whole clip: ``frames`` uint8 ``[T, S, S, 3]``, ``audio`` float ``[C, N]`` ->
    (``abs(CAM)`` cells float32 ``[T, h, w]``, their geometry on the ``S``-px input, windows)."""
    m = model.media
    w, n = m.clip_frames, m.clip_samples
    starts = S.window_starts(len(frames), w)
    offsets = audio_offset(starts, m.fps, m.sample_rate)
    audio = _pad_audio(audio, int(offsets[-1]) + n)
    dense = dense_levels(model.net, m.frame_size)
    acc: torch.Tensor | None = None
    count = torch.zeros(len(frames), dtype=torch.float64)
    geometry = None
    model.net.eval()
    with _bar(len(starts), "cam windows", progress) as bar:
        for i in range(0, len(starts), batch):
            s, o = starts[i:i + batch], offsets[i:i + batch]
            f = frames[s[:, None] + np.arange(w)]  # [k, w, S, S, 3]
            a = np.ascontiguousarray(audio[:, o[:, None] + np.arange(n)].transpose(1, 0, 2))  # [k, C, n]
            r = C.cam_clips(model.net, f, a, dense_levels=dense, batch_size=batch, device=device)
            geometry = r.geometry
            maps = per_frame(r.maps.abs().double(), w)  # [k, w, h, w']
            if acc is None:
                acc = torch.zeros(len(frames), *maps.shape[2:], dtype=torch.float64)
            for k, first in enumerate(s):
                acc[first:first + w] += maps[k]
                count[first:first + w] += 1
            bar.update(len(s))
    assert acc is not None and geometry is not None
    return (acc / count[:, None, None]).float().numpy(), geometry, len(starts)


def separation_starts(n_frames: int, n_samples: int, clip_frames: int, out_samples: int, fps: float,
                      sample_rate: int) -> np.ndarray:
    """Window starts int64 ``[K]`` whose outputs (``out_samples`` from each window's first sample) cover all
    ``n_samples``: ``separate``'s windows, then more every step past the last frame until the end is covered
    (the last one no further than needed)."""
    step = S.window_step(clip_frames, out_samples, fps, sample_rate)
    starts = list(S.window_starts(n_frames, clip_frames, step))
    while audio_offset(starts[-1], fps, sample_rate) + out_samples < n_samples:
        s = starts[-1] + 1
        while s < starts[-1] + step and audio_offset(s, fps, sample_rate) + out_samples < n_samples:
            s += 1
        starts.append(s)
    return np.asarray(starts, np.int64)


def separation_part(model: Model, frames: np.ndarray, audio: np.ndarray, *, device: torch.device, batch: int,
                    progress: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """On- and off-screen sound float32 ``[N]`` of a whole clip (``frames`` uint8 ``[T, S, S, 3]``, ``audio``
    float ``[C, N]``) and the windows separated."""
    net, m = model.net.to(device).eval(), model.media
    w, n_win, length = m.clip_frames, m.clip_samples, net.samples
    t, n = len(frames), audio.shape[1]
    starts = separation_starts(t, n, w, length, m.fps, m.sample_rate)
    offsets = audio_offset(starts, m.fps, m.sample_rate)
    audio = _pad_audio(audio, int(offsets[-1]) + n_win)  # silence past the end
    on_out = np.zeros(int(offsets[-1]) + length, np.float32)
    off_out = np.zeros_like(on_out)
    on_w, off_w = [], []
    with _bar(len(starts), "separation windows", progress) as bar:
        for i in range(0, len(starts), batch):
            s, o = starts[i:i + batch], offsets[i:i + batch]
            f = frames[np.minimum(s[:, None] + np.arange(w), t - 1)]  # the last frame repeated past the end
            a = np.ascontiguousarray(audio[:, o[:, None] + np.arange(n_win)].transpose(1, 0, 2))
            on, off = S.separate_windows(net, f, a, device)
            on_w.append(on)
            off_w.append(off)
            bar.update(len(s))
    on_all, off_all = np.concatenate(on_w), np.concatenate(off_w)
    for k in range(len(starts) - 1, -1, -1):  # the later windows first, so the first write wins
        on_out[offsets[k]:offsets[k] + length] = on_all[k]
        off_out[offsets[k]:offsets[k] + length] = off_all[k]
    return on_out[:n], off_out[:n], len(starts)


# ---------------------------------------------------------------- the output folder
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_out(out: Path) -> None:
    """``OutputError`` when ``out`` exists and is not a folder."""
    if out.exists() and not out.is_dir():
        raise OutputError(out, "exists and is not a folder; give --out a folder (new or existing)")


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` (and any missing parent folders); removed, with the parents this
    made, on any error or interrupt inside the block."""
    missing = [p for p in [out.parent, *out.parent.parents] if not p.exists()]
    for p in reversed(missing):
        p.mkdir()
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.demo-", dir=out.parent))
    except BaseException:
        for p in missing:
            p.rmdir()
        raise
    try:
        tmp.chmod(0o777 & ~_umask())
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for p in missing:
            try:
                p.rmdir()
            except OSError:
                break
        raise


def commit(tmp: Path, out: Path) -> list[Path]:
    """Move the demo files of ``tmp`` into ``out`` (renaming the folder when ``out`` is new; else replacing
    its demo files and removing those this run did not write) -> the files in ``out``."""
    names = [n for n in DEMO_FILES if (tmp / n).exists()]
    if not out.exists():
        os.replace(tmp, out)
    else:
        check_out(out)
        for n in DEMO_FILES:
            if n in names:
                os.replace(tmp / n, out / n)
            elif (out / n).is_file():
                (out / n).unlink()
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / n for n in names]


# ---------------------------------------------------------------- the demo
def demo(video: str | Path, out: str | Path, weights: str | Path | Weights = "original", *, start: float = 0.0,
         duration: float | None = None, device: str | torch.device | None = None, batch: int = 4,
         progress: bool | None = None, log: Callable[[str], Any] = print) -> DemoResult:
    """Run the demo on ``video`` and write its files into ``out`` (see the module doc).

    ``weights``: ``"original"``, ``"cpu"``, a converted file or folder, or :class:`~avscene.demo.weights.Weights`;
    ``start`` / ``duration``: the span (s, from the start of the file's audio and video; default all);
    ``progress``: progress bars (default: when stderr is a terminal); ``log``: where the summary lines go.
    Raises ``avscene.io.MediaError`` (bad video) or :class:`~avscene.demo.weights.DemoError` (weights, output
    folder), before anything is written.
    """
    out, video = Path(out), Path(video)
    progress = sys.stderr.isatty() if progress is None else progress
    timings: dict[str, float] = {}
    check_out(out)
    info = M.open_video(video)

    t0 = time.perf_counter()
    w = resolve(weights)
    timings["weights"] = time.perf_counter() - t0
    for role, label in w.labels().items():
        log(f"{role}: {label or 'skipped'}")
    for note in w.notes:
        log(f"note: {note}")

    t0 = time.perf_counter()
    plan = M.plan(info, w, start, duration)
    clips = M.decode(plan)
    timings["decode"] = time.perf_counter() - t0
    rates = ", ".join(f"{f:g} fps / {sr} Hz" for f, sr, _ in clips)
    log(f"decoded {video}: {plan.duration:.2f} s from {plan.start:.3f} s at {rates}, frames {plan.size[1]}x"
        f"{plan.size[0]} ({timings['decode']:.1f} s)")

    device = torch.device(device) if device is not None else runtime.pick_device()
    for m in w.models():
        m.net.to(device).eval()
    windows: dict[str, int] = {}

    t0 = time.perf_counter()
    sm = w.sync.media
    sync_clip = clips[sm.rates]
    est, base = sync_part(w.sync, M.square(sync_clip.frames, sm.frame_size), sync_clip.audio, device=device,
                          progress=progress, batch=4 * batch)
    timings["sync"] = time.perf_counter() - t0
    windows["sync"] = len(est.starts)
    log(f"sync: offset {est.offset:+d} frames ({est.seconds:+.3f} s; + = audio late), confidence "
        f"{est.confidence:.2f} (max - median of the curve, logits), {len(est.starts)} windows "
        f"({timings['sync']:.1f} s); motion x loudness baseline: {base.offset:+d} frames")

    cam_out = None
    if w.cam is not None:
        t0 = time.perf_counter()
        cm = w.cam.media
        cam_clip = clips[cm.rates]
        cells, geometry, windows["cam"] = cam_part(w.cam, M.square(cam_clip.frames, cm.frame_size), cam_clip.audio,
                                                   device=device, batch=batch, progress=progress)
        cam_out = (cam_clip, cells, geometry)
        timings["cam"] = time.perf_counter() - t0
        dense = dense_levels(w.cam.net, cm.frame_size)
        log(f"cam: {windows['cam']} windows, {cells.shape[1]}x{cells.shape[2]} cells"
            f"{f' (evaluated densely, {dense} level(s) à trous)' if dense else ''} ({timings['cam']:.1f} s)")

    sep_out = None
    if w.separation is not None:
        t0 = time.perf_counter()
        pm = w.separation.media
        sep_clip = clips[pm.rates]
        on, off, windows["separation"] = separation_part(w.separation, M.square(sep_clip.frames, pm.frame_size),
                                                         sep_clip.audio, device=device, batch=batch,
                                                         progress=progress)
        sep_out = (sep_clip, on, off)
        timings["separation"] = time.perf_counter() - t0
        log(f"separation: {windows['separation']} windows ({timings['separation']:.1f} s)")

    t0 = time.perf_counter()
    doc = {**est.as_dict(), "convention": "+k frames: the audio lags the video by k frames",
           "confidence_units": "logits: max - median of the curve (SyncNet-style)",
           "max_offset": sm.max_offset, "fps": sm.fps, "sample_rate": sm.sample_rate,
           "clip_frames": sm.clip_frames, "window_starts": est.starts.tolist(),
           "baseline": {"method": "motion energy x audio loudness correlation (avscene.sync_baseline)",
                        "offset_frames": base.offset, "confidence": base.confidence},
           "video": str(video), "start": plan.start, "duration": plan.duration,
           "weights": w.name, "model": w.sync.label, "synthetic_trained": w.sync.synthetic,
           "outputs": w.labels(), "notes": w.notes}
    with staging(out) as tmp:
        render.sync_figure(est, tmp / "sync.png", label=w.sync.label, video=str(video))
        render.write_json(tmp / "sync.json", doc)
        if cam_out is not None:
            clip, cells, geometry = cam_out
            frames = render.overlay_frames(clip.frames, cells, geometry, w.cam.media.frame_size)
            render.write_video(tmp / "cam.mp4", frames, clip.audio, clip.fps, clip.sample_rate)
            del frames
        if sep_out is not None:
            clip, on, off = sep_out
            render.write_wav(tmp / "on.wav", on, clip.sample_rate)
            render.write_wav(tmp / "off.wav", off, clip.sample_rate)
            render.write_video(tmp / "on_screen.mp4", clip.frames, on[None], clip.fps, clip.sample_rate)
        files = commit(tmp, out)
    timings["writing"] = time.perf_counter() - t0
    for f in files:
        log(f"wrote {f}")
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    log(f"time: {parts} (total {sum(timings.values()):.1f} s for {plan.duration:.2f} s of video)")
    return DemoResult(out, files, est, timings, w.labels(), list(w.notes), plan.duration, windows)
