"""Sync offset estimation (``avscene.shift.sync``; step 14): windows, the sign convention, the confidence, and
the benchmark on held-out clips with known offsets, checked with scorers whose answer is known."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from avscene import config
from avscene.models import ShiftNet
from avscene.shift import sync
from sync_scorers import EnvelopeNet

FPS, SR, CLIP = 10.0, 1000, 12
WINDOW = sync.Window(FPS, SR, CLIP)


def flash_clip(n_frames: int, delay: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Frames that flash at random frames and audio whose bursts come ``delay`` frames later."""
    rng = np.random.default_rng(seed)
    events = rng.random(n_frames) < 0.25
    frames = np.full((n_frames, 8, 8, 3), 20, np.uint8)
    frames[events] = 235
    per = SR / FPS
    audio = np.zeros((2, int(round(n_frames * per))), np.float32)
    for t in np.flatnonzero(events):
        a = int(round((t + delay) * per))
        audio[:, max(a, 0):max(a + int(per // 2), 0)] = 0.8
    return frames, audio


@pytest.mark.parametrize("delay", [-3, 0, 2, 4])
def test_estimate_finds_a_known_delay_with_its_sign(delay):
    frames, audio = flash_clip(60, 0)
    clip_frames, clip_audio = sync.shifted_clip(frames, audio, WINDOW, delay, margin=5)
    assert len(clip_frames) == 50 and clip_audio.shape[-1] == 50 * SR / FPS
    est = sync.estimate_offset(EnvelopeNet(), clip_frames, clip_audio, WINDOW, max_offset=5, hop=6)
    assert est.offset == delay and est.seconds == pytest.approx(delay / FPS)
    assert est.per_window.shape == (len(est.starts), 11) and list(est.offsets) == list(range(-5, 6))
    assert est.confidence == pytest.approx(est.curve.max() - np.median(est.curve)) and est.confidence > 0.3
    assert sync.baseline_offset(clip_frames, clip_audio, WINDOW, 5, hop=6).offset == delay
    d = est.as_dict()
    assert d["offset_frames"] == delay and len(d["curve"]) == 11 and d["windows"] == len(est.starts)


def test_window_starts_cover_the_clip_and_refuse_short_clips():
    starts = sync.window_starts(50, 12, 5, hop=6)
    assert starts[0] == 5 and starts[-1] == 50 - 12 - 5 and np.all(np.diff(starts) <= 6)
    assert list(sync.window_starts(22, 12, 5)) == [5]
    with pytest.raises(ValueError, match="has 21 frames; sync estimation needs at least 22"):
        sync.window_starts(21, 12, 5)


def test_stem_path_equals_the_forward_pass():
    torch.manual_seed(0)
    net = ShiftNet(4).eval()
    frames, audio = torch.rand(3, 3, 8, 32, 32) * 2 - 1, torch.rand(3, 2, 4000) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(net.logits_from_stem(net.video_stem(frames), audio), net(frames, audio))


def test_benchmark_scores_known_offsets_on_held_out_clips():
    cfg = config.get("smoke")
    r = sync.offset_benchmark(EnvelopeNet(), cfg, n_clips=5, progress=False)
    assert r["true"].shape == r["net"].shape == r["baseline"].shape == (5,)
    assert np.all(np.abs(r["true"]) <= cfg.sync.max_offset)
    assert r["exact"] == pytest.approx(float(np.mean(r["net"] == r["true"])))
    assert r["within1"] >= r["exact"] and r["baseline_within1"] >= r["baseline_exact"]
    # the envelope scorer and the baseline read the same cue: on the synthetic world both find most offsets
    assert r["baseline_exact"] >= 0.6 and r["exact"] >= 0.6


def test_views_are_the_crops_and_their_mirrors():
    frames = np.random.default_rng(0).integers(0, 255, (4, 10, 12, 3), dtype=np.uint8)
    assert sync.test_views(frames, 8, "center").shape == (1, 4, 8, 8, 3)
    np.testing.assert_array_equal(sync.test_views(frames, 8, "center")[0], frames[:, 1:9, 2:10])
    flip = sync.test_views(frames, 8, "flip")
    np.testing.assert_array_equal(flip[1], flip[0][:, :, ::-1])
    crops = sync.test_views(frames, 8, "crops")
    assert crops.shape == (10, 4, 8, 8, 3)
    np.testing.assert_array_equal(crops[4], frames[:, 2:, 4:])  # bottom-right corner
    np.testing.assert_array_equal(crops[9], frames[:, 2:, 4:][:, :, ::-1])
    with pytest.raises(ValueError, match="views must be one of"):
        sync.test_views(frames, 8, "six")
    with pytest.raises(ValueError, match="smaller than"):
        sync.test_views(frames, 11, "center")


def test_views_average_the_per_view_logits():
    """The ``crops`` estimate's curve is the mean of the ten single-view curves (batched differently)."""
    torch.manual_seed(0)
    net = ShiftNet(4).eval()
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 255, (30, 36, 36, 3), dtype=np.uint8)
    audio = rng.standard_normal((2, 15000)).astype(np.float32) * 0.3
    window = sync.Window(8.0, 4000, 16)  # the smoke profile's window
    est = sync.estimate_offset(net, frames, audio, window, 3, views="crops", crop_size=32, batch_size=7)
    singles = []
    for view in sync.test_views(frames, 32, "crops"):
        singles.append(sync.estimate_offset(net, view, audio, window, 3, batch_size=16).per_window)
    np.testing.assert_allclose(est.per_window, np.mean(singles, axis=0), rtol=1e-4, atol=1e-5)


def test_summary_over_seeds():
    t = np.array([0, 1, -2, 3])
    results = [{"true": t, "net": t + d, "baseline": np.zeros(4, int), "exact": float(np.mean(d == 0)),
                "within1": float(np.mean(np.abs(d) <= 1)), "baseline_exact": 0.25, "baseline_within1": 0.5}
               for d in (np.array([0, 0, 0, 1]), np.array([0, 0, 2, 1]), np.array([0, -1, 0, 0]))]
    s = sync.summarize(results)
    assert s["exact"] == pytest.approx(np.mean([0.75, 0.5, 0.75]))
    assert s["exact_std"] == pytest.approx(np.std([0.75, 0.5, 0.75], ddof=1))
    assert s["exact_min"] == 0.5 and s["within1"] == pytest.approx(np.mean([1.0, 0.75, 1.0]))
    assert s["baseline_exact_std"] == 0.0
    assert s["mean_error_frames"] == pytest.approx(3 / 12)


def test_synthetic_clip_is_the_shifted_held_out_video():
    cfg = config.get("smoke")
    frames, audio = sync.synthetic_clip(cfg, 1)
    full_frames, full_audio = sync.SyntheticSource.pretext(cfg, "eval").read(0)
    m = cfg.sync.max_offset
    np.testing.assert_array_equal(frames, full_frames[m:len(full_frames) - m])
    a0 = sync.Window.of(cfg).audio_start(m - 1)
    np.testing.assert_array_equal(audio[:, :100], full_audio[:, a0:a0 + 100])


def test_seed_study_written_and_read_back(tmp_path, monkeypatch):
    """``python -m avscene.shift sync``: each seed's run measured and recorded with its clips' offsets."""
    monkeypatch.setenv("AVSCENE_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("AVSCENE_FIGURES", str(tmp_path / "figures"))
    from avscene.shift.__main__ import main

    assert main(["sync", "--profile", "smoke", "--seeds", "0", "1", "--n-clips", "3"]) == 0
    study = sync.load_study("smoke")
    assert study is not None and [r["seed"] for r in study["seeds"]] == [0, 1]
    assert (tmp_path / "runs" / "smoke" / "seed1" / "shift").is_dir()  # each seed its own run, trained here
    for row in study["seeds"]:
        assert row["true"].shape == row["net"].shape == (3,)
        assert row["exact"] == pytest.approx(float(np.mean(row["net"] == row["true"])))
    assert study["summary"] == pytest.approx(sync.summarize(study["seeds"]))


def test_cpu_sync_thresholds_hold_on_every_measured_seed():
    """Notebook 09's cpu self-check thresholds (``config.Expectations.sync_*``) were set from the committed sync
    seed study (``figures/seeds/cpu_sync.json``): every seed's run, trained from scratch, passes them."""
    study = sync.load_study("cpu")
    if study is None:
        pytest.skip("no committed sync seed study for cpu")
    e = config.get("cpu").expect
    assert len(study["seeds"]) >= 3 and study["views"] == config.get("cpu").sync.views
    for row in study["seeds"]:
        assert row["exact"] == pytest.approx(float(np.mean(row["net"] == row["true"])))
        assert row["exact"] >= e.sync_exact, row["seed"]
        assert row["exact"] - row["baseline_exact"] >= e.sync_margin, row["seed"]


def test_figures_draw_the_curve_and_the_errors():
    from avscene.shift import figures

    frames, audio = flash_clip(60, 0)
    clip_frames, clip_audio = sync.shifted_clip(frames, audio, WINDOW, 2, margin=5)
    est = sync.estimate_offset(EnvelopeNet(), clip_frames, clip_audio, WINDOW, max_offset=5, hop=6)
    ax = figures.offset_curve(est, 2, title="t").axes[0]
    assert "offset" in ax.get_xlabel() and len(ax.get_lines()) == len(est.starts) + 3
    r = {"true": np.array([0, 1, -2]), "net": np.array([0, 1, -1]), "baseline": np.array([1, 0, 0]),
         "max_offset": 3, "fps": 10.0}
    fig = figures.sync_errors([r, r])
    assert len(fig.axes) == 2 and "frames" in fig.axes[0].get_xlabel()
    import matplotlib.pyplot as plt

    plt.close("all")
