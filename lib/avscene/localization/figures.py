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
