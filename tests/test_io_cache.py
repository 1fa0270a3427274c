"""The clip cache returns the same ``Clip`` as ``load_clip`` and notices changed sources."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from avscene import config
from avscene.io import ClipCache, ClipRangeError, load_clip, probe
from media_factory import burst_onsets, flash_onsets, make_flash_tone


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return make_flash_tone(tmp_path_factory.mktemp("cache") / "src.mkv", kind="mkv", fps=29.97,
                           sample_rate=22050, duration=2.6, audio_start=0.5, size=(48, 64))


def test_cache_matches_load_clip(source, tmp_path):
    m = config.get("smoke").media
    cache = ClipCache.from_profile(tmp_path / "cache", config.get("smoke"))
    folder = cache.build(source.path)
    assert np.load(folder / "frames.npy", mmap_mode="r").shape[1] == m.frame_size
    assert np.load(folder / "audio.npy", mmap_mode="r").dtype == np.int16
    reader = cache.open(source.path)
    for k in (0, 3, 7):  # starts on the cache's frame grid: identical frames
        start = reader.start + k / m.fps
        got = cache.load(source.path, start, 1.0)
        want = load_clip(source.path, start, 1.0, fps=m.fps, sample_rate=m.sample_rate, channels=m.channels,
                         size=m.frame_size)
        assert got.frames.shape == want.frames.shape and got.audio.shape == want.audio.shape
        np.testing.assert_array_equal(got.frames, want.frames)
        # same audio up to timestamp precision: Matroska rounds the seek point's time to 1 ms, and the
        # resampler's sub-sample phase follows where decoding began (<= half an output sample)
        np.testing.assert_allclose(burst_onsets(got.audio, start, m.sample_rate),
                                   burst_onsets(want.audio, start, m.sample_rate), atol=1e-3 + 1 / m.sample_rate)
        np.testing.assert_allclose(np.abs(got.audio).max(), np.abs(want.audio).max(), atol=0.02)
        assert got.start == want.start and got.fps == want.fps and got.sample_rate == want.sample_rate
    off = cache.load(source.path, reader.start + 0.31, 1.2)  # off the grid: still within a frame
    events = [e for e in source.events if off.start <= e <= off.start + 1.0]
    for e in events:
        f = flash_onsets(off.frames, off.start, m.fps)
        b = burst_onsets(off.audio, off.start, m.sample_rate)
        assert np.min(np.abs(f - e)) <= 1 / m.fps + 1e-3 and np.min(np.abs(b - e)) <= 1 / m.fps
    with pytest.raises(ClipRangeError, match="outside"):
        cache.load(source.path, reader.end - 0.5, 1.0)
    with pytest.raises(ClipRangeError):
        cache.load(source.path, reader.start - 0.3, 1.0)


@pytest.mark.parametrize("offsets", [dict(video_start=0.003), dict(video_start=0.001, audio_start=0.005)],
                         ids=["video-3ms", "video-1ms-audio-5ms"])
def test_cache_first_window_at_zero_matches_load_clip(tmp_path, offsets):
    """A WebM starting a hair late (first VP8 frame at 1-3 ms, Opus up to 5 ms late) is stored from 0.0
    (the paper's 29.97 fps, 21 kHz): the window at 0 reads the same frames, audio and zero fill as
    ``load_clip``; so do later windows on the store's frame grid, and ``av_start`` (off it by a few ms)
    is within a frame."""
    src = make_flash_tone(tmp_path / "late.webm", kind="webm-vp8", fps=30.0, sample_rate=48000, duration=1.6,
                          **offsets)
    fps, sr = 29.97, 21000
    cache = ClipCache(tmp_path / "c", fps=fps, sample_rate=sr, channels=2, frame_size=32)
    reader = cache.open(src.path)
    assert reader.start == 0.0 and json.loads((reader.folder / "meta.json").read_text())["start"] == 0.0
    for start in (0.0, 5 / fps):
        got = cache.load(src.path, start, 1.0)
        want = load_clip(src.path, start, 1.0, fps=fps, sample_rate=sr, channels=2, size=32)
        assert got.frames.shape == want.frames.shape and got.audio.shape == want.audio.shape
        np.testing.assert_array_equal(got.frames, want.frames)
        assert got.audio_padded == want.audio_padded == (0 if start else round(src.audio_start * sr))
        if start == 0.0:  # the same decode: equal up to int16 quantization
            np.testing.assert_allclose(got.audio, want.audio, atol=1 / 32767)
        np.testing.assert_allclose(burst_onsets(got.audio, start, sr), burst_onsets(want.audio, start, sr),
                                   atol=1e-3 + 1 / sr)
    av_start = probe(src.path).av_start
    off = cache.load(src.path, av_start, 1.0)
    want = load_clip(src.path, av_start, 1.0, fps=fps, sample_rate=sr, channels=2, size=32)
    np.testing.assert_allclose(flash_onsets(off.frames, av_start, fps), flash_onsets(want.frames, av_start, fps),
                               atol=1 / fps + 1e-6)


def test_cache_rebuilds_when_source_changes(source, tmp_path):
    cache = ClipCache(tmp_path / "c", fps=10, sample_rate=8000, channels=1, frame_size=24)
    copy = tmp_path / "copy.mkv"
    copy.write_bytes(source.path.read_bytes())
    cache.build(copy)
    assert cache.is_fresh(copy)
    first = cache.open(copy).frames.shape[0]
    make_flash_tone(copy, kind="mkv", fps=25, sample_rate=16000, duration=1.5)
    os.utime(copy, ns=(1, 1))
    assert not cache.is_fresh(copy)
    clip = cache.load(copy, 0.0, 1.0)
    assert cache.is_fresh(copy) and cache.open(copy).frames.shape[0] != first
    assert clip.frames.shape == (10, 24, 32, 3) and clip.audio.shape == (1, 8000)


def test_build_all_parallel_reports_failures(source, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope")
    cache = ClipCache(tmp_path / "c", fps=10, sample_rate=8000, channels=2, frame_size=24)
    failures = cache.build_all([source.path, bad], workers=2)
    assert list(failures) == [str(bad)] and "bad.mp4" in failures[str(bad)]
    assert cache.is_fresh(source.path)


def test_a_file_without_sound_is_refused_unless_silence_is_ok(tmp_path):
    from avscene.io import MediaError
    from avscene.io.write import write_av

    path = tmp_path / "silent.avi"
    write_av(path, np.full((25, 32, 40, 3), 90, np.uint8), None, 10, 8000, video_codec="mjpeg")
    cache = ClipCache.from_profile(tmp_path / "cache", config.get("smoke"))
    with pytest.raises(MediaError, match="audio"):
        cache.build(path)
    folder = cache.build(path, silent_ok=True)
    meta = json.loads((folder / "meta.json").read_text())
    frames, audio = np.load(folder / "frames.npy"), np.load(folder / "audio.npy")
    m = config.get("smoke").media
    assert meta["has_audio"] is False and not audio.any() and audio.dtype == np.int16
    assert audio.shape == (m.channels, round(frames.shape[0] * m.sample_rate / m.fps))  # the frames' length
    assert cache.is_fresh(path) and cache.open(path).frames.shape == frames.shape
