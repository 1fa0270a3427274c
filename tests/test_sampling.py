"""The shift sampler is the original's: same video, overlap bound, uniform over valid pairs (step 4)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from avscene import config, sampling

T, O, F = 125, 60, 302  # the original: 125-frame windows, <= 60 frames of overlap, 302-frame videos


def test_original_pair_count_and_range() -> None:
    assert sampling.valid_pair_count(F, T, O) == 12_656
    values, probs = sampling.shift_distribution(F, T, O)
    assert values.min() == -176 and values.max() == 176 and np.abs(values).min() == 65
    assert np.isclose(probs.sum(), 1.0)
    fps = 29.97
    assert round(65 / fps, 2) == 2.17 and round(176 / fps, 2) == 5.87
    # brute force: every ordered pair of starts 0..176 at distance >= 65
    a, b = np.meshgrid(np.arange(F - T), np.arange(F - T))
    assert int((np.abs(a - b) >= T - O).sum()) == 12_656


def _plan(n: int = 100_000, seed: int = 0, frames=None, **kw) -> tuple[sampling.ShiftPlan, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_frames = np.array(frames if frames is not None else [F] * 50)
    videos = rng.integers(0, len(n_frames), n)
    return sampling.sample_shifts(rng, n_frames, videos, T, O, **kw), n_frames


def test_100k_pairs_inside_same_video_overlap_bounded() -> None:
    plan, n_frames = _plan(frames=np.random.default_rng(1).integers(sampling.min_video_frames(T, O), 400, 50))
    length = n_frames[plan.video]
    assert np.array_equal(plan.audio_video, plan.video)
    for start in (plan.video_start, plan.audio_start):
        assert start.min() >= 0 and np.all(start + T <= length - 1)  # starts 0 .. F-T-1, as the original
    overlap = T - np.abs(plan.shift_frames)
    assert overlap.max() <= O


def test_shift_law_matches_the_analytic_one() -> None:
    plan, _ = _plan()
    values, probs = sampling.shift_distribution(F, T, O)
    counts = np.array([(plan.shift_frames == v).sum() for v in values])
    assert counts.sum() == len(plan)
    chi2 = stats.chisquare(counts, probs * len(plan))
    assert chi2.pvalue > 1e-3, chi2
    # each ordered pair equally likely: marginal of the video start over pairs, too
    starts = np.arange(F - T)
    pair_weight = np.array([(np.abs(starts - s) >= T - O).sum() for s in starts], float)
    counts_start = np.bincount(plan.video_start, minlength=F - T)
    assert stats.chisquare(counts_start, pair_weight / pair_weight.sum() * len(plan)).pvalue > 1e-3
    assert abs(np.mean(plan.shift_frames > 0) - 0.5) < 0.01


def test_short_videos_refused() -> None:
    short = sampling.min_video_frames(T, O) - 1
    with pytest.raises(ValueError, match="too short"):
        _plan(n=10, frames=[F, short])
    plan, _ = _plan(n=2000, frames=[sampling.min_video_frames(T, O)])
    assert set(np.abs(plan.shift_frames)) == {T - O}  # exactly one distance fits


def test_other_video_and_small_variants() -> None:
    plan, n_frames = _plan(n=20_000, negatives="other_video")
    assert np.all(plan.audio_video != plan.video)
    assert np.all(plan.audio_start + T <= n_frames[plan.audio_video] - 1)
    small, _ = _plan(n=20_000, negatives="small", small_max_frames=10)
    d = np.abs(small.shift_frames)
    assert d.min() == 1 and d.max() == 10
    with pytest.raises(ValueError, match="negatives"):
        _plan(n=3, negatives="random")


@pytest.mark.parametrize("name", config.PROFILE_NAMES)
def test_profiles_admit_their_shifts(name: str) -> None:
    cfg = config.get(name)
    m = cfg.media
    rng = np.random.default_rng(0)
    plan = sampling.sample_shifts(rng, np.array([m.video_frames]), np.zeros(5000, int), m.clip_frames,
                                  cfg.shift.max_overlap_frames)
    d = np.abs(plan.shift_frames)
    assert d.min() >= cfg.min_shift_frames and d.max() <= cfg.max_shift_frames
    values, _ = sampling.shift_distribution(m.video_frames, m.clip_frames, cfg.shift.max_overlap_frames)
    assert (np.abs(values).min(), np.abs(values).max()) == (cfg.min_shift_frames, cfg.max_shift_frames)
    assert sampling.audio_offset(plan.audio_start, m.fps, m.sample_rate).max() + m.clip_samples <= m.video_samples


def test_audio_offset_is_the_originals() -> None:
    assert sampling.audio_offset(100, 29.97, 21000) == round(700.7 * 100)
