"""The motion-energy x audio-envelope correlation baseline (avscene.sync_baseline)."""
import numpy as np
import pytest

from avscene import sync_baseline as sb

FPS, SR, T, SIDE = 15.0, 8000, 48, 32


def _flash_clip(event_frames: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A square that lights up at ``event_frames`` and audio bursts at the same frames."""
    frames = np.full((T, SIDE, SIDE, 3), 60, np.uint8)
    frames[event_frames, 8:16, 8:16] = 250
    spf = int(SR / FPS)
    audio = rng.normal(0, 0.01, (2, T * spf)).astype(np.float32)
    for f in event_frames:
        audio[:, f * spf:(f + 1) * spf] += rng.normal(0, 0.5, (2, spf)).astype(np.float32)
    return frames, audio


def test_motion_energy_and_envelope_shapes_and_peaks():
    rng = np.random.default_rng(0)
    frames, audio = _flash_clip(np.array([10, 30]), rng)
    me = sb.motion_energy(frames)
    env = sb.audio_envelope(audio, T)
    assert me.shape == (T,) and env.shape == (T,)
    assert me[10] > 10 * np.median(me) + 1e-6 and me[5] == 0
    assert set(np.argsort(env)[-2:]) == {10, 30}
    batch = sb.motion_energy(np.stack([frames, frames]))
    assert batch.shape == (2, T)
    assert np.array_equal(sb.motion_energy(np.zeros((T, 8, 8, 3), np.uint8)), np.zeros(T, np.float32))


def test_sync_score_separates_aligned_from_shifted():
    rng = np.random.default_rng(1)
    ev = np.sort(rng.choice(np.arange(2, T - 2), 8, replace=False))
    frames, audio = _flash_clip(ev, rng)
    aligned = float(sb.sync_score(frames, audio))
    shifted = float(sb.sync_score(frames, np.roll(audio, 17 * int(SR / FPS), axis=-1)))
    # a flash changes the picture twice (on, off) for one burst, so the best correlation is ~0.7
    assert aligned > 0.55
    assert shifted < 0.3
    both = sb.sync_score(np.stack([frames, frames]), np.stack([audio, audio]))
    assert both.shape == (2,) and np.allclose(both, aligned)


def test_frame_differences_are_the_per_pixel_motion_energy():
    """One definition: the per-frame energy is the spatial mean of the per-pixel differences."""
    rng = np.random.default_rng(2)
    frames, _ = _flash_clip(np.array([5, 12]), rng)
    d = sb.frame_differences(frames)
    assert d.shape == (T - 1, SIDE, SIDE) and d.dtype == np.float32
    assert d[4, 8:16, 8:16].min() == pytest.approx(190.0) and d[4, 20:, 20:].max() == 0  # on at frame 5
    np.testing.assert_array_equal(sb.motion_energy(frames)[1:], d.mean(axis=(1, 2)))


def test_threshold_accuracy_extremes():
    rng = np.random.default_rng(3)
    pos, neg = rng.normal(2, 0.1, 400), rng.normal(-2, 0.1, 400)
    r = sb.threshold_accuracy(pos, neg)
    assert r["accuracy"] == 1.0 and r["pairwise"] == 1.0
    same = rng.normal(0, 1, 800)
    r = sb.threshold_accuracy(same[:400], same[400:])
    assert 0.4 < r["accuracy"] < 0.6 and r["n_test_pairs"] == 200
