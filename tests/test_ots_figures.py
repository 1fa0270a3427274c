"""Notebook 07's figures (``avscene.ots.figures``) on tiny random inputs: the panels are where they should
be, the labels that carry information are right, and mismatched inputs are refused."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from avscene.ots import figures
from avscene.synthetic import CLASS_NAMES
from matplotlib.colors import to_rgba
from matplotlib.container import BarContainer

matplotlib.use("Agg")

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _frames(*shape: int) -> np.ndarray:
    return RNG.integers(0, 256, size=(*shape, 3), dtype=np.uint8)


def test_avc_grid_columns_and_titles():
    n = 3
    labels = [1, 0, 1]
    captions = ["ball | ball", "siren | talker", "engine | engine"]
    fig = figures.avc_grid(_frames(n, 16, 16), RNG.normal(size=(n, 9, 12)), labels, captions, title="AVC pairs")
    assert len(fig.axes) == 2 * n
    top, bottom = fig.axes[:n], fig.axes[n:]
    for ax, label in zip(top, labels):
        want = "positive" if label == 1 else "negative"
        assert ax.get_title() == want
        assert to_rgba(ax.title.get_color()) == to_rgba("green" if label == 1 else "red")
        assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []
    for ax, caption in zip(bottom, captions):
        assert ax.get_xlabel() == caption
        assert ax.images[0].origin == "lower"
    plt.close(fig)


def test_avc_grid_refuses_mismatched_lengths():
    with pytest.raises(ValueError):
        figures.avc_grid(_frames(3, 16, 16), RNG.normal(size=(2, 9, 12)), [1, 0, 1], ["a", "b", "c"])
    with pytest.raises(ValueError):
        figures.avc_grid(_frames(3, 16, 16), RNG.normal(size=(3, 9, 12)), [1, 0], ["a", "b", "c"])
    with pytest.raises(ValueError):
        figures.avc_grid(_frames(3, 16, 16), RNG.normal(size=(3, 9, 12)), [1, 0, 1], ["a", "b"])


def _log(seed: int) -> list[dict]:
    rows = []
    for step in range(0, 50, 5):
        rows.append({"step": step, "loss": 0.7 - 0.005 * step + 0.01 * seed, "acc": 0.5 + 0.005 * step})
        if step % 10 == 0:
            rows.append({"step": step, "eval_acc": 0.5 + 0.006 * step})
    return rows


def test_training_curves_panels_lines_and_legend():
    histories = {"AVE-Net": [_log(0), _log(1)], "L3-Net": [_log(0), _log(1), _log(2)]}
    fig = figures.training_curves(histories, title="curves")
    ax_loss, ax_acc = fig.axes
    assert ax_loss.get_title() == "training loss"
    assert ax_acc.get_title() == "held-out AVC accuracy"
    assert len(ax_loss.lines) == 5  # one per (label, seed)
    assert ax_acc.get_ylim() == pytest.approx((0.4, 1.0))
    chance = [ln for ln in ax_acc.lines if ln.get_linestyle() == "--"]
    assert len(chance) == 1 and set(chance[0].get_ydata()) == {0.5}
    legend = [t.get_text() for t in ax_acc.get_legend().get_texts()]
    assert "AVE-Net" in legend and "L3-Net" in legend
    # seed 0 solid, later seeds faint, one colour per label
    curves = [ln for ln in ax_acc.lines if ln.get_linestyle() != "--"]
    assert [ln.get_alpha() for ln in curves[:2]] == [1.0, 0.35]
    assert curves[0].get_color() == curves[1].get_color() != curves[2].get_color()
    # the loss curve of the first run has the logged values
    assert list(ax_loss.lines[0].get_ydata()) == [r["loss"] for r in _log(0) if "loss" in r]
    plt.close(fig)


def test_retrieval_bars_one_bar_per_pair_at_the_mean():
    chance = {"im2im": 0.3, "im2aud": 0.31, "aud2im": 0.29, "aud2aud": 0.3}
    scores = {v: {d: list(RNG.uniform(0.2, 0.9, size=n)) for d in chance}
              for v, n in (("AVE-Net", 3), ("AVOL-Net", 2), ("L3-Net", 1))}
    fig = figures.retrieval_bars(scores, chance, hatched={"L3-Net": ["im2aud", "aud2im"]}, title="retrieval")
    (ax,) = fig.axes
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert sum(len(c.patches) for c in bars) == len(scores) * len(chance)
    assert len(bars) == len(scores)
    for container, v in zip(bars, scores):
        heights = [p.get_height() for p in container.patches]
        assert heights == pytest.approx([np.mean(scores[v][d]) for d in chance])
    hatches = [p.get_hatch() for p in bars[2].patches]
    assert hatches == [None, "//", "//", None]
    assert all(p.get_hatch() is None for c in bars[:2] for p in c.patches)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["image→image", "image→audio", "audio→image", "audio→audio"]
    assert ax.get_ylim() == pytest.approx((0.0, 1.0))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend.count("random embeddings") == 1
    assert legend.count("not comparable (no shared space)") == 1
    assert {"AVE-Net", "AVOL-Net", "L3-Net"} <= set(legend)
    assert ax.get_ylabel() == "nDCG@30"
    plt.close(fig)


def test_retrieval_bars_other_keys_and_no_hatching():
    fig = figures.retrieval_bars({"a": {"x2y": [0.5]}}, {"x2y": 0.2}, ylabel="R@1")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x2y"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "not comparable (no shared space)" not in legend
    assert ax.get_ylabel() == "R@1"
    with pytest.raises(ValueError):
        figures.retrieval_bars({"a": {"x2y": [0.5]}}, {"x2y": 0.2, "y2x": 0.2})
    plt.close(fig)


def _check_gallery(fig, q: int, k: int, relevant: np.ndarray, names: list[str]) -> None:
    axes = np.array(fig.axes).reshape(q, k + 1)
    for row in range(q):
        assert names[row] in axes[row, 0].get_title()
        for col in range(k):
            ax = axes[row, col + 1]
            want = to_rgba("tab:green" if relevant[row, col] else "tab:red")
            for spine in ax.spines.values():
                assert spine.get_visible() and spine.get_linewidth() == 3
                assert to_rgba(spine.get_edgecolor()) == want
            assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []
    assert [ax.get_title() for ax in axes[0, 1:]] == [f"rank {j + 1}" for j in range(k)]


def test_sound_to_images_gallery():
    q, k = 2, 4
    relevant = np.array([[True, False, True, False], [False, False, True, True]])
    names = ["ball", "siren + talker"]
    fig = figures.sound_to_images(RNG.normal(size=(q, 9, 12)), _frames(q, k, 16, 16), relevant, names)
    assert len(fig.axes) == q * (k + 1)
    _check_gallery(fig, q, k, relevant, names)
    assert fig.axes[0].images[0].origin == "lower"
    with pytest.raises(ValueError):
        figures.sound_to_images(RNG.normal(size=(q, 9, 12)), _frames(q, k, 16, 16), relevant[:, :3], names)
    with pytest.raises(ValueError):
        figures.sound_to_images(RNG.normal(size=(q, 9, 12)), _frames(q, k, 16, 16), relevant, names[:1])
    plt.close(fig)


def test_image_to_sounds_gallery():
    q, k = 3, 2
    relevant = np.array([[True, False], [False, True], [True, True]])
    names = ["ball", "bar", "engine + clapper"]
    fig = figures.image_to_sounds(_frames(q, 16, 16), RNG.normal(size=(q, k, 9, 12)), relevant, names, title="im→aud")
    assert len(fig.axes) == q * (k + 1)
    _check_gallery(fig, q, k, relevant, names)
    assert fig.axes[1].images[0].origin == "lower"
    with pytest.raises(ValueError):
        figures.image_to_sounds(_frames(q, 16, 16), RNG.normal(size=(q - 1, k, 9, 12)), relevant, names)
    plt.close(fig)


def test_embedding_map_scatter_and_legend():
    v, d = 12, 8
    class_sets = np.zeros((v, len(CLASS_NAMES)), dtype=bool)
    for i in range(v):
        class_sets[i, i % 3] = True
    class_sets[[1, 5], 4] = True  # two duets
    fig = figures.embedding_map(RNG.normal(size=(v, d)), RNG.normal(size=(v, d)), class_sets, seed=1)
    (ax,) = fig.axes
    assert len(ax.collections) == 2
    assert [len(c.get_offsets()) for c in ax.collections] == [v, v]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(CLASS_NAMES[:3]) <= set(legend)
    assert {"two classes", "image", "sound"} <= set(legend)
    assert "t-SNE of image (o) and sound (^) embeddings" in ax.get_title()
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []
    with pytest.raises(ValueError):
        figures.embedding_map(RNG.normal(size=(v, d)), RNG.normal(size=(v - 1, d)), class_sets)
    with pytest.raises(ValueError):
        figures.embedding_map(RNG.normal(size=(v, d)), RNG.normal(size=(v, d)), class_sets[:-1])
    plt.close(fig)


def test_side_by_side_hit_and_miss():
    n, s = 3, 16
    frames = _frames(n, s, s)
    sounding = np.zeros((n, s, s), dtype=bool)
    silent = np.zeros((n, s, s), dtype=bool)
    sounding[:, 2:6, 2:6] = True
    silent[:, 10:14, 10:14] = True
    peaked = np.zeros((n, s, s))
    peaked[:, 3, 4] = 1.0  # on the sounding object: hit
    peaked[1, 3, 4], peaked[1, 12, 11] = 0.0, 1.0  # scene 1 on the silent object: miss
    elsewhere = np.zeros((n, s, s))
    elsewhere[:, 0, 15] = 1.0  # a corner: miss everywhere
    maps = {"AVOL-Net": peaked, "centre": elsewhere}
    idx = [0, 1]
    fig = figures.side_by_side(frames, sounding, silent, maps, idx, title="scenes")
    assert len(fig.axes) == len(idx) * (1 + len(maps))
    axes = np.array(fig.axes).reshape(len(idx), 1 + len(maps))
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["scene 0", "scene 1"]
    assert [ax.get_title() for ax in axes[0, 1:]] == ["AVOL-Net", "centre"]
    assert [ax.get_xlabel() for ax in axes[:, 1]] == ["hit", "miss"]
    assert [ax.get_xlabel() for ax in axes[:, 2]] == ["miss", "miss"]
    # the + sits on the peak
    x, y = axes[1, 1].lines[0].get_data()
    assert (int(x[0]), int(y[0])) == (11, 12)
    with pytest.raises(ValueError):
        figures.side_by_side(frames, sounding[:2], silent, maps, idx)
    with pytest.raises(ValueError):
        figures.side_by_side(frames, sounding, silent, {"bad": peaked[:, :8]}, idx)
    with pytest.raises(ValueError):
        figures.side_by_side(frames, sounding, silent, maps, [5])
    plt.close(fig)
