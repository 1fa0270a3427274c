"""The pictures of notebook 05: the actions, the labels-per-class curve, a confusion matrix, and clips one
model gets right where another does not."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def action_grid(frames: np.ndarray, envelopes: np.ndarray, names: Sequence[str], fps: float, *,
                n_thumbs: int = 6, title: str = "") -> Any:
    """One row per action: ``n_thumbs`` frames of its clip (``frames [K, T, H, W, 3]``, titled with their
    time in s) beside the loudness of its sound (``envelopes [K, T]``, RMS per frame, mono): the frames
    show the object, only the row of frames over time shows whether it shakes (or travels), and the
    envelope shows its rhythm."""
    import matplotlib.pyplot as plt

    k, t = frames.shape[:2]
    fig = plt.figure(figsize=(12, 1.05 * k + 0.6))
    grid = fig.add_gridspec(k, n_thumbs + 3, wspace=0.05, hspace=0.35)
    picks = np.linspace(0, t - 1, n_thumbs).round().astype(int)
    times = np.arange(t) / fps
    for row in range(k):
        for j, i in enumerate(picks):
            ax = fig.add_subplot(grid[row, j])
            ax.imshow(frames[row, i])
            ax.set_xticks([]), ax.set_yticks([])
            if row == 0:
                ax.set_title(f"{times[i]:.1f} s", fontsize=8)
            if j == 0:
                ax.set_ylabel(names[row], rotation=0, ha="right", va="center", fontsize=8)
        ax = fig.add_subplot(grid[row, n_thumbs:])
        ax.fill_between(times, envelopes[row], color="tab:green", lw=0)
        ax.set_xlim(0, times[-1])
        ax.set_yticks([])
        if row < k - 1:
            ax.set_xticklabels([])
        else:
            ax.set_xlabel("time (s): loudness of the sound (RMS per frame)", fontsize=8)
        ax.tick_params(labelsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def training_curves(histories: dict[str, Sequence[dict]], *, chance: float, mark: int | None = None,
                    title: str = "") -> Any:
    """Training accuracy (the logged running mean of each ``acc`` row) against the step, one line per run
    (``histories``: label -> a run's log rows), chance as a dotted line and ``mark`` (e.g. the ablation
    recipe's step count) as a dashed one: where a network trained from scratch starts to see more than
    one frame or the sound alone could tell."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.2, 3.4))
    for label, rows in histories.items():
        rows = [r for r in rows if "acc" in r]
        ax.plot([r["step"] for r in rows], [100 * r["acc"] for r in rows], label=label)
    ax.axhline(100 * chance, color="0.5", ls=":", lw=1, label=f"chance ({100 * chance:.1f} %)")
    if mark is not None:
        ax.axvline(mark, color="0.3", ls="--", lw=1, label=f"the ablation's {mark} steps")
    ax.set_xlabel("training step")
    ax.set_ylabel("training accuracy (%)")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def labels_curve(points: Sequence[tuple[int, Sequence[float], Sequence[float]]], *, chance: float,
                 all_labels: int, title: str = "") -> Any:
    """Test accuracy against labelled videos per class (log scale), pretrained vs scratch: the mean over
    fine-tuning seeds with each seed as a dot, and the chance level."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.2, 3.6))
    n = np.array([p[0] for p in points])
    for idx, (label, colour) in enumerate((("shift-pretrained", "tab:orange"), ("from scratch", "tab:blue")), start=1):
        runs = [np.asarray(p[idx], dtype=float) * 100 for p in points]
        ax.plot(n, [r.mean() for r in runs], "-o", color=colour, label=label)
        for x, r in zip(n, runs):
            ax.scatter(np.full(len(r), x), r, s=10, color=colour, alpha=0.45)
    ax.axhline(100 * chance, color="0.5", ls=":", lw=1, label=f"chance ({100 * chance:.1f} %)")
    ax.set_xscale("log")
    ax.set_xticks(n, [f"{v}" + (" (all)" if v >= all_labels else "") for v in n])
    ax.minorticks_off()
    ax.set_xlabel("labelled videos per class")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def confusion(labels: np.ndarray, predicted: np.ndarray, names: Sequence[str], *, title: str = "") -> Any:
    """The confusion matrix (rows: true action, columns: predicted; each row in % of its videos)."""
    import matplotlib.pyplot as plt

    k = len(names)
    m = confusion_matrix(labels, predicted, k)
    fig, ax = plt.subplots(figsize=(7.2, 6.2))
    image = ax.imshow(m, cmap="Blues", vmin=0, vmax=100)
    for i in range(k):
        for j in range(k):
            if m[i, j] >= 5:
                ax.text(j, i, f"{m[i, j]:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if m[i, j] > 60 else "black")
    ax.set_xticks(range(k), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(k), names, fontsize=8)
    ax.set_xlabel("predicted action")
    ax.set_ylabel("true action")
    fig.colorbar(image, ax=ax, fraction=0.046).set_label("% of the true action's test videos")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """``[classes, classes]`` in % of each true class's videos (rows: true, columns: predicted; a class with
    no videos is a row of zeros): torchmetrics' ``multiclass_confusion_matrix`` normalised over the true class."""
    import warnings

    import torch
    from torchmetrics.functional.classification import multiclass_confusion_matrix

    with warnings.catch_warnings():  # the empty rows' 0/0, which it replaces with zeros, as wanted here
        warnings.filterwarnings("ignore", message=".*NaN values found in confusion matrix.*")
        shares = multiclass_confusion_matrix(torch.as_tensor(np.asarray(predicted)), torch.as_tensor(np.asarray(labels)),
                                             num_classes=classes, normalize="true")
    return 100 * shares.double().numpy()


def clip_rows(frames: np.ndarray, captions: Sequence[str], fps: float, *, n_thumbs: int = 6, title: str = "") -> Any:
    """One row of ``n_thumbs`` frames per clip (``frames [N, T, H, W, 3]``), captioned on the left."""
    import matplotlib.pyplot as plt

    n, t = frames.shape[:2]
    fig, axes = plt.subplots(n, n_thumbs, figsize=(1.3 * n_thumbs + 3.2, 1.35 * n + 0.5), squeeze=False)
    picks = np.linspace(0, t - 1, n_thumbs).round().astype(int)
    for r in range(n):
        for j, i in enumerate(picks):
            ax = axes[r, j]
            ax.imshow(frames[r, i])
            ax.set_xticks([]), ax.set_yticks([])
            if r == 0:
                ax.set_title(f"{i / fps:.1f} s", fontsize=8)
        axes[r, 0].set_ylabel(captions[r], rotation=0, ha="right", va="center", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
