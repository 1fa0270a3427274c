"""Profiles: the paper's sizes at `gpu`, self-consistent windows and shifts everywhere (step 1)."""
from __future__ import annotations

import dataclasses

import pytest

from avscene import config


def test_gpu_profile_is_the_paper() -> None:
    m = config.get("gpu").media
    # reference notes §1.1: 125 frames at 29.97 fps, 87,588 stereo samples at 21 kHz, 302-frame videos
    assert (m.fps, m.sample_rate, m.channels, m.crop_size, m.frame_size) == (29.97, 21000, 2, 224, 256)
    assert (m.clip_frames, m.clip_samples, m.video_frames) == (125, 87588, 302)
    assert config.get("gpu").shift.max_overlap_frames == 60
    assert config.get("gpu").min_shift_frames == 65


@pytest.mark.parametrize("name", config.PROFILE_NAMES)
def test_profile_consistent(name: str) -> None:
    p = config.get(name)
    m = p.media
    assert p.name == name
    assert m.crop_size <= m.frame_size and m.crop_size % 2 == 0
    assert 0 < p.min_shift_frames < p.max_shift_frames, "the video must hold a window plus the shifts"
    assert m.clip_samples == round(m.clip_frames * m.sample_rate / m.fps)
    assert m.channels == 2  # the network takes stereo at every size


def test_profiles_grow() -> None:
    sizes = [config.get(n).media.crop_size * config.get(n).media.clip_frames for n in config.PROFILE_NAMES]
    assert sizes == sorted(sizes)


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(ValueError, match="smoke, cpu, colab, gpu"):
        config.get("laptop")


def test_default_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_VAR, "smoke")
    assert config.get().name == "smoke"
    monkeypatch.delenv(config.ENV_VAR)
    assert config.get().name == "cpu"


def test_replace_is_a_copy() -> None:
    cpu = config.get("cpu")
    changed = cpu.replace(**{"train.steps": 7, "media.fps": 10.0, "seed": 3})
    assert (changed.train.steps, changed.media.fps, changed.seed) == (7, 10.0, 3)
    assert config.get("cpu").train.steps == cpu.train.steps != 7
    with pytest.raises(dataclasses.FrozenInstanceError):
        cpu.media.fps = 1.0  # type: ignore[misc]
