"""avscene.ots.avc: the audio-visual correspondence pairs (reference notes §2.5): one timeline, a random
offset, one code path for positives and negatives, determinism per (seed, i), and the shortcut pipeline."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from avscene import config
from avscene.ots import avc
from avscene.ots.avc import AVCDataset
from avscene.sampling import audio_offset
from avscene.synthetic.datasets import SoloDuetSet
from torch.utils.data import DataLoader

MEDIA = config.get("smoke").media  # 8 fps, 4 kHz, 5-s videos, 36-px frames, 32-px crops
V = 6
N_ITEMS = 400


pytestmark = pytest.mark.usefixtures("one_thread")


def _time_coded() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Videos whose content tells where it came from: frame ``k`` of video ``v`` has red = k, green = 10 v;
    audio sample ``j`` of video ``v`` is ``10 v + j / sr`` (seconds) on both channels."""
    t_frames, size = MEDIA.video_frames, MEDIA.frame_size
    frames = np.zeros((V, t_frames, size, size, 3), dtype=np.uint8)
    frames[..., 0] = np.arange(t_frames)[None, :, None, None]
    frames[..., 1] = 10 * np.arange(V)[:, None, None, None]
    n = MEDIA.video_samples
    audio = (10.0 * np.arange(V)[:, None, None] + np.arange(n)[None, None, :] / MEDIA.sample_rate)
    audio = np.repeat(audio, MEDIA.channels, axis=1).astype(np.float32)
    sets = np.zeros((V, 3), dtype=bool)
    sets[np.arange(V), np.arange(V) % 3] = True  # videos v and v + 3 share a class
    return frames, audio, sets


def _dataset(**kw) -> AVCDataset:
    frames, audio, sets = _time_coded()
    return AVCDataset(frames, audio, sets, fps=MEDIA.fps, sample_rate=MEDIA.sample_rate, crop_size=MEDIA.crop_size,
                      n=N_ITEMS, **kw)


