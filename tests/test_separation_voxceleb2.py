"""VoxCeleb2's real-data path of on/off-screen separation (§6; notebook 06) at the ``smoke`` profile.

A fake VoxCeleb2 tree in the official layout (``dev/mp4/<speaker>/<youtube id>/00001.mp4`` and ``test/...``)
is listed by ``data_scripts/voxceleb2.py``'s ``write_lists``; its videos are white flashes each with a
tone burst at the same instant (``media_factory.make_flash_tone``). Four training videos are bad: one is
truncated, one has no audio track, one is silent and one is shorter than a clip (2 s at smoke).
"""
from __future__ import annotations

import importlib.util
import json
import pickle
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from avscene import config
from avscene.io import ClipCache, write_av
from avscene.separation import data as D
from avscene.separation import voxceleb2 as vox
from avscene.separation.__main__ import main
from avscene.shift.dataset import crop
from media_factory import burst_onsets, flash_onsets, make_flash_tone

ROOT = Path(__file__).resolve().parents[1]
SMOKE = config.get("smoke")  # 8 fps, 4 kHz, frames 36, crop 32, clips of 16 frames (2 s)
# (set, speaker, youtube id, kind, seconds)
VIDEOS = [
    ("dev", "id00001", "aaaaaaaaaa1", "ok", 3.0),
    ("dev", "id00001", "aaaaaaaaaa2", "ok", 3.5),
    ("dev", "id00001", "truncatedAA", "truncated", 4.0),
    ("dev", "id00002", "bbbbbbbbbb1", "ok", 3.0),
    ("dev", "id00002", "bbbbbbbbbb2", "ok", 3.0),
    ("dev", "id00002", "noaudioBBBB", "no_audio", 3.0),
    ("dev", "id00003", "cccccccccc1", "ok", 3.0),
    ("dev", "id00003", "shortCCCCCC", "too_short", 1.0),
    ("dev", "id00003", "silentCCCCC", "silent", 3.0),
    ("test", "id00010", "dddddddddd1", "ok", 3.0),
    ("test", "id00010", "dddddddddd2", "ok", 3.0),
    ("test", "id00011", "eeeeeeeeee1", "ok", 3.0),
    ("test", "id00011", "eeeeeeeeee2", "ok", 3.0),
]
BAD = {yt: kind for _, _, yt, kind, _ in VIDEOS if kind != "ok"}
GENDER = {"id00001": "m", "id00002": "f", "id00003": "m", "id00010": "m", "id00011": "f"}


def _data_script():
    spec = importlib.util.spec_from_file_location("voxceleb2_data_script", ROOT / "data_scripts" / "voxceleb2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _faststart(path: Path) -> None:
    """Remux ``path`` with its index first (``movflags=faststart``), so cutting its tail truncates the data."""
    tmp = path.with_name("fs-" + path.name)
    with av.open(str(path)) as src, av.open(str(tmp), "w", options={"movflags": "faststart"}) as dst:
        streams = {s.index: dst.add_stream_from_template(s) for s in src.streams}
        for packet in src.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                dst.mux(packet)
    tmp.replace(path)


def _fake_vox(out: Path) -> dict[str, list[float]]:
    """The folder ``data_scripts/voxceleb2.py`` leaves (videos, ``train.csv``, ``test.csv``); returns each
    good video's true event times (s) by absolute path."""
    events = {}
    for i, (part, speaker, yt, kind, seconds) in enumerate(VIDEOS):
        path = out / part / "mp4" / speaker / yt / "00001.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "no_audio":
            write_av(path, np.full((round(10 * seconds), 32, 40, 3), 60, np.uint8), None, 10, 8000)
        elif kind == "silent":
            write_av(path, np.full((round(10 * seconds), 32, 40, 3), 60, np.uint8),
                     np.zeros((2, round(8000 * seconds)), np.float32), 10, 8000)
        else:
            f = make_flash_tone(path, kind="mp4", fps=10, sample_rate=8000, duration=seconds, size=(32, 40), seed=i)
            events[str(path)] = f.events
        if kind == "truncated":
            _faststart(path)
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])
    _data_script().write_lists(out, 0.1, 0)
    return events


