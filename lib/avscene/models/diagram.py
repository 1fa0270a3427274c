"""Pictures of ``ShiftNet`` (notebook 02): the architecture with every layer's output shape, and the
temporal receptive fields against the clip.
"""
from __future__ import annotations

import math
from typing import Any

from .summary import ReceptiveField

#: the diagram's three lanes: (rows of ``summary.layer_table`` in order, y centre, colour, first x)
LANES = {
    "video": (("im/conv1", "im/pool", "im/conv2_1", "im/conv2_2"), 2.0, "tab:blue", 3.0),
    "audio": (("sf/conv1_1", "sf/pool", "sf/conv2_1", "sf/conv3_1", "sf/conv4_1", "sf/align", "sf/conv5_1"),
              0.0, "tab:green", 0.0),
    "joint": (("fusion", "im/merge1", "im/merge2", "merge add", "im/conv3_1", "im/conv3_2", "im/conv4_1",
               "im/conv4_2", "im/conv5_1", "im/conv5_2", "GAP", "joint/logits"), 1.0, "tab:purple", 7.3),
}


def _steps(shape: str) -> int:
    """Time steps of a ``C×T[×H×W]`` shape string."""
    return int(shape.split("×")[1])


def architecture(rows: list[dict[str, Any]], frames_shape: tuple[int, ...], audio_shape: tuple[int, int],
                 title: str) -> Any:
    """One box per layer of ``rows`` (``summary.layer_table``) with its output shape; box height grows with
    the number of time steps (log scale). ``frames_shape`` ``(3, T, H, W)``, ``audio_shape`` ``(C, N)``."""
    import matplotlib.pyplot as plt

    by_name = {r["layer"]: r for r in rows}
    t_max = max(_steps(r["out_shape"]) for r in rows)

    def height(name: str) -> float:
        return 0.15 + 0.6 * math.log(_steps(by_name[name]["out_shape"])) / math.log(t_max)

    fig, ax = plt.subplots(figsize=(15, 5.2))
    x_of: dict[str, float] = {}
    for names, y, colour, x0 in LANES.values():
        for i, name in enumerate(names):
            x, h = x0 + i * 1.05, height(name)
            x_of[name] = x
            ax.add_patch(plt.Rectangle((x - 0.47, y - h / 2), 0.94, h, color=colour, alpha=0.25))
            ax.text(x, y + h / 2 + 0.04, name.split("/")[-1], ha="center", va="bottom", fontsize=7)
            ax.text(x, y, by_name[name]["out_shape"].replace("×", "×\n", 1), ha="center", va="center",
                    fontsize=6)
        for a, b in zip(names, names[1:]):
            ax.annotate("", (x_of[b] - 0.47, y), (x_of[a] + 0.47, y), arrowprops=dict(arrowstyle="->"))
    for src, y in (("im/conv2_2", 2.0), ("sf/conv5_1", 0.0)):
        ax.annotate("", (x_of["fusion"] - 0.3, 1.0 + (0.2 if y > 1 else -0.2)), (x_of[src] + 0.47, y),
                    arrowprops=dict(arrowstyle="->", color="0.3", connectionstyle="arc3,rad=0.0"))
    ax.text(x_of["fusion"], 1.55, "tile audio over H×W,\nconcat channels", ha="center", fontsize=7,
            color="tab:purple")
    ax.text(0.0, 2.0, "frames\n" + "×".join(map(str, frames_shape)), ha="center", va="center", fontsize=8,
            color="tab:blue")
    ax.annotate("", (x_of["im/conv1"] - 0.47, 2.0), (1.0, 2.0), arrowprops=dict(arrowstyle="->"))
    ax.text(-1.05, 0.0, f"waveform\n{audio_shape[0]}×{audio_shape[1]}\n(mu-law)", ha="center", va="center",
            fontsize=8, color="tab:green")
    ax.set_xlim(-1.7, x_of["joint/logits"] + 0.7)
    ax.set_ylim(-0.6, 2.6)
    ax.axis("off")
    ax.set_title(title)
    return fig


def receptive_fields(rf: ReceptiveField, clip_seconds: float, title: str) -> Any:
    """Bars of the temporal receptive field of a fusion unit and of a ``last_conv`` unit, video and
    audio, centred on the middle of a ``clip_seconds`` clip."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 2.4))
    bars = [("clip", clip_seconds, "0.8"), ("fusion unit, video", rf.fusion_seconds[0], "tab:blue"),
            ("fusion unit, audio", rf.fusion_seconds[1], "tab:green"),
            ("last_conv unit, video", rf.last_seconds[0], "tab:blue"),
            ("last_conv unit, audio", rf.last_seconds[1], "tab:green")]
    for i, (_, width, colour) in enumerate(bars):
        ax.barh(-i, width, left=clip_seconds / 2 - width / 2, color=colour, alpha=0.6)
    ax.axvline(0, color="k", lw=0.8)
    ax.axvline(clip_seconds, color="k", lw=0.8)
    ax.set_yticks([-i for i in range(len(bars))], [b[0] for b in bars])
    ax.set_xlabel("seconds (centred on the middle of the clip; black lines: the clip's edges)")
    ax.set_title(title)
    return fig
