"""Figures of the localization benchmark (notebook 04): scenes with their ground truth, a map and a
baseline side by side.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .benchmark import Benchmark
from .overlay import heatmap


def scene_grid(bench: Benchmark, cam: np.ndarray, baseline: np.ndarray, logits: np.ndarray, idx: Sequence[int],
               title: str, baseline_name: str = "motion energy") -> Any:
    """One row per scene ``idx``: its middle frame | the sounding (green) and silent (red) objects'
    outlines | the CAM ``cam [N, S, S]`` overlaid, + at its peak | ``baseline [N, S, S]``; the row is
    labelled with the scene's alignment ``logits [N]``."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(idx), 4, figsize=(8, 2.1 * len(idx)), squeeze=False)
    mid = bench.frames.shape[1] // 2
    sounding, silent = bench.gt_window(), bench.distractor_window()
    for row, i in zip(axes, idx):
        frame = bench.frames[i, mid]
        row[0].imshow(frame)
        row[1].imshow(frame)
        for mask, colour in ((sounding[i], "lime"), (silent[i], "red")):
            if mask.any():
                row[1].contour(mask, levels=[0.5], colors=colour, linewidths=1)
        row[2].imshow(heatmap(frame, cam[i]))
        peak = np.unravel_index(cam[i].argmax(), cam[i].shape)
        row[2].plot(peak[1], peak[0], "w+", ms=10, mew=2)
        row[3].imshow(baseline[i], cmap="magma")
        row[0].set_ylabel(f"scene {i}\nlogit {float(logits[i]):+.2f}", fontsize=8)
        for ax in row:
            ax.set_xticks([]), ax.set_yticks([])
    for ax, t in zip(axes[0], ("frame", "sounding / silent", "abs(CAM), + = peak", baseline_name)):
        ax.set_title(t, fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def peak_columns(cam_cols: np.ndarray, baseline_cols: np.ndarray, size: int, *, cell: float | None = None,
                 baseline_name: str = "motion energy") -> Any:
    """Histogram of the horizontal pixel position of each map's peak ``[N]`` on ``size``-px frames, for the
    CAM and a baseline (notebook 04, *Where the peaks land*): a map that follows objects spreads its
    peaks like the objects; a map with a border code piles them up near the edges. ``cell``: the CAM's
    cell spacing in pixels, marked as the bin width."""
    import matplotlib.pyplot as plt

    step = float(cell) if cell else size / 8
    edges = np.arange(0.0, size + step, step)
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    ax.hist([np.asarray(cam_cols), np.asarray(baseline_cols)], bins=edges, label=["CAM |abs|", baseline_name],
            color=["tab:orange", "0.6"])
    ax.set_xlim(0, size)
    ax.set_xlabel(f"column of the peak (pixels; bins of one CAM cell, {step:g} px)", fontsize=9)
    ax.set_ylabel("scenes", fontsize=9)
    ax.tick_params(labelsize=9)
    ax.legend(fontsize=9)
    ax.set_title(f"where the peaks land across the frame (n = {len(cam_cols)} scenes)", fontsize=10)
    fig.tight_layout()
    return fig