@pytest.fixture(scope="module")
def fake(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("vox")
    root = base / "voxceleb2"
    events = _fake_vox(root)
    meta = base / "vox2_meta.csv"
    meta.write_text("\ufeffVoxCeleb2 ID ,VGGFace2 ID ,Gender ,Set \n"
                    + "".join(f"{s} ,n{s[2:]} ,{g} ,{'test' if s >= 'id00010' else 'dev'} \n"
                              for s, g in GENDER.items()),
                    encoding="utf-8")
    cache = base / "cache"
    data, report = vox.load(root, SMOKE, cache_dir=cache, workers=1, verbose=False)
    return {"root": root, "events": events, "meta": meta, "cache": cache, "data": data, "report": report}


def _speakers(source: D.CacheSoloSource) -> list[str]:
    return [Path(p).parts[-3] for p in source.sources]


# ---------------------------------------------------------------- the loader
def test_loader_caches_usable_videos_and_reports_the_rest(fake):
    data, report = fake["data"], fake["report"]
    reasons = {Path(s["path"]).parts[-2]: s["reason"] for s in report.skipped}
    assert reasons == BAD  # truncated, no_audio, too_short and silent, each named with its reason
    assert report.skip_counts() == {"no_audio": 1, "silent": 1, "too_short": 1, "truncated": 1}
    assert report.listed == {"train": 9, "test": 4} and report.used == {"train": 5, "test": 4}
    assert report.speakers == {"train": 3, "test": 2}
    text = "\n".join(report.lines())
    assert "train: 5 of 9 listed videos used, 3 speakers" in text and "same_class is meaningless" in text
    assert all(yt in text for yt in BAD)
    assert Path(report.skipped_csv).is_file() and (fake["cache"] / vox.STATS_FILE).is_file()
    assert data.name.startswith("voxceleb2-") and len(data.name) == len("voxceleb2-") + 12
    for src in (data.train, data.test):
        assert isinstance(src, D.CacheSoloSource) and src.fps == 8.0 and src.sample_rate == 4000
        assert (src.classes == 0).all()  # no meta: no classes
        assert (src.n_frames >= 16).all() and (src.n_samples == np.round(src.n_frames * 500)).all()
        frames, sound = src.clip(0, 3, 16, 8000)
        assert frames.dtype == np.uint8 and frames.shape == (16, 36, 45, 3)
        assert sound.dtype == np.float32 and sound.shape == (2, 8000) and 0 < np.abs(sound).max() <= 1
    assert set(Path(p).parts[-2] for p in data.train.sources) == {"aaaaaaaaaa1", "aaaaaaaaaa2", "bbbbbbbbbb1",
                                                                 "bbbbbbbbbb2", "cccccccccc1"}
    copy = pickle.loads(pickle.dumps(data.train))  # a spawned loader worker's copy: no open memory maps
    assert all(np.array_equal(x, y) for x, y in zip(copy.clip(1, 4, 16, 8000), data.train.clip(1, 4, 16, 8000)))
    again, _ = vox.load(fake["root"], SMOKE, cache_dir=fake["cache"], workers=1, verbose=False)  # all cached
    assert again.name == data.name and again.train.n_frames.tolist() == data.train.n_frames.tolist()


def test_identities_are_disjoint_and_speakers_never_share_a_mixture(fake):
    data = fake["data"]
    train, test = _speakers(data.train), _speakers(data.test)
    assert not set(train) & set(test)
    assert not set(data.train.groups.tolist()) & set(data.test.groups.tolist())
    for src, names in ((data.train, train), (data.test, test)):  # a group is a speaker
        assert len({(g, n) for g, n in zip(src.groups.tolist(), names)}) == len(set(names))
    ds = D.MixtureDataset(data.train, SMOKE, p_same_class=0.5, seed=0, clip_frames=SMOKE.separation.clip_frames)
    for i in range(40):
        a, b = ds[i]["videos"].tolist()
        assert train[a] != train[b]
    held = D.MixtureDataset(data.test, SMOKE, p_same_class=0.5, seed=0, train=False, n_test=20)
    assert all(test[a] != test[b] for a, b in zip(*held.pairs))
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(10), 3)
    classes = groups % 2  # two genders
    first, second = D.draw_pairs(classes, 3000, 0.5, rng, groups)
    assert (groups[first] != groups[second]).all()
    assert abs((classes[first] == classes[second]).mean() - 0.5) < 0.04
    first, second = D.draw_pairs(classes, 500, 1.0, rng, groups)
    assert (classes[first] == classes[second]).all() and (groups[first] != groups[second]).all()
    with pytest.raises(ValueError, match="one speaker"):
        D.draw_pairs(classes, 5, 0.5, rng, np.zeros_like(groups))


