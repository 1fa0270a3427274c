"""Mixtures for on/off-screen separation (step 11, notebook 06): solo clips, pairs, the original's levels
and both_videos_in_batch, frames and sound of each clip on one timeline."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from avscene import config, sampling
from avscene.separation import data as D

SMOKE = config.get("smoke")


@pytest.fixture(scope="module")
def source() -> D.SoloSource:
    return D.synthetic(SMOKE, "train", 12)


def test_solo_clips_hold_one_object_and_only_its_sound(source):
    from avscene.synthetic.datasets import SeparationSet

    scenes = SeparationSet(SMOKE.media, 12, p_same_class=0.0, seed=SMOKE.seed, split="train")
    clip = scenes[3]
    on = clip.stems[clip.stem_onscreen]
    assert len(clip.object_classes) == 1 and len(on) == 1  # one visible sounding object
    assert np.array_equal(source.audio[3], on[0]) and not np.array_equal(source.audio[3], clip.audio)
    assert np.array_equal(source.frames[3], clip.frames) and source.classes[3] == clip.object_classes[0]
    test = D.synthetic(SMOKE, "test", 2)
    assert not np.array_equal(test.frames[0], source.frames[0])


def test_pairs_are_distinct_and_keep_the_same_class_share():
    classes = np.repeat(np.arange(6), 20)
    rng = np.random.default_rng(0)
    first, second = D.draw_pairs(classes, 4000, 0.3, rng)
    assert (first != second).all()
    same = classes[first] == classes[second]
    assert abs(same.mean() - 0.3) < 0.03
    first, second = D.draw_pairs(classes, 500, 1.0, rng)
    assert (classes[first] == classes[second]).all()
    lone = np.array([0, 1, 2])  # no second video of any class: fall back to another video
    first, second = D.draw_pairs(lone, 50, 1.0, rng)
    assert (first != second).all()


def test_a_batch_holds_each_pair_twice_with_the_roles_swapped(source):
    ds = D.MixtureDataset(source, SMOKE, p_same_class=0.5, seed=1)
    items = [ds[i] for i in range(3)]
    b = D.collate(items)
    p = len(items)
    assert b["frames"].shape == (2 * p, SMOKE.media.clip_frames, SMOKE.media.crop_size, SMOKE.media.crop_size, 3)
    assert torch.equal(b["on"][:p], b["off"][p:]) and torch.equal(b["off"][:p], b["on"][p:])
    assert torch.allclose(b["mixture"], b["on"] + b["off"])
    rms = b["on"].pow(2).mean(-1).sqrt()
    assert torch.allclose(rms, torch.full_like(rms, D.SOURCE_RMS), atol=1e-5)  # per channel, in training
    assert torch.equal(ds[2]["audio_a"], items[2]["audio_a"])  # item i is a pure function of (seed, i)
    # frames and sound of each clip on one timeline: the sound starts at the clip's first frame
    m = SMOKE.media
    for k in range(2 * p):
        v, start = int(b["video"][k]), int(b["start"][k])
        j = int(sampling.audio_offset(start, m.fps, m.sample_rate))
        raw = torch.from_numpy(source.audio[v][:, j:j + m.clip_samples])
        assert torch.allclose(b["on"][k], D.rms_normalize(raw, D.SOURCE_RMS), atol=1e-6)


def test_test_mixtures_are_fixed_and_at_the_original_inference_level(source):
    ds = D.MixtureDataset(source, SMOKE, p_same_class=0.5, seed=2, train=False, n_test=5)
    assert len(ds) == 5
    b = D.collate([ds[i] for i in range(5)])
    again = D.collate([ds[i] for i in range(5)])
    assert torch.equal(b["mixture"], again["mixture"])
    level = b["mixture"].pow(2).mean(dim=(-2, -1)).sqrt()
    assert torch.allclose(level, torch.full_like(level, D.MIXTURE_RMS), atol=1e-5)
    assert torch.allclose(b["mixture"], b["on"] + b["off"], atol=1e-6)
    free = source.frames.shape[1] - SMOKE.media.clip_frames
    assert (b["start"] == free // 2).all()
    short = D.MixtureDataset(source, SMOKE, p_same_class=0.5, seed=2, train=False, n_test=1, clip_frames=10)
    item = short[0]
    assert item["frames_a"].shape[0] == 10 and item["audio_a"].shape[-1] == round(10 * SMOKE.media.sample_rate / SMOKE.media.fps)


def test_too_short_videos_are_refused():
    short = D.SoloSource(np.zeros((2, 3, 36, 36, 3), np.uint8), np.zeros((2, 2, 500), np.float32),
                         np.array([0, 1]), SMOKE.media.fps, SMOKE.media.sample_rate)
    with pytest.raises(ValueError, match="shorter than"):
        D.MixtureDataset(short, SMOKE, p_same_class=0.3)
