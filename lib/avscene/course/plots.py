"""Figures the notebooks share: frame strips over waveforms and spectrograms, with events marked.

Serves notebooks 01 (aligned vs. shifted examples), 03 (confident examples) and 04 (CAM scenes).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def spectrogram_db(audio: np.ndarray, sample_rate: int, n_fft: int = 256) -> np.ndarray:
    """Log-magnitude spectrogram (dB) of the channel mean of ``audio`` ``[C, N]`` -> ``[F, frames]``."""
    import torch
    import torchaudio

    wave = torch.as_tensor(np.asarray(audio, dtype=np.float32)).mean(dim=0)
    spec = torchaudio.transforms.Spectrogram(n_fft=n_fft, hop_length=n_fft // 4, power=2.0)(wave)
    return torchaudio.transforms.AmplitudeToDB(top_db=80.0)(spec).numpy()


def av_strip(frames: np.ndarray, audio: np.ndarray, fps: float, sample_rate: int, *,
             n_thumbs: int = 8, events: Sequence[float] = (), audio_events: Sequence[float] | None = None,
             title: str = "", fig: Any = None, audio_start: float = 0.0) -> Any:
    """A frame strip over the waveform and spectrogram of one clip.

    frames uint8 ``[T, H, W, 3]`` shown at times ``i / fps``; audio float ``[C, N]`` starting at
    ``audio_start`` seconds on the same axis. ``events`` (s) are marked on the frame strip and, unless
    ``audio_events`` says otherwise, on the audio panels too: aligned clips show the marks agreeing.
    """
    import matplotlib.pyplot as plt

    frames, audio = np.asarray(frames), np.asarray(audio, dtype=np.float32)
    t_frames = frames.shape[0]
    duration = t_frames / fps
    if fig is None:
        fig = plt.figure(figsize=(11, 4.6))
    grid = fig.add_gridspec(3, n_thumbs, height_ratios=[1.1, 0.8, 1.0], hspace=0.35, wspace=0.04)
    picks = np.linspace(0, t_frames - 1, n_thumbs).round().astype(int)
    for k, i in enumerate(picks):
        ax = fig.add_subplot(grid[0, k])
        ax.imshow(frames[i])
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{i / fps:.2f} s", fontsize=7)
    t_audio = audio_start + np.arange(audio.shape[1]) / sample_rate
    ax_w = fig.add_subplot(grid[1, :])
    for c in range(audio.shape[0]):
        ax_w.plot(t_audio, audio[c], lw=0.5, alpha=0.8, label=("left", "right")[c] if audio.shape[0] == 2 else None)
    ax_w.set_xlim(min(0.0, audio_start), max(duration, t_audio[-1]))
    ax_w.set_ylabel("waveform")
    ax_w.set_xticklabels([])
    ax_s = fig.add_subplot(grid[2, :], sharex=ax_w)
    spec = spectrogram_db(audio, sample_rate)
    ax_s.imshow(spec, origin="lower", aspect="auto", cmap="magma",
                extent=(t_audio[0], t_audio[-1], 0, sample_rate / 2000))
    ax_s.set_ylabel("kHz")
    ax_s.set_xlabel("seconds (frame timeline)")
    for ax, marks, color in ((ax_w, audio_events if audio_events is not None else events, "tab:green"),
                             (ax_s, audio_events if audio_events is not None else events, "tab:green")):
        for e in marks:
            ax.axvline(e, color=color, lw=1, ls="--")
    for e in events:  # where the picture says the events are
        ax_w.axvline(e, color="tab:blue", lw=1, ls=":", alpha=0.9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
