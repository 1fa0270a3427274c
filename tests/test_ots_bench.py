"""``python -m avscene.bench ots`` (notebook 07's speed) at smoke size: a row per network, consistent rates and
the notebook's training minutes, and no run folder written."""
from __future__ import annotations

import json
import math

import pytest
from avscene import config
from avscene.bench import ots
from avscene.bench.__main__ import main
from avscene.ots import variants


def test_ots_benchmark_reports_step_rates_flops_and_the_notebooks_minutes(tmp_path, runs, one_thread, capsys):
    out = tmp_path / "r.json"
    assert main(["ots", "--profile", "smoke", "--seconds", "0.05", "--json", str(out)]) == 0
    assert "Objects that Sound" in capsys.readouterr().out
    result = json.loads(out.read_text())
    rows = {r["variant"]: r for r in result["rows"]}
    assert set(rows) == set(ots.NETWORKS) == {"ave", "avol", "l3"} and len(result["rows"]) == 3
    cfg = config.get("smoke")
    for v, r in rows.items():
        assert r["profile"] == "smoke" and r["batch"] == variants.profile(cfg, v).ots.train.batch
        assert math.isfinite(r["s_per_step"]) and r["s_per_step"] > 0, v
        assert r["pairs_per_s"] == pytest.approx(r["batch"] / r["s_per_step"])
        assert 0 <= r["loader_fraction"] and math.isfinite(r["loader_fraction"])
        assert r["GFLOP_per_step"] > 0 and r["GFLOP_per_s"] == pytest.approx(r["GFLOP_per_step"] / r["s_per_step"])
        assert r["matmul_GFLOP_per_s"] > 0
        assert r["ratio"] == pytest.approx(r["GFLOP_per_s"] / r["matmul_GFLOP_per_s"])
        assert r["peak_rss_mib"] > 0
    assert rows["ave"]["items_per_s"] > 0 and rows["avol"]["scenes_per_s"] > 0

    # every run of notebook 07: ave, avol, l3 and ave_shortcut (AVE-Net's step), each seed; evaluation excluded
    net = {v: spec.net for v, spec in variants.VARIANTS.items()}
    assert set(net) == {"ave", "avol", "l3", "ave_shortcut"}
    minutes = sum(rows[net[v]]["s_per_step"] * variants.profile(cfg, v).ots.train.steps * cfg.ots.seeds
                  for v in net) / 60
    for r in rows.values():
        assert r["notebook_train_minutes"] == pytest.approx(minutes)

    assert not runs.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no run folder
