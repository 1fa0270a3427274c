"""Figures the notebooks share: frame strips over waveforms and spectrograms, with events marked; bars
of accuracies with their intervals; captions that name objects by class.

Serves notebooks 01 (aligned vs. shifted examples), 03 (confident examples, accuracy and controls) and
04 (CAM scenes, pointing game).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .stats import Estimate, wilson_interval

__all__ = ["Estimate", "accuracy_bars", "av_strip", "objects_caption", "spectrogram_db", "wilson_interval"]

#: how the frame strip marks events: (colour, line style, legend label)
VISUAL_EVENT = ("tab:blue", ":", "visual events (in the frames)")
SOUND_EVENT = ("tab:green", "--", "sound events (in the soundtrack)")


def spectrogram_db(audio: np.ndarray, sample_rate: int, n_fft: int = 256) -> np.ndarray:
    """Log-magnitude spectrogram (dB) of the channel mean of ``audio`` ``[C, N]`` -> ``[F, frames]``."""
    import torch
    import torchaudio

    wave = torch.as_tensor(np.asarray(audio, dtype=np.float32)).mean(dim=0)
    spec = torchaudio.transforms.Spectrogram(n_fft=n_fft, hop_length=n_fft // 4, power=2.0)(wave)
    return torchaudio.transforms.AmplitudeToDB(top_db=80.0)(spec).numpy()


def _channel_names(n: int) -> tuple[str, ...]:
    if n == 1:
        return ("mono",)
    if n == 2:
        return ("left channel", "right channel")
    return tuple(f"channel {c}" for c in range(n))


def av_strip(frames: np.ndarray, audio: np.ndarray, fps: float, sample_rate: int, *,
             n_thumbs: int = 8, events: Sequence[float] = (), audio_events: Sequence[float] | None = None,
             title: str = "", fig: Any = None, audio_start: float = 0.0) -> Any:
    """A frame strip over the waveform and spectrogram of one clip, on one time axis in seconds.

    frames uint8 ``[T, H, W, 3]`` shown at times ``i / fps`` (each thumbnail titled with its time); audio
    float ``[C, N]`` starting at ``audio_start`` seconds on the same axis. ``events`` (s) are where the
    picture shows an event (dotted blue, on the waveform); ``audio_events`` (default: ``events``) where the
    soundtrack has one (dashed green, on the waveform and the spectrogram): aligned clips show the marks
    agreeing. A legend names the stereo channels and both kinds of marks; the spectrogram has a dB colour
    bar. ``fig`` may be a figure or a subfigure (``Figure.subfigures``) to draw into.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    frames, audio = np.asarray(frames), np.asarray(audio, dtype=np.float32)
    t_frames = frames.shape[0]
    duration = t_frames / fps
    if fig is None:
        fig = plt.figure(figsize=(11, 5.4))
    grid = fig.add_gridspec(3, n_thumbs, height_ratios=[1.1, 0.8, 1.0], hspace=0.55, wspace=0.04)
    picks = np.linspace(0, t_frames - 1, n_thumbs).round().astype(int)
    for k, i in enumerate(picks):
        ax = fig.add_subplot(grid[0, k])
        ax.imshow(frames[i])
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{i / fps:.2f} s", fontsize=9)
    t_audio = audio_start + np.arange(audio.shape[1]) / sample_rate
    ax_w = fig.add_subplot(grid[1, :])
    for c, name in enumerate(_channel_names(audio.shape[0])):
        ax_w.plot(t_audio, audio[c], lw=0.5, alpha=0.8, label=name)
    ax_w.set_xlim(min(0.0, audio_start), max(duration, t_audio[-1]))
    ax_w.set_ylabel("amplitude\n(full scale)")
    ax_w.set_xlabel("time (s)")
    ax_s = fig.add_subplot(grid[2, :], sharex=ax_w)
    spec = spectrogram_db(audio, sample_rate)
    image = ax_s.imshow(spec, origin="lower", aspect="auto", cmap="magma",
                        extent=(t_audio[0], t_audio[-1], 0, sample_rate / 2000))
    ax_s.set_ylabel("frequency (kHz)")
    ax_s.set_xlabel("time (s)")
    cax = ax_s.inset_axes([1.01, 0.0, 0.015, 1.0])
    fig.colorbar(image, cax=cax).set_label("power (dB)")
    sound = list(audio_events if audio_events is not None else events)
    for ax in (ax_w, ax_s):
        for e in sound:
            ax.axvline(e, color=SOUND_EVENT[0], ls=SOUND_EVENT[1], lw=1)
    for e in events:  # where the picture says the events are
        ax_w.axvline(e, color=VISUAL_EVENT[0], ls=VISUAL_EVENT[1], lw=1, alpha=0.9)
    handles = list(ax_w.get_lines()[:audio.shape[0]])
    handles += [Line2D([], [], color=c, ls=ls, lw=1, label=label)
                for (c, ls, label), marks in ((VISUAL_EVENT, events), (SOUND_EVENT, sound)) if len(marks)]
    ax_w.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.05), fontsize=9, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def objects_caption(classes: Sequence[int], sounding: Sequence[bool], offscreen: Sequence[int] = ()) -> str:
    """Objects by class name (``avscene.synthetic.CLASS_NAMES``), never by index: e.g. ``"sounding: ball;
    silent: bar; off-screen: siren"`` for ``classes`` ``[K]``, ``sounding`` ``[K]`` and the classes of the
    off-screen sources ``offscreen``."""
    from ..synthetic import CLASS_NAMES

    sounding = [bool(s) for s in sounding]
    parts = []
    for what, keep in (("sounding", True), ("silent", False)):
        names = [CLASS_NAMES[int(c)] for c, s in zip(classes, sounding) if s == keep]
        if names:
            parts.append(f"{what}: {', '.join(names)}")
    off = [CLASS_NAMES[int(c)] for c in offscreen if int(c) >= 0]
    parts.append(f"off-screen: {', '.join(off)}" if off else "nothing off screen")
    return "; ".join(parts)