def test_positives_same_video_same_seconds_negatives_another_video() -> None:
    ds = _dataset(seed=3)
    sr, fps = MEDIA.sample_rate, MEDIA.fps
    labels, offsets = [], []
    for i in range(N_ITEMS):
        it = ds[i]
        k, v = int(it["frame"][0, 0, 0]), int(it["frame"][0, 0, 1]) // 10
        assert (it["frame"][..., 0] == k).all() and it["frame"].shape == (32, 32, 3)
        assert (k, v) == (it["frame_index"], it["video"])
        a = it["audio"]
        assert a.shape == (sr,) and a.dtype == np.float32  # 1 s, mono
        audio_video = int(a[0] // 10)
        start_s = a[0] - 10 * audio_video  # where the window starts, read from the sound itself
        np.testing.assert_allclose(np.diff(a), 1 / sr, atol=1e-4)  # contiguous, unpadded
        centre_s = start_s + 0.5
        frame_s = k / fps  # frame k starts at k / fps seconds
        # the window's centre is the frame's time plus the drawn offset (to the sample), never more than
        # the stated maximum offset plus one frame away
        assert abs(centre_s - it["offset"] / sr - frame_s) < 1 / fps
        assert abs(centre_s - it["offset"] / sr - frame_s) < 2 / sr
        assert abs(centre_s - frame_s) <= avc.MAX_OFFSET_SECONDS + 1 / fps
        assert it["audio_start"] == audio_offset(k, fps, sr) - sr // 2 + it["offset"]
        assert audio_video == it["audio_video"]
        if it["label"] == 1:
            assert audio_video == v
        else:
            assert audio_video != v
        labels.append(it["label"])
        offsets.append(it["offset"])
    labels, offsets = np.array(labels), np.array(offsets)
    assert 0.4 < labels.mean() < 0.6
    max_off = round(avc.MAX_OFFSET_SECONDS * sr)
    assert offsets.min() >= -max_off and offsets.max() <= max_off
    assert offsets.min() < -0.8 * max_off and offsets.max() > 0.8 * max_off  # the whole range is used
    assert len(np.unique(offsets % round(sr / fps))) > 100  # no fixed phase against the frame grid
    # frames come from every video and from all the admissible frames
    assert {ds[i]["video"] for i in range(N_ITEMS)} == set(range(V))
    assert ds.valid_frames.min() == 6 and ds.valid_frames.max() == 34  # 0.75 s .. 4.25 s of a 5-s video


def test_item_is_a_pure_function_of_seed_and_index() -> None:
    a, b, c = _dataset(seed=1), _dataset(seed=1), _dataset(seed=2)
    for i in (0, 5, 399, -1):
        x, y = a[i], b[i]
        assert x.keys() == y.keys()
        for key in x:
            np.testing.assert_array_equal(x[key], y[key])
    np.testing.assert_array_equal(a[7]["audio"], a[7]["audio"])  # twice from one dataset
    assert any(a[i]["audio_start"] != c[i]["audio_start"] or a[i]["video"] != c[i]["video"] for i in range(10))
    with pytest.raises(IndexError):
        a[N_ITEMS]


def test_other_classes_negatives_and_centre_crop() -> None:
    ds = _dataset(seed=0, negatives="other_classes", crop="center")
    sets = ds.class_sets
    seen_same_class_other = False
    for i in range(200):
        it = ds[i]
        if it["label"] == 0:
            assert not (sets[it["video"]] & sets[it["audio_video"]]).any()
    plain = _dataset(seed=0)
    for i in range(200):
        it = plain[i]
        if it["label"] == 0 and it["audio_video"] % 3 == it["video"] % 3:
            seen_same_class_other = True
    assert seen_same_class_other  # the paper's negatives may share the frame's class (label noise)
    frames, _, _ = _time_coded()
    it = ds[3]
    np.testing.assert_array_equal(it["frame"], frames[it["video"], it["frame_index"], 2:34, 2:34])
    with pytest.raises(ValueError):
        _dataset(negatives="same_video")


def test_collate_batches_for_the_networks() -> None:
    ds = _dataset(seed=0)
    batch = next(iter(DataLoader(ds, batch_size=8, collate_fn=ds.collate)))
    assert batch["image"].shape == (8, 3, 32, 32) and batch["image"].dtype == torch.float32
    assert batch["image"].min() >= -1 and batch["image"].max() <= 1
    first = ds[0]
    expected = torch.from_numpy(first["frame"]).permute(2, 0, 1).float() / 127.5 - 1
    torch.testing.assert_close(batch["image"][0], expected)
    assert batch["spec"].shape == (8, 1, 33, 199)
    for key in ("label", "video", "audio_video", "frame_index", "audio_start", "offset"):
        assert batch[key].shape == (8,) and batch[key].dtype == torch.int64
    assert batch["label"][0] == first["label"] and batch["audio_video"][0] == first["audio_video"]


def test_shortcut_negatives_are_detectable_without_semantics() -> None:
    """The cautionary tale: a hand-written detector (no learning) is at chance on the honest pairs and far
    above it when only the negatives go through another decoder."""
    clips = SoloDuetSet(MEDIA, 16, seed=0, split="train")
    honest = AVCDataset.from_set(clips, n=N_ITEMS, seed=0)
    shortcut = AVCDataset.from_set(clips, n=N_ITEMS, seed=0, shortcut=True)
    assert honest.frames.shape == (16, MEDIA.video_frames, 36, 36, 3) and honest.crop_size == MEDIA.crop_size
    hb = honest.collate([honest[i] for i in range(N_ITEMS)])
    sb = shortcut.collate([shortcut[i] for i in range(N_ITEMS)])
    assert torch.equal(hb["label"], sb["label"]) and torch.equal(hb["audio_start"], sb["audio_start"])
    pos = hb["label"] == 1
    torch.testing.assert_close(hb["spec"][pos], sb["spec"][pos])  # positives untouched
    assert not torch.allclose(hb["spec"][~pos], sb["spec"][~pos])
    acc_honest = avc.detector_accuracy(avc.highband_score(hb["spec"]), hb["label"])
    acc_shortcut = avc.detector_accuracy(avc.highband_score(sb["spec"]), sb["label"])
    assert abs(acc_honest - 0.5) < 0.1, acc_honest
    assert acc_shortcut > 0.85, acc_shortcut
    # the negatives' decoder removes everything above 80 % of Nyquist, exactly
    x = np.random.default_rng(0).standard_normal(4000).astype(np.float32)
    y = np.fft.rfft(avc.lowpass_resample(x))
    assert np.abs(y[int(0.8 * 2000) + 1:]).max() < 1e-3 and np.abs(y[:1500]).min() > 0
