"""``python -m avscene.coseg train`` (notebook 08's command line) at the ``smoke`` profile: on the synthetic world,
on a fake MUSIC folder, and with a bad ``--root``."""
from __future__ import annotations

import json

import pytest
from avscene.coseg import __main__ as cli
from test_coseg_music import VIDEOS, _fake_music


@pytest.fixture
def runs_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AVSCENE_RUNS", str(tmp_path / "runs"))
    return tmp_path / "runs"


KEYS = {"data", "profile", "variant", "seed", "run", "mixtures", "skipped", "sdr", "sir", "sar", "sdr_mix", "nsdr"}


def test_train_on_the_synthetic_world_prints_and_appends_json(runs_dir, tmp_path, capsys):
    out = tmp_path / "results.jsonl"
    assert cli.main(["train", "--profile", "smoke", "--variant", "coseg", "--out", str(out)]) == 0
    line = json.loads(out.read_text().splitlines()[-1])
    assert set(line) == KEYS
    assert line["data"] == "synthetic" and line["variant"] == "coseg" and line["mixtures"] == 4
    assert "coseg/coseg/seed0" in line["run"]
    assert (runs_dir / "smoke" / "coseg" / "sop" / "seed0").is_dir()  # coseg continues the sop run
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == line


def test_train_on_music_names_the_run_after_the_data(runs_dir, tmp_path, capsys):
    root = tmp_path / "music"
    _fake_music(root, [v for v in VIDEOS if v[3] == "ok"])
    assert cli.main(["train", "--data", "music", "--root", str(root), "--cache", str(tmp_path / "cache"),
                     "--workers", "1", "--profile", "smoke"]) == 0
    printed = capsys.readouterr().out
    line = json.loads(printed.strip().splitlines()[-1])
    assert line["data"].startswith("music-") and f"coseg-{line['data']}/sop/seed0" in line["run"]
    assert "used" in printed  # the scan's report came first


def test_bad_root_is_one_line_and_exit_code_2(runs_dir, tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert cli.main(["train", "--data", "music", "--root", str(missing), "--profile", "smoke"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {missing}")
    assert cli.main(["train", "--data", "music", "--profile", "smoke"]) == cli.EXIT_ERROR
    assert "--root" in capsys.readouterr().err


def test_oracle_control_trains_and_scores(runs_dir, tmp_path, capsys):
    assert cli.main(["train", "--profile", "smoke", "--variant", "oracle"]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["variant"] == "oracle" and "coseg/oracle/seed0" in line["run"] and line["mixtures"] == 4
