"""``avscene.datasets.scan``: folder and CSV inputs, the cached index and its refresh on change."""
from __future__ import annotations

import importlib
import json
import os

import pytest

from avscene.datasets import scan
from media_factory import make_flash_tone


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a").mkdir()
    make_flash_tone(tmp_path / "a" / "one.mp4", duration=1.5)
    make_flash_tone(tmp_path / "two.mkv", kind="mkv", duration=2.5, audio_start=0.5)
    (tmp_path / "notes.txt").write_text("not a video, not a candidate")
    return tmp_path


def test_scan_folder_and_min_duration(folder):
    index = scan(folder, min_duration=1.0, workers=1, verbose=False)
    assert sorted(os.path.basename(p) for p in index.paths) == ["one.mp4", "two.mkv"]
    two = next(e for e in index if e.path.endswith("two.mkv"))
    assert two.start == pytest.approx(0.5, abs=0.01) and two.duration == pytest.approx(2.0, abs=0.05)
    short = scan(folder, min_duration=1.8, workers=1, verbose=False)
    assert short.skip_counts() == {"too_short": 1}


def test_index_cache_is_reused_and_refreshed(folder, monkeypatch):
    scan(folder, min_duration=1.0, workers=1, verbose=False)
    cache = json.loads((folder / ".avscene_index.json").read_text())
    assert len(cache["files"]) == 2
    scan_mod = importlib.import_module("avscene.datasets.scan")
    calls = []
    real = scan_mod._probe_one
    monkeypatch.setattr(scan_mod, "_probe_one", lambda p: calls.append(p) or real(p))
    scan(folder, min_duration=1.0, workers=1, verbose=False)
    assert calls == []  # nothing changed: nothing re-probed
    (folder / "a" / "one.mp4").write_bytes(b"garbage now")
    index = scan(folder, min_duration=1.0, workers=1, verbose=False)
    assert [os.path.basename(c) for c in calls] == ["one.mp4"]
    assert index.skip_counts() == {"unreadable": 1} and len(index) == 1


def test_scan_csv_with_labels_and_missing(folder):
    csv_path = folder / "list.csv"
    csv_path.write_text("path,label,split\na/one.mp4,dog,train\ntwo.mkv,cat,test\ngone.mp4,cow,train\n")
    index = scan(csv_path, min_duration=1.0, workers=2, verbose=False)
    assert [e.extra for e in index] == [{"label": "dog", "split": "train"}, {"label": "cat", "split": "test"}]
    assert index.skip_counts() == {"missing": 1}
    assert len(index.filter(split="test")) == 1
    assert (folder / "list.skipped.csv").is_file() and (folder / "list.index.json").is_file()
    with pytest.raises(ValueError, match="path"):
        bad = folder / "bad.csv"
        bad.write_text("file\nx.mp4\n")
        scan(bad, min_duration=1.0, verbose=False)
