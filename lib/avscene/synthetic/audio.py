"""Procedural sound synthesis for the synthetic world: vectorized event trains and class timbres.

Every sound is an event train convolved with a class kernel (``splat``: one ``np.bincount`` over
events x kernel taps, cheaper than an FFT for sparse events; ``scipy.signal.oaconvolve`` for dense
trains), or a phase-accumulated oscillator filtered with ``scipy.signal`` filters. Arrays are float64 mono ``[N]`` until ``pan`` makes them ``[2, N]``.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal


def event_train(times: np.ndarray, amps: np.ndarray, sr: int, n: int, pad: int) -> np.ndarray:
    """Impulses at ``times`` (s, may be as early as ``-pad/sr``) with ``amps``: float64 ``[pad + n]``."""
    idx = np.round(np.asarray(times) * sr).astype(np.int64) + pad
    keep = (idx >= 0) & (idx < pad + n)
    return np.bincount(idx[keep], weights=np.asarray(amps, dtype=np.float64)[keep], minlength=pad + n)


def convolve_train(train: np.ndarray, kernel: np.ndarray, n: int, pad: int) -> np.ndarray:
    """The train convolved with ``kernel``, cut to the ``n`` samples after the pad: float64 ``[n]``."""
    return signal.oaconvolve(train, kernel)[pad:pad + n]


def splat(times: np.ndarray, amps: np.ndarray, kernel: np.ndarray, sr: int, n: int) -> np.ndarray:
    """Sum of ``amps[e] * kernel`` starting at each event time (s): float64 ``[n]``.

    The same as convolving an impulse train with ``kernel`` (events before 0 contribute their tails),
    computed as one ``np.bincount`` over ``[E, L]`` (fixed summation order: deterministic).
    """
    length = len(kernel)
    pos = np.round(np.asarray(times) * sr).astype(np.int64)
    live = (pos > -length) & (pos < n)  # events whose kernel reaches the output
    pos, amps = pos[live] + length, np.asarray(amps, dtype=np.float64)[live]  # shifted: indices >= 1
    idx = (pos[:, None] + np.arange(length)[None, :]).ravel()
    w = (amps[:, None] * kernel[None, :]).ravel()
    return np.bincount(idx, weights=w, minlength=n + 2 * length)[length:length + n]


def decay(sr: int, seconds: float, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """Time axis ``[L]`` and an exponential decay ``exp(-t / tau)`` ``[L]``."""
    t = np.arange(int(seconds * sr)) / sr
    return t, np.exp(-t / tau)


def cap(freq: np.ndarray | float, sr: int) -> np.ndarray | float:
    """Keep frequencies under 0.45 x the sample rate (the smoke profile runs at 4 kHz)."""
    return np.minimum(freq, 0.45 * sr)


def oscillator(freq: np.ndarray, sr: int, phase0: float = 0.0) -> np.ndarray:
    """Phase ``[N]`` (cycles) of an oscillator with instantaneous frequency ``freq`` ``[N]`` Hz."""
    return phase0 + np.cumsum(freq) / sr


@lru_cache(maxsize=256)
def _butter(lo: float, hi: float, sr: int, order: int) -> np.ndarray:
    return signal.butter(order, [lo, hi], btype="bandpass", fs=sr, output="sos")


def bandpass(x: np.ndarray, lo: float, hi: float, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth band-pass of ``x`` ``[N]`` (edges capped below Nyquist; designs cached)."""
    hi = min(hi, 0.45 * sr)
    lo = min(lo, 0.5 * hi)
    return signal.sosfilt(_butter(float(lo), float(hi), int(sr), order), x)


def formant_filter(x: np.ndarray, formants: np.ndarray, sr: int) -> np.ndarray:
    """Parallel 2nd-order resonators at ``formants`` (Hz, ``[F]``, weights 1, 1/2, 1/3) applied to ``x`` ``[N]``.

    The parallel bank is folded into one rational filter (``sum_i b_i prod_{j!=i} a_j / prod a``), so the
    signal is filtered once.
    """
    bs, as_ = [], []
    for f in formants:
        f = float(cap(f, sr))
        b, a = signal.iirpeak(f, f / (80.0 + 0.08 * f), fs=sr)
        bs.append(b)
        as_.append(a)
    den = np.array([1.0])
    for a in as_:
        den = np.polymul(den, a)
    num = np.zeros(1)
    for i, b in enumerate(bs):
        term = b / (i + 1)
        for j, a in enumerate(as_):
            if j != i:
                term = np.polymul(term, a)
        num = np.polyadd(num, term)
    return signal.lfilter(num, den, x)


def pulse_train(phase: np.ndarray) -> np.ndarray:
    """Unit impulses ``[N]`` where an oscillator's phase (cycles, increasing) crosses an integer."""
    out = np.zeros(len(phase))
    crossings = np.searchsorted(phase, np.arange(np.ceil(phase[0]), phase[-1]))
    out[crossings] = 1.0
    return out


def triangle(phase: np.ndarray) -> np.ndarray:
    """A triangle wave float32 ``[N]`` in [-1, 1] from a phase in cycles (cheap, no transcendental)."""
    frac = (phase - np.floor(phase)).astype(np.float32)
    return np.float32(4) * np.abs(frac - np.float32(0.5)) - np.float32(1)


def pan(mono: np.ndarray, x: np.ndarray, fps: float, sr: int) -> np.ndarray:
    """Equal-power stereo float32 ``[2, N]`` from ``mono`` ``[N]`` and horizontal position ``x`` in [0, 1].

    ``x`` is per frame ``[T]`` (gains are computed per frame, then interpolated onto the samples) or a scalar.
    """
    theta = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0) * (np.pi / 2)
    gains = np.stack([np.cos(theta), np.sin(theta)])  # [2, T] or [2]
    out = np.empty((2, len(mono)), dtype=np.float32)
    if gains.ndim == 1 or np.all(gains == gains[:, :1]):
        g = gains if gains.ndim == 1 else gains[:, 0]
        np.multiply(mono, g[0], out=out[0], casting="same_kind")
        np.multiply(mono, g[1], out=out[1], casting="same_kind")
    else:
        for c in range(2):  # two channels, each vectorized over the samples
            np.multiply(mono, frames_to_samples(gains[c], fps, sr, len(mono)), out=out[c], casting="same_kind")
    return out


@lru_cache(maxsize=32)
def _frame_grid(fps: float, sr: int, n: int, t: int) -> tuple[np.ndarray, np.ndarray]:
    pos = np.minimum(np.arange(n) * (fps / sr), t - 1)
    idx = np.minimum(pos.astype(np.int64), max(t - 2, 0))
    frac = pos - idx
    idx.setflags(write=False)
    frac.setflags(write=False)
    return idx, frac


def frames_to_samples(values: np.ndarray, fps: float, sr: int, n: int) -> np.ndarray:
    """Linear interpolation of a per-frame signal ``[T]`` (frame i at i/fps) onto ``n`` samples: float64 ``[n]``.

    Samples after the last frame hold its value (as ``np.interp``); the sample grid is cached per size.
    """
    v = np.asarray(values, dtype=np.float64)
    if len(v) == 1:
        return np.full(n, v[0])
    idx, frac = _frame_grid(float(fps), int(sr), int(n), len(v))
    step = np.diff(v)
    return v[idx] + step[idx] * frac


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)) + 1e-20))
