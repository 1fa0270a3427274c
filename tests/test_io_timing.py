"""Frame-exact timing of ``avscene.io.load_clip`` (step 2 acceptance): flashes and tone bursts that start
at the same instant must be found within one output frame of each other and of the true time, for every
container, frame rate, sample rate, channel count, audio offset and variable frame rate, from several
start times. Each case runs at the source rates and at the ``cpu`` profile's rates."""
from __future__ import annotations

import numpy as np
import pytest

from avscene import config
from avscene.io import load_clip, probe
from media_factory import burst_onsets, flash_onsets, make_flash_tone, FLASH_SECONDS

# every listed value appears at least once; not the full cartesian product (suite time)
CASES = [
    dict(kind="mp4", fps=25.0, sample_rate=48000, channels=2),
    dict(kind="mp4", fps=23.976, sample_rate=22050, channels=6),
    dict(kind="mp4", fps=29.97, sample_rate=44100, channels=1, audio_start=0.5),
    dict(kind="mp4", fps=30.0, sample_rate=16000, channels=2, vfr=True),
    dict(kind="webm-vp9", fps=30.0, sample_rate=48000, channels=2),
    dict(kind="webm-vp8", fps=60.0, sample_rate=16000, channels=1),
    dict(kind="webm-vp9", fps=29.97, sample_rate=8000, channels=2, audio_start=0.5),
    dict(kind="mkv", fps=29.97, sample_rate=8000, channels=2, audio_start=0.5),
    dict(kind="mkv", fps=60.0, sample_rate=22050, channels=6, vfr=True),
    dict(kind="avi", fps=25.0, sample_rate=44100, channels=6),
    dict(kind="avi", fps=60.0, sample_rate=8000, channels=1),
    dict(kind="avi", fps=23.976, sample_rate=48000, channels=2),
]
DURATION = 1.6


def _id(case: dict) -> str:
    return "-".join(f"{v}" for v in case.values())


@pytest.fixture(scope="module", params=CASES, ids=_id)
def media(request, tmp_path_factory):
    case = request.param
    path = tmp_path_factory.mktemp("timing") / f"clip.{case['kind'].split('-')[0]}"
    return make_flash_tone(path, duration=2.6, **case)


@pytest.mark.parametrize("rates", ["source", "cpu"])
def test_flash_and_burst_align(media, rates):
    info = probe(media.path)
    cpu = config.get("cpu").media
    fps, sr = (media.fps, media.sample_rate) if rates == "source" else (cpu.fps, cpu.sample_rate)
    period = 1.0 / fps
    starts = [info.av_start, info.av_start + 0.37, info.av_end - DURATION - 0.011]
    for start in starts:
        clip = load_clip(media.path, start, DURATION, fps=fps, sample_rate=sr, channels=2, size=32)
        assert clip.frames.shape == (round(DURATION * fps), 32, clip.frames.shape[2], 3)
        assert clip.frames.dtype == np.uint8 and clip.audio.dtype == np.float32
        assert clip.audio.shape == (2, round(DURATION * sr))
        expected = [e for e in media.events if start <= e <= start + DURATION - FLASH_SECONDS]
        assert expected, "test design: every window holds at least one event"
        flashes = flash_onsets(clip.frames, start, fps)
        bursts = burst_onsets(clip.audio, start, sr)
        for e in expected:
            f = flashes[np.argmin(np.abs(flashes - e))]
            b = bursts[np.argmin(np.abs(bursts - e))]
            where = f"{media.path.name} {media} start={start:.3f} fps={fps} sr={sr} event={e:.4f}"
            assert -0.0015 <= f - e <= period + 0.0015, f"flash at {f:.4f}: {where}"
            assert abs(b - e) <= 0.003, f"burst at {b:.4f}: {where}"
            assert abs(f - b) <= period + 0.0015, where


def test_same_rate_on_grid_is_exact(tmp_path):
    """At the source frame rate, a start on the frame grid gives each flash exactly at its event frame."""
    m = make_flash_tone(tmp_path / "g.mp4", fps=25.0, sample_rate=16000, duration=2.6)
    clip = load_clip(m.path, 0.6, 1.8, fps=25.0, sample_rate=16000, channels=1)
    np.testing.assert_allclose(flash_onsets(clip.frames, 0.6, 25.0),
                               [e for e in m.events if 0.6 <= e < 2.4], atol=1e-6)
    assert clip.audio.shape == (1, 28800)


def test_mono_duplicates_and_51_downmixes(tmp_path):
    mono = make_flash_tone(tmp_path / "m.mkv", kind="mkv", channels=1, sample_rate=16000, duration=1.5)
    clip = load_clip(mono.path, 0.0, 1.0, fps=25, sample_rate=16000, channels=2)
    np.testing.assert_array_equal(clip.audio[0], clip.audio[1])
    assert np.abs(clip.audio).max() == pytest.approx(0.5, abs=0.01)  # no -3 dB pan law on duplication
    surround = make_flash_tone(tmp_path / "s.mkv", kind="mkv", channels=6, sample_rate=16000, duration=1.5)
    clip = load_clip(surround.path, 0.0, 1.0, fps=25, sample_rate=16000, channels=2)
    assert clip.audio.shape == (2, 16000)
    assert 0.05 < np.abs(clip.audio).max() <= 1.0


def test_size_short_side_and_exact(tmp_path):
    m = make_flash_tone(tmp_path / "z.mp4", fps=25.0, sample_rate=16000, duration=1.0, size=(48, 64))
    assert load_clip(m.path, 0, 0.4, fps=25, sample_rate=16000, size=24).frames.shape == (10, 24, 32, 3)
    assert load_clip(m.path, 0, 0.4, fps=25, sample_rate=16000, size=(20, 30)).frames.shape == (10, 20, 30, 3)
    native = load_clip(m.path, 0, 0.4, fps=25, sample_rate=16000, audio=False)
    assert native.frames.shape == (10, 48, 64, 3) and native.audio is None
