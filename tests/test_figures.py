"""The notebooks' figures follow the course's figure rules (course_style.md, "Figures, sound and video"):
time axes with ticks and units, legends for channels and event marks, class names, a shift histogram
binned by frames whose exact law does not bridge the forbidden band, a readable architecture diagram,
95 % intervals with n on every accuracy bar, and notebook 03's offset slider that stands still in
batch runs."""
from __future__ import annotations

import itertools
from typing import ClassVar

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.text import Text
from scipy.stats import binomtest
from torch import nn

from avscene import config, runtime, sampling, shift
from avscene.course import plots
from avscene.course.stats import Estimate, wilson_interval
from avscene.shift.evaluate import offset_windows
from avscene.synthetic import CLASS_NAMES


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]


# ------------------------------------------------------------------------------------------ intervals
@pytest.mark.parametrize("k, n", [(0, 10), (10, 10), (7, 20), (50, 96), (1, 1), (999, 1000)])
def test_wilson_interval_contains_the_share_and_matches_scipy(k: int, n: int) -> None:
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert low == pytest.approx(ref.low, abs=1e-9) and high == pytest.approx(ref.high, abs=1e-9)
    assert high - low > wilson_interval(k * 10, n * 10)[1] - wilson_interval(k * 10, n * 10)[0]  # more n: narrower


def test_wilson_interval_is_vectorized_and_checks_its_input() -> None:
    low, high = wilson_interval(np.array([0, 5, 10]), 10, confidence=0.9)
    assert low.shape == (3,) and np.all(low <= np.array([0, 0.5, 1])) and np.all(high >= np.array([0, 0.5, 1]))
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


def test_estimate_accepts_hits_shares_and_explicit_intervals() -> None:
    hits = Estimate.of(np.array([True, False, True, True]))
    assert hits.value == 0.75 and hits.n == 4 and hits.low < 0.75 < hits.high
    share = Estimate.of((0.75, 4))
    assert (share.low, share.high) == pytest.approx((hits.low, hits.high))
    seeds = Estimate.of((0.7, 0.6, 0.8))  # a mean over seeds with its own interval
    assert (seeds.value, seeds.low, seeds.high, seeds.n) == (0.7, 0.6, 0.8, None)
    assert Estimate.of(seeds) is seeds
    same = [49 / 240] * 3  # three equal seeds: their mean lands an ulp above their max
    assert float(np.mean(same)) > max(same)
    tied = Estimate.of((float(np.mean(same)), min(same), max(same)))
    assert tied.low <= tied.value <= tied.high
    with pytest.raises(TypeError):
        Estimate.of("0.7")


# ------------------------------------------------------------------------------------------ av_strip
def _strip(**kw):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (16, 8, 8, 3), dtype=np.uint8)
    audio = (0.1 * rng.standard_normal((2, 8000))).astype(np.float32)  # 2 s at 4 kHz, 8 fps
    fig = plots.av_strip(frames, audio, 8.0, 4000, **kw)
    fig.canvas.draw()
    return fig


def test_av_strip_time_axes_have_ticks_labels_and_units() -> None:
    fig = _strip(events=[0.5], audio_events=[1.0])
    time_axes = [ax for ax in fig.axes if ax.get_xlabel() == "time (s)"]
    assert len(time_axes) == 2  # waveform and spectrogram
    for ax in time_axes:
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_visible()]
        assert any(label.strip() for label in labels), "the time axis has no tick labels"
    words = " ".join(t.get_text() for t in _texts(fig))  # the dB colour bar is an inset of the spectrogram
    assert "frequency (kHz)" in words and "power (dB)" in words and "amplitude" in words


def test_av_strip_legend_names_channels_and_both_event_kinds() -> None:
    fig = _strip(events=[0.5], audio_events=[1.0])
    legends = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert "left channel" in legends and "right channel" in legends
    assert any("visual events" in t for t in legends) and any("sound events" in t for t in legends)
    assert min(t.get_fontsize() for t in _texts(fig)) >= 9


def test_av_strip_without_events_has_no_event_legend() -> None:
    fig = _strip()
    legends = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert legends == ["left channel", "right channel"]


def test_objects_are_named_by_class() -> None:
    caption = plots.objects_caption([0, 1, 0], [True, False, False], offscreen=[4, -1])
    assert caption == f"sounding: {CLASS_NAMES[0]}; silent: {CLASS_NAMES[1]}, {CLASS_NAMES[0]}; off-screen: {CLASS_NAMES[4]}"
    assert "[" not in caption
    assert plots.objects_caption([2], [True]).endswith("nothing off screen")


