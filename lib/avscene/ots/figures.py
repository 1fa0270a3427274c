"""The figures of notebook 07 (Objects that Sound, Arandjelović & Zisserman 2018): the AVC task's pairs,
training curves, retrieval scores beside random embeddings, query galleries in both directions (a sound
searches images, an image searches sounds), a t-SNE of both modalities' embeddings, and the localization
benchmark's scenes with every method's map side by side. Each function returns a matplotlib figure."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..course.stats import mean_std
from ..localization.overlay import heatmap
from ..synthetic import CLASS_NAMES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["avc_grid", "embedding_map", "image_to_sounds", "retrieval_bars", "side_by_side", "sound_to_images",
           "training_curves"]

#: x tick labels of the retrieval directions (other keys are shown as they are)
DIRECTION_LABELS = {"im2im": "image→image", "im2aud": "image→audio", "aud2im": "audio→image",
                    "aud2aud": "audio→audio"}
#: frame colours of the galleries' results: relevant / not relevant
RELEVANT_COLOUR, IRRELEVANT_COLOUR = "tab:green", "tab:red"
SPEC_CMAP = "magma"


def _no_ticks(ax: Any) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _show_spec(ax: Any, spec: np.ndarray) -> None:
    """A log-spectrogram ``[F, T]``: frequency up, low frequencies at the bottom."""
    ax.imshow(np.asarray(spec), origin="lower", aspect="auto", cmap=SPEC_CMAP, interpolation="nearest")
    _no_ticks(ax)


def avc_grid(frames: np.ndarray, specs: np.ndarray, labels: Sequence[int], captions: Sequence[str], *,
             title: str = "") -> Figure:
    """The AVC task's pairs, one per column: the frame ``frames`` uint8 ``[N, H, W, 3]`` over the
    log-spectrogram of its second of sound ``specs [N, F, T]`` (frequency up). Each column is titled
    "positive" (green; ``labels[i] == 1``, frame and sound from the same video) or "negative" (red; from
    two videos) and has ``captions[i]`` under its spectrogram. ValueError if the lengths differ."""
    import matplotlib.pyplot as plt

    n = len(frames)
    if not len(specs) == len(labels) == len(captions) == n:
        raise ValueError(f"{n} frames, {len(specs)} spectrograms, {len(labels)} labels, {len(captions)} captions")
    if n == 0:
        raise ValueError("no pairs to show")
    fig, axes = plt.subplots(2, n, figsize=(1.6 * n + 0.4, 3.6 + (0.3 if title else 0.0)), squeeze=False)
    for j in range(n):
        axes[0, j].imshow(frames[j])
        _no_ticks(axes[0, j])
        positive = int(labels[j]) == 1
        axes[0, j].set_title("positive" if positive else "negative", fontsize=9,
                             color="green" if positive else "red")
        _show_spec(axes[1, j], specs[j])
        axes[1, j].set_xlabel(captions[j], fontsize=7)
    axes[1, 0].set_ylabel("log-spectrogram\n(1 s, freq. up)", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def training_curves(histories: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]], *, title: str = "") -> Figure:
    """Training logs per label (a variant), one log per seed (a list of rows with ``"step"`` and some of
    ``"loss"``, ``"acc"``, ``"eval_acc"``): the training loss (left) and the held-out AVC accuracy (right,
    chance 0.5 dashed) against the step. One colour per label; seed 0 solid, the other seeds faint."""
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10.0, 3.4))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for c, (label, seeds) in enumerate(histories.items()):
        colour = colours[c % len(colours)]
        for k, rows in enumerate(seeds):
            style = {"color": colour, "alpha": 1.0 if k == 0 else 0.35, "lw": 1.2 if k == 0 else 0.8}
            loss = [r for r in rows if "loss" in r]
            if loss:
                ax_loss.plot([r["step"] for r in loss], [r["loss"] for r in loss], **style)
            acc = [r for r in rows if "eval_acc" in r]
            if acc:
                ax_acc.plot([r["step"] for r in acc], [r["eval_acc"] for r in acc], marker="." if len(acc) < 30 else None,
                            label=label if k == 0 else None, **style)
    ax_acc.axhline(0.5, ls="--", color="0.5", lw=0.8, label="chance")
    ax_acc.set_ylim(0.4, 1.0)
    for ax, name in ((ax_loss, "training loss"), (ax_acc, "held-out AVC accuracy")):
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("training step", fontsize=8)
        ax.tick_params(labelsize=8)
    ax_loss.set_ylabel("loss", fontsize=8)
    ax_acc.set_ylabel("accuracy", fontsize=8)
    ax_acc.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _lighter(colour: Any, amount: float = 0.55) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    rgb = np.asarray(to_rgb(colour))
    return tuple(float(v) for v in rgb + (1.0 - rgb) * amount)


def retrieval_bars(scores: Mapping[str, Mapping[str, Sequence[float]]], chance: Mapping[str, float], *,
                   hatched: Mapping[str, Sequence[str]] | None = None, ylabel: str = "nDCG@30",
                   title: str = "") -> Figure:
    """Grouped bars of retrieval scores: one group per direction (the keys of ``chance``, in order), one bar
    per variant (``scores[variant][direction]``: the values over seeds) at the mean over seeds, with the
    sample std over seeds as error bar (0 for one seed) and each seed's value as a black dot. ``chance``
    (random embeddings) is a dashed black segment across each group. ``hatched[variant]`` lists the
    directions drawn hatched and lighter ("not comparable (no shared space)"). ValueError if a variant
    lacks a direction or has no values for one."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    directions = list(chance)
    variants = list(scores)
    hatched = hatched or {}
    for v in variants:
        for d in directions:
            if d not in scores[v] or len(scores[v][d]) == 0:
                raise ValueError(f"variant {v!r} has no scores for direction {d!r}")
    x = np.arange(len(directions), dtype=float)
    group = 0.8
    width = group / max(1, len(variants))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, ax = plt.subplots(figsize=(1.6 * len(directions) + 3.4, 3.4))
    handles: list[Any] = []
    any_hatched = False
    for i, v in enumerate(variants):
        colour = colours[i % len(colours)]
        values = [np.asarray(scores[v][d], dtype=float) for d in directions]
        means, stds = np.array([mean_std(val) for val in values]).T
        pos = x - group / 2 + (i + 0.5) * width
        bars = ax.bar(pos, means, width * 0.92, yerr=stds, color=colour, edgecolor=colour,
                      error_kw={"ecolor": "0.2", "lw": 0.8, "capsize": 2}, zorder=2)
        for patch, d in zip(bars.patches, directions):
            if d in hatched.get(v, ()):
                any_hatched = True
                patch.set_facecolor(_lighter(colour))
                patch.set_hatch("//")
        for p, val in zip(pos, values):
            dx = np.linspace(-width * 0.2, width * 0.2, len(val)) if len(val) > 1 else np.zeros(1)
            ax.plot(p + dx, val, "k.", ms=3, zorder=4)
        handles.append(Patch(facecolor=colour, edgecolor=colour, label=v))
    ax.hlines([chance[d] for d in directions], x - group / 2 - 0.03, x + group / 2 + 0.03, colors="k",
              linestyles="--", lw=1.2, zorder=5)
    handles.append(Line2D([], [], color="k", ls="--", lw=1.2, label="random embeddings"))
    if any_hatched:
        handles.append(Patch(facecolor="white", edgecolor="0.3", hatch="//", label="not comparable (no shared space)"))
    ax.set_xticks(x, [DIRECTION_LABELS.get(d, d) for d in directions], fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel(ylabel, fontsize=8)
    n_seeds = sorted({len(scores[v][d]) for v in variants for d in directions})
    ax.set_xlabel(f"query → retrieved (bars: mean over {'/'.join(map(str, n_seeds))} seeds, ± std, dots: seeds)",
                  fontsize=8)
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def _gallery(queries: np.ndarray, results: np.ndarray, relevant: np.ndarray, names: Sequence[str], *,
             query_is_image: bool, title: str) -> Figure:
    """Q rows: the query (column 0) and its k ranked results, framed green (relevant) or red (not)."""
    import matplotlib.pyplot as plt

    relevant = np.asarray(relevant, dtype=bool)
    q = len(queries)
    if not len(results) == len(relevant) == len(names) == q:
        raise ValueError(f"{q} queries, {len(results)} result lists, {len(relevant)} relevance rows, {len(names)} names")
    if relevant.ndim != 2 or relevant.shape[1] != results.shape[1]:
        raise ValueError(f"relevance {relevant.shape} does not match results {results.shape[:2]}")
    if q == 0:
        raise ValueError("no queries to show")
    k = results.shape[1]
    fig, axes = plt.subplots(q, k + 1, figsize=(1.35 * (k + 1) + 0.4, 1.45 * q + (0.5 if title else 0.2)),
                             squeeze=False)
    for row in range(q):
        ax = axes[row, 0]
        if query_is_image:
            ax.imshow(queries[row])
            _no_ticks(ax)
        else:
            _show_spec(ax, queries[row])
        ax.set_title(f"query: {names[row]}", fontsize=7)
        for col in range(k):
            ax = axes[row, col + 1]
            if query_is_image:
                _show_spec(ax, results[row, col])
            else:
                ax.imshow(results[row, col])
                _no_ticks(ax)
            colour = RELEVANT_COLOUR if relevant[row, col] else IRRELEVANT_COLOUR
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_color(colour)
                spine.set_linewidth(3)
            if row == 0:
                ax.set_title(f"rank {col + 1}", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def sound_to_images(query_specs: np.ndarray, top_images: np.ndarray, relevant: np.ndarray, names: Sequence[str], *,
                    title: str = "") -> Figure:
    """A sound searches images: one row per query, its log-spectrogram ``query_specs [Q, F, T]`` (titled
    with its sounding classes ``names[q]``) then its ``k`` best images ``top_images`` uint8
    ``[Q, k, H, W, 3]`` (rank 1 first), framed green where ``relevant [Q, k]`` (a shared class), red
    otherwise. ValueError if the shapes disagree."""
    return _gallery(query_specs, np.asarray(top_images), relevant, names, query_is_image=False, title=title)


def image_to_sounds(query_images: np.ndarray, top_specs: np.ndarray, relevant: np.ndarray, names: Sequence[str], *,
                    title: str = "") -> Figure:
    """An image searches sounds: one row per query, its image ``query_images`` uint8 ``[Q, H, W, 3]`` (titled
    with its sounding classes ``names[q]``) then the log-spectrograms of its ``k`` best sounds
    ``top_specs [Q, k, F, T]`` (rank 1 first), framed green where ``relevant [Q, k]``, red otherwise.
    ValueError if the shapes disagree."""
    return _gallery(query_images, np.asarray(top_specs), relevant, names, query_is_image=True, title=title)


def embedding_map(image_emb: np.ndarray, audio_emb: np.ndarray, class_sets: np.ndarray, *, seed: int = 0,
                  title: str = "") -> Figure:
    """A t-SNE of both modalities together: ``image_emb`` and ``audio_emb`` ``[V, D]`` (item i's image and
    sound), ``class_sets`` bool ``[V, K]`` (its sounding classes). Solo items are coloured by class,
    items with two or more classes light grey; images are circles, sounds triangles. The 2-D axes have no
    units, so no ticks. The t-SNE runs on one thread (OpenMP spin-waits stall it for seconds on a
    loaded machine). ValueError if the shapes disagree."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    image_emb = np.asarray(image_emb, dtype=np.float64)
    audio_emb = np.asarray(audio_emb, dtype=np.float64)
    class_sets = np.asarray(class_sets, dtype=bool)
    if image_emb.ndim != 2 or image_emb.shape != audio_emb.shape:
        raise ValueError(f"image embeddings {image_emb.shape} and audio embeddings {audio_emb.shape} must be [V, D] alike")
    v = len(image_emb)
    if class_sets.ndim != 2 or len(class_sets) != v:
        raise ValueError(f"class sets {class_sets.shape} do not match {v} items")
    if v < 2:
        raise ValueError("t-SNE needs at least two items")
    tsne = TSNE(n_components=2, perplexity=min(30.0, (2 * v - 1) / 3), init="pca", random_state=seed)
    with threadpool_limits(1):  # a few hundred points: one thread is quick, and never stalls beside a busy trainer
        xy = tsne.fit_transform(np.concatenate([image_emb, audio_emb]))
    counts = class_sets.sum(axis=1)
    cmap = plt.get_cmap("tab10")
    several, none = (0.8, 0.8, 0.8, 1.0), (0.45, 0.45, 0.45, 1.0)
    colours = np.array([cmap(int(np.argmax(s)) % 10) if n == 1 else (several if n > 1 else none)
                        for s, n in zip(class_sets, counts)])
    order = np.argsort(counts == 1, kind="stable")  # grey items first, the coloured solos on top
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for part, marker in ((xy[:v], "o"), (xy[v:], "^")):
        ax.scatter(part[order, 0], part[order, 1], c=colours[order], marker=marker, s=22, linewidths=0.3,
                   edgecolors="0.2", alpha=0.9)
    handles: list[Any] = []
    for c in sorted({int(np.argmax(s)) for s, n in zip(class_sets, counts) if n == 1}):
        name = CLASS_NAMES[c] if c < len(CLASS_NAMES) else f"class {c}"
        handles.append(Line2D([], [], ls="", marker="s", ms=6, color=cmap(c % 10), label=name))
    if (counts > 1).any():
        handles.append(Line2D([], [], ls="", marker="s", ms=6, color=several,
                              label="two classes" if counts.max() == 2 else "two or more classes"))
    if (counts == 0).any():
        handles.append(Line2D([], [], ls="", marker="s", ms=6, color=none, label="no class"))
    handles += [Line2D([], [], ls="", marker="o", ms=5, color="k", label="image"),
                Line2D([], [], ls="", marker="^", ms=5, color="k", label="sound")]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    _no_ticks(ax)
    what = f"t-SNE of image (o) and sound (^) embeddings ({v} items)"
    ax.set_title(f"{title}\n{what}" if title else what, fontsize=9)
    fig.tight_layout()
    return fig


def side_by_side(frames: np.ndarray, sounding: np.ndarray, silent: np.ndarray, maps: Mapping[str, np.ndarray],
                 idx: Sequence[int], *, title: str = "") -> Figure:
    """The same benchmark scenes for several methods, one row per scene in ``idx``: its frame ``frames``
    uint8 ``[N, S, S, 3]`` with the sounding object (``sounding`` bool ``[N, S, S]``) outlined in lime and the
    silent one (``silent``) in red, then per method ``maps[name] [N, S, S]`` overlaid on the frame, + at the
    map's peak, "hit" under the panel if the peak lies on the sounding object, else "miss". ValueError if
    the shapes disagree or an index is out of range."""
    import matplotlib.pyplot as plt

    frames = np.asarray(frames)
    sounding, silent = np.asarray(sounding, dtype=bool), np.asarray(silent, dtype=bool)
    if frames.ndim != 4 or sounding.shape != frames.shape[:3] or silent.shape != frames.shape[:3]:
        raise ValueError(f"frames {frames.shape}, sounding {sounding.shape} and silent {silent.shape} disagree")
    for name, m in maps.items():
        if np.shape(m) != sounding.shape:
            raise ValueError(f"map {name!r} {np.shape(m)} does not match the masks {sounding.shape}")
    n = len(frames)
    if len(idx) == 0 or any(not -n <= int(i) < n for i in idx):
        raise ValueError(f"scene indices {list(idx)} for {n} scenes")
    names = list(maps)
    fig, axes = plt.subplots(len(idx), 1 + len(names), figsize=(1.8 * (1 + len(names)) + 0.3, 1.9 * len(idx) + 0.4),
                             squeeze=False)
    for row, i in zip(axes, idx):
        frame = frames[i]
        row[0].imshow(frame)
        for mask, colour in ((sounding[i], "lime"), (silent[i], "red")):
            if mask.any():
                row[0].contour(mask, levels=[0.5], colors=colour, linewidths=1)
        row[0].set_ylabel(f"scene {i}", fontsize=8)
        for ax, name in zip(row[1:], names):
            m = np.asarray(maps[name][i], dtype=np.float64)
            ax.imshow(heatmap(frame, m))
            peak = np.unravel_index(int(np.argmax(m)), m.shape)
            ax.plot(peak[1], peak[0], "w+", ms=10, mew=2)
            ax.set_xlabel("hit" if sounding[i][peak] else "miss", fontsize=7)
        for ax in row:
            _no_ticks(ax)
    axes[0, 0].set_title("sounding / silent", fontsize=8)
    for ax, name in zip(axes[0, 1:], names):
        ax.set_title(name, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
