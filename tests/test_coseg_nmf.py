"""avscene.coseg.nmf: the KL-NMF separation baseline on synthetic spectrograms with
known sources (reference notes §3.4, §3.5). Small F and T: the whole file runs in well
under a second."""
from __future__ import annotations

import numpy as np
import pytest
from avscene.coseg import nmf

F, T = 32, 40


def _shapes(rng: np.random.Generator, lo: int, hi: int, n: int = 2) -> np.ndarray:
    """``[F, n]`` positive spectral shapes with energy only in bins ``lo..hi-1``."""
    shapes = np.zeros((F, n))
    shapes[lo:hi] = rng.uniform(0.2, 1.0, (hi - lo, n))
    return shapes


def _clip(rng: np.random.Generator, shapes: np.ndarray) -> np.ndarray:
    """``[F, T]``: the shapes with random non-negative activations over time."""
    return shapes @ rng.uniform(0.0, 1.0, (shapes.shape[1], T))


@pytest.fixture
def disjoint():
    """Class 0 lives in bins 0-9, class 1 in bins 20-29: three solo clips each, then a
    fresh clip of each class and their sum (magnitudes add exactly here)."""
    rng = np.random.default_rng(1)
    sh0, sh1 = _shapes(rng, 0, 10), _shapes(rng, 20, 30)
    solos0 = [_clip(rng, sh0) for _ in range(3)]
    solos1 = [_clip(rng, sh1) for _ in range(3)]
    s0, s1 = _clip(rng, sh0), _clip(rng, sh1)
    return solos0, solos1, s0, s1


def test_bases_shape_l1_norm_and_support(disjoint) -> None:
    solos0, solos1, _, _ = disjoint
    b0, b1 = nmf.learn_bases(solos0, 2), nmf.learn_bases(solos1, 3)
    assert b0.shape == (F, 2) and b1.shape == (F, 3)
    assert (b0 >= 0).all() and (b1 >= 0).all()
    np.testing.assert_allclose(b0.sum(axis=0), 1.0)  # unit L1 norm per basis
    np.testing.assert_allclose(b1.sum(axis=0), 1.0)
    # ~all of each basis's mass lies in its class's bins
    assert (b0[0:10].sum(axis=0) > 1 - 1e-6).all()
    assert (b1[20:30].sum(axis=0) > 1 - 1e-6).all()


def test_bases_reconstruct_the_training_frames(disjoint) -> None:
    """The class is rank 2, so 2 bases explain its clips (< 1 % relative error with
    scikit-learn's default stopping tolerance)."""
    solos0, _, _, _ = disjoint
    b0 = nmf.learn_bases(solos0, 2)
    for clip in solos0:
        h = nmf.fit_activations(clip, [b0])
        assert np.linalg.norm(b0 @ h - clip) / np.linalg.norm(clip) < 1e-2


def test_fit_activations_recovers_known_activations() -> None:
    """The sklearn call is transposed (bases passed as its fixed ``H``, activations
    read from its ``W``): with exact data ``V = W @ H`` and all updates run, ``H``
    comes back."""
    rng = np.random.default_rng(0)
    w = rng.uniform(0.1, 1.0, (F, 4))
    w /= w.sum(axis=0)
    h = rng.uniform(0.0, 2.0, (4, T))
    got = nmf.fit_activations(w @ h, [w[:, :2], w[:, 2:]], max_iter=3000, tol=0.0)
    assert got.shape == (4, T)
    assert np.abs(got - h).max() < 0.01 * h.max()
    np.testing.assert_allclose(w @ got, w @ h, rtol=0, atol=1e-3 * (w @ h).max())


def test_separate_disjoint_sources_exactly(disjoint) -> None:
    """Disjoint supports: each estimate matches its source to relative error < 1e-6."""
    solos0, solos1, s0, s1 = disjoint
    bases = [nmf.learn_bases(solos0, 2), nmf.learn_bases(solos1, 2)]
    mix = s0 + s1
    est = nmf.separate(mix, bases)
    assert est.shape == (2, F, T) and (est >= 0).all()
    for e, s in zip(est, (s0, s1), strict=True):
        assert np.linalg.norm(e - s) / np.linalg.norm(s) < 1e-6
    # masks sum to at most 1; the estimates sum to the mixture where it is non-zero
    masks = np.divide(est, mix[None], out=np.zeros_like(est), where=mix[None] > 0)
    assert (masks.sum(axis=0) <= 1 + 1e-12).all()
    nz = mix > 0
    np.testing.assert_allclose(est.sum(axis=0)[nz], mix[nz], rtol=1e-6)
    assert (est[:, ~nz] == 0).all()


def test_separate_overlapping_sources_beats_the_mixture() -> None:
    """Supports overlapping on bins 10-19: still within 5 % relative error, far better
    than using half the mixture as each estimate (≈ 50 % error here)."""
    rng = np.random.default_rng(3)
    sh0, sh1 = _shapes(rng, 0, 20), _shapes(rng, 10, 30)
    b0 = nmf.learn_bases([_clip(rng, sh0) for _ in range(3)], 2)
    b1 = nmf.learn_bases([_clip(rng, sh1) for _ in range(3)], 2)
    s0, s1 = _clip(rng, sh0), _clip(rng, sh1)
    mix = s0 + s1
    est = nmf.separate(mix, [b0, b1])
    for e, s in zip(est, (s0, s1), strict=True):
        err = np.linalg.norm(e - s) / np.linalg.norm(s)
        half_mix = np.linalg.norm(mix / 2 - s) / np.linalg.norm(s)
        assert err < 0.05 and err < 0.2 * half_mix


def test_deterministic_for_a_fixed_seed(disjoint) -> None:
    solos0, solos1, s0, s1 = disjoint
    a = [nmf.learn_bases(solos0, 2, seed=7), nmf.learn_bases(solos1, 2, seed=7)]
    b = [nmf.learn_bases(solos0, 2, seed=7), nmf.learn_bases(solos1, 2, seed=7)]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(nmf.separate(s0 + s1, a), nmf.separate(s0 + s1, b))


def test_silent_mixture_and_single_array() -> None:
    rng = np.random.default_rng(0)
    # one [F, T] array is accepted in place of a list
    b = nmf.learn_bases(_clip(rng, _shapes(rng, 0, 10)), 2)
    est = nmf.separate(np.zeros((F, T)), [b, b])
    assert est.shape == (2, F, T) and not est.any()


def test_bad_inputs() -> None:
    good = np.ones((F, T))
    with pytest.raises(ValueError, match="same number of bins"):
        nmf.learn_bases([good, np.ones((F + 1, T))], 2)
    with pytest.raises(ValueError, match="non-negative"):
        nmf.learn_bases([-good], 2)
    with pytest.raises(ValueError, match="at least one"):
        nmf.learn_bases([], 2)
    with pytest.raises(ValueError, match="n_components"):
        nmf.learn_bases([good], 0)
    with pytest.raises(ValueError, match=r"bases\[1\]"):
        nmf.separate(good, [np.ones((F, 2)), np.ones((F - 1, 2))])
    with pytest.raises(ValueError, match="NaN"):
        nmf.separate(np.full((F, T), np.nan), [np.ones((F, 2))])
