"""Did decoding keep the timing? A decoded video against the frames and sound it was made from
(notebook 01: synthetic videos written to mp4, scanned, cached and read back).
"""
from __future__ import annotations

import numpy as np


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio (dB) of uint8 images ``b`` against ``a`` (same shape ``[...]``)."""
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return float(10 * np.log10(255**2 / max(mse, 1e-9)))


def frame_offset(reference: np.ndarray, decoded: np.ndarray, max_offset: int = 1) -> tuple[int, dict[int, float]]:
    """Which frame offset ``o`` makes decoded frame ``k + o`` look most like reference frame ``k``
    (``[F, H, W, 3]`` each, over every ``k`` where both exist), and the PSNR (dB) at each offset in
    ``-max_offset..max_offset``. A decoder that keeps the timing gives ``o = 0``."""
    scores = {}
    for o in range(-max_offset, max_offset + 1):
        a, b = reference[max(0, -o): len(reference) - max(0, o)], decoded[max(0, o):]
        n = min(len(a), len(b))
        scores[o] = psnr(a[:n], b[:n])
    return max(scores, key=scores.get), scores


def audio_lag(reference: np.ndarray, decoded: np.ndarray, max_lag: int) -> int:
    """Samples by which ``decoded [N']`` lags ``reference [N]`` (one channel each): the lag in
    ``-max_lag..max_lag`` that maximises their correlation over the reference's span (edges excluded)."""
    a = np.asarray(reference, np.float64)
    b = np.asarray(decoded, np.float64)[: len(a)]
    core = slice(max_lag, len(a) - max_lag)
    lags = np.arange(-max_lag, max_lag + 1)
    xcorr = [np.dot(a[core], np.roll(b, -k)[core]) for k in lags]
    return int(lags[int(np.argmax(xcorr))])
