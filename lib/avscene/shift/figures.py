"""Figures of the shift task (notebooks 01 and 03): examples with their ground truth, the law of the
shift, and a slider over the audio offset of one held-out clip.

A window of frames over its soundtrack, with the instants where the picture shows a sounding event
(dotted) and where the soundtrack has one (dashed): they coincide in an aligned example and not in a
shifted one.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import sampling
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


def scene_caption(scene: SceneClip) -> str:
    """``scene``'s objects by class name: sounding, silent and off-screen (``plots.objects_caption``)."""
    return plots.objects_caption(scene.object_classes, scene.sounding, scene.stem_classes[~scene.stem_onscreen])


def window_figure(scene: SceneClip, frames: np.ndarray, video_start: int, audio: np.ndarray, audio_start: int,
                  title: str, fig: Any = None) -> Any:
    """``frames [T, H, W, 3]`` shown from frame ``video_start`` of ``scene`` over ``audio`` (int16 or float
    ``[C, N]``) taken from frame ``audio_start``, each with its own sounding events. ``fig``: a figure or
    subfigure to draw into (default: a new figure)."""
    wave = from_pcm16(audio) if audio.dtype == np.int16 else audio
    t = len(frames)
    return plots.av_strip(frames, wave, scene.fps, scene.sample_rate, events=window_events(scene, video_start, t),
                          audio_events=window_events(scene, audio_start, t), title=title, fig=fig)


def item_figure(dataset: ShiftDataset, index: int, which: int = 0, title: str = "", *, fig: Any = None,
                objects: bool = False) -> Any:
    """Item ``index`` of a shift dataset over a synthetic source, with its aligned (``which=0``) or
    shifted (``which=1``) soundtrack; the title says where frames and audio come from and, with
    ``objects``, which objects the scene holds (by class name)."""
    item = dataset[index]
    plan, _ = dataset.plan(index)
    s0, s1 = int(plan.video_start[0]), int(plan.audio_start[0] if which else plan.video_start[0])
    scene = dataset.source.scene(int(item["video"]))
    fps = dataset.cfg.media.fps
    where = (f"frames from {s0 / fps:.2f} s, audio from {s1 / fps:.2f} s (shift {(s1 - s0) / fps:+.2f} s)")
    if objects:
        title = f"{title}; {scene_caption(scene)}" if title else scene_caption(scene)
    if title:
        where = f"{title}\n{where}" if len(title) + len(where) > 90 else f"{title}: {where}"
    return window_figure(scene, item["frames"].numpy(), s0, item["audio"][which].numpy(), s1, where, fig=fig)


