"""Inline media for notebooks: audio players and HTML5 videos (frames + sound, encoded with PyAV, or a
saved video file).

Every function shows its result inside a Jupyter kernel and returns it; outside one (scripts, tests,
batch jobs) it does nothing and returns ``None``, so notebooks run the same everywhere.
"""
from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

from ..runtime import in_notebook


def _numpy(x: Any) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def audio(wave: Any, sample_rate: int, *, show: bool = True) -> Any:
    """An audio player for ``wave`` float ``[N]`` or ``[C, N]`` in [-1, 1] (louder input is normalized)."""
    if not in_notebook():
        return None
    from IPython.display import Audio, display

    data = _numpy(wave).astype(np.float32)
    player = Audio(data=data, rate=sample_rate, normalize=bool(np.abs(data).max(initial=0) > 1))
    if show:
        display(player)
    return player


def video_bytes(frames: Any, audio_wave: Any | None, fps: float, sample_rate: int) -> bytes:
    """Encode uint8 ``[T, H, W, 3]`` frames and float ``[C, N]`` audio as an H.264/AAC mp4 in memory.

    Audio at a rate AAC cannot encode (e.g. 4 kHz) is resampled (torchaudio) to the next one that it can.
    """
    from ..io.write import AAC_RATES, write_av

    frames = _numpy(frames)
    pad_h, pad_w = frames.shape[1] % 2, frames.shape[2] % 2  # yuv420p needs even sizes
    if pad_h or pad_w:
        frames = np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    wave = None if audio_wave is None else np.clip(_numpy(audio_wave).astype(np.float32), -1, 1)
    if wave is not None and wave.ndim == 1:
        wave = wave[None]
    if wave is not None and sample_rate not in AAC_RATES:
        import torch
        import torchaudio

        target = min(r for r in AAC_RATES if r > sample_rate)
        wave = torchaudio.functional.resample(torch.from_numpy(wave), sample_rate, target).numpy()
        sample_rate = target
    buf = io.BytesIO()
    write_av(buf, frames, wave, fps, sample_rate, container_format="mp4")
    return buf.getvalue()


def video(frames: Any, audio_wave: Any | None, fps: float, sample_rate: int, *, width: int = 320,
          show: bool = True) -> Any:
    """An inline ``<video>`` player of ``frames`` uint8 ``[T, H, W, 3]`` with ``audio_wave`` ``[C, N]``."""
    if not in_notebook():
        return None
    from IPython.display import HTML, display

    data = base64.b64encode(video_bytes(frames, audio_wave, fps, sample_rate)).decode("ascii")
    html = HTML(f'<video width="{width}" controls loop playsinline '
                f'src="data:video/mp4;base64,{data}"></video>')
    if show:
        display(html)
    return html


def video_file(path: Any, *, width: int = 320, show: bool = True) -> Any:
    """An inline player of a saved video file (e.g. notebook 04's ``overlay.mp4``), embedded in the notebook
    (``IPython.display.Video(..., embed=True)``) so it plays in a saved or exported copy too; looping, with
    controls. Needs no person: a batch run just stores the player in the cell's output."""
    if not in_notebook():
        return None
    from IPython.display import Video, display

    player = Video(str(path), embed=True, width=width, html_attributes="controls loop playsinline")
    if show:
        display(player)
    return player


def markdown(text: str, *, show: bool = True) -> Any:
    """Show ``text`` rendered as markdown: tables of measured numbers built in a cell (the "Run time" table of
    notebooks 00-04, the seed tables of 03-04)."""
    if not in_notebook():
        return None
    from IPython.display import Markdown, display

    shown = Markdown(text)
    if show:
        display(shown)
    return shown
