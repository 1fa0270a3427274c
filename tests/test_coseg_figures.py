"""Notebook 08's figures (``avscene.coseg.figures``) on tiny random inputs: the panels are where they should be,
the labels that carry information (distinct channels, IoU, the paper's numbers) are right, and mismatched inputs
are refused."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from avscene.coseg import figures
from matplotlib.container import BarContainer
from matplotlib.patches import Rectangle

matplotlib.use("Agg")

RNG = np.random.default_rng(0)
NAMES = ["ball", "bar", "talker", "clapper"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _frames(*shape: int) -> np.ndarray:
    return RNG.integers(0, 256, size=(*shape, 3), dtype=np.uint8)


def _example(n: int = 2, rows: int = 16, t: int = 12):
    mags = RNG.gamma(1.0, 1.0, size=(n, rows, t))
    mix = mags.mean(axis=0)
    targets = (mags > 0.5 * mix).astype(np.float64)
    preds = RNG.uniform(size=(n, rows, t))
    return _frames(n, 20, 20), np.log(mix + 1e-3), mags, targets, preds


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


# --- mix_and_separate ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_preds", [True, False])
def test_mix_and_separate_panels(with_preds):
    n = 3
    frames, log_mix, mags, targets, preds = _example(n)
    fig = figures.mix_and_separate(frames, log_mix, mags, targets, preds if with_preds else None,
                                   ["violin", "guitar", "flute"], title="one example")
    per_row = 4 if with_preds else 3
    assert len(fig.axes) == 1 + n * per_row
    ax_mix = fig.axes[0]
    assert ax_mix.get_xlabel() == "time frame" and ax_mix.get_ylabel() == "log-frequency row"
    assert ax_mix.images[0].origin == "lower"
    np.testing.assert_allclose(ax_mix.images[0].get_array(), log_mix)
    assert any("mixture = mean of the sources" in s for s in _texts(fig))
    rows = [fig.axes[1 + i * per_row: 1 + (i + 1) * per_row] for i in range(n)]
    for i, (frame_ax, spec_ax, target_ax, *rest) in enumerate(rows):
        assert frame_ax.get_xlabel() == ["violin", "guitar", "flute"][i]
        assert spec_ax.images[0].origin == "lower" and target_ax.images[0].origin == "lower"
        np.testing.assert_allclose(spec_ax.images[0].get_array(), np.log1p(mags[i]))
        np.testing.assert_array_equal(target_ax.images[0].get_array(), targets[i])
        assert target_ax.images[0].get_clim() == (0.0, 1.0)
        if with_preds:
            np.testing.assert_allclose(rest[0].images[0].get_array(), preds[i])
    # one colour scale for all the sources' spectrograms
    assert len({row[1].images[0].get_clim() for row in rows}) == 1
    assert rows[-1][1].get_xlabel() == "time frame"
    assert rows[0][1].get_ylabel() == "log-frequency row"
    assert "target" in rows[0][2].get_title()


def test_mix_and_separate_refuses_mismatched_shapes():
    frames, log_mix, mags, targets, preds = _example(2)
    names = ["a", "b"]
    with pytest.raises(ValueError):
        figures.mix_and_separate(frames, log_mix, mags[:, :-1], targets, preds, names)
    with pytest.raises(ValueError):
        figures.mix_and_separate(frames, log_mix, mags, targets[:1], preds, names)
    with pytest.raises(ValueError):
        figures.mix_and_separate(frames, log_mix, mags, targets, preds[..., :-1], names)
    with pytest.raises(ValueError):
        figures.mix_and_separate(frames[:1], log_mix, mags, targets, preds, names)
    with pytest.raises(ValueError):
        figures.mix_and_separate(frames, log_mix, mags, targets, preds, ["a"])
    with pytest.raises(ValueError):
        figures.mix_and_separate(frames, log_mix[None], mags, targets, preds, names)


# --- channel_matrices ---------------------------------------------------------------------------------------


def test_channel_matrices_panels_boxes_and_distinct_counts():
    k, c = 5, 3
    before, after = RNG.uniform(size=(k, c)), RNG.uniform(size=(k, c))
    fig = figures.channel_matrices({"before the switch (sigmoid)": before, "after (softmax)": after}, NAMES[:c],
                                   {"before the switch (sigmoid)": [0, 0, 2], "after (softmax)": np.array([0, 1, 2])},
                                   title="channels")
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 2 and len(fig.axes) == 4  # a colour bar each
    first, second = panels
    assert first.get_title() == "before the switch (sigmoid)\n1 of 3 categories have a channel of their own"
    assert second.get_title() == "after (softmax)\n3 of 3 categories have a channel of their own"
    assert [t.get_text() for t in first.get_xticklabels()] == NAMES[:c]
    assert first.images[0].get_clim() == (0.0, 1.0)
    boxes = [p for p in first.patches if isinstance(p, Rectangle)]
    assert sorted((p.get_x() + 0.5, p.get_y() + 0.5) for p in boxes) == [(0, 0), (1, 0), (2, 2)]  # (category, channel)
    assert all(not p.get_fill() for p in boxes)


def test_channel_matrices_without_assignments_and_unbounded_values():
    m = RNG.normal(size=(4, 3)) * 3
    fig = figures.channel_matrices({"logits": m}, NAMES[:3])
    (ax,) = [ax for ax in fig.axes if ax.images]
    assert ax.get_title() == "logits"
    assert not ax.patches
    assert ax.images[0].get_clim() == pytest.approx((m.min(), m.max()))


def test_channel_matrices_refuses_mismatches():
    m = RNG.uniform(size=(4, 3))
    with pytest.raises(ValueError):
        figures.channel_matrices({"a": m}, NAMES[:2])  # 3 columns, 2 names
    with pytest.raises(ValueError):
        figures.channel_matrices({"a": m}, NAMES[:3], {"a": [0, 1]})  # one channel short
    with pytest.raises(ValueError):
        figures.channel_matrices({"a": m}, NAMES[:3], {"a": [0, 1, 4]})  # channel 4 of 4
    with pytest.raises(ValueError):
        figures.channel_matrices({"a": m}, NAMES[:3], {"b": [0, 1, 2]})  # no matrix "b"
    with pytest.raises(ValueError):
        figures.channel_matrices({}, NAMES[:3])


# --- segmentation_gallery -----------------------------------------------------------------------------------


def _scenes(s: int = 2, size: int = 16):
    masks = np.zeros((s, 2, size, size), dtype=bool)
    masks[:, 0, 2:8, 2:10] = True  # 48 pixels
    masks[:, 1, 9:15, 6:14] = True
    classes = np.array([[0, 1], [2, 3]])[:s]
    return _frames(s, size, size), masks, classes


def test_segmentation_gallery_panels_iou_and_labels():
    frames, masks, classes = _scenes()
    half = np.zeros(masks.shape)
    half[:, :, 2:8, 2:6] = 0.9  # the left half of object 0 only: IoU 0.50 for it, 0.00 for object 1
    maps = {"sigmoid": masks.astype(np.float64), "softmax": half}
    fig = figures.segmentation_gallery(frames, masks, maps, classes, NAMES, title="gallery")
    assert len(fig.axes) == 2 * (1 + 2 * 2)
    axes = np.array(fig.axes).reshape(2, 5)
    for row in axes:
        assert [ax.get_xlabel() for ax in row[1:3]] == ["IoU 1.00", "IoU 1.00"]  # the map is the mask
        assert [ax.get_xlabel() for ax in row[3:5]] == ["IoU 0.50", "IoU 0.00"]
    assert [ax.get_title() for ax in axes[1, 1:]] == ["talker", "clapper"] * 2
    assert axes[0, 0].get_title() == "ball + bar" and axes[1, 0].get_ylabel() == "scene 1"
    assert {"sigmoid", "softmax"} <= {t.get_text() for t in fig.texts}
    assert len(axes[0, 0].collections) == 2  # both objects outlined on the frame
    assert all(not ax.get_xticks().size and not ax.get_yticks().size for ax in fig.axes)


def test_segmentation_gallery_threshold():
    frames, masks, classes = _scenes(1)
    maps = {"m": np.where(masks, 0.6, 0.0)}
    low = figures.segmentation_gallery(frames, masks, maps, classes, NAMES, threshold=0.5)
    assert low.axes[1].get_xlabel() == "IoU 1.00"
    high = figures.segmentation_gallery(frames, masks, maps, classes, NAMES, threshold=0.7)
    assert high.axes[1].get_xlabel() == "IoU 0.00"


def test_segmentation_gallery_refuses_mismatches():
    frames, masks, classes = _scenes()
    maps = {"m": masks.astype(np.float64)}
    with pytest.raises(ValueError):
        figures.segmentation_gallery(frames, masks[:, :1], maps, classes, NAMES)
    with pytest.raises(ValueError):
        figures.segmentation_gallery(frames, masks, {"m": maps["m"][:, :, :-1]}, classes, NAMES)
    with pytest.raises(ValueError):
        figures.segmentation_gallery(frames, masks, maps, classes[:1], NAMES)
    with pytest.raises(ValueError):
        figures.segmentation_gallery(frames, masks, maps, classes, NAMES[:3])  # class 3 has no name
    with pytest.raises(ValueError):
        figures.segmentation_gallery(frames[:1], masks, maps, classes, NAMES)
    with pytest.raises(ValueError):
        figures.segmentation_gallery(frames, masks, {}, classes, NAMES)


# --- sdr_bars -----------------------------------------------------------------------------------------------


def test_sdr_bars_single_and_several_seeds_with_paper():
    rows = [{"label": "NMF", "sdr": 2.1, "sdr_std": 0.0, "sdr_seeds": [2.1]},
            {"label": "sigmoid", "sdr": 5.3, "sdr_std": 0.4, "sdr_seeds": [5.0, 5.3, 5.7]},
            {"label": "softmax", "sdr": -0.8, "sdr_std": 0.2, "sdr_seeds": [-1.0, -0.6]}]
    fig = figures.sdr_bars(rows, paper={"NMF": 2.78, "sigmoid": 6.59, "not shown": 9.0}, title="SDR")
    (ax,) = fig.axes
    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [p.get_width() for p in bars.patches] == pytest.approx([2.1, 5.3, -0.8])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["NMF", "sigmoid", "softmax"]
    dots = [ln for ln in ax.lines if ln.get_marker() == "."]
    assert sorted(len(ln.get_xdata()) for ln in dots) == [1, 2, 3]
    (diamonds,) = [ln for ln in ax.lines if ln.get_marker() == "D"]
    assert list(diamonds.get_xdata()) == pytest.approx([2.78, 6.59])  # labels without a row are not drawn
    assert "paper (MUSIC)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(ln.get_xdata()[0] == 0 and ln.get_xdata()[1] == 0 for ln in ax.lines if len(ln.get_xdata()) == 2)
    assert "SDR (dB)" in ax.get_xlabel()


def test_sdr_bars_one_seed_each_without_paper():
    rows = [{"label": "a", "sdr": 1.5, "sdr_std": 0.0, "sdr_seeds": [1.5]},
            {"label": "b", "sdr": 3.0, "sdr_std": 0.0, "sdr_seeds": [3.0]}]
    fig = figures.sdr_bars(rows)
    (ax,) = fig.axes
    assert not [ln for ln in ax.lines if ln.get_marker() == "D"]
    assert "paper (MUSIC)" not in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_xlabel() == "SDR (dB); 1 seed"


def test_sdr_bars_refuses_bad_rows():
    with pytest.raises(ValueError):
        figures.sdr_bars([])
    with pytest.raises(ValueError):
        figures.sdr_bars([{"label": "a", "sdr_std": 0.0, "sdr_seeds": [1.0]}])
