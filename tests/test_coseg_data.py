"""Mix-and-Separate data (step 13, notebook 08; reference notes §3.1): draws, gains, mixing, alignment of
frames and sound, batches and the network's warped inputs and targets."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from avscene import config, sampling
from avscene.coseg import data as D
from avscene.coseg import spectrogram as S
from avscene.separation.data import synthetic

SMOKE = config.get("smoke")  # 8 fps, 4 kHz: 40 frames, 20000 samples per video
SPACING = 8  # frames apart
SAMPLES = 8191  # about 2 s: centres 8 .. 31 fit both the frames and the window


@pytest.fixture(scope="module")
def source():
    return synthetic(SMOKE, "train", 4)


def _dataset(source, train: bool, **kw) -> D.MixSeparateDataset:
    return D.MixSeparateDataset(source, 6, frame_spacing=SPACING, samples=SAMPLES, train=train, seed=3, **kw)


def _raw(source, video: int, start: int) -> np.ndarray:
    """The mono sound of ``video`` from sample ``start`` straight from the arrays ``[SAMPLES]``."""
    return source.audio[video, :, start:start + SAMPLES].mean(axis=0)


def test_items_are_deterministic_and_differ(source) -> None:
    ds = _dataset(source, True)
    a, b = ds[2], _dataset(source, True)[2]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    other = ds[3]
    assert not torch.equal(a["mixture"], other["mixture"])
    test = _dataset(source, False)[2]
    assert torch.equal(test["videos"], a["videos"])  # train and test items of one index share their videos


def test_distinct_videos_and_the_mixture_is_their_mean(source) -> None:
    ds = _dataset(source, True, n_mix=3)
    for i in range(len(ds)):
        item = ds[i]
        videos = item["videos"].numpy()
        assert len(set(videos.tolist())) == 3
        assert np.array_equal(item["classes"].numpy(), source.classes[videos])
        assert bool(item["same_class"]) == (len(set(source.classes[videos].tolist())) < 3)
        assert torch.equal(item["mixture"], item["sources"].mean(dim=0))
        assert item["mixture"].dtype == torch.float32 and item["sources"].shape == (3, SAMPLES)


def test_no_gain_at_test_time(source) -> None:
    ds = _dataset(source, False)
    for i in range(3):
        item = ds[i]
        assert torch.equal(item["gain"], torch.ones(2))
        cuts = zip(item["videos"].tolist(), item["start"].tolist(), item["sources"].numpy(), strict=True)
        for v, s, src in cuts:
            raw = _raw(source, v, s)
            assert np.abs(raw).max() <= 1.0  # so the official clipping changes nothing here
            assert np.array_equal(src, raw)


def test_train_gain_in_range_by_least_squares(source) -> None:
    ds = _dataset(source, True)
    gains = []
    for i in range(len(ds)):
        item = ds[i]
        cuts = zip(item["videos"].tolist(), item["start"].tolist(), item["sources"].numpy(), strict=True)
        for v, s, src in cuts:
            raw = _raw(source, v, s).astype(np.float64)
            inside = np.abs(src) < 1.0  # clipped samples carry no gain
            g = float(raw[inside] @ src[inside] / (raw[inside] @ raw[inside]))
            assert 0.5 <= g <= 1.5
            np.testing.assert_allclose(src, np.clip(g * raw, -1.0, 1.0), atol=1e-6)
            gains.append(g)
        np.testing.assert_allclose(item["gain"].numpy(), gains[-2:], rtol=1e-5)
    assert np.ptp(gains) > 0.1  # drawn, not fixed


def test_frames_and_sound_are_aligned(source) -> None:
    for train in (True, False):
        item = _dataset(source, train)[1]
        for n, (v, c, s) in enumerate(zip(item["videos"].tolist(), item["centre"].tolist(), item["start"].tolist(),
                                          strict=True)):
            assert s == int(sampling.audio_offset(c, SMOKE.media.fps, SMOKE.media.sample_rate)) - SAMPLES // 2
            assert 0 <= s and s + SAMPLES <= source.audio.shape[-1]
            want = source.frames[v, [c - SPACING, c, c + SPACING]]
            assert np.array_equal(item["frames"][n].numpy(), want)


def test_collate_shapes(source) -> None:
    ds = _dataset(source, True)
    batch = D.collate([ds[i] for i in range(3)])
    h = SMOKE.media.frame_size
    assert batch["frames"].shape == (3, 2, 3, h, h, 3) and batch["frames"].dtype == torch.uint8
    assert batch["sources"].shape == (3, 2, SAMPLES) and batch["mixture"].shape == (3, SAMPLES)
    for key in ("classes", "videos", "centre", "start"):
        assert batch[key].shape == (3, 2) and batch[key].dtype == torch.int64
    assert batch["same_class"].shape == (3,)
    loader = torch.utils.data.DataLoader(ds, batch_size=2, collate_fn=D.collate)
    assert next(iter(loader))["sources"].shape == (2, 2, SAMPLES)


def test_spectrograms_shapes_and_binary_targets(source) -> None:
    ds = _dataset(source, True)
    batch = D.collate([ds[0], ds[1]])
    n_fft, hop, rows = 254, 64, 64
    f, t = n_fft // 2 + 1, 1 + SAMPLES // hop
    out = D.spectrograms(batch, n_fft=n_fft, hop=hop, rows=rows)
    assert out["mag_mix"].shape == out["phase_mix"].shape == (2, 1, f, t)
    assert out["log_mix"].shape == out["weight"].shape == (2, 1, rows, t)
    assert out["mags"].shape == out["binary"].shape == out["ratio"].shape == (2, 2, rows, t)
    assert torch.isfinite(out["log_mix"]).all() and (out["mag_mix"] >= D.MIX_FLOOR).all()
    torch.testing.assert_close(out["log_mix"], torch.log(S.warp(out["mag_mix"], rows)))

    # Source 1 silent: its target is 0 everywhere; source 0 is the whole mixture, so 1 wherever it sounds.
    silent = dict(batch)
    sources = batch["sources"].clone()
    sources[:, 1] = 0.0
    silent["sources"], silent["mixture"] = sources, sources.mean(dim=1)
    out = D.spectrograms(silent, n_fft=n_fft, hop=hop, rows=rows)
    assert not out["binary"][:, 1].any()
    sounding = out["mags"][:, 0] > 1e-6
    assert sounding.float().mean() > 0.1  # the synthetic sounds pause: not everywhere
    assert out["binary"][:, 0][sounding].all()


def test_too_long_a_window_is_refused(source) -> None:
    with pytest.raises(ValueError, match="long enough"):
        D.MixSeparateDataset(source, 4, frame_spacing=SPACING, samples=source.audio.shape[-1] + 1, train=True)
    with pytest.raises(ValueError, match="long enough"):
        D.MixSeparateDataset(source, 4, frame_spacing=30, samples=SAMPLES, train=True)
