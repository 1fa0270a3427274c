"""Run-time tables come from metrics.json, never typed: which runs a notebook trained or loaded is recorded
by the hub, and the table tells minutes with published weights from minutes training everything."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from avscene import config
from avscene.course import hub, outputs

ENV = {"python": "3.11.7", "platform": "Linux-6.1-x86_64-with-glibc2.36", "cpu_count": 2, "device": "cpu",
       "colab": False}


def write_metrics(root: Path, notebook: str, wall_s: float, profile: str = "cpu", runs: dict | None = None,
                  env: dict | None = None) -> None:
    doc = {"notebook": notebook, "profile": profile, "wall_time_s": wall_s, "environment": env or ENV,
           "metrics": {}, "checks": []}
    if runs is not None:
        doc["runs"] = runs
    (root / notebook).mkdir(parents=True, exist_ok=True)
    (root / notebook / "metrics.json").write_text(json.dumps(doc))


def test_table_with_recorded_runs(tmp_path: Path) -> None:
    # 03 trained `shift` (480 s of its 540 s); 04 loaded `shift` and trained `cam` (120 s of its 300 s)
    write_metrics(tmp_path, "03_x", 540.0, runs={"shift": {"source": "trained", "train_seconds": 480.0}})
    write_metrics(tmp_path, "04_x", 300.0, runs={"shift": {"source": "local", "train_seconds": 480.0},
                                                 "cam": {"source": "trained", "train_seconds": 120.0}})
    three = outputs.run_time("03_x", tmp_path)
    assert three["with_weights"] == 1.0 and three["from_scratch"] == 9.0 and three["minutes"] == 9.0
    four = outputs.run_time("04_x", tmp_path)
    assert four["with_weights"] == 3.0 and four["from_scratch"] == 13.0
    table = outputs.run_time_table("04_x", root=tmp_path, snapshot=None).splitlines()
    assert table[0].startswith("| profile | minutes with published weights | minutes training from scratch")
    assert table[2] == "| `cpu` | 3.0 | 13.0 (training `shift` 8.0, `cam` 2.0) | 2-core CPU, Linux x86_64 |"
    assert table[3] == f"| `colab` | {outputs.NOT_MEASURED} | {outputs.NOT_MEASURED} | – |"
    assert table[4].startswith("| `gpu` | not yet measured")
    assert len(table) == 5  # no footnote when the runs were recorded


def test_table_without_runs_record_and_without_metrics(tmp_path: Path) -> None:
    write_metrics(tmp_path, "00_x", 1.4)  # metrics.json from before runs were recorded
    write_metrics(tmp_path, "01_x", 6.0, runs={})  # recorded: this notebook uses no run
    old = outputs.run_time_table("00_x", root=tmp_path, snapshot=None)
    assert "| `cpu` | < 0.1* | not recorded |" in old and "did not record" in old
    assert "| `cpu` | 0.1 | 0.1 |" in outputs.run_time_table("01_x", root=tmp_path, snapshot=None)
    nothing = outputs.run_time_table("99_none", root=tmp_path, snapshot=None)
    assert nothing.count(outputs.NOT_MEASURED) == 2 * len(outputs.RUN_TIME_PROFILES)


def test_machine_is_named_from_the_environment(tmp_path: Path) -> None:
    gpu = {**ENV, "colab": True, "device": "cuda", "gpu": {"name": "Tesla T4", "memory_gib": 14.7}}
    write_metrics(tmp_path, "03_x", 600.0, profile="colab", runs={}, env=gpu)
    row = outputs.run_time_table("03_x", root=tmp_path, snapshot=None).splitlines()[3]
    assert row == "| `colab` | 10.0 | 10.0 | Tesla T4 GPU, Colab |"


def test_snapshot_fills_other_profiles_and_metrics_json_wins(tmp_path: Path) -> None:
    write_metrics(tmp_path, "03_x", 600.0, runs={})
    snapshot = tmp_path / "run_times.json"
    stale_cpu = {"profile": "cpu", "minutes": 99.0, "with_weights": 99.0, "from_scratch": 99.0, "training": {},
                 "machine": "old"}
    gpu = {**stale_cpu, "profile": "gpu", "minutes": 50.0, "with_weights": 5.0, "from_scratch": 50.0,
           "machine": "8 GPUs"}
    snapshot.write_text(json.dumps({"03_x": {"cpu": stale_cpu, "gpu": gpu}}))
    measured = outputs.run_times("03_x", tmp_path, snapshot)
    assert measured["cpu"]["minutes"] == 10.0 and measured["gpu"]["machine"] == "8 GPUs"
    lines = outputs.run_time_table("03_x", root=tmp_path, snapshot=snapshot).splitlines()
    assert lines[2].startswith("| `cpu` | 10.0 |") and lines[4] == "| `gpu` | 5.0 | 50.0 | 8 GPUs |"


def test_packaged_snapshot_is_valid() -> None:
    doc = json.loads(outputs.RUN_TIMES.read_text())
    for notebook, profiles in doc.items():
        for name, entry in profiles.items():
            assert name in config.PROFILE_NAMES and entry["profile"] == name, (notebook, name)
            assert entry["minutes"] >= 0 and entry["machine"]


class _Trainer(SimpleNamespace):
    pass


def test_hub_tells_the_notebook_which_runs_it_trained_and_loaded(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(hub.RUNS_ENV_VAR, str(tmp_path / "runs"))
    monkeypatch.setenv(hub.WEIGHTS_MANIFEST_ENV, str(tmp_path / "no-manifest.json"))
    (tmp_path / "no-manifest.json").write_text(json.dumps({"version": hub.MANIFEST_VERSION, "archives": {}}))
    monkeypatch.setattr(outputs, "_current", None)
    cfg, out = outputs.begin("99_run_time", "smoke")
    spec = SimpleNamespace(steps=3)

    def train(run_dir: Path) -> _Trainer:
        return _Trainer(model=nn.Linear(2, 1), history=[{"step": 3, "loss": 0.5}], elapsed=42.0, step=3, spec=spec)

    hub.obtain("tiny", cfg, {"w": 1}, build=lambda: nn.Linear(2, 1), train=train, device=torch.device("cpu"))
    doc = json.loads((out.dir / "metrics.json").read_text())
    assert doc["runs"] == {"tiny": {"source": "trained", "train_seconds": 42.0}}
    hub.obtain("tiny", cfg, {"w": 1}, build=lambda: nn.Linear(2, 1), train=train, device=torch.device("cpu"))
    doc = json.loads((out.dir / "metrics.json").read_text())  # loaded again later: its training was still here
    assert doc["runs"] == {"tiny": {"source": "trained", "train_seconds": 42.0}}
    out.runs.clear()  # a later notebook run that finds it
    hub.obtain("tiny", cfg, {"w": 1}, build=lambda: nn.Linear(2, 1), train=train, device=torch.device("cpu"))
    doc = json.loads((out.dir / "metrics.json").read_text())
    assert doc["runs"] == {"tiny": {"source": "local", "train_seconds": 42.0}}
    outputs.note_run("other", "cpu", "trained", 1.0)  # another profile's run: not this notebook's
    assert "other" not in json.loads((out.dir / "metrics.json").read_text())["runs"]


def test_metrics_json_records_runs_even_when_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(outputs.FIGURES_ENV_VAR, str(tmp_path))
    out = outputs.Outputs("99_test", config.get("cpu"))
    out.record(x=1)
    assert json.loads((out.dir / "metrics.json").read_text())["runs"] == {}


def test_many_runs_of_one_family_are_summed_in_one_entry(tmp_path: Path) -> None:
    runs = {"shift": {"source": "found", "train_seconds": 600.0},
            **{f"action/scratch/5/seed{k}": {"source": "trained", "train_seconds": 30.0} for k in range(4)}}
    write_metrics(tmp_path, "05_x", 300.0, runs=runs)
    row = outputs.run_time_table("05_x", root=tmp_path, snapshot=None).splitlines()[2]
    # 300 s wall of which 120 s trained here: 3.0 min with weights, 3.0 + 10.0 + 2.0 min from scratch
    assert row.startswith("| `cpu` | 3.0 | 15.0 (training `shift` 10.0, `action/...` 2.0 (4 runs)) |"), row