def accuracy_bars(labels: Sequence[str], series: Mapping[str | None, Sequence[Any]], *,
                  horizontal: bool = False, percent: bool = False, chance: float | None = None,
                  value_label: str = "accuracy", n_unit: str = "", title: str = "", ax: Any = None,
                  confidence: float = 0.95) -> Any:
    """Bars of accuracies (or pointing shares) with their ``confidence`` intervals as error bars, and n.

    Notebook 03 (accuracy and controls, one unnamed series, ``horizontal``) and 04 (pointing game, one
    series per benchmark kind). ``labels`` ``[B]``; ``series`` maps a legend name (``None`` for a single
    unnamed series) to ``B`` bar specs, each anything ``Estimate.of`` accepts: an ``Estimate``, a NumPy
    array of per-item hits, ``(share, n)`` (Wilson interval) or ``(value, low, high)`` (an interval from
    elsewhere, e.g. over seeds). Shares are in [0, 1]; ``percent`` draws them as %. A note under the bars
    names the intervals and states n when every bar has the same (``n_unit``: what is counted); else n
    is in the legend per series, else on each bar's label.
    ``chance`` draws a labelled reference line. Returns the figure.
    """
    import matplotlib.pyplot as plt

    est = {name: [Estimate.of(x, confidence) for x in bars] for name, bars in series.items()}
    if any(len(v) != len(labels) for v in est.values()):
        raise ValueError(f"every series needs {len(labels)} bars")
    if ax is None:
        size = (7.5, 0.5 * len(labels) + 1.4) if horizontal else (max(7.0, 0.9 * len(labels) + 2), 3.8)
        _, ax = plt.subplots(figsize=size)
    scale, unit = (100.0, " (%)") if percent else (1.0, "")
    unit_txt = f" {n_unit}" if n_unit else ""
    all_n = {e.n for v in est.values() for e in v}
    tick_labels, legend_names = list(labels), {name: name for name in est}
    if len(all_n) == 1 and None not in all_n:
        n_txt = f"n = {all_n.pop()}{unit_txt} per bar"
    else:
        n_txt = ""
        per_series = {name: {e.n for e in v} for name, v in est.items()}
        if len(est) > 1 and all(len(s) == 1 for s in per_series.values()):
            legend_names = {name: name if None in s else f"{name} (n = {next(iter(s))}{unit_txt})"
                            for name, s in per_series.items()}
        else:
            for i in range(len(labels)):
                ns = [v[i].n for v in est.values() if v[i].n is not None]
                if ns:
                    tick_labels[i] += f" (n = {'/'.join(map(str, dict.fromkeys(ns)))})"
    binomial = [e.n is not None for v in est.values() for e in v]
    note = f"error bars: {100 * confidence:g} % intervals"
    if all(binomial):
        note += " (binomial, Wilson)"
    elif any(binomial):
        note += " (binomial, Wilson, where n is stated)"
    note += f"; {n_txt}" if n_txt else ""
    pos = np.arange(len(labels), dtype=np.float64)
    width = 0.8 / len(est)
    for j, (name, bars) in enumerate(est.items()):
        v = np.array([e.value for e in bars]) * scale
        err = np.array([[e.value - e.low for e in bars], [e.high - e.value for e in bars]]) * scale
        at = pos + (j - (len(est) - 1) / 2) * width
        draw = ax.barh if horizontal else ax.bar
        draw(at, v, width, **{"xerr" if horizontal else "yerr": err}, capsize=3, ecolor="0.2",
             label=legend_names[name] if name else None, color=None if name else "tab:blue")
    if chance is not None:
        (ax.axvline if horizontal else ax.axhline)(chance * scale, color="0.4", ls="--", lw=0.8,
                                                   label=f"chance ({chance * scale:g}{' %' if percent else ''})")
    if horizontal:
        ax.set_yticks(pos, tick_labels)
        ax.invert_yaxis()  # the first label on top
        ax.set_xlim(0, scale)
        ax.set_xlabel(f"{value_label}{unit}\n{note}")
    else:  # the category axis carries the note
        ax.set_xticks(pos, tick_labels, rotation=20, ha="right")
        ax.set_ylim(0, scale)
        ax.set_ylabel(f"{value_label}{unit}")
        ax.set_xlabel(note)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title)
    return ax.figure
