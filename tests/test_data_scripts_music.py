"""``data_scripts/music.py`` end to end against a local MUSIC list and a fake downloader (no network)."""
from __future__ import annotations

import csv
import importlib
import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from avscene.io import write_av
from media_factory import make_flash_tone

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "data_scripts"))
music = importlib.import_module("music")

VIDEOS = {  # the official layout: {"videos": {instrument: [YouTube ids]}}
    "accordion": ["accA_______", "accB_______", "goneAcc____"],
    "cello": ["celA_______", "muteCel____", "celB_______", "celC_______"],
    "flute": ["fluA_______"],
}
GOOD = {"accA_______", "accB_______", "celA_______", "celB_______", "celC_______", "fluA_______"}


class FakeDownloader:
    """Serves ``files`` (url -> local path) by copying; YouTube ids get a generated 2.5-s video at 25 fps with
    16 kHz stereo sound, "gone" ids fail like a removed video, "mute" ids get a video without sound."""

    def __init__(self, files: dict[str, Path] | None = None) -> None:
        self.files, self.calls = files or {}, []

    def __call__(self, url: str, out: Path) -> None:
        self.calls.append(url)
        if url in self.files:
            out.write_bytes(self.files[url].read_bytes())
        elif "youtube.com/watch?v=" in url:
            if "gone" in url:
                raise RuntimeError("Video unavailable")
            if "mute" in url:
                write_av(out, np.full((50, 36, 48, 3), 90, np.uint8), None, 25, 16000)
            else:
                make_flash_tone(out, duration=2.5, fps=25, sample_rate=16000, size=(36, 48))
        else:
            raise RuntimeError(f"404 {url}")

    def youtube_calls(self) -> int:
        return sum("youtube.com" in c for c in self.calls)


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _list_file(tmp_path: Path, videos: dict = VIDEOS, version: float = 1.0) -> Path:
    path = tmp_path / "MUSIC_solo_videos.json"
    path.write_text(json.dumps({"version": version, "videos": videos}, indent=4))
    return path


def test_fetch_convert_split_and_resume(tmp_path):
    fake = FakeDownloader({music.LIST_URL: _list_file(tmp_path)})  # the default list URL, served locally
    out = tmp_path / "music"
    argv = ["--out", str(out), "--workers", "2", "--test-fraction", "0.5", "--min-duration", "1"]
    assert music.main(argv, downloader=fake) == 1  # one video is gone, one has no sound
    assert fake.calls[0] == music.LIST_URL and (out / "MUSIC_solo_videos.json").is_file()
    log = (out / "failures.log").read_text()
    assert "goneAcc____" in log and "muteCel____" in log and "no audio" in log
    manifest = {r["id"]: r for r in _rows(out / "manifest.csv")}
    assert set(manifest) == GOOD and manifest["celB_______"]["instrument"] == "cello"
    # the converted files: 8 fps frames, 11,025 Hz mono sound, the whole audio-visual span (2.5 s less AAC's
    # priming at the start of the fake's sound)
    clip = out / manifest["celB_______"]["path"]
    assert clip == out / "videos" / "cello" / "celB_______.mp4"
    with av.open(str(clip)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.average_rate == 8 and audio.rate == 11025 and audio.codec_context.layout.nb_channels == 1
        frames = sum(1 for _ in container.decode(video=0))
    assert 18 <= frames <= 20 and float(manifest["celB_______"]["duration"]) == pytest.approx(frames / 8)
    # the lists: every good video in exactly one, split by its hash, paths relative to --out
    train, test = _rows(out / "train.csv"), _rows(out / "test.csv")
    assert list(train[0]) == ["path", "instrument", "video"]
    assert {r["video"] for r in train} | {r["video"] for r in test} == GOOD
    assert not {r["video"] for r in train} & {r["video"] for r in test}
    assert all(music.split(r["video"], 0.5, 0) == "train" for r in train) and train and test
    assert all(music.split(r["video"], 0.5, 0) == "test" for r in test)
    assert all((out / r["path"]).is_file() and not Path(r["path"]).is_absolute() for r in train + test)
    assert (out / "train.skipped.csv").is_file()  # the scan ran on the lists
    # resumed: good files kept, nothing fetched again but the two failures, same lists
    mtime, calls = clip.stat().st_mtime_ns, fake.youtube_calls()
    lists = [(out / f"{n}.csv").read_text() for n in ("train", "test")]
    assert music.main(argv + ["--no-scan"], downloader=fake) == 1
    assert fake.youtube_calls() == calls + 2 and clip.stat().st_mtime_ns == mtime
    assert [(out / f"{n}.csv").read_text() for n in ("train", "test")] == lists
    assert len(_rows(out / "manifest.csv")) == len(GOOD)


def test_instruments_and_max_per_class_select(tmp_path):
    listed = _list_file(tmp_path)
    out = tmp_path / "m"
    fake = FakeDownloader()
    base = ["--list", str(listed), "--out", str(out), "--workers", "1", "--no-scan"]
    assert music.main(base + ["--instruments", "cello", "--max-per-class", "2"], downloader=fake) == 1  # mute
    assert [c.rsplit("=", 1)[1] for c in fake.calls] == ["celA_______", "muteCel____"]
    rows = _rows(out / "train.csv") + _rows(out / "test.csv")
    assert [(r["video"], r["instrument"]) for r in rows] == [("celA_______", "cello")]
    assert music.main(base + ["--instruments", "harp"], downloader=fake) == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"accordion": ["x"]}')
    assert music.main(["--list", str(bad), "--out", str(out)], downloader=fake) == 2


def test_parse_list_and_the_split():
    text = json.dumps({"version": 2.0, "videos": {"tuba": ["a", "b"], "pipa": ["c", "a", " "]}})
    assert music.parse_list(text) == [{"video": "a", "instrument": "tuba"}, {"video": "b", "instrument": "tuba"},
                                      {"video": "c", "instrument": "pipa"}]  # MUSIC21's format; "a" kept once
    with pytest.raises(ValueError, match="MUSIC video list"):
        music.parse_list('{"videos": ["a"]}')
    ids = [f"vid{i:08d}" for i in range(400)]
    parts = [music.split(v, 0.1, 0) for v in ids]
    assert parts == [music.split(v, 0.1, 0) for v in ids]  # stable
    assert 20 <= parts.count("test") <= 60  # about 10 %
    assert parts != [music.split(v, 0.1, 1) for v in ids]  # the seed matters
    assert {music.split(v, 0.0, 0) for v in ids} == {"train"}


def test_help():
    done = subprocess.run([sys.executable, str(ROOT / "data_scripts" / "music.py"), "--help"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "--out" in done.stdout and "11,025 Hz" in done.stdout
