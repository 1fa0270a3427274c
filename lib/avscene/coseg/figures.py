"""The figures of notebook 08 (Sound of Pixels Mix-and-Separate, Zhao et al. 2018, and audio-visual
co-segmentation, Rouditchenko et al. 2019; reference notes §3): one Mix-and-Separate training example drawn as
a diagram (the sources' frames and spectrograms, their mixture, the binary targets and the predicted masks), the
channel × category activation matrices before and after the sigmoid → softmax switch with the assigned channels
boxed, a gallery of two-object scenes segmented by each model's assigned channel (IoU under every panel), and
the separation SDR over seeds beside the published numbers. Each function takes plain arrays and returns a
matplotlib figure."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..localization.overlay import heatmap
from ..ots.figures import _no_ticks
from .assign import distinct_channels

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["channel_matrices", "mix_and_separate", "sdr_bars", "segmentation_gallery"]

SPEC_CMAP = "magma"
MASK_CMAP = "gray"
MATRIX_CMAP = "viridis"
#: outline colours of a scene's two objects (first, second)
OBJECT_COLOURS = ("lime", "magenta")
#: outline of the thresholded map in the segmentation gallery
MAP_OUTLINE = "white"
BAR_COLOUR = "tab:blue"
PAPER_COLOUR = "tab:red"
PAPER_LABEL = "paper (MUSIC)"


def _spec(ax: Any, spec: np.ndarray, **kw: Any) -> Any:
    """A ``[rows, T]`` spectrogram or mask: low frequencies at the bottom, one pixel per bin."""
    return ax.imshow(np.asarray(spec), origin="lower", aspect="auto", interpolation="nearest", **kw)


def _outline(ax: Any, mask: np.ndarray, colour: str, **kw: Any) -> None:
    """The 0.5 contour of a boolean ``[H, W]`` mask (nothing when it is all one value: no contour exists)."""
    mask = np.asarray(mask, dtype=bool)
    if mask.any() and not mask.all():
        ax.contour(mask.astype(np.float64), levels=[0.5], colors=colour, **kw)


def mix_and_separate(frames: np.ndarray, log_mix: np.ndarray, mags: np.ndarray, targets: np.ndarray,
                     preds: np.ndarray | None, names: Sequence[str], *, title: str = "") -> Figure:
    """One Mix-and-Separate training example as a diagram: the mixture's spectrogram ``log_mix [rows, T]``
    (log magnitude on the log-frequency rows; "mixture = mean of the sources") spans the left column, and each
    of the N sources has a row: its frame ``frames`` uint8 ``[N, H, W, 3]`` (captioned ``names[i]``), its warped
    magnitude ``mags [N, rows, T]`` drawn as ``log1p`` (one colour scale for all sources), its binary target
    ``targets [N, rows, T]`` (source > 0.5 × mixture) and, if ``preds [N, rows, T]`` is given, the predicted mask
    (masks on [0, 1], white = keep). Spectrograms and masks have low frequencies at the bottom. ValueError if
    the shapes disagree."""
    import matplotlib.pyplot as plt

    frames = np.asarray(frames)
    log_mix = np.asarray(log_mix, dtype=np.float64)
    mags, targets = np.asarray(mags, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    n = len(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames {frames.shape} must be [N, H, W, 3]")
    if n == 0:
        raise ValueError("no sources to show")
    if log_mix.ndim != 2:
        raise ValueError(f"the mixture {log_mix.shape} must be [rows, T]")
    want = (n, *log_mix.shape)
    if mags.shape != want or targets.shape != want:
        raise ValueError(f"magnitudes {mags.shape} and targets {targets.shape} must be {want} "
                         "(N sources × the mixture)")
    if preds is not None:
        preds = np.asarray(preds, dtype=np.float64)
        if preds.shape != want:
            raise ValueError(f"predicted masks {preds.shape} must be {want}")
    if len(names) != n:
        raise ValueError(f"{len(names)} names for {n} sources")
    cols = ["video frame", "source\n(log1p magnitude)", "target mask\n(source > 0.5 × mixture)"]
    if preds is not None:
        cols.append("predicted mask\n(network output)")
    fig = plt.figure(figsize=(2.9 + 2.1 * len(cols), 1.75 * n + 0.9 + (0.3 if title else 0.0)))
    gs = fig.add_gridspec(n, 1 + len(cols), width_ratios=[1.5, 0.8] + [1.0] * (len(cols) - 1))
    ax_mix = fig.add_subplot(gs[:, 0])
    _spec(ax_mix, log_mix, cmap=SPEC_CMAP)
    ax_mix.set_title("mixture (network input)", fontsize=9)
    ax_mix.set_xlabel("time frame", fontsize=8)
    ax_mix.set_ylabel("log-frequency row", fontsize=8)
    ax_mix.tick_params(labelsize=7)
    ax_mix.annotate("mixture = mean of the sources\n(log magnitude, log-frequency rows)", xy=(0.5, 0.0),
                    xycoords="axes fraction", xytext=(0, -30), textcoords="offset points", ha="center", va="top",
                    fontsize=8, color="0.25")
    logs = np.log1p(np.maximum(mags, 0.0))
    vmax = float(logs.max()) if logs.size and logs.max() > 0 else 1.0
    for i in range(n):
        ax = fig.add_subplot(gs[i, 1])
        ax.imshow(frames[i])
        _no_ticks(ax)
        ax.set_xlabel(names[i], fontsize=8)
        panels = [(logs[i], {"cmap": SPEC_CMAP, "vmin": 0.0, "vmax": vmax}),
                  (targets[i], {"cmap": MASK_CMAP, "vmin": 0.0, "vmax": 1.0})]
        if preds is not None:
            panels.append((preds[i], {"cmap": MASK_CMAP, "vmin": 0.0, "vmax": 1.0}))
        for j, (image, kw) in enumerate(panels):
            ax = fig.add_subplot(gs[i, 2 + j])
            _spec(ax, image, **kw)
            ax.tick_params(labelsize=7)
            if j == 0:
                ax.set_ylabel("log-frequency row", fontsize=7)
            else:
                ax.set_yticklabels([])
            if i == n - 1:
                ax.set_xlabel("time frame", fontsize=8)
            else:
                ax.set_xticklabels([])
        if i == 0:
            for j, name in enumerate(cols):
                fig.axes[-len(cols) + j].set_title(name, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def channel_matrices(matrices: Mapping[str, np.ndarray], class_names: Sequence[str],
                     assignments: Mapping[str, Sequence[int] | np.ndarray] | None = None, *,
                     title: str = "") -> Figure:
    """One heat map per entry of ``matrices`` (label → float ``[K, C]``, the mean activation of channel k on
    the solo clips of category c; e.g. before and after the sigmoid → softmax switch), side by side, channels
    up the y axis and categories (``class_names``, C of them) along the x axis, each with its colour bar (on
    [0, 1] when all its values are, else automatic). Where ``assignments[label]`` (int ``[C]``, the channel
    given to each category) exists, each assigned cell is boxed (white on dark cells, black on light ones) and
    the panel's title says how many categories got a channel of their own (channels assigned exactly once;
    :func:`avscene.coseg.assign.distinct_channels`). ValueError if the shapes disagree, a channel is out of
    range, or an assignment has no matrix."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    assignments = dict(assignments or {})
    c = len(class_names)
    if not matrices:
        raise ValueError("no matrices to show")
    mats = {label: np.asarray(m, dtype=np.float64) for label, m in matrices.items()}
    for label, m in mats.items():
        if m.ndim != 2 or m.shape[1] != c or m.shape[0] == 0:
            raise ValueError(f"matrix {label!r} {m.shape} must be [K, {c}] ({c} class names)")
    chosen: dict[str, np.ndarray] = {}
    for label, a in assignments.items():
        if label not in mats:
            raise ValueError(f"assignment {label!r} has no matrix (matrices: {list(mats)})")
        a = np.asarray(a).astype(np.int64).reshape(-1)
        k = mats[label].shape[0]
        if a.shape != (c,) or (a < 0).any() or (a >= k).any():
            raise ValueError(f"assignment {label!r} {a.tolist()} must give one of {k} channels "
                             f"to each of {c} categories")
        chosen[label] = a
    k_max = max(m.shape[0] for m in mats.values())
    fig, axes = plt.subplots(1, len(mats), figsize=(max(3.4, 0.42 * c + 2.4) * len(mats),
                                                    max(3.0, 0.24 * k_max + 1.9) + (0.3 if title else 0.0)),
                             squeeze=False)
    for ax, (label, m) in zip(axes[0], mats.items()):
        bounded = bool(np.isfinite(m).all() and m.min() >= 0.0 and m.max() <= 1.0)
        im = ax.imshow(m, aspect="auto", cmap=MATRIX_CMAP, interpolation="nearest",
                       vmin=0.0 if bounded else None, vmax=1.0 if bounded else None)
        fig.colorbar(im, ax=ax, fraction=0.05, pad=0.03).ax.tick_params(labelsize=7)
        k = m.shape[0]
        ax.set_xticks(np.arange(c), list(class_names), rotation=45, ha="right", fontsize=7)
        ax.set_yticks(np.arange(k) if k <= 16 else np.arange(0, k, max(1, k // 8)))
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylabel("channel k", fontsize=8)
        ax.set_xlabel("category of the solo clips", fontsize=8)
        head = label
        if label in chosen:
            a = chosen[label]
            lo, hi = im.norm.vmin, im.norm.vmax
            for cat, ch in enumerate(a):
                level = (m[ch, cat] - lo) / (hi - lo) if hi > lo else 0.0
                ax.add_patch(Rectangle((cat - 0.5, ch - 0.5), 1.0, 1.0, fill=False, lw=1.8,
                                       edgecolor="white" if level < 0.5 else "black"))
            head = f"{label}\n{distinct_channels(a)} of {c} categories have a channel of their own"
        ax.set_title(head, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _iou(pred: np.ndarray, mask: np.ndarray) -> float:
    """IoU of two boolean masks (0 when both are empty, as :func:`avscene.coseg.segment.iou`)."""
    return float((pred & mask).sum() / max(int((pred | mask).sum()), 1))


def segmentation_gallery(frames: np.ndarray, masks: np.ndarray, maps: Mapping[str, np.ndarray], classes: np.ndarray,
                         class_names: Sequence[str], *, threshold: float = 0.5, title: str = "") -> Figure:
    """Two-object scenes segmented by each model, one row per scene: its frame ``frames`` uint8 ``[S, H, W, 3]``
    with the objects' pixels ``masks`` bool ``[S, 2, H, W]`` outlined (first lime, second magenta), then per
    model (``maps[label]`` float ``[S, 2, H, W]`` in [0, 1]: the map of the channel assigned to each object's
    class) and per object: the map overlaid on the frame, its ``threshold`` contour in white (dashed) and the
    object's true outline in its colour, the class name ``class_names[classes[s, o]]`` (``classes`` int
    ``[S, 2]``) over the panel and "IoU x.xx" (map > threshold against the mask) under it. The model labels
    head their pairs of columns. ValueError if the shapes disagree or a class is out of range."""
    import matplotlib.pyplot as plt

    frames = np.asarray(frames)
    masks = np.asarray(masks, dtype=bool)
    classes = np.asarray(classes)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames {frames.shape} must be [S, H, W, 3]")
    s, h, w = frames.shape[:3]
    if s == 0:
        raise ValueError("no scenes to show")
    if masks.shape != (s, 2, h, w):
        raise ValueError(f"masks {masks.shape} must be {(s, 2, h, w)} for frames {frames.shape}")
    if classes.shape != (s, 2):
        raise ValueError(f"classes {classes.shape} must be {(s, 2)}")
    if (classes < 0).any() or (classes >= len(class_names)).any():
        raise ValueError(f"classes {sorted(set(classes.ravel().tolist()))} for {len(class_names)} class names")
    if not maps:
        raise ValueError("no models' maps to show")
    arrays = {label: np.asarray(m, dtype=np.float64) for label, m in maps.items()}
    for label, m in arrays.items():
        if m.shape != masks.shape:
            raise ValueError(f"maps {label!r} {m.shape} do not match the masks {masks.shape}")
    labels = list(arrays)
    # fixed geometry in inches (tight_layout misplaces rows of aspect-locked images): square-ish panels, a
    # wider gap before each model's pair of columns, room for a title over and a label under every panel
    pw = 1.45
    ph = float(np.clip(pw * h / w, 0.5 * pw, 2.0 * pw))
    left, right, bottom, col_gap, group_gap, row_gap = 0.38, 0.12, 0.45, 0.1, 0.3, 0.5
    top = 0.62 + (0.32 if title else 0.0)
    width = left + pw + len(labels) * (group_gap + 2 * pw + col_gap) + right
    height = bottom + s * ph + (s - 1) * row_gap + top
    fig = plt.figure(figsize=(width, height))
    xs = [left] + [left + pw + group_gap + g * (group_gap + 2 * pw + col_gap) + o * (pw + col_gap)
                   for g in range(len(labels)) for o in range(2)]
    axes = np.array([[fig.add_axes((x / width, (bottom + (s - 1 - i) * (ph + row_gap)) / height, pw / width,
                                    ph / height)) for x in xs] for i in range(s)])
    for i in range(s):
        frame = frames[i]
        ax = axes[i, 0]
        ax.imshow(frame)
        for o in range(2):
            _outline(ax, masks[i, o], OBJECT_COLOURS[o], linewidths=1.2)
        ax.set_ylabel(f"scene {i}", fontsize=8)
        ax.set_title(" + ".join(class_names[int(c)] for c in classes[i]), fontsize=7)
        for g, label in enumerate(labels):
            for o in range(2):
                ax = axes[i, 1 + 2 * g + o]
                m = arrays[label][i, o]
                ax.imshow(heatmap(frame, m))
                pred = m > threshold
                _outline(ax, pred, MAP_OUTLINE, linewidths=1.0, linestyles="--")
                _outline(ax, masks[i, o], OBJECT_COLOURS[o], linewidths=1.2)
                ax.set_title(class_names[int(classes[i, o])], fontsize=7, color="0.15")
                ax.set_xlabel(f"IoU {_iou(pred, masks[i, o]):.2f}", fontsize=7)
        for ax in axes[i]:
            _no_ticks(ax)
    axes[-1, 0].set_xlabel(f"solid: true outline\ndashed: map > {threshold:g}", fontsize=6)
    y_group = (height - top + 0.27) / height  # over the first row's panel titles
    for g, label in enumerate(labels):
        x0, x1 = xs[1 + 2 * g] / width, (xs[2 + 2 * g] + pw) / width
        fig.text((x0 + x1) / 2, y_group + 0.03 / height, label, ha="center", va="bottom", fontsize=9,
                 fontweight="bold")
        fig.add_artist(plt.Line2D([x0 + 0.05 / width, x1 - 0.05 / width], [y_group] * 2, transform=fig.transFigure,
                                  color="0.4", lw=0.8))
    if title:
        fig.suptitle(title, fontsize=10, y=1.0 - 0.08 / height, va="top")
    return fig


def sdr_bars(rows: Sequence[Mapping[str, Any]], *, paper: Mapping[str, float] | None = None,
             title: str = "") -> Figure:
    """Separation SDR per variant as horizontal bars, top to bottom in the order of ``rows`` (dicts with
    ``"label"``, ``"sdr"`` the mean over seeds in dB, ``"sdr_std"`` the std over seeds, 0 for one seed, and
    ``"sdr_seeds"`` each seed's value): the mean as the bar, ± std as its error bar, the seeds as black dots,
    0 dB as a line. ``paper[label]`` (optional), the published SDR on MUSIC, is a red diamond ("paper (MUSIC)"
    in the legend); labels of ``paper`` that no row has are not drawn. ValueError if a row lacks ``"label"``
    or ``"sdr"``."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if not rows:
        raise ValueError("no rows to show")
    for r in rows:
        if "label" not in r or "sdr" not in r:
            raise ValueError(f"row {dict(r)!r} needs 'label' and 'sdr'")
    paper = dict(paper or {})
    labels = [str(r["label"]) for r in rows]
    means = np.array([float(r["sdr"]) for r in rows])
    stds = np.array([float(r.get("sdr_std", 0.0) or 0.0) for r in rows])
    y = np.arange(len(rows), dtype=np.float64)
    fig, ax = plt.subplots(figsize=(7.2, 0.5 * len(rows) + 1.5 + (0.3 if title else 0.0)))
    ax.barh(y, means, 0.6, xerr=np.nan_to_num(stds), color=BAR_COLOUR, edgecolor=BAR_COLOUR, zorder=2,
            error_kw={"ecolor": "0.2", "lw": 0.8, "capsize": 3})
    n_seeds = set()
    for yy, r in zip(y, rows):
        seeds = np.asarray(r.get("sdr_seeds", ()) or (), dtype=np.float64).ravel()
        n_seeds.add(len(seeds))
        if len(seeds):
            dy = np.linspace(-0.15, 0.15, len(seeds)) if len(seeds) > 1 else np.zeros(1)
            ax.plot(seeds, yy + dy, "k.", ms=4, zorder=4)
    handles: list[Any] = [Patch(color=BAR_COLOUR, label="mean ± std over seeds"),
                          Line2D([], [], ls="", marker=".", ms=6, color="k", label="seeds")]
    drawn = [(yy, float(paper[lab])) for yy, lab in zip(y, labels) if lab in paper]
    if drawn:
        ax.plot([v for _, v in drawn], [yy for yy, _ in drawn], ls="", marker="D", ms=7, color=PAPER_COLOUR,
                markeredgecolor="k", mew=0.6, zorder=5)
        handles.append(Line2D([], [], ls="", marker="D", ms=6, color=PAPER_COLOUR, markeredgecolor="k",
                              mew=0.6, label=PAPER_LABEL))
    ax.axvline(0.0, color="0.3", lw=0.8, zorder=3)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=8)
    counts = "/".join(str(k) for k in sorted(n_seeds) if k)
    seeds_text = f"; {counts} seed{'' if counts == '1' else 's'}" if counts else ""
    ax.set_xlabel(f"SDR (dB){seeds_text}", fontsize=8)
    ax.grid(axis="x", color="0.9", lw=0.6, zorder=0)
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
