"""Bad input gets a ``MediaError`` naming the file and the problem, and a counted skip in ``scan``."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from avscene.datasets import scan
from avscene.io import (ClipRangeError, EmptyMediaError, MediaError, NoAudioStreamError, NoVideoStreamError,
                        TruncatedMediaError, UnreadableMediaError, load_clip, probe, write_av)
from media_factory import make_flash_tone


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """name -> (path, expected error class for load_clip with audio, expected scan reason or None)."""
    d = tmp_path_factory.mktemp("bad")
    good = make_flash_tone(d / "good.mp4", duration=2.0).path
    mkv = make_flash_tone(d / "full.mkv", kind="mkv", duration=3.0).path
    data = mkv.read_bytes()
    (d / "truncated.mkv").write_bytes(data[: len(data) // 2])
    mkv.unlink()
    mp4 = good.read_bytes()
    (d / "cut.mp4").write_bytes(mp4[: len(mp4) // 2])  # moov atom lost: unreadable
    (d / "empty.mp4").write_bytes(b"")
    (d / "text.mp4").write_text("this is not a video\n")
    (d / "folder.mp4").mkdir()
    shutil.copy(good, d / "wrong_extension.webm")  # content sniffing reads it fine
    shutil.copy(good, d / "vidéo ünïcode 日本.mp4")
    frames = np.zeros((25, 32, 32, 3), np.uint8)
    write_av(d / "silent.mp4", frames, None, 25, 16000)
    with __import__("av").open(str(d / "audio_only.m4a"), "w") as out:  # audio-only, named like a video
        s = out.add_stream("aac", rate=16000, layout="mono")
        for i in range(16):
            f = __import__("av").AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                                         layout="mono")
            f.sample_rate, f.pts = 16000, i * 1024
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    shutil.move(d / "audio_only.m4a", d / "audio_only.mp4")
    write_av(d / "short.mp4", frames[:5], np.zeros((1, 3200), np.float32), 25, 16000)
    return d


EXPECT = {
    "truncated.mkv": (TruncatedMediaError, "truncated"),
    "cut.mp4": (UnreadableMediaError, "unreadable"),
    "empty.mp4": (EmptyMediaError, "empty"),
    "text.mp4": (UnreadableMediaError, "unreadable"),
    "folder.mp4": (UnreadableMediaError, "unreadable"),
    "silent.mp4": (NoAudioStreamError, "no_audio"),
    "audio_only.mp4": (NoVideoStreamError, "no_video"),
    "short.mp4": (ClipRangeError, "too_short"),
    "wrong_extension.webm": (None, None),
    "vidéo ünïcode 日本.mp4": (None, None),
    "good.mp4": (None, None),
}


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_load_clip_errors_name_file_and_problem(corpus, name):
    error, _ = EXPECT[name]
    path = corpus / name
    if error is None:
        clip = load_clip(path, 0.5, 1.0, fps=15, sample_rate=8000)
        assert clip.frames.shape[0] == 15 and clip.audio.shape == (2, 8000)
        return
    with pytest.raises(error) as info:
        load_clip(path, 0.2, 1.5, fps=15, sample_rate=8000)
    assert isinstance(info.value, MediaError)
    assert str(path) in str(info.value) and info.value.problem


def test_probe_errors(corpus):
    with pytest.raises(TruncatedMediaError, match="declares"):
        probe(corpus / "truncated.mkv")
    with pytest.raises(UnreadableMediaError, match="directory"):
        probe(corpus / "folder.mp4")
    with pytest.raises(UnreadableMediaError, match="not found"):
        probe(corpus / "nope.mp4")
    assert probe(corpus / "silent.mp4").has_audio is False


def test_window_errors(corpus):
    good = corpus / "good.mp4"
    for start, duration, match in [(-0.5, 1.0, "before"), (1.5, 1.0, "ends"), (0.5, 0.0, "zero-length"),
                                   (0.5, 0.01, "zero-length"), (5.0, 1.0, "ends")]:
        with pytest.raises(ClipRangeError, match=match):
            load_clip(good, start, duration, fps=15, sample_rate=8000)
    clip = load_clip(good, 0.0, 2.0, fps=15, sample_rate=8000)  # the whole file is fine
    assert clip.frames.shape[0] == 30


def test_video_start_offset_is_honored(tmp_path):
    frames = np.zeros((25, 32, 32, 3), np.uint8)
    frames[10:] = 255  # first bright frame at 0.3 + 10 / 25 = 0.7 s
    write_av(tmp_path / "late.mp4", frames, np.zeros((2, 20000), np.float32), 25, 16000, video_start=0.3)
    assert probe(tmp_path / "late.mp4").video_start == pytest.approx(0.3, abs=1e-3)
    with pytest.raises(ClipRangeError, match="before the first video frame"):
        load_clip(tmp_path / "late.mp4", 0.1, 0.5, fps=25, sample_rate=16000)
    clip = load_clip(tmp_path / "late.mp4", 0.3, 0.6, fps=25, sample_rate=16000)
    assert np.flatnonzero(clip.frames.mean(axis=(1, 2, 3)) > 128)[0] == 10


def test_scan_counts_every_bad_file(corpus, capsys):
    index = scan(corpus, min_duration=1.0, workers=2)
    names = sorted(p.rsplit("/", 1)[-1] for p in index.paths)
    assert names == sorted(n for n, (e, _) in EXPECT.items() if e is None)
    by_path = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in index.skipped}
    assert by_path == {n: r for n, (_, r) in EXPECT.items() if r is not None}
    out = capsys.readouterr().out
    assert "3 usable of 11" in out and "truncated: 1" in out
    report = (corpus / "avscene_skipped.csv").read_text(encoding="utf-8")
    assert all(n in report for n in by_path)
    # require_audio=False keeps the silent video
    assert any(p.endswith("silent.mp4") for p in scan(corpus, min_duration=0.5, require_audio=False,
                                                      verbose=False).paths)


def test_a_cut_avi_is_truncated_though_it_reindexes_itself(tmp_path):
    """An AVI cut in half decodes as a shorter, valid-looking video (ffmpeg rebuilds its index); the probe
    compares the frames found with the count the header declares, so ``scan`` skips it as truncated."""
    avi = make_flash_tone(tmp_path / "full.avi", kind="avi", fps=10, duration=6.0).path
    data = avi.read_bytes()
    cut = tmp_path / "videos" / "cut.avi"
    cut.parent.mkdir()
    cut.write_bytes(data[: len(data) // 2])
    assert probe(avi).num_frames == 60
    with pytest.raises(TruncatedMediaError, match="of the 60 its header declares") as info:
        probe(cut)
    assert str(cut) in str(info.value)
    index = scan(tmp_path / "videos", min_duration=0.0, verbose=False)
    assert [s["reason"] for s in index.skipped] == ["truncated"]
