"""Intervals for the bars of the notebooks' figures: every accuracy or pointing share is drawn with its
95 % interval (notebooks 03 and 04, through ``plots.accuracy_bars``).

``wilson_interval``: the Wilson score interval of a binomial share (Wilson 1927), which stays inside
[0, 1] and behaves at 0 % and 100 %, unlike the normal approximation. ``Estimate``: one bar, a value
with its interval and, when it is a share of trials, their number ``n``. ``mean_std``: a figure over seeds
(notebooks 06-07: mean ± sample standard deviation).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def mean_std(values: Any) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``) of per-seed ``values``; 0 for a single value."""
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("mean_std of no values")
    return float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else 0.0


def wilson_interval(successes: Any, n: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval ``(low, high)`` of a share of ``successes`` out of ``n`` trials.

    Vectorized over ``successes`` and ``n`` (NumPy broadcasting; scalars give 0-d arrays, use ``float``).
    ``successes`` may be fractional (a share times ``n``, e.g. a balanced accuracy). The interval always
    contains the observed share ``successes / n`` and lies in [0, 1]; it matches
    ``scipy.stats.binomtest(k, n).proportion_ci(confidence, method="wilson")`` for integer counts.
    ``n`` must be positive.
    """
    from scipy.stats import norm

    k, n = np.asarray(successes, dtype=np.float64), np.asarray(n, dtype=np.float64)
    if np.any(n <= 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError(f"need 0 <= successes <= n and n > 0, got {successes} of {n}")
    z = norm.ppf(0.5 + confidence / 2)
    p = k / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low, high = np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
    return np.minimum(low, p), np.maximum(high, p)  # exact at p = 0 or 1 despite float rounding


@dataclass(frozen=True)
class Estimate:
    """One bar: ``value`` with its interval ``[low, high]`` and, for a share of trials, their number ``n``.

    Build it from per-item hits (:meth:`from_hits`), from a share and its number of trials
    (:meth:`from_share`, Wilson interval), or directly with an interval computed elsewhere (e.g. over
    several seeds, ``n=None``).
    """

    value: float
    low: float
    high: float
    n: int | None = None

    @classmethod
    def from_share(cls, share: float, n: int, confidence: float = 0.95) -> Estimate:
        lo, hi = wilson_interval(share * n, n, confidence)
        return cls(float(share), float(lo), float(hi), int(n))

    @classmethod
    def from_hits(cls, hits: Any, confidence: float = 0.95) -> Estimate:
        hits = np.asarray(hits, dtype=np.float64).ravel()
        return cls.from_share(float(hits.mean()), len(hits), confidence)

    @classmethod
    def of(cls, x: Any, confidence: float = 0.95) -> Estimate:
        """An ``Estimate`` from any bar spec: an ``Estimate``; a NumPy array of per-item hits (bool or
        0/1); ``(share, n)``; or ``(value, low, high)`` (an interval computed elsewhere)."""
        if isinstance(x, Estimate):
            return x
        if isinstance(x, np.ndarray) or hasattr(x, "detach"):
            return cls.from_hits(x.detach().cpu().numpy() if hasattr(x, "detach") else x, confidence)
        if isinstance(x, (tuple, list)) and len(x) == 2:
            return cls.from_share(float(x[0]), int(x[1]), confidence)
        if isinstance(x, (tuple, list)) and len(x) == 3:
            value = float(x[0])  # the mean of equal values can land an ulp outside their range
            return cls(value, min(float(x[1]), value), max(float(x[2]), value))
        raise TypeError(f"a bar is an Estimate, an array of hits, (share, n) or (value, low, high); got {x!r}")