def ranked_examples(dataset: ShiftDataset, indices: Sequence[int], logits: np.ndarray, title: str) -> Any:
    """One figure, one panel per item of ``indices`` (in rank order) with its aligned soundtrack, titled
    ``"<title> #<rank>: logit ..."`` and the scene's objects by class name (notebook 03's most and least
    confident examples; ``logits`` ``[n]`` indexed by item)."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(11, 5.6 * len(indices)))
    panels = np.atleast_1d(fig.subfigures(len(indices), 1))
    for rank, (panel, i) in enumerate(zip(panels, indices), 1):
        item_figure(dataset, int(i), title=f"{title} #{rank}: logit {float(logits[int(i)]):+.2f}", fig=panel,
                    objects=True)
    return fig


def shift_histogram(ax: Any, shift_frames: np.ndarray, video_frames: int, clip_frames: int,
                    max_overlap_frames: int, fps: float, *, title: str = "",
                    paper_seconds: tuple[float, float] | None = (2.0, 5.8), legend: bool = True) -> Any:
    """Drawn shifts ``shift_frames`` ``[D]`` (whole frames) against the exact law of the sampler
    (``sampling.shift_distribution``), as densities per second on ``ax`` (notebook 01).

    One bin per whole-frame shift, its edges half a frame either side, so the histogram has no comb; the
    law is drawn only where it is positive (NaN across the forbidden band of small shifts, whose windows
    would overlap too much), never bridging it. ``paper_seconds``: the paper's stated range, shaded.
    """
    values, probs = sampling.shift_distribution(video_frames, clip_frames, max_overlap_frames)
    d_max = int(np.abs(values).max())
    grid = np.arange(-d_max, d_max + 1)
    law = np.full(len(grid), np.nan)
    law[values + d_max] = probs * fps  # probability per frame -> density per second
    edges = (np.arange(-d_max, d_max + 2) - 0.5) / fps
    ax.hist(np.asarray(shift_frames) / fps, bins=edges, density=True, alpha=0.6, label="sampled")
    ax.plot(grid / fps, law, color="k", lw=1, label="exact law")
    if paper_seconds is not None:
        lo, hi = paper_seconds
        ax.axvspan(lo, hi, color="tab:green", alpha=0.08, label=f"paper: {lo:.1f}-{hi:.1f} s")
        ax.axvspan(-hi, -lo, color="tab:green", alpha=0.08)
    ax.set_xlabel("audio shift (s; negative: audio from earlier)")
    ax.set_ylabel("density (1/s)")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(fontsize=9)
    return ax


def offset_explorer(model: Any, source: Any, cfg: Any, video: int = 0, max_offset: int | None = None,
                    value: int = 0) -> Any:
    """Notebook 03's offset slider: slide the audio of held-out ``video`` against its frames and see the
    network's probability of "aligned" at that offset, and hear the shifted audio.

    Scores the video's middle window against every offset ``-max_offset..max_offset`` frames once
    (``evaluate.clip_offset_scores``, the offset sweep's code for one clip; default: the sweep's range),
    then shows the curve with the chosen offset marked and an audio player of that offset's window. In
    an interactive session under a slider (``course.widgets.slider``); in batch runs and scripts the
    ``value`` view once, statically, never blocking. Returns the widget or ``None``.
    """
    import matplotlib.pyplot as plt

    from ..course import display, widgets
    from .evaluate import clip_offset_scores, offset_windows

    m = cfg.media
    if max_offset is None:
        max_offset = min(cfg.max_shift_frames, (int(source.n_frames[video]) - m.clip_frames) // 2)
    offsets = np.arange(-max_offset, max_offset + 1)
    probs = clip_offset_scores(model, source, cfg, offsets, video)
    _, windows = offset_windows(source, cfg, video, offsets)

    def show(offset: int) -> None:
        k = int(offset) + max_offset
        fig, ax = plt.subplots(figsize=(7, 3))
        ax.plot(offsets / m.fps, probs, "o-", ms=3, color="tab:blue", label=f"held-out video {video}")
        ax.plot(offset / m.fps, probs[k], "o", ms=9, color="tab:red",
                label=f"offset {offset / m.fps:+.2f} s:\nP(aligned) = {probs[k]:.2f}")
        ax.axhline(0.5, color="0.5", ls="--", lw=0.8, label="undecided (0.5)")
        ax.set_xlabel("audio offset (s; negative: audio from earlier)")
        ax.set_ylabel("P(aligned)")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax.set_title(f"audio shifted by {offset:+d} frames ({offset / m.fps:+.2f} s)")
        plt.show()
        plt.close(fig)
        wave = windows[k]
        display.audio(from_pcm16(wave) if wave.dtype == np.int16 else wave, m.sample_rate)

    return widgets.slider(show, value=value, lo=-max_offset, hi=max_offset, description="offset (frames)")


def sync_errors(results: Sequence[dict[str, Any]], *, title: str = "") -> Any:
    """Notebook 09: the sync search on held-out clips with known offsets (``avscene.shift.sync.offset_benchmark``,
    one result per seed, pooled). Left: how far each estimate landed from the true offset (frames), the shift
    network beside the motion × loudness baseline; right: exact and ±1-frame accuracy with 95 % intervals."""
    import matplotlib.pyplot as plt

    true = np.concatenate([r["true"] for r in results])
    est = {"shift network": np.concatenate([r["net"] for r in results]),
           "motion × loudness baseline": np.concatenate([r["baseline"] for r in results])}
    span = 2 * int(results[0]["max_offset"])
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.3, 1]})
    bins = np.arange(-span, span + 2) - 0.5
    for j, (name, e) in enumerate(est.items()):
        counts, _ = np.histogram(e - true, bins)
        ax.bar(bins[:-1] + 0.5 + (j - 0.5) * 0.4, counts / len(true), 0.4, label=name)
    ax.set_xlabel("estimate − true offset (frames; + = estimated later than true)")
    ax.set_ylabel("share of clips")
    ax.set_xlim(-span - 0.8, span + 0.8)
    ax.legend(fontsize=9)
    fps = float(results[0]["fps"])
    ax.set_title(f"{len(results)} seed(s) × {len(results[0]['true'])} clips, true offsets uniform in "
                 f"±{results[0]['max_offset']} frames (1 frame = {1000 / fps:.0f} ms)", fontsize=9)
    series = {name: [e == true, np.abs(e - true) <= 1] for name, e in est.items()}
    plots.accuracy_bars(["exact offset", "within ±1 frame"], series, percent=True, n_unit="clips", ax=bx)
    bx.get_legend().remove()  # the colours are the left panel's
    bx.set_xlabel(bx.get_xlabel().replace("; ", "\n"), fontsize=9)
    bx.set_title(f"a guess is exact for 1 clip in {span + 1} ({100 / (span + 1):.1f} %)", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def offset_curve(est: Any, true_offset: int | None = None, *, title: str = "") -> Any:
    """Notebook 09: the sync search's score curve (``avscene.shift.sync.OffsetEstimate``): each window's logits
    over the candidate offsets (grey), their mean (the curve), the true offset when known, and the median that
    the confidence is measured from."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    for w, row in enumerate(est.per_window):
        ax.plot(est.offsets, row, color="0.75", lw=0.8, label="one window" if w == 0 else None)
    ax.plot(est.offsets, est.curve, "o-", color="tab:blue", label="mean over windows (the curve)")
    if true_offset is not None:
        ax.axvline(true_offset, color="tab:green", ls="--", label=f"true offset ({true_offset:+d})")
    ax.axhline(np.median(est.curve), color="0.4", ls=":", lw=0.8, label="median (confidence = best − median)")
    ax.set_xlabel("candidate offset (frames; + = audio lags video)")
    ax.set_ylabel("'aligned' logit")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig
