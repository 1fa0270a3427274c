"""Seed studies (avscene.seeds): summaries, tables, and one smoke study end to end."""
from __future__ import annotations

import json
import math

import pytest

from avscene import seeds


def _row(seed: int, acc: float, point: float, motion: float) -> dict:
    return {"seed": seed, "pretext_accuracy": acc, "pretrain_minutes": 10.0 + seed, "warmup_left_chance_step": 500,
            "pointing": point, "motion_pointing": motion, "pointing_margin": point - motion, "cam_minutes": 5.0}


def test_summary_mean_std_interval():
    rows = [_row(0, 0.95, 0.9, 0.5), _row(1, 0.97, 0.8, 0.5), _row(2, 0.96, 0.85, 0.5)]
    s = seeds.summarize(rows)
    acc = s["pretext_accuracy"]
    assert acc["mean"] == pytest.approx(0.96) and acc["std"] == pytest.approx(0.01)
    assert acc["min"] == 0.95 and acc["max"] == 0.97 and acc["n"] == 3
    # 95 % t interval with 2 degrees of freedom: t = 4.303
    assert acc["ci95_high"] - acc["mean"] == pytest.approx(4.303 * 0.01 / math.sqrt(3), rel=1e-3)
    assert s["pointing_margin"]["mean"] == pytest.approx(0.35)


def test_left_chance_first_step_at_level():
    hist = [{"step": 50, "acc": 0.5}, {"step": 100, "acc": 0.74}, {"step": 150, "acc": 0.8}, {"step": 200, "acc": 0.9}]
    assert seeds.left_chance(hist) == 150
    assert seeds.left_chance(hist[:2]) is None


def test_table_lists_every_seed_and_the_spread():
    rows = [_row(0, 0.95, 0.9, 0.5), _row(1, 0.97, 0.8, 0.45)]
    text = seeds.table({"seeds": rows, "summary": seeds.summarize(rows)}, ["pretext_accuracy", "pointing"])
    lines = text.splitlines()
    assert len(lines) == 2 + 2 + 2  # header, rule, two seeds, mean ± std, range
    assert "| 1 | 97.0 % | 80.0 % |" in lines
    assert "96.0 ± 1.4" in lines[-2] and "80.0 % – 90.0 %" in lines[-1]


def test_smoke_study_trains_each_seed_in_its_own_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("AVSCENE_RUNS", str(tmp_path / "runs"))
    out = tmp_path / "study.json"
    study = seeds.run("smoke", [0, 1], out=out)
    assert json.loads(out.read_text())["profile"] == "smoke"
    runs = [r["runs"] for r in study["seeds"]]
    assert runs[0] == {"shift": "shift", "cam": "cam"}
    assert runs[1] == {"shift": "seed1/shift", "cam": "seed1/cam"}
    assert (tmp_path / "runs" / "smoke" / "seed1" / "shift" / "run.json").exists()
    assert (tmp_path / "runs" / "smoke" / "seed1" / "cam" / "run.json").exists()
    for r in study["seeds"]:
        assert 0.0 <= r["pointing"] <= 1.0 and 0.0 <= r["motion_pointing"] <= 1.0
        assert r["pretrain_minutes"] > 0 and r["n_scenes"] == 6
    assert study["summary"]["pointing"]["n"] == 2


def test_cpu_thresholds_hold_on_every_measured_seed():
    """The cpu self-check thresholds (config.Expectations) were set from the committed seed study: every seed
    trained from scratch must pass them, or a student's rerun (another path through training) could fail."""
    from avscene import config

    study = seeds.load("cpu")
    if study is None:
        pytest.skip("no committed seed study for cpu")
    e = config.get("cpu").expect
    assert len(study["seeds"]) >= 3
    for row in study["seeds"]:
        assert row["pretext_accuracy"] >= e.pretext_accuracy, row
        assert row["pointing"] >= e.pointing, row
        assert row["pointing_margin"] >= e.pointing_margin, row