def test_meta_gives_each_video_its_speakers_gender(fake, tmp_path):
    genders = vox.read_genders(fake["meta"])
    assert genders == {s: int(g == "f") for s, g in GENDER.items()}
    data, report = vox.load(fake["root"], SMOKE, cache_dir=fake["cache"], meta=fake["meta"], workers=1,
                            verbose=False)
    for src in (data.train, data.test):
        assert src.classes.tolist() == [int(GENDER[s] == "f") for s in _speakers(src)]
    assert data.name.startswith("voxceleb2-gender-") and data.name != fake["data"].name
    ds = D.MixtureDataset(data.train, SMOKE, p_same_class=1.0, seed=0)
    speakers = _speakers(data.train)
    pairs = [ds[i]["videos"].tolist() for i in range(30)]
    assert all(speakers[a] != speakers[b] for a, b in pairs)  # never one speaker twice
    # same gender whenever another speaker of it exists (two men; the one woman falls back to a man)
    male = [(a, b) for a, b in pairs if GENDER[speakers[a]] == "m"]
    assert male and all(GENDER[speakers[b]] == "m" for _, b in male)
    assert "classes: gender from" in report.lines()[0]
    partial = tmp_path / "meta.csv"
    partial.write_text("VoxCeleb2 ID,Gender\n" + "".join(f"{s},{g}\n" for s, g in GENDER.items() if s != "id00003"))
    _, report = vox.load(fake["root"], SMOKE, cache_dir=fake["cache"], meta=partial, workers=1, verbose=False)
    assert report.skip_counts()["no_gender"] == 3 and report.speakers["train"] == 2  # id00003: 3 videos probe well


def test_a_cached_clip_shows_and_sounds_the_same_seconds_of_the_file(fake):
    src, cache = fake["data"].train, ClipCache.from_profile(fake["cache"], SMOKE)
    checked = 0
    for v, path in enumerate(src.sources):
        store = cache.open(path)
        for start in range(0, int(src.n_frames[v]) - 16 + 1, 3):
            frames, sound = src.clip(v, start, 16, 8000)
            t0 = store.start + start / src.fps
            events = np.array(fake["events"][path])
            truth = events[(events >= t0 + 0.1) & (events < t0 + 1.7)]
            edge = ((events > t0 - 0.35) & (events < t0 + 0.1)) | ((events >= t0 + 1.7) & (events < t0 + 2.0))
            if not len(truth) or edge.any():  # a flash or burst cut by the clip's edges
                continue
            flashes, bursts = flash_onsets(frames, t0, src.fps), burst_onsets(sound, t0, src.sample_rate)
            assert len(flashes) == len(bursts) == len(truth)
            near = lambda found: np.abs(found[:, None] - truth[None]).min(axis=0)  # noqa: E731
            assert (near(flashes) <= 1 / src.fps + 1e-6).all() and (near(bursts) <= 1 / src.fps + 1e-6).all()
            assert (np.abs(flashes - bursts) <= 1 / src.fps + 1e-6).all()  # picture and sound agree
            checked += 1
    assert checked >= 5


