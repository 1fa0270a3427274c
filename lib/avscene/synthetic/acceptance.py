"""Is the synthetic pretext task solvable only by sync? The step-3 acceptance measurements.

On aligned vs. shifted pairs of the same video (``pairs.window_pairs``), a logistic regression on
audio-only or frames-only *global statistics* must stay at chance, while the motion-energy x
audio-envelope correlation (``avscene.sync_baseline``) must score well above it (>= 80 %) and, at the
default difficulty, at most 90 % (Owens & Efros 2018, §3: the task needs the two senses together).
Windows follow the original sampler: the shifted example keeps the video window and takes audio
from another start whose window overlaps it by at most ``cfg.shift.max_overlap_frames`` frames.
"""
from __future__ import annotations

import numpy as np
from scipy import optimize

from .. import sync_baseline as sb
from ..config import Profile
from .difficulty import Difficulty
from .pairs import cut, window_pairs
from .scene import World


def audio_stats(audio: np.ndarray, sr: int, n_frames: int) -> np.ndarray:
    """Global audio statistics float64 ``[F]`` of one window ``[C, N]``: level, spectrum, envelope, stereo."""
    x = audio.astype(np.float64)
    mono = x.mean(axis=0)
    env = sb.audio_envelope(audio, n_frames).astype(np.float64)
    spec = np.abs(np.fft.rfft(mono)) ** 2
    bands = np.array([b.sum() for b in np.array_split(spec, 8)]) + 1e-12
    zcr = np.mean(np.abs(np.diff(np.sign(mono)))) / 2
    lr = np.log((np.square(x[0]).mean() + 1e-12) / (np.square(x[-1]).mean() + 1e-12))
    q = np.quantile(env, [0.1, 0.5, 0.9])
    return np.concatenate([[np.log(np.square(mono).mean() + 1e-12), zcr, lr, env.std() / (env.mean() + 1e-9)],
                           np.log(bands / bands.sum()), np.log(q + 1e-9)])


def frame_stats(frames: np.ndarray) -> np.ndarray:
    """Global picture statistics float64 ``[F]`` of one window ``[T, H, W, 3]``: color, contrast, motion."""
    f = frames.astype(np.float32)
    me = sb.motion_energy(frames).astype(np.float64)
    return np.concatenate([f.mean(axis=(0, 1, 2)), f.std(axis=(0, 1, 2)),
                           [me.mean(), me.std(), np.quantile(me, 0.9)]]).astype(np.float64)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> np.ndarray:
    """L2-regularized logistic regression by L-BFGS: weights ``[F + 1]`` (last = bias) for ``x`` ``[M, F]``."""
    xb = np.concatenate([x, np.ones((len(x), 1))], axis=1)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xb @ w
        p = 1 / (1 + np.exp(-z))
        nll = np.mean(np.logaddexp(0, z) - y * z) + 0.5 * l2 * np.sum(w[:-1] ** 2)
        grad = xb.T @ (p - y) / len(y)
        grad[:-1] += l2 * w[:-1]
        return nll, grad

    return optimize.minimize(loss, np.zeros(xb.shape[1]), jac=True, method="L-BFGS-B").x


def logistic_accuracy(feat_pos: np.ndarray, feat_neg: np.ndarray, fit_fraction: float = 0.5) -> float:
    """Held-out accuracy of a logistic regression separating ``feat_pos`` ``[P, F]`` from ``feat_neg`` ``[P, F]``.

    Fit on the first ``fit_fraction`` of the *videos* (both of each video's examples), tested on the rest.
    """
    n_fit = int(len(feat_pos) * fit_fraction)
    xtr = np.concatenate([feat_pos[:n_fit], feat_neg[:n_fit]])
    mu, sd = xtr.mean(axis=0), xtr.std(axis=0) + 1e-9
    ytr = np.concatenate([np.ones(n_fit), np.zeros(n_fit)])
    w = fit_logistic((xtr - mu) / sd, ytr)
    xte = np.concatenate([feat_pos[n_fit:], feat_neg[n_fit:]])
    yte = np.concatenate([np.ones(len(feat_pos) - n_fit), np.zeros(len(feat_neg) - n_fit)])
    pred = ((xte - mu) / sd) @ w[:-1] + w[-1] > 0
    return float((pred == yte).mean())


def measure(cfg: Profile, difficulty: str | Difficulty | None = None, n_pairs: int = 2000, seed: int = 1,
            progress: bool = False) -> dict[str, float]:
    """Generate ``n_pairs`` videos, one aligned/shifted pair each, and measure every acceptance figure.

    Returns accuracies (held-out halves): ``sync_baseline`` (per example, threshold fit on the first
    half), ``sync_pairwise``, ``audio_stats``, ``frame_stats`` (logistic regressions). The shifted
    example keeps the video window, so ``frame_stats`` is at chance by construction;
    ``frame_stats_moved`` is the informative frames-only check: aligned frames vs. the frames of the
    shifted window (would the window's position show in the picture?).
    """
    m = cfg.media
    world = World(m, difficulty, seed=seed)
    pairs = window_pairs(np.random.default_rng([seed, 2**31]), cfg, n_pairs)
    s_pos, s_neg, a_pos, a_neg, f_pos, f_neg, f_sw = [], [], [], [], [], [], []
    it = range(n_pairs)
    if progress:
        from ..runtime import progress as bar
        it = bar(it, desc="pairs")
    for i in it:
        clip = world.clip(i)
        fa, aa = cut(clip.frames, clip.audio, pairs[i, 0], pairs[i, 0], m.clip_frames, m.fps, m.sample_rate)
        fs, as_ = cut(clip.frames, clip.audio, pairs[i, 0], pairs[i, 1], m.clip_frames, m.fps, m.sample_rate)
        s_pos.append(sb.sync_score(fa, aa))
        s_neg.append(sb.sync_score(fs, as_))
        a_pos.append(audio_stats(aa, m.sample_rate, m.clip_frames))
        a_neg.append(audio_stats(as_, m.sample_rate, m.clip_frames))
        f_pos.append(frame_stats(fa))
        f_neg.append(frame_stats(fs))
        # the frames of the shifted window (as if a sampler moved the video instead of the audio)
        f_sw.append(frame_stats(clip.frames[pairs[i, 1]:pairs[i, 1] + m.clip_frames]))
    base = sb.threshold_accuracy(np.array(s_pos), np.array(s_neg))
    return {"n_pairs": n_pairs, "sync_baseline": base["accuracy"], "sync_pairwise": base["pairwise"],
            "audio_stats": logistic_accuracy(np.array(a_pos), np.array(a_neg)),
            "frame_stats": logistic_accuracy(np.array(f_pos), np.array(f_neg)),
            "frame_stats_moved": logistic_accuracy(np.array(f_pos), np.array(f_sw))}
