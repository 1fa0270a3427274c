"""The original's heat-map overlay (``sep_video.heatmap``; reference notes §1.6) and overlay videos.

Adaptive thresholds: ``max_val`` = the 97th percentile of the map, ``lo = 0.5 * max_val``,
``hi = max_val + 0.001``; colours from the jet colormap of ``clip((cam - lo) / (hi - lo), 0, 1)``;
blend weight ``clip((cam - lo) / (hi - lo), 0, 0.35)``, so the picture always shows through and
cells below half the 97th percentile are not tinted. A constant map leaves the frames unchanged.
(The original takes the percentile over the low-resolution CAM; here it is taken over the map given,
usually already upsampled to the frame, which changes it very little.)
"""
from __future__ import annotations

import numpy as np

MAX_ALPHA = 0.35
LO_FRAC = 0.5
PERCENTILE = 97


def heatmap(frames: np.ndarray, heat: np.ndarray, *, lo_frac: float = LO_FRAC,
            max_alpha: float = MAX_ALPHA) -> np.ndarray:
    """Blend ``heat`` onto uint8 ``frames [T, H, W, 3]`` (or one frame ``[H, W, 3]``).

    ``heat``: ``[H, W]`` (one map for every frame, e.g. time-averaged) or ``[T, H, W]`` (per frame),
    at the frames' resolution. Returns uint8 of the frames' shape.
    """
    from matplotlib import colormaps

    frames = np.asarray(frames)
    single = frames.ndim == 3
    f = frames[None] if single else frames
    heat = np.asarray(heat, dtype=np.float64)
    if heat.shape[-2:] != f.shape[1:3]:
        raise ValueError(f"heat map {heat.shape} does not match frames {frames.shape}: upsample it first")
    if heat.ndim == 3 and len(heat) != len(f):
        raise ValueError(f"{len(heat)} per-frame maps for {len(f)} frames")
    if heat.max() - heat.min() <= 1e-3:
        return frames.copy()
    max_val = np.percentile(heat, PERCENTILE)
    lo, hi = lo_frac * max_val, max_val + 1e-3
    h = np.broadcast_to(heat, f.shape[:3])
    scaled = np.clip((h - lo) / (hi - lo), 0.0, 1.0)
    vis = colormaps["jet"](scaled)[..., :3] * 255.0
    p = np.clip((h - lo) / (hi - lo), 0.0, max_alpha)[..., None]
    out = (f.astype(np.float64) * (1 - p) + vis * p).astype(np.uint8)
    return out[0] if single else out


def overlay_video(frames: np.ndarray, heat: np.ndarray, audio: np.ndarray | None, fps: float,
                  sample_rate: int, *, path=None, show: bool = True, width: int = 320) -> bytes:
    """Frames + heat map + audio as an H.264/AAC mp4: shown inline (in a notebook) and saved to
    ``path`` if given. ``frames`` uint8 ``[T, H, W, 3]``, ``heat`` ``[T, H, W]`` or ``[H, W]``,
    ``audio`` float ``[C, N]`` on the frames' timeline. Returns the mp4 bytes."""
    import base64

    from ..course import display
    from ..runtime import in_notebook

    vis = heatmap(frames, heat)
    data = display.video_bytes(vis, audio, fps, sample_rate)
    if path is not None:
        with open(path, "wb") as fh:
            fh.write(data)
    if show and in_notebook():
        from IPython.display import HTML, display as show_html

        b64 = base64.b64encode(data).decode("ascii")
        show_html(HTML(f'<video width="{width}" controls loop playsinline src="data:video/mp4;base64,{b64}"></video>'))
    return data
