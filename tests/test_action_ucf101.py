"""UCF-101's real-data path of action recognition (§5; notebook 05) end to end at the ``smoke`` profile.

A fake UCF-101 tree in the official layout (``UCF-101/<Class>/v_<Class>_g<group>_c<clip>.avi``, the split
lists and ``classInd.txt``) is indexed by ``data_scripts/ucf101.py``'s ``build_index``; some videos have no
audio track, one is truncated (its bytes cut in half) and one is shorter than a clip.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from avscene import config
from avscene.action import ucf101
from avscene.action.__main__ import build_parser, main, variant_of
from avscene.io import write_av
from media_factory import make_flash_tone

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ("ApplyEyeMakeup", "HandstandPushups")
# (class folder, file name, has audio, seconds); split 1: test = group 01, train = the others (as UCF-101)
VIDEOS = [
    ("ApplyEyeMakeup", "v_ApplyEyeMakeup_g01_c01.avi", True, 3.0),
    ("ApplyEyeMakeup", "v_ApplyEyeMakeup_g08_c01.avi", True, 3.0),
    ("ApplyEyeMakeup", "v_ApplyEyeMakeup_g09_c01.avi", False, 3.0),
    ("ApplyEyeMakeup", "v_ApplyEyeMakeup_g10_c01.avi", True, 6.0),  # truncated below
    ("HandstandPushups", "v_HandStandPushups_g01_c01.avi", False, 3.0),  # the real set's spelling
    ("HandstandPushups", "v_HandStandPushups_g08_c01.avi", False, 3.0),
    ("HandstandPushups", "v_HandStandPushups_g09_c01.avi", True, 3.0),
    ("HandstandPushups", "v_HandStandPushups_g10_c01.avi", True, 1.0),  # shorter than a smoke clip (2 s)
]
TRUNCATED, SHORT = "v_ApplyEyeMakeup_g10_c01.avi", "v_HandStandPushups_g10_c01.avi"


def _data_script():
    spec = importlib.util.spec_from_file_location("ucf101_data_script", ROOT / "data_scripts" / "ucf101.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_ucf(out: Path) -> Path:
    """The folder ``data_scripts/ucf101.py`` leaves: videos, split lists and ``ucf101.csv``."""
    for i, (cls, name, audio, seconds) in enumerate(VIDEOS):
        folder = out / "UCF-101" / cls
        folder.mkdir(parents=True, exist_ok=True)
        if audio:
            make_flash_tone(folder / name, kind="avi", fps=10, sample_rate=8000, duration=seconds, size=(32, 40))
        else:
            frames = np.full((round(seconds * 10), 32, 40, 3), 40 + 20 * i, np.uint8)
            write_av(folder / name, frames, None, 10, 8000, video_codec="mjpeg")
    cut = out / "UCF-101" / "ApplyEyeMakeup" / TRUNCATED
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    lists = out / "ucfTrainTestlist"
    lists.mkdir()
    (lists / "classInd.txt").write_text("".join(f"{i + 1} {c}\n" for i, c in enumerate(CLASSES)))
    for k in (1, 2, 3):
        train = [f"{c}/{n} {CLASSES.index(c) + 1}\n" for c, n, _, _ in VIDEOS if "_g01_" not in n]
        test = [f"{c}/{n}\n" for c, n, _, _ in VIDEOS if "_g01_" in n]
        (lists / f"trainlist0{k}.txt").write_text("".join(train))
        (lists / f"testlist0{k}.txt").write_text("".join(test))
    script = _data_script()
    return script.build_index(out, script.FailureLog(out / "failures.log"))


@pytest.fixture
def ucf(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("AVSCENE_RUNS", str(tmp_path / "runs"))
    out = tmp_path / "ucf101"
    _fake_ucf(out)
    return out


def test_finetune_cli_on_fake_ucf101(ucf, tmp_path, capsys):
    cache, result = tmp_path / "cache", tmp_path / "results.jsonl"
    argv = ["finetune", "--data", "ucf101", "--root", str(ucf), "--split", "1", "--profile", "smoke",
            "--init", "scratch", "--cache", str(cache), "--workers", "1", "--out", str(result)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "train: 4 of 6 listed videos used, 2 of them without an audio track (fed silence)" in out
    assert "test: 2 of 2 listed videos used, 1 of them without an audio track (fed silence)" in out
    assert "truncated" in out and TRUNCATED in out  # named, with its reason
    assert "too_short" in out and SHORT in out
    assert "1 clip of 16 frames per video" in out
    line = json.loads(out.strip().splitlines()[-1])
    assert line == json.loads(result.read_text().strip())
    assert 0.0 <= line["test_accuracy"] <= 1.0
    assert line["variant"] == "scratch" and line["train_videos"] == 4 and line["test_videos"] == 2
    assert line["ucf101"]["skipped"] == {"too_short": 1, "truncated": 1}
    assert line["ucf101"]["silent"] == {"train": 2, "test": 1}
    assert line["data"].startswith("ucf101-split1-")
    assert Path(line["run_dir"]).is_relative_to(tmp_path / "runs")
    assert f"action-{line['data']}/scratch/all/seed0" in line["run_dir"]

    # the same split again: everything cached, the same videos, hence the same run name
    cfg = config.get("smoke")
    data, report = ucf101.load(cfg, ucf, 1, cache_dir=cache, workers=1, verbose=False)
    assert data.name == line["data"] and data.class_names == CLASSES
    with open(ucf / "ucf101.csv", newline="") as fh:
        rows = {Path(r["path"]).name: r for r in csv.DictReader(fh)}
    names = {part: [Path(p).name for p in src.sources] for part, src in (("train", data.train), ("test", data.test))}
    assert not set(names["train"]) & set(names["test"])
    for part, src in (("train", data.train), ("test", data.test)):
        expect = {n for n, r in rows.items() if r["split1"] == part and n not in (TRUNCATED, SHORT)}
        assert set(names[part]) == expect
        assert [int(rows[n]["label_index"]) for n in names[part]] == src.labels.tolist()
        audio_track = {n for _, n, a, _ in VIDEOS if a}
        assert src.has_audio.tolist() == [n in audio_track for n in names[part]]
        for v in range(len(src)):
            frames, audio = src.read(v)
            assert frames.dtype == np.uint8 and frames.shape[1:] == (36, 45, 3)
            assert frames.shape[0] == src.n_frames[v] >= cfg.action.clip_frames
            assert audio.dtype == np.int16 and audio.shape == (2, round(frames.shape[0] * 4000 / 8))
            assert (np.abs(audio).max() > 0) == bool(src.has_audio[v])  # silent videos read as zeros
    assert {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in report.skipped} == {TRUNCATED: "truncated",
                                                                                   SHORT: "too_short"}

    assert main(["prepare", "--root", str(ucf), "--profile", "smoke", "--cache", str(cache), "--workers", "1"]) == 0
    assert "train: 4 of 6 listed videos used" in capsys.readouterr().out

    # a variant, a label budget and a step count of their own: another run, same cached videos
    assert main(argv[:-2] + ["--variant", "audio_only", "--per-class", "1", "--steps", "1"]) == 0
    other = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (other["variant"], other["per_class"], other["steps"]) == ("audio_only", 1, 1)
    assert "action-ucf101-split1-" in other["run_dir"] and "/audio_only/1/seed0" in other["run_dir"]
    assert 0.0 <= other["test_accuracy"] <= 1.0


def test_init_picks_the_variant():
    parse = build_parser().parse_args
    base = ["finetune", "--data", "ucf101", "--root", "x"]
    assert variant_of(parse(base)) == "pretrained"
    assert variant_of(parse(base + ["--init", "shift"])) == "pretrained"
    assert variant_of(parse(base + ["--init", "scratch"])) == "scratch"
    assert variant_of(parse(base + ["--init", "scratch", "--variant", "audio_zeroed"])) == "audio_zeroed"
    with pytest.raises(SystemExit):
        main(["finetune", "--data", "ucf101"])  # no --root
    assert isinstance(parse(base), argparse.Namespace)


def test_missing_index_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_scripts/ucf101.py"):
        ucf101.load(config.get("smoke"), tmp_path, 1)


def test_finetune_cli_under_torchrun_two_processes(ucf, tmp_path):
    """`torchrun --nproc_per_node 2 -m avscene.action finetune --data ucf101` on the CPU (gloo), smoke sizes:
    rank 0 prepares the cache while rank 1 waits, both train, one result line."""
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29547",
           "-m", "avscene.action", "finetune", "--data", "ucf101", "--root", str(ucf), "--profile", "smoke",
           "--init", "scratch", "--cache", str(cache), "--workers", "1", "--steps", "2"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "OMP_NUM_THREADS": "1", "AVSCENE_DEVICE": "cpu"})
    assert out.returncode == 0, out.stderr[-3000:]
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == 1 and 0.0 <= lines[0]["test_accuracy"] <= 1.0  # printed by rank 0 only
    assert lines[0]["ucf101"]["silent"] == {"train": 2, "test": 1} and lines[0]["steps"] == 2
    assert json.loads((Path(lines[0]["run_dir"]) / "run.json").read_text())["finished"]
