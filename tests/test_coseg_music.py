"""MUSIC's real-data path of Sound of Pixels (notebook 08) at the ``smoke`` profile: ``avscene.coseg.music``.

A fake MUSIC folder as ``data_scripts/music.py`` leaves it (``videos/<instrument>/<id>.mp4`` at 8 fps with
11,025 Hz mono sound, ``train.csv`` / ``test.csv`` with ``path,instrument,video``); good videos are white
flashes with tone bursts (``media_factory.make_flash_tone``). Six training videos are bad.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
from avscene import config
from avscene.coseg import music
from avscene.coseg.data import MixSeparateDataset
from avscene.io import write_av
from avscene.separation import voxceleb2 as vox
from avscene.separation.data import CacheSoloSource
from media_factory import make_flash_tone

SMOKE = config.get("smoke")  # 8 fps, 4 kHz stereo, frames of side 36
FRAMES, SAMPLES = 16, 10_000  # 2 s of frames and 2.5 s of sound at smoke's rates
# (part, instrument, video id, kind, seconds)
VIDEOS = [
    ("train", "accordion", "accA", "ok", 3.0),
    ("train", "accordion", "accB", "ok", 3.0),
    ("train", "cello", "celA", "ok", 3.0),
    ("train", "cello", "celShort", "too_short", 1.0),  # 8 frames < 16
    ("train", "flute", "fluFewSamples", "too_short", 2.25),  # 18 frames, but 9,000 samples < 10,000
    ("train", "flute", "fluSilent", "silent", 3.0),
    ("train", "flute", "fluMute", "no_audio", 3.0),
    ("train", "cello", "celBroken", "unreadable", 3.0),
    ("train", "cello", "celGone", "missing", 3.0),
    ("test", "cello", "celB", "ok", 3.0),
    ("test", "flute", "fluA", "ok", 3.0),
    ("test", "violin", "vioA", "ok", 3.0),
]
BAD = {v: kind for _, _, v, kind, _ in VIDEOS if kind != "ok"}
INSTRUMENTS = ["accordion", "cello", "flute", "violin"]


def _write(path: Path, kind: str, seconds: float, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = np.full((round(8 * seconds), 32, 40, 3), 60, np.uint8)
    if kind == "no_audio":
        write_av(path, frames, None, 8, 11025)
    elif kind == "silent":
        write_av(path, frames, np.zeros((1, round(11025 * seconds)), np.float32), 8, 11025)
    elif kind == "unreadable":
        path.write_bytes(b"not a video at all" * 100)
    elif kind != "missing":
        make_flash_tone(path, fps=8, sample_rate=11025, channels=1, duration=seconds, size=(32, 40), seed=seed)


def _fake_music(root: Path, videos: list[tuple] = VIDEOS) -> None:
    lists: dict[str, list[dict[str, str]]] = {"train": [], "test": []}
    for i, (part, instrument, video, kind, seconds) in enumerate(videos):
        rel = f"videos/{instrument}/{video}.mp4"
        _write(root / rel, kind, seconds, i)
        lists[part].append({"path": rel, "instrument": instrument, "video": video})
    for part, rows in lists.items():
        with open(root / f"{part}.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["path", "instrument", "video"])
            w.writeheader()
            w.writerows(rows)


@pytest.fixture(scope="module")
def fake(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("music") / "music"
    _fake_music(root)
    cache = root.parent / "cache"
    data, report = music.load(root, SMOKE, cache_dir=cache, workers=1, frames_needed=FRAMES,
                              samples_needed=SAMPLES, verbose=False)
    return {"root": root, "cache": cache, "data": data, "report": report}


def _ids(source: CacheSoloSource) -> list[str]:
    return [Path(p).stem for p in source.sources]


def test_classes_are_the_instruments(fake):
    data = fake["data"]
    assert music.instruments(fake["root"]) == INSTRUMENTS
    assert _ids(data.train) == ["accA", "accB", "celA"] and _ids(data.test) == ["celB", "fluA", "vioA"]
    assert data.train.classes.tolist() == [0, 0, 1] and data.test.classes.tolist() == [1, 2, 3]
    assert data.train.groups is None and data.test.groups is None
    assert (data.train.fps, data.train.sample_rate) == (SMOKE.media.fps, SMOKE.media.sample_rate)
    assert data.train.n_frames.min() >= FRAMES and data.test.n_samples.min() >= SAMPLES
    frames, sound = data.test.clip(2, 0, FRAMES, SAMPLES)
    assert frames.shape == (FRAMES, 36, 45, 3) and sound.shape == (SMOKE.media.channels, SAMPLES)
    item = MixSeparateDataset(data.train, 2, frames=3, frame_spacing=4, samples=4000, train=True)[0]
    assert item["frames"].shape == (2, 3, 36, 45, 3) and item["mixture"].shape == (4000,)


def test_bad_videos_are_skipped_and_counted(fake):
    report = fake["report"]
    assert isinstance(report, vox.Report)
    assert {Path(s["path"]).stem: s["reason"] for s in report.skipped} == BAD
    assert report.skip_counts() == {"missing": 1, "no_audio": 1, "silent": 1, "too_short": 2, "unreadable": 1}
    few = next(s for s in report.skipped if "fluFewSamples" in s["path"])
    assert re.search(rf"(8999|9000) samples at 4000 Hz, fewer than the {SAMPLES}", few["message"])
    assert report.listed == {"train": 9, "test": 3} and report.used == {"train": 3, "test": 3}
    assert report.instruments == {"train": 2, "test": 3}
    text = "\n".join(report.lines())
    assert "train: 3 of 9 listed videos used, 2 instruments" in text and all(v in text for v in BAD)
    assert Path(report.skipped_csv) == fake["cache"] / music.REPORT_CSV and Path(report.skipped_csv).is_file()
    assert report.to_dict()["skipped"]["too_short"] == 2


def test_name_is_a_stable_hash_of_the_used_rows(fake):
    name = fake["data"].name
    assert re.fullmatch(r"music-[0-9a-f]{12}", name)
    again, _ = music.load(fake["root"], SMOKE, cache_dir=fake["cache"], workers=1, frames_needed=FRAMES,
                          samples_needed=SAMPLES, verbose=False)
    assert again.name == name
    more, report = music.load(fake["root"], SMOKE, cache_dir=fake["cache"], workers=1, frames_needed=FRAMES,
                              samples_needed=8000, verbose=False)  # the 2.25-s video is now long enough
    assert "fluFewSamples" in _ids(more.train) and more.name != name
    assert report.skip_counts()["too_short"] == 1


def test_missing_or_wrong_lists_raise_data_error(fake, tmp_path):
    kw = dict(cache_dir=tmp_path / "c", workers=1, frames_needed=FRAMES, samples_needed=SAMPLES, verbose=False)
    gone = tmp_path / "nowhere"
    with pytest.raises(music.DataError, match=re.escape(str(gone))) as err:
        music.load(gone, SMOKE, **kw)
    assert err.value.path == str(gone) and "data_scripts/music.py" in str(err.value)
    half = tmp_path / "half"
    half.mkdir()
    (half / "train.csv").write_text("path,instrument,video\n")
    with pytest.raises(music.DataError, match=re.escape(str(half / "test.csv"))):
        music.load(half, SMOKE, **kw)
    (half / "test.csv").write_text("path,video\nx.mp4,x\n")
    with pytest.raises(music.DataError, match="instrument"):
        music.instruments(half)
    both = tmp_path / "both"
    _fake_music(both, [("train", "tuba", "t1", "ok", 3.0), ("train", "tuba", "t2", "ok", 3.0),
                       ("test", "tuba", "t1", "ok", 3.0)])
    with pytest.raises(music.DataError, match="both train.csv and test.csv"):
        music.load(both, SMOKE, **kw)
    few = tmp_path / "few"
    _fake_music(few, [("train", "tuba", "t1", "ok", 3.0), ("train", "tuba", "t2", "ok", 3.0),
                      ("test", "tuba", "t3", "ok", 3.0), ("test", "tuba", "t4", "too_short", 1.0)])
    with pytest.raises(music.DataError, match="1 usable videos") as err:
        music.load(few, SMOKE, **kw)
    assert err.value.path == str(few / "test.csv") and err.value.report.skip_counts() == {"too_short": 1}
