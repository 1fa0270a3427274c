"""Step-3 acceptance on the synthetic world: the pretext task is solvable only by sync.

The full figures (2,000 pairs) come from ``python -m avscene.bench synthetic --pairs 2000``; these tests
use fewer pairs, so their bounds are the acceptance band widened by about two standard errors
(per-example accuracy on the held-out half: SE ~ 1.5 % at 600 pairs, ~ 3 % at 150).
"""
import pytest

from avscene import config
from avscene.synthetic import acceptance

CPU = config.get("cpu")


def test_window_pairs_follow_the_paper_range():
    import numpy as np

    from avscene.synthetic.pairs import window_pairs

    pairs = window_pairs(np.random.default_rng(0), CPU, 5000)
    shift = np.abs(pairs[:, 1] - pairs[:, 0])
    assert shift.min() >= CPU.min_shift_frames and shift.max() <= CPU.max_shift_frames
    assert pairs.min() >= 0 and pairs.max() + CPU.media.clip_frames <= CPU.media.video_frames
    assert (pairs[:, 1] > pairs[:, 0]).mean() == pytest.approx(0.5, abs=0.03)  # both directions


def test_quick_only_sync_solves_it():
    r = acceptance.measure(CPU, "default", n_pairs=150, seed=5)
    assert r["sync_baseline"] >= 0.72
    assert r["audio_stats"] <= 0.62 and r["frame_stats_moved"] <= 0.62


@pytest.mark.slow
def test_default_difficulty_band_on_600_pairs():
    r = acceptance.measure(CPU, "default", n_pairs=600, seed=9)
    assert 0.77 <= r["sync_baseline"] <= 0.93, r
    assert r["audio_stats"] <= 0.57 and r["frame_stats"] <= 0.57 and r["frame_stats_moved"] <= 0.57, r


@pytest.mark.slow
def test_easy_preset_is_easier_than_default():
    easy = acceptance.measure(CPU, "easy", n_pairs=300, seed=9)
    assert easy["sync_baseline"] >= 0.9, easy
