"""The figures of notebook 06 (Owens & Efros §6): the spectrogram front end, the u-net with its shapes,
training curves and the separated examples. Each function returns a matplotlib figure."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from . import spectrogram as S
from .unet import UNet


def front_end(wave: np.ndarray, unit: np.ndarray, spec: S.SpecSpec, *, title: str = "") -> Any:
    """A waveform ``[N]`` and its network input ``unit [2, T, F]`` (log magnitude and phase in [-1, 1]):
    three panels on one time axis, the magnitude's colour bar in dB."""
    import matplotlib.pyplot as plt

    t_end = unit.shape[1] * spec.hop / spec.sample_rate
    f_end = unit.shape[2] * spec.sample_rate / spec.n_fft
    fig, axes = plt.subplots(3, 1, figsize=(7.5, 6.2), sharex=True, gridspec_kw={"height_ratios": [1, 2, 2]})
    t = np.arange(len(wave)) / spec.sample_rate
    axes[0].plot(t[t <= t_end], wave[t <= t_end], lw=0.5, color="0.2")
    axes[0].set_ylabel("waveform")
    db = S.unit_to_db(torch.from_numpy(unit[0])).numpy()
    for ax, image, label, kw in ((axes[1], db, "log magnitude (dB)", {"cmap": "magma", "vmin": S.DB_MIN, "vmax": 40}),
                                 (axes[2], np.pi * unit[1], "phase (rad)", {"cmap": "twilight", "vmin": -np.pi, "vmax": np.pi})):
        im = ax.imshow(image.T, origin="lower", aspect="auto", extent=(0, t_end, 0, f_end), interpolation="nearest", **kw)
        ax.set_ylabel("Hz")
        fig.colorbar(im, ax=ax, pad=0.01, label=label)
    axes[2].set_xlabel("seconds")
    axes[0].set_title(title or f"{spec.frame} / {spec.hop}-sample frames, FFT {spec.n_fft}: {unit.shape[1]} × {unit.shape[2]}",
                      fontsize=10)
    fig.tight_layout()
    return fig


