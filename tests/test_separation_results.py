"""Notebook 06's table (step 11): per-seed results reduced over test mixtures, the bootstrap interval of the
full-minus-single-frame gap, the metrics.json keys the issue names, and the figures."""
from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest
import torch
from avscene import config
from avscene.separation import figures, results
from avscene.separation import runs as R
from avscene.separation import spectrogram as S
from avscene.separation.unet import UNet

matplotlib.use("Agg")
SMOKE = config.get("smoke")


def fake(sisdri: np.ndarray, same: np.ndarray, **extra: np.ndarray) -> dict[str, np.ndarray]:
    """Scores laid out as evaluate() lays them out: pairs 0..P-1 in view 0, then the same pairs in view 1."""
    p = len(sisdri) // 2
    base = {"sisdri": np.asarray(sisdri, float), "same_class": np.asarray(same, bool),
            "pair": np.tile(np.arange(p), 2), "view": np.repeat([0, 1], p),
            "assign": np.asarray(sisdri) > 0, "l1": np.abs(sisdri), "swapped": np.zeros(2 * p, bool)}
    return {**base, **extra}


def test_split_means_and_pairs_average_views_and_seeds():
    same = np.array([1, 1, 0, 1, 1, 0], bool)  # 3 pairs, both views
    a = fake(np.array([1.0, 3.0, 10.0, 3.0, 5.0, 20.0]), same)
    b = fake(np.array([3.0, 5.0, 0.0, 5.0, 7.0, 0.0]), same)
    assert results.split_mean(a, "sisdri", "same") == pytest.approx(3.0)
    assert results.split_mean(a, "sisdri", "diff") == pytest.approx(15.0)
    assert results.over_seeds([a, b], "sisdri", "same") == pytest.approx([3.0, 5.0])
    ids, x = results.per_pair([a, b], "sisdri", "same")
    assert ids.tolist() == [0, 1] and x.tolist() == pytest.approx([3.0, 5.0])  # (1+3+3+5)/4, (3+5+5+7)/4
    two = {**a, "sdr": np.array([[1.0, 9.0]] * 6)}
    assert results.over_seeds([two], "sdr", "all", column=0) == [1.0]
    assert math.isnan(results.split_mean(fake(np.zeros(2), np.ones(2, bool)), "sisdri", "diff"))


def test_gap_is_paired_by_mixture_and_its_interval_covers_it():
    rng = np.random.default_rng(0)
    p = 60
    same = np.tile(rng.random(p) < 0.5, 2)
    base = rng.normal(0, 3, 2 * p)
    single = [fake(base + rng.normal(0, 0.1, 2 * p), same) for _ in range(3)]
    better = [fake(base + 2.0 + rng.normal(0, 0.5, 2 * p), same) for _ in range(3)]
    mean, low, high = results.gap(better, single)
    assert mean == pytest.approx(2.0, abs=0.3) and 0 < low < mean < high
    # the pairing removes the mixtures' own spread (std 3 dB): the interval is narrow
    assert high - low < 0.6
    mean, low, high = results.gap(single, single)
    assert mean == pytest.approx(0.0) and math.isnan(low)  # identical: no spread to resample
    noise = [fake(base + rng.normal(0, 1.0, 2 * p), same)]
    _, low, high = results.gap(noise, [fake(base, same)])
    assert low < 0 < high
    with pytest.raises(ValueError, match="same test mixtures"):
        results.gap(better, [fake(base[: p], same[: p])])


def test_metrics_hold_every_key_the_issue_names():
    rng = np.random.default_rng(1)
    p = 10
    same = np.tile(rng.random(p) < 0.5, 2)
    same[0] = same[p] = True
    same[1] = same[p + 1] = False
    run = lambda shift: fake(rng.normal(shift, 1, 2 * p), same)  # noqa: E731
    table = {v: [run(k) for k in range(3)] for v in R.VARIANTS}
    table["pit"] = [{**r, "swapped": np.arange(2 * p) % 2 == 0} for r in table["pit"]]
    table["irm"] = [run(15)]
    bss = [{"sdr": rng.normal(5, 1, (4, 2)), "sir": rng.normal(9, 1, (4, 2)), "sar": rng.normal(7, 1, (4, 2)),
            "same_class": np.array([1, 0, 1, 0], bool)} for _ in range(3)]
    m = results.metrics(table, bss, bss, results.gap(table["full"], table["single_frame"]))
    keys = ([f"sisdri_{v}_{s}" for v in ("full", "single_frame", "scratch", "pit", "irm") for s in ("same", "diff")]
            + [f"assign_{v}_{s}" for v in ("full", "single_frame", "scratch") for s in ("same", "diff")]
            + ["sdr_full", "sir_full", "sar_full"] + [f"l1_{v}" for v in ("full", "single_frame", "scratch", "pit")])
    for k in keys:
        assert isinstance(m[k], float) and np.isfinite(m[k]), k
    for k in (k for k in keys if k.startswith("assign")):
        assert 0.0 <= m[k] <= 1.0
    assert m["sisdri_scratch_same"] == pytest.approx(np.mean(results.over_seeds(table["scratch"], "sisdri", "same")))
    assert m["sdr_full"] == pytest.approx(np.mean([b["sdr"][:, 0].mean() for b in bss]))
    assert m["pit_output0_on_screen"] == pytest.approx(0.5)
    assert m["gap_sisdri_same_seeds"] == pytest.approx(
        [a - b for a, b in zip(m["sisdri_full_same_seeds"], m["sisdri_single_frame_same_seeds"])])
    text = results.markdown(table)
    assert len(text.splitlines()) == 2 + len(results.ROWS) and "11.4" in text and "14.8" in text


def test_figures_draw_the_front_end_the_unet_and_the_results():
    spec = S.spec_spec(SMOKE.media.sample_rate)
    w = SMOKE.net.width
    unet = UNet(width=4, levels=5, video_channels=(w, 2 * w, 8 * w), bn_momentum=0.1)
    shapes = dict(figures.layer_shapes(unet, 32, spec.bins))
    assert shapes["on"] == shapes["off"] == (2, 32, spec.bins)
    assert [shapes[f"enc{i}"][0] for i in range(5)] == [4, 8, 16, 32, 32]
    assert shapes["enc0"][1:] == shapes["dec0"][1:] and shapes["enc3"] == shapes["dec3"]
    assert unet.training  # drawing leaves the mode as it was
    wave = torch.randn(1, 8000) * 0.1
    unit = S.to_spec(wave, spec)[0, :, :32].numpy()
    for fig in (figures.front_end(wave[0].numpy(), unit, spec), figures.unet_diagram(unet, 32, spec.bins),
                figures.loss_curves({"full": [[{"step": 1, "loss": 1.0}, {"step": 2, "loss": 0.5}]]}),
                figures.db_bars({"full": {"same": (1.0, 0.5, 1.5)}, "one frame": {"same": (-1.0, -1.4, -0.2)}},
                                {"full": {"same": [0.8, 1.2]}}),
                figures.example_grid(np.zeros((2, 8, 8, 3), np.uint8), {"mixture": np.random.randn(2, 4000)}, spec)):
        assert fig.axes
        matplotlib.pyplot.close(fig)