# ------------------------------------------------------------------------------------------ shift histogram
def test_shift_histogram_bins_whole_frames_and_the_law_breaks_over_the_forbidden_band() -> None:
    fps, video, clip, overlap = 8.0, 40, 16, 7
    rng = np.random.default_rng(0)
    drawn = sampling.sample_shifts(rng, np.array([video]), np.zeros(5000, int), clip, overlap)
    _, ax = plt.subplots()
    shift.figures.shift_histogram(ax, drawn.shift_frames, video, clip, overlap, fps)
    bars = [p for p in ax.patches if p.get_width() < 1]  # the histogram's bins (the paper's band is wider)
    d_max = video - clip - 1
    assert len(bars) == 2 * d_max + 1  # one bin per whole-frame shift
    for p in bars:
        assert p.get_width() * fps == pytest.approx(1.0)
        assert (p.get_x() * fps + 0.5) == pytest.approx(round(p.get_x() * fps + 0.5))  # edges at half frames
    (law,) = [line for line in ax.get_lines() if line.get_label() == "exact law"]
    x, y = np.asarray(law.get_xdata()) * fps, np.asarray(law.get_ydata(), dtype=float)
    d_min = clip - overlap
    forbidden = np.abs(np.round(x)) < d_min
    assert forbidden.any() and np.isnan(y[forbidden]).all(), "the law bridges the forbidden band"
    assert np.isfinite(y[~forbidden]).all() and (y[~forbidden] > 0).all()
    # the histogram's heights and the law are on the same scale (density per second)
    heights = np.array([p.get_height() for p in bars])
    assert np.nansum(y) / fps == pytest.approx(1.0) and heights.sum() / fps == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------ architecture
@pytest.mark.parametrize("profile", ["smoke", "gpu"])
def test_architecture_text_is_at_least_9_pt_and_does_not_overlap(profile: str) -> None:
    from avscene.models import ShiftNet, diagram
    from avscene.models.summary import example_inputs, layer_table

    cfg = config.get(profile)
    m = cfg.media
    frames, audio = example_inputs(m.clip_frames, m.crop_size, m.clip_samples, m.channels, device="meta")
    with torch.device("meta"):
        net = ShiftNet.from_config(cfg)
    fig = diagram.architecture(layer_table(net, frames, audio), (3, m.clip_frames, m.crop_size, m.crop_size),
                               (m.channels, m.clip_samples), "a title as long as the notebook's own, which says "
                               "what is blue, what is green and what is purple, and where they meet")
    texts = _texts(fig)
    assert min(t.get_fontsize() for t in texts) >= 9
    assert fig.get_size_inches()[0] <= 12  # readable at notebook width without shrinking much
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    overlaps = [(a.get_text(), b.get_text()) for (a, ba), (b, bb) in itertools.combinations(zip(texts, boxes), 2)
                if ba.overlaps(bb)]
    assert not overlaps


# ------------------------------------------------------------------------------------------ accuracy bars
def _bar_intervals(ax, horizontal: bool) -> list[tuple[float, float]]:
    """(low, high) of every error bar drawn on ``ax``."""
    out = []
    for container in ax.containers:
        err = getattr(container, "errorbar", None)
        if err is None:
            continue
        (segments,) = err.lines[2]
        for seg in segments.get_segments():
            vals = seg[:, 0] if horizontal else seg[:, 1]
            out.append((float(vals.min()), float(vals.max())))
    return out


def test_accuracy_bars_draw_wilson_intervals_and_state_n() -> None:
    fig = plots.accuracy_bars(["network", "pairs", "control"], {None: [(0.9, 96), (0.95, 48), (0.5, 96)]},
                              horizontal=True, chance=0.5, value_label="accuracy")
    ax = fig.axes[0]
    got = _bar_intervals(ax, horizontal=True)
    want = [tuple(float(v) for v in wilson_interval(p * n, n)) for p, n in ((0.9, 96), (0.95, 48), (0.5, 96))]
    assert np.array(got) == pytest.approx(np.array(want))
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["network (n = 96)", "pairs (n = 48)", "control (n = 96)"]
    assert "95 % intervals" in ax.get_xlabel()
    assert any("chance" in t.get_text() for t in ax.get_legend().get_texts())


