"""The motion-energy x audio-envelope correlation baseline for audio-visual synchrony.

Role: the simplest detector of "are these frames and this audio aligned?" (Owens & Efros 2018, §3):
correlate how much the picture changes (mean absolute frame difference) with how loud the sound
is (RMS envelope, one value per video frame), taking the best of lags -1..1 frames. (Correlating
with onsets, the positive change of the log envelope, scored lower on the synthetic world: about
63 % vs. 86 % at the default difficulty on 300 pairs, because ringing and sustained sounds keep
the picture moving after the onset.) It is the bar the synthetic world's default difficulty is tuned
against (step 3: 80-90 % per-example accuracy on aligned vs. shifted pairs) and the bar the pretrained
network must clear (notebook 03).

Motion energy is defined here once (:func:`frame_differences`): per frame for this baseline, per pixel
for the localization baseline of notebook 04 (``avscene.localization.baselines.motion_energy``).

Shapes: frames uint8/float ``[..., T, H, W, 3]``; audio float ``[..., C, N]`` with N ~ T * sr / fps.
"""
from __future__ import annotations

import numpy as np


def frame_differences(frames: np.ndarray) -> np.ndarray:
    """Absolute gray-level (mean of R, G, B) change from each frame to the next, per pixel:
    ``[..., T, H, W, 3]`` -> float32 ``[..., T-1, H, W]``."""
    gray = np.asarray(frames, dtype=np.float32).mean(axis=-1)  # [..., T, H, W]
    return np.abs(np.diff(gray, axis=-3))


def motion_energy(frames: np.ndarray) -> np.ndarray:
    """Mean absolute gray-level difference to the previous frame, float32 ``[..., T]`` (first = second)."""
    diff = frame_differences(frames).mean(axis=(-2, -1))  # [..., T-1]
    return np.concatenate([diff[..., :1], diff], axis=-1)


def audio_envelope(audio: np.ndarray, n_frames: int) -> np.ndarray:
    """RMS of the channel-summed audio in ``n_frames`` equal bins, float32 ``[..., T]``."""
    x = np.asarray(audio, dtype=np.float32).sum(axis=-2)  # [..., N]
    per = x.shape[-1] // n_frames
    x = x[..., : per * n_frames].reshape(*x.shape[:-1], n_frames, per)
    return np.sqrt(np.square(x).mean(axis=-1) + 1e-12)


def _zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(axis=-1, keepdims=True)) / (x.std(axis=-1, keepdims=True) + 1e-6)


def sync_score(frames: np.ndarray, audio: np.ndarray, max_lag: int = 1) -> np.ndarray:
    """Best Pearson correlation of motion energy and audio envelope over lags ``-max_lag..max_lag`` frames.

    frames ``[..., T, H, W, 3]``, audio ``[..., C, N]`` -> float32 ``[...]``; higher = more likely aligned.
    """
    m = _zscore(motion_energy(frames))
    a = _zscore(audio_envelope(audio, m.shape[-1]))
    t = m.shape[-1]
    best = None
    for lag in range(-max_lag, max_lag + 1):  # 2 * max_lag + 1 vectorized correlations
        if lag >= 0:
            c = (m[..., lag:] * a[..., : t - lag]).mean(axis=-1)
        else:
            c = (m[..., : t + lag] * a[..., -lag:]).mean(axis=-1)
        best = c if best is None else np.maximum(best, c)
    return best.astype(np.float32)


def threshold_accuracy(pos: np.ndarray, neg: np.ndarray, fit_fraction: float = 0.5) -> dict[str, float]:
    """Accuracy of ``score > threshold`` on aligned (``pos`` ``[P]``) vs shifted (``neg`` ``[P]``) pairs.

    The threshold is fit on the first ``fit_fraction`` of the pairs and accuracy measured on the rest
    (per example, balanced); ``pairwise`` is how often the aligned score beats its own shifted one.
    """
    pos, neg = np.asarray(pos, np.float64), np.asarray(neg, np.float64)
    n_fit = int(len(pos) * fit_fraction)
    fit = np.concatenate([pos[:n_fit], neg[:n_fit]])
    lab = np.concatenate([np.ones(n_fit), np.zeros(n_fit)])
    cands = np.unique(fit)
    acc = [((fit > c) == lab).mean() for c in cands[:: max(1, len(cands) // 400)]]
    thr = float(cands[:: max(1, len(cands) // 400)][int(np.argmax(acc))])
    tp, tn = pos[n_fit:], neg[n_fit:]
    test_acc = 0.5 * ((tp > thr).mean() + (tn <= thr).mean())
    return {"accuracy": float(test_acc), "threshold": thr, "pairwise": float((pos > neg).mean()),
            "n_test_pairs": int(len(tp))}