# ---------------------------------------------------------------- the synthetic world is unchanged
def _old_draw_pairs(classes, n, p_same, rng):
    """``draw_pairs`` before sources had groups (the synthetic runs are keyed on its draws)."""
    v = len(classes)
    first = rng.integers(0, v, n)
    same = rng.random(n) < p_same
    second = np.empty(n, dtype=np.int64)
    for k in range(n):
        pool = np.flatnonzero((classes == classes[first[k]]) == same[k])
        pool = pool[pool != first[k]]
        if len(pool) == 0:
            pool = np.setdiff1d(np.arange(v), [first[k]])
        second[k] = pool[rng.integers(len(pool))]
    return first.astype(np.int64), second


def test_synthetic_items_are_those_of_the_in_memory_arrays():
    source = D.synthetic(SMOKE, "train", 10)
    assert source.groups is None and (source.n_frames == source.frames.shape[1]).all()
    m = SMOKE.media
    free = source.frames.shape[1] - m.clip_frames
    for clip_frames, seed in ((None, 1), (10, 5)):
        ds = D.MixtureDataset(source, SMOKE, p_same_class=0.5, seed=seed, clip_frames=clip_frames)
        t = clip_frames or m.clip_frames
        n = round(t * m.sample_rate / m.fps)
        for i in range(4):
            rng = np.random.default_rng([seed, 12, i])
            (a,), (b,) = _old_draw_pairs(source.classes, 1, 0.5, rng)
            item = ds[i]
            assert item["videos"].tolist() == [a, b]
            for key, v in (("a", a), ("b", b)):
                start = int(rng.integers(0, free + 1))
                j = round(start * m.sample_rate / m.fps)
                frames = crop(source.frames[v, start:start + t], m.crop_size, rng)
                assert torch.equal(item[f"frames_{key}"], torch.from_numpy(np.ascontiguousarray(frames)))
                sound = np.ascontiguousarray(source.audio[v, :, j:j + n])
                assert torch.equal(item[f"audio_{key}"], torch.from_numpy(sound))
    test = D.MixtureDataset(source, SMOKE, p_same_class=0.5, seed=2, train=False, n_test=6)
    old = _old_draw_pairs(source.classes, 6, 0.5, np.random.default_rng([2, 11]))
    assert all(np.array_equal(x, y) for x, y in zip(test.pairs, old))
    classes = np.repeat(np.arange(4), 5)
    assert all(np.array_equal(x, y) for x, y in zip(D.draw_pairs(classes, 200, 0.4, np.random.default_rng(3)),
                                                    _old_draw_pairs(classes, 200, 0.4, np.random.default_rng(3))))


