"""Vectorized rasterization of a scene over all frames at once (step 3).

Each primitive is rasterized inside its bounding box over the whole video with numpy broadcasting
(``[T, h, w]`` masks from per-frame centers ``[T]``), painted onto a background texture drawn from a
small cached bank (with backdrop flicker from precomputed brightness levels and camera jitter as
per-frame integer offsets), then pixel noise (also from a cached bank) is added.
Frames are uint8 ``[T, H, W, 3]``; masks bool ``[K, T, H, W]`` hold each object's visible pixels.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import ndimage

from .objects import Part, Track

BANK = 16  # background textures per frame size
NOISE_FRAMES = 61  # prime, so noise frames cycle out of step with anything periodic
BANK_SEED = 20180908


@lru_cache(maxsize=8)
def texture_bank(side: int) -> np.ndarray:
    """``BANK`` muted background textures uint8 ``[BANK, side, side, 3]`` (fixed seed: same everywhere)."""
    rng = np.random.default_rng([BANK_SEED, side])
    base = rng.uniform(60, 150, (BANK, 1, 1, 3))
    coarse = ndimage.gaussian_filter(rng.normal(0, 1, (BANK, side, side, 3)), (0, side / 10, side / 10, 0), mode="wrap")
    coarse *= 18 / (coarse.std(axis=(1, 2, 3), keepdims=True) + 1e-9)
    fine = ndimage.gaussian_filter(rng.normal(0, 1, (BANK, side, side, 1)), (0, 0.8, 0.8, 0), mode="wrap")
    fine *= 6 / (fine.std() + 1e-9)
    grad = np.linspace(-12, 12, side)[None, :, None, None]  # a soft horizon
    gray = base.mean(axis=-1, keepdims=True)
    img = 0.6 * base + 0.4 * gray + coarse + fine + grad  # desaturated: objects stand out
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


FLICKER_STEP = 0.005  # backdrop brightness levels are 0.5 % apart
FLICKER_LEVELS = 61  # gains 1 - 0.15 ... 1 + 0.15


@lru_cache(maxsize=64)
def flicker_levels(side: int, texture: int, flipped: bool) -> np.ndarray:
    """Texture ``texture`` at every flicker gain: uint8 ``[FLICKER_LEVELS, side, side, 3]`` (cached)."""
    bg = texture_bank(side)[texture]
    bg = bg[:, ::-1] if flipped else bg
    gains = 1 + FLICKER_STEP * (np.arange(FLICKER_LEVELS) - FLICKER_LEVELS // 2)
    return np.clip(np.rint(bg[None].astype(np.float32) * gains[:, None, None, None].astype(np.float32)),
                   0, 255).astype(np.uint8)


@lru_cache(maxsize=8)
def noise_bank(side: int) -> np.ndarray:
    """Unit-std pixel noise float32 ``[NOISE_FRAMES, side, side, 1]`` (fixed seed)."""
    rng = np.random.default_rng([BANK_SEED + 1, side])
    return rng.standard_normal((NOISE_FRAMES, side, side, 1)).astype(np.float32)


def _part_mask(p: Part, ox: np.ndarray, oy: np.ndarray, side: int) -> tuple[np.ndarray, slice, slice] | None:
    """The part's mask bool ``[T, h, w]`` inside its bounding box, and the box's slices."""
    cx, cy = p.cx + ox, p.cy + oy
    y0 = max(int(np.floor(np.min(cy - p.ry))), 0)
    y1 = min(int(np.ceil(np.max(cy + p.ry))) + 1, side)
    x0 = max(int(np.floor(np.min(cx - p.rx))), 0)
    x1 = min(int(np.ceil(np.max(cx + p.rx))) + 1, side)
    if y1 <= y0 or x1 <= x0:
        return None
    # pixel (y, x) covers the unit square centered on (y + 0.5, x + 0.5)
    yy = (np.arange(y0, y1, dtype=np.float32) + 0.5)[None, :, None]
    xx = (np.arange(x0, x1, dtype=np.float32) + 0.5)[None, None, :]
    cx, cy = cx.astype(np.float32)[:, None, None], cy.astype(np.float32)[:, None, None]
    rx = np.maximum(p.rx, 0.5).astype(np.float32)[:, None, None]
    ry = np.maximum(p.ry, 0.5).astype(np.float32)[:, None, None]
    if p.shape == "ellipse":
        m = np.square((xx - cx) / rx) + np.square((yy - cy) / ry) <= 1.0
    elif p.shape == "rect":
        m = (np.abs(xx - cx) <= rx) & (np.abs(yy - cy) <= ry)
    else:
        raise ValueError(f"unknown shape {p.shape!r}")
    return m, slice(y0, y1), slice(x0, x1)


def render(tracks: list[Track], side: int, n_frames: int, rng: np.random.Generator, *, jitter_px: float = 0.0,
           flicker: float = 0.0, pixel_noise: float = 0.0,
           plain_background: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames uint8 ``[T, side, side, 3]``, visible masks bool ``[K, T, side, side]``, camera offsets ``[T, 2]``.

    Later tracks occlude earlier ones; masks hold only the pixels where an object is visible.
    """
    texture, flipped = int(rng.integers(BANK)), bool(rng.integers(2))
    if flicker > 0:  # the backdrop's brightness flickers (precomputed gain levels: no per-pixel math)
        q = np.clip(np.rint(flicker / FLICKER_STEP * rng.standard_normal(n_frames)).astype(np.int64)
                    + FLICKER_LEVELS // 2, 0, FLICKER_LEVELS - 1)
        levels = flicker_levels(side, texture, flipped)
    else:
        q = np.zeros(n_frames, dtype=np.int64)
        bg = np.full((side, side, 3), 110, np.uint8) if plain_background else texture_bank(side)[texture]
        levels = np.ascontiguousarray(bg[:, ::-1] if flipped else bg)[None]
    if jitter_px > 0:
        off = np.round(rng.normal(0, jitter_px * side / 100, (n_frames, 2))).astype(np.int64)
        off = np.clip(off, -side // 8, side // 8)
        rows = (np.arange(side)[None, :] - off[:, 1:2]) % side  # [T, H]
        cols = (np.arange(side)[None, :] - off[:, 0:1]) % side  # [T, W]
        frames = levels[q[:, None, None], rows[:, :, None], cols[:, None, :]]
    else:
        off = np.zeros((n_frames, 2), dtype=np.int64)
        frames = levels[q] if flicker > 0 else np.broadcast_to(levels[0], (n_frames, side, side, 3)).copy()
    ox, oy = off[:, 0].astype(np.float64), off[:, 1].astype(np.float64)
    masks = np.zeros((len(tracks), n_frames, side, side), dtype=bool)
    for k, tr in enumerate(tracks):
        for p in tr.parts:
            got = _part_mask(p, ox, oy, side)
            if got is None:
                continue
            m, ys, xs = got
            box = frames[:, ys, xs]
            if p.glow is None:
                for c in range(3):  # one scalar fill per channel: ~4x faster than an RGB fancy fill
                    box[..., c][m] = p.color[c]
            else:  # per-frame color: the part flashes toward white with its events
                idx = np.nonzero(m)[0]
                for c in range(3):
                    level = np.rint(p.color[c] + (255.0 - p.color[c]) * p.glow).astype(np.uint8)  # [T]
                    box[..., c][m] = level[idx]
            masks[k, :, ys, xs] |= m
            if k:
                masks[:k, :, ys, xs] &= ~m
    if pixel_noise > 0:
        nb = noise_bank(side)
        idx = (rng.integers(NOISE_FRAMES) + np.arange(n_frames)) % NOISE_FRAMES
        f = frames.astype(np.float32) + np.float32(pixel_noise) * nb[idx]
        frames = np.clip(np.rint(f), 0, 255).astype(np.uint8)
    return frames, masks, off