def test_accuracy_bars_grouped_in_percent_with_hits_and_explicit_intervals() -> None:
    hits = np.array([1, 1, 0, 1] * 8, bool)  # 32 scenes
    fig = plots.accuracy_bars(["CAM", "motion"], {"distractor": [hits, (0.5, 32)],
                                                  "offscreen": [(0.6, 0.5, 0.7), (0.4, 0.3, 0.5)]},
                              percent=True, value_label="pointing accuracy", n_unit="scenes")
    ax = fig.axes[0]
    got = _bar_intervals(ax, horizontal=False)
    assert got[3] == pytest.approx((30.0, 50.0))  # the explicit interval, in %
    lo, hi = wilson_interval(24, 32)
    assert got[0] == pytest.approx((100 * lo, 100 * hi))
    assert ax.get_ylim() == (0, 100) and "(%)" in ax.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("distractor") and "n = 32 scenes" in legend[0]
    assert legend[1] == "offscreen"  # an interval from elsewhere (e.g. over seeds) has no n
    assert "where n is stated" in ax.get_xlabel()
    with pytest.raises(ValueError):
        plots.accuracy_bars(["a", "b"], {None: [(0.5, 10)]})


# ------------------------------------------------------------------------------------------ offset slider
class _MeanAudio(nn.Module):
    """A stand-in network whose logit is the mean of the audio it hears (scaled)."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(50.0))

    def forward(self, frames: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        return self.scale * audio.mean(dim=(1, 2)) + 0 * frames.mean(dim=(1, 2, 3, 4))


class _Source:
    """Two videos of the smoke profile's size whose audio ramps, so every offset hears a different mean."""

    def __init__(self, cfg) -> None:
        m = cfg.media
        self.m = m
        self.n_frames = np.array([m.video_frames, m.video_frames])

    def __len__(self) -> int:
        return 2

    def read(self, video: int):
        m = self.m
        n = round(m.video_frames / m.fps * m.sample_rate)
        frames = np.full((m.video_frames, m.frame_size, m.frame_size, 3), 100 + video, np.uint8)
        ramp = np.linspace(-0.5, 0.5, n, dtype=np.float32) * (1 if video == 0 else -1)
        return frames, np.stack([ramp] * m.channels)


def test_offset_scores_per_clip_and_the_sweep_agree() -> None:
    cfg = config.get("smoke")
    src, model = _Source(cfg), _MeanAudio()
    offsets = np.arange(-4, 5)
    one = shift.clip_offset_scores(model, src, cfg, offsets, 0)
    _, windows = offset_windows(src, cfg, 0, offsets)
    assert one.shape == (9,) and np.all(np.diff(one) > 0)  # later audio on a rising ramp: higher score
    np.testing.assert_allclose(one, torch.sigmoid(50 * torch.from_numpy(windows).mean(dim=(1, 2))).numpy(),
                               rtol=1e-5)
    sweep = shift.offset_sweep(model, src, cfg, offsets, 2)
    np.testing.assert_allclose(sweep, (one + shift.clip_offset_scores(model, src, cfg, offsets, 1)) / 2)


def test_offset_explorer_shows_the_default_once_in_batch_runs(monkeypatch) -> None:
    import ipywidgets

    monkeypatch.setattr(ipywidgets, "interact", lambda *a, **k: pytest.fail("a widget was built in a batch run"))
    cfg = config.get("smoke")
    src, model = _Source(cfg), _MeanAudio()
    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(plt.gcf()))
    assert shift.figures.offset_explorer(model, src, cfg, video=0, max_offset=4, value=2) is None
    (fig,) = shown
    ax = fig.axes[0]
    marker = [line for line in ax.get_lines() if "P(aligned)" in str(line.get_label())]
    assert len(marker) == 1
    probs = shift.clip_offset_scores(model, src, cfg, np.arange(-4, 5), 0)
    assert marker[0].get_xdata()[0] == pytest.approx(2 / cfg.media.fps)
    assert marker[0].get_ydata()[0] == pytest.approx(probs[6])
    assert "(s" in ax.get_xlabel() and ax.get_ylabel() == "P(aligned)"


def test_offset_explorer_is_a_slider_in_a_live_session(monkeypatch) -> None:
    import IPython
    import IPython.display

    class _Kernel:
        config: ClassVar[dict] = {"IPKernelApp": {}}

    monkeypatch.setattr(IPython, "get_ipython", lambda: _Kernel())
    monkeypatch.setenv(runtime.INTERACTIVE_ENV_VAR, "1")
    monkeypatch.delenv(runtime.BATCH_ENV_VAR, raising=False)
    players = []
    monkeypatch.setattr(IPython.display, "display", players.append)
    cfg = config.get("smoke")
    widget = shift.figures.offset_explorer(_MeanAudio(), _Source(cfg), cfg, video=1, max_offset=3)
    assert widget is not None and widget.widget.children[0].max == 3  # the offset slider, in frames
    assert any(isinstance(p, IPython.display.Audio) for p in players)  # the shifted audio is playable
