"""Baseline heat maps for the localization benchmark (notebook 04): what a CAM must beat.

* :func:`center_prior`: an isotropic Gaussian at the frame centre (objects are rarely at the border).
* :func:`motion_energy`: mean absolute frame difference per pixel over the window
  (``avscene.sync_baseline.frame_differences``), Gaussian-smoothed: "the sound comes from whatever
  moves", which silent moving distractors are built to fool.
* :func:`random_maps`: uniform noise, seeded (chance level of every metric).

All return float32 maps ``[N, H, W]`` (or ``[N, T, H, W]`` per frame) like the CAM, for
``avscene.localization.metrics.score``.
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from ..sync_baseline import frame_differences


def center_prior(n: int, size: int, sigma: float = 0.25) -> np.ndarray:
    """``[n, size, size]``: ``exp(-d² / 2(σ·size)²)`` with ``d`` the distance to the frame centre."""
    c = (np.arange(size) + 0.5) - size / 2
    d2 = c[:, None] ** 2 + c[None, :] ** 2
    g = np.exp(-d2 / (2 * (sigma * size) ** 2)).astype(np.float32)
    return np.broadcast_to(g, (n, size, size)).copy()


def motion_energy(frames: np.ndarray, *, smooth: float = 0.04, per_frame: bool = False) -> np.ndarray:
    """Motion energy of uint8 ``frames [N, T, H, W, 3]``.

    ``|frame[t+1] - frame[t]|`` averaged over the colour channels, then over the window
    (``-> [N, H, W]``), or per frame (``per_frame=True -> [N, T, H, W]``, frame ``t`` gets the mean
    of its differences to both neighbours); Gaussian-smoothed in space with σ = ``smooth × H`` pixels.
    """
    if frames.ndim != 5 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be [N, T, H, W, 3], got shape {frames.shape}")
    if frames.shape[1] < 2:
        raise ValueError("motion energy needs at least two frames")
    d = frame_differences(frames)  # [N, T-1, H, W]
    h, w = d.shape[2:]
    if per_frame:
        pad = np.pad(d, ((0, 0), (1, 1), (0, 0), (0, 0)), mode="edge")
        e = (pad[:, 1:] + pad[:, :-1]) / 2
        sig = (0, 0, smooth * h, smooth * w)
    else:
        e = d.mean(axis=1)
        sig = (0, smooth * h, smooth * w)
    return gaussian_filter(e, sig, mode="nearest").astype(np.float32)


def random_maps(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Uniform noise maps of ``shape`` (e.g. ``[N, H, W]``), reproducible from ``seed``."""
    return np.random.default_rng(seed).random(shape, dtype=np.float32)
