"""Figures of the shift task's examples with their ground truth (notebooks 01 and 03).

A window of frames over its soundtrack, with the instants where the picture shows a sounding event
(dotted) and where the soundtrack has one (dashed): they coincide in an aligned example and not in a
shifted one.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..course import plots
from ..io.pcm import from_pcm16
from ..synthetic import SceneClip
from .dataset import ShiftDataset


def window_events(scene: SceneClip, start: int, frames: int) -> np.ndarray:
    """Times (s, from the window's start) of ``scene``'s sounding events inside frames
    ``start .. start + frames`` ``[E]``."""
    t0, t1 = start / scene.fps, (start + frames) / scene.fps
    ev = scene.sounding_events
    return ev[(ev >= t0) & (ev < t1)] - t0


def window_figure(scene: SceneClip, frames: np.ndarray, video_start: int, audio: np.ndarray, audio_start: int,
                  title: str) -> Any:
    """``frames [T, H, W, 3]`` shown from frame ``video_start`` of ``scene`` over ``audio`` (int16 or float
    ``[C, N]``) taken from frame ``audio_start``, each with its own sounding events."""
    wave = from_pcm16(audio) if audio.dtype == np.int16 else audio
    t = len(frames)
    return plots.av_strip(frames, wave, scene.fps, scene.sample_rate, events=window_events(scene, video_start, t),
                          audio_events=window_events(scene, audio_start, t), title=title)


def item_figure(dataset: ShiftDataset, index: int, which: int = 0, title: str = "") -> Any:
    """Item ``index`` of a shift dataset over a synthetic source, with its aligned (``which=0``) or
    shifted (``which=1``) soundtrack; the title says where frames and audio come from."""
    item = dataset[index]
    plan, _ = dataset.plan(index)
    s0, s1 = int(plan.video_start[0]), int(plan.audio_start[0] if which else plan.video_start[0])
    scene = dataset.source.scene(int(item["video"]))
    fps = dataset.cfg.media.fps
    where = (f"frames from {s0 / fps:.2f} s, audio from {s1 / fps:.2f} s (shift {(s1 - s0) / fps:+.2f} s)")
    return window_figure(scene, item["frames"].numpy(), s0, item["audio"][which].numpy(), s1,
                         f"{title}: {where}" if title else where)
