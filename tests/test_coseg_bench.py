"""``python -m avscene.bench coseg`` (notebook 08's speed) at smoke size: a row per run, finite positive and
consistent rates, the forward split, the test-time rates and the notebook's training minutes, and no run folder
written."""
from __future__ import annotations

import json
import math

import pytest
from avscene import config
from avscene.bench import coseg
from avscene.bench.__main__ import main

KEYS = {"profile", "variant", "batch", "s_per_step", "mixtures_per_s", "loader_fraction", "GFLOP_per_step",
        "GFLOP_per_s", "forward_s", "image_share", "audio_share", "synth_share", "mixtures_separated_per_s",
        "maps_per_s", "matmul_GFLOP_per_s", "ratio", "run_steps", "seeds", "mir_eval_mixtures",
        "mir_eval_s_per_mixture", "notebook_train_minutes", "budget_minutes", "peak_rss_mib"}
POSITIVE = ("s_per_step", "mixtures_per_s", "GFLOP_per_step", "GFLOP_per_s", "forward_s", "mixtures_separated_per_s",
            "maps_per_s", "matmul_GFLOP_per_s", "ratio", "mir_eval_s_per_mixture", "notebook_train_minutes",
            "peak_rss_mib")


def test_coseg_benchmark_reports_step_rates_flops_split_test_rates_and_the_notebooks_minutes(
        tmp_path, runs, one_thread, capsys):
    out = tmp_path / "r.json"
    assert main(["coseg", "--profile", "smoke", "--seconds", "0.02", "--json", str(out)]) == 0
    assert "Sound of Pixels and co-segmentation (notebook 08)" in capsys.readouterr().out
    result = json.loads(out.read_text())
    rows = {r["variant"]: r for r in result["rows"]}
    assert set(rows) == set(coseg.VARIANTS) == {"sop", "coseg"} and len(result["rows"]) == 2
    cfg = config.get("smoke")
    c = cfg.coseg
    for v, r in rows.items():
        assert set(r) == KEYS, v
        assert r["profile"] == "smoke" and r["batch"] == c.train.batch and r["seeds"] == c.seeds
        for key in POSITIVE:
            assert math.isfinite(r[key]) and r[key] > 0, (v, key)
        assert r["mixtures_per_s"] == pytest.approx(r["batch"] / r["s_per_step"])
        assert 0 <= r["loader_fraction"] and math.isfinite(r["loader_fraction"])
        assert r["GFLOP_per_s"] == pytest.approx(r["GFLOP_per_step"] / r["s_per_step"])
        assert r["ratio"] == pytest.approx(r["GFLOP_per_s"] / r["matmul_GFLOP_per_s"])
        shares = [r["image_share"], r["audio_share"], r["synth_share"]]
        assert all(0 < s < 1 for s in shares) and sum(shares) == pytest.approx(1.0)
        assert 0 < r["mir_eval_mixtures"] <= c.n_test  # the ideal mask's estimates: scored, not skipped as silent
        assert r["budget_minutes"] is None  # smoke has no budget
    assert rows["sop"]["GFLOP_per_step"] == pytest.approx(rows["coseg"]["GFLOP_per_step"], rel=0.05)
    assert rows["sop"]["run_steps"] == c.train.steps and rows["coseg"]["run_steps"] == c.coseg_steps

    # both runs of notebook 08, each seed; evaluation excluded
    minutes = (rows["sop"]["s_per_step"] * c.train.steps + rows["coseg"]["s_per_step"] * c.coseg_steps) * c.seeds / 60
    for r in rows.values():
        assert r["notebook_train_minutes"] == pytest.approx(minutes)
    assert coseg.BUDGET_MINUTES["cpu"] == 15.0

    assert not runs.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no run folder