def layer_shapes(unet: UNet, time: int, freq: int, video: Sequence[torch.Tensor] | None = None) -> list[tuple[str, tuple[int, ...]]]:
    """Each encoder level, decoder level and head of ``unet`` with its output shape ``(C, T, F)``, from one
    forward pass on zeros ``[1, in_channels, time, freq]`` (``video``: three ``[1, C_i, T_i]``, zeros if None)."""
    shapes: list[tuple[str, tuple[int, ...]]] = []
    hooks = []
    for i, level in enumerate(unet.encoder):
        hooks.append(level.register_forward_hook(lambda mod, inp, o, i=i: shapes.append((f"enc{i}", tuple(o.shape[1:])))))
    for i, level in enumerate(unet.decoder):
        hooks.append(level.register_forward_hook(lambda mod, inp, o, i=i: shapes.append((f"dec{i}", tuple(o.shape[1:])))))
    for name in ("on_head", "off_head"):
        hooks.append(getattr(unet, name).register_forward_hook(
            lambda mod, inp, o, name=name: shapes.append((name.replace("_head", ""), tuple(o.shape[1:])))))
    if unet.uses_video and video is None:
        lengths = [max(1, time // 2 ** (lv - 1)) for lv in unet.video_levels]
        video = [torch.zeros(1, c, n) for c, n in zip(unet.video_channels or (), lengths)]
    was = unet.training
    unet.eval()
    try:
        with torch.no_grad():
            unet(torch.zeros(1, unet.in_channels, time, freq), tuple(video) if video is not None else None)
    finally:
        unet.train(was)
        for h in hooks:
            h.remove()
    return shapes


def unet_diagram(unet: UNet, time: int, freq: int, *, title: str = "") -> Any:
    """The u-net drawn as a U: encoder levels down the left, decoder levels up the right, each box labelled
    with its output ``C × T × F``; skips as grey arrows across, video injections marked in colour."""
    import matplotlib.pyplot as plt

    shapes = dict(layer_shapes(unet, time, freq))
    n = unet.levels
    fig, ax = plt.subplots(figsize=(9.0, 0.55 * n + 1.6))
    ax.set_xlim(0, 10)
    ax.set_ylim(-n - 0.8, 1.2)
    ax.axis("off")

    def box(x: float, y: float, text: str, color: str) -> None:
        ax.text(x, y, text, ha="center", va="center", fontsize=8, family="monospace",
                bbox=dict(boxstyle="round,pad=0.3", fc=color, ec="0.4"))

    c_in = unet.in_channels
    box(2.0, 0.6, f"mixture {c_in}×{time}×{freq}", "#dde8f5")
    video_at = dict(zip(unet.video_levels, unet.video_channels or ())) if unet.uses_video else {}
    for i in range(n):
        c, t, f = shapes[f"enc{i}"]
        extra = f" + video {video_at[i]}" if i in video_at else ""
        box(2.0, -i - 0.2, f"enc{i} {c}×{t}×{f}{extra}", "#fde2c8" if extra else "#eeeeee")
        if i < n - 1:
            c2, t2, f2 = shapes[f"dec{i}"]
            box(8.0, -i - 0.2, f"dec{i} {c2}×{t2}×{f2}", "#eeeeee")
            ax.annotate("", xy=(6.6, -i - 0.2), xytext=(3.6 if extra else 3.4, -i - 0.2),
                        arrowprops=dict(arrowstyle="->", color="0.6", lw=0.8))
    for name, x in (("on", 6.9), ("off", 9.1)):
        c, t, f = shapes[name]
        box(x, 0.6, f"{name} {c}×{t}×{f}", "#d8f0d8")
        ax.annotate("", xy=(x, 0.35), xytext=(8.0, 0.05), arrowprops=dict(arrowstyle="->", color="0.2", lw=0.8))

    def flow(x0: float, y0: float, x1: float, y1: float) -> None:
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", color="0.2", lw=0.8))

    for i in range(n):  # down the encoder (from the input), up the decoder, across the bottleneck
        flow(2.0, -i + 0.35 if i == 0 else -i + 0.55, 2.0, -i + 0.05)
        if 0 < i < n - 1:
            flow(8.0, -i + 0.05, 8.0, -i + 0.55)
    flow(3.0, -n + 1 - 0.2, 7.6, -n + 2 - 0.45)
    ax.text(5.0, -n + 0.2, "grey: skips (the BN output before the LeakyReLU; with video, the merged tensor), "
            "concatenated\nwith the decoder output of the same size; orange: video features tiled over frequency",
            ha="center", fontsize=8, color="0.4")
    ax.set_title(title or f"u-net: width {unet.width}, {n} levels (batch axis omitted)", fontsize=10)
    fig.tight_layout()
    return fig


def loss_curves(histories: Mapping[str, Sequence[Sequence[dict]]], *, title: str = "") -> Any:
    """The logged training loss against the step: per label (a variant), one line per seed (the first
    solid, the others faint)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.5))
    for color, (label, seeds) in zip(plt.rcParams["axes.prop_cycle"].by_key()["color"], histories.items()):
        for k, rows in enumerate(seeds):
            rows = [r for r in rows if "loss" in r]
            ax.plot([r["step"] for r in rows], [r["loss"] for r in rows], color=color,
                    alpha=1.0 if k == 0 else 0.35, lw=1.2 if k == 0 else 0.8, label=label if k == 0 else None)
    ax.set_xlabel("training step")
    ax.set_ylabel("L1 loss (normalised units)")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def example_grid(frames: np.ndarray, columns: Mapping[str, np.ndarray], spec: S.SpecSpec, *,
                 captions: Sequence[str] = (), title: str = "") -> Any:
    """Rows of examples: the on-screen video's middle frame ``frames [E, H, W, 3]`` and, per column, a
    waveform ``[E, N]`` drawn as a log spectrogram (the same dB scale everywhere; time in seconds, frequency
    in Hz)."""
    import matplotlib.pyplot as plt

    e, k = len(frames), len(columns)
    fig, axes = plt.subplots(e, k + 1, figsize=(2.0 + 2.4 * k, 1.9 * e + 0.5), squeeze=False,
                             gridspec_kw={"width_ratios": [0.8] + [1.0] * k})
    for row in range(e):
        axes[row, 0].imshow(frames[row])
        axes[row, 0].set_xticks([]), axes[row, 0].set_yticks([])
        if captions:
            axes[row, 0].set_ylabel(captions[row], fontsize=8)
        for col, (name, waves) in enumerate(columns.items(), start=1):
            db = S.unit_to_db(S.to_spec(torch.as_tensor(waves[row:row + 1], dtype=torch.float32), spec)[0, 0]).numpy()
            ax = axes[row, col]
            ax.imshow(db.T, origin="lower", aspect="auto", cmap="magma", vmin=S.DB_MIN, vmax=40, interpolation="nearest",
                      extent=(0, waves.shape[-1] / spec.sample_rate, 0, spec.sample_rate / 2))
            if row == 0:
                ax.set_title(name, fontsize=9)
            if row == e - 1:
                ax.set_xlabel("seconds", fontsize=8)
            else:
                ax.set_xticklabels([])
            if col == 1:
                ax.set_ylabel("Hz", fontsize=8)
            else:
                ax.set_yticklabels([])
            ax.tick_params(labelsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def db_bars(bars: Mapping[str, Mapping[str, tuple[float, float, float]]], seeds: Mapping[str, Mapping[str, Sequence[float]]]
            | None = None, *, value_label: str = "SI-SDR improvement (dB)", n_text: str = "", title: str = "") -> Any:
    """Grouped bars in dB: ``bars[label][series] = (mean, low, high)`` (the interval drawn as an error
    bar), each seed's own mean as a dot (``seeds[label][series]``), zero as a line; ``n_text`` says what
    the intervals are over."""
    import matplotlib.pyplot as plt

    labels = list(bars)
    names = list(dict.fromkeys(s for v in bars.values() for s in v))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(labels) + 2.5), 3.8))
    width = 0.8 / len(names)
    pos = np.arange(len(labels), dtype=np.float64)
    for j, name in enumerate(names):
        at = pos + (j - (len(names) - 1) / 2) * width
        m = np.array([bars[lab].get(name, (np.nan,) * 3)[0] for lab in labels])
        lo = np.array([bars[lab].get(name, (np.nan,) * 3)[1] for lab in labels])
        hi = np.array([bars[lab].get(name, (np.nan,) * 3)[2] for lab in labels])
        err = np.nan_to_num(np.stack([m - lo, hi - m]))
        ax.bar(at, m, width, yerr=err, capsize=3, ecolor="0.2", label=name)
        if seeds:
            for x, lab in zip(at, labels):
                pts = seeds.get(lab, {}).get(name, [])
                ax.plot([x] * len(pts), pts, "o", ms=3, color="0.15", zorder=3)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(pos, labels, rotation=15, ha="right")
    ax.set_ylabel(value_label)
    ax.set_xlabel(f"error bars: 95 % bootstrap intervals{'; ' + n_text if n_text else ''}; dots: seeds", fontsize=8)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