# ---------------------------------------------------------------- the command line
def test_train_cli_on_fake_voxceleb2(fake, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AVSCENE_RUNS", str(tmp_path / "runs"))
    result = tmp_path / "results.jsonl"
    argv = ["train", "--data", "voxceleb2", "--root", str(fake["root"]), "--profile", "smoke", "--variant",
            "scratch", "--seed", "0", "--cache", str(fake["cache"]), "--workers", "1", "--out", str(result)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "train: 5 of 9 listed videos used, 3 speakers" in out and "truncatedAA" in out
    assert f"held-out scores of 'scratch' (seed 0) on {fake['data'].name}: sisdri " in out
    line = json.loads(out.strip().splitlines()[-1])
    assert line == json.loads(result.read_text().strip())
    assert line["data"] == fake["data"].name and line["train_videos"] == 5 and line["test_videos"] == 4
    n = 2 * SMOKE.separation.n_test_pairs
    assert line["scores"]["all"]["n"] == n and np.isfinite(line["scores"]["all"]["sisdri"])
    assert 0.0 <= line["scores"]["all"]["assign"] <= 1.0 and line["scores"]["all"]["l1"] >= 0
    assert line["scores"]["same_class"]["n"] == n and line["scores"]["different_class"] == {
        "n": 0, "sisdri": None, "assign": None, "l1": None}  # no meta: every mixture is "same class"
    assert line["voxceleb2"]["skipped"] == {"no_audio": 1, "silent": 1, "too_short": 1, "truncated": 1}
    run_dir = Path(line["run_dir"])
    assert run_dir.is_relative_to(tmp_path / "runs")
    assert run_dir.parts[-3:] == (f"separation-{fake['data'].name}", "scratch", "seed0")
    assert json.loads((run_dir / "run.json").read_text())["settings"]["data"] == fake["data"].name
    # the synthetic world's run lives beside it, under its own name: neither replaces the other
    assert main(["train", "--data", "synthetic", "--profile", "smoke", "--variant", "scratch"]) == 0
    synthetic_dir = Path(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_dir"])
    assert synthetic_dir.parts[-3:] == ("separation", "scratch", "seed0") and (run_dir / "run.json").is_file()


def _broken(tmp_path: Path, fake: dict, case: str) -> tuple[list[str], str]:
    """A command line for ``case`` and the path its error line names."""
    root = tmp_path / "root"
    base = ["train", "--data", "voxceleb2", "--profile", "smoke", "--cache", str(fake["cache"]), "--workers", "1"]
    if case == "no_root":
        return base, "--root"
    if case == "missing_root":
        return base + ["--root", str(root)], str(root)
    root.mkdir()
    head = "path,identity,video\n"
    if case == "no_test_csv":
        (root / "train.csv").write_text(head)
        return base + ["--root", str(root)], str(root / "test.csv")
    if case == "bad_columns":
        (root / "train.csv").write_text("file,speaker\nx.mp4,id1\n")
        (root / "test.csv").write_text(head)
        return base + ["--root", str(root)], str(root / "train.csv")
    if case == "shared_speaker":
        (root / "train.csv").write_text(head + "a.mp4,id00001,a\n")
        (root / "test.csv").write_text(head + "b.mp4,id00001,b\n")
        return base + ["--root", str(root)], str(root)
    good = [str(p) for p in fake["data"].train.sources]
    (root / "train.csv").write_text(head + "".join(f"{p},{Path(p).parts[-3]},x\n" for p in good))
    if case == "bad_meta":
        (root / "test.csv").write_text(head)
        meta = tmp_path / "meta.csv"
        meta.write_text("VoxCeleb2 ID ,Gender \nid00001 ,x \n")
        return base + ["--root", str(root), "--meta", str(meta)], f"{meta}:2"
    assert case == "one_test_speaker"  # its test list keeps one speaker: no mixture of two exists
    one = [str(p) for p in fake["data"].test.sources][:2]
    (root / "test.csv").write_text(head + "".join(f"{p},{Path(p).parts[-3]},x\n" for p in one))
    return base + ["--root", str(root)], str(root / "test.csv")


@pytest.mark.parametrize("case", ["no_root", "missing_root", "no_test_csv", "bad_columns", "shared_speaker",
                                  "bad_meta", "one_test_speaker"])
def test_train_cli_bad_data_fails_with_one_line(fake, tmp_path, monkeypatch, capsys, case):
    monkeypatch.setenv("AVSCENE_RUNS", str(tmp_path / "runs"))
    argv, named = _broken(tmp_path, fake, case)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    if case == "one_test_speaker":  # found after probing: the probes' progress bars come first, the report on stdout
        lines = [x for x in lines if x.strip() and not x.startswith("probing ")]
        assert "test: 2 of 2 listed videos used, 1 speakers" in out
    assert len(lines) == 1 and lines[0].startswith(f"error: {named}: "), err
    assert not (tmp_path / "runs").exists()  # nothing trained
