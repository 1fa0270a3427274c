"""Pictures of ``ShiftNet`` (notebook 02): the architecture with every layer's output shape, and the
temporal receptive fields against the clip.
"""
from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

from .summary import ReceptiveField

#: the diagram's lanes: (rows of ``summary.layer_table`` in order, y centre, colour, x of the first box).
#: Video and audio run left to right on top and meet at ``fusion``; the joint layers continue on a row
#: of their own below (so the figure stays narrow enough for ≥ 9-pt text at notebook width).
LANES = {
    "video": (("im/conv1", "im/pool", "im/conv2_1", "im/conv2_2"), 3.3, "tab:blue", 3.15),
    "audio": (("sf/conv1_1", "sf/pool", "sf/conv2_1", "sf/conv3_1", "sf/conv4_1", "sf/align", "sf/conv5_1"),
              2.1, "tab:green", 0.0),
    "fusion": (("fusion",), 2.7, "tab:purple", 7.6),
    "joint": (("im/merge1", "im/merge2", "merge add", "im/conv3_1", "im/conv3_2", "im/conv4_1", "im/conv4_2",
               "im/conv5_1", "im/conv5_2", "GAP", "joint/logits"), 0.45, "tab:purple", 0.0),
}
FONT_SIZE = 9  # every text of the diagram, in points at the saved size
STEP, HALF = 1.05, 0.47  # box pitch and half width (data units)


def _steps(shape: str) -> int:
    """Time steps of a ``C×T[×H×W]`` shape string."""
    return int(shape.split("×")[1])


def _shape_lines(shape: str) -> str:
    """``C×T×H×W`` as ``C×T`` over ``H×W`` (audio ``C×N`` stays one line)."""
    dims = shape.split("×")
    return "×".join(dims[:2]) + ("\n" + "×".join(dims[2:]) if len(dims) > 2 else "")


def architecture(rows: list[dict[str, Any]], frames_shape: tuple[int, ...], audio_shape: tuple[int, int],
                 title: str) -> Any:
    """One box per layer of ``rows`` (``summary.layer_table``) with its output shape (channels × time over
    height × width); box height grows with the number of time steps (log scale). ``frames_shape``
    ``(3, T, H, W)``, ``audio_shape`` ``(C, N)``. Every text is ``FONT_SIZE`` (9) pt or more at the
    figure's size (11 × 5 in)."""
    import textwrap

    import matplotlib.pyplot as plt

    by_name = {r["layer"]: r for r in rows}
    t_max = max(_steps(r["out_shape"]) for r in rows)

    def height(name: str) -> float:
        return 0.35 + 0.45 * math.log(_steps(by_name[name]["out_shape"])) / math.log(t_max)

    fig = plt.figure(figsize=(11, 5))
    ax = fig.add_axes((0.005, 0.0, 0.99, 0.86))
    x_of: dict[str, float] = {}
    h_of: dict[str, float] = {}
    for names, y, colour, x0 in LANES.values():
        for i, name in enumerate(names):
            x, h = x0 + i * STEP, height(name)
            x_of[name], h_of[name] = x, h
            ax.add_patch(plt.Rectangle((x - HALF, y - h / 2), 2 * HALF, h, color=colour, alpha=0.25))
            ax.text(x, y + h / 2 + 0.04, name.split("/")[-1], ha="center", va="bottom", fontsize=FONT_SIZE)
            ax.text(x, y, _shape_lines(by_name[name]["out_shape"]), ha="center", va="center",
                    fontsize=FONT_SIZE, linespacing=1.1)
        for a, b in pairwise(names):
            ax.annotate("", (x_of[b] - HALF, y), (x_of[a] + HALF, y), arrowprops={"arrowstyle": "->"})
    y_fuse = LANES["fusion"][1]
    for src, y in (("im/conv2_2", LANES["video"][1]), ("sf/conv5_1", LANES["audio"][1])):
        ax.annotate("", (x_of["fusion"] - HALF, y_fuse + (0.1 if y > y_fuse else -0.1)), (x_of[src] + HALF, y),
                    arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax.text(x_of["fusion"] + HALF + 0.15, y_fuse, "tile audio over H×W,\nconcat channels", ha="left",
            va="center", fontsize=FONT_SIZE, color="tab:purple")
    # fusion -> first joint layer: down, back to the left edge, into the joint row
    y_back, x_back, y_joint = 1.35, -0.95, LANES["joint"][1]
    ax.plot([x_of["fusion"], x_of["fusion"], x_back, x_back],
            [y_fuse - h_of["fusion"] / 2, y_back, y_back, y_joint], color="0.3", lw=1)
    ax.annotate("", (x_of["im/merge1"] - HALF, y_joint), (x_back, y_joint),
                arrowprops={"arrowstyle": "->", "color": "0.3"})
    y_video = LANES["video"][1]
    ax.text(1.55, y_video, "frames\n" + "×".join(map(str, frames_shape)), ha="center", va="center",
            fontsize=FONT_SIZE, color="tab:blue")
    ax.annotate("", (x_of["im/conv1"] - HALF, y_video), (2.45, y_video), arrowprops={"arrowstyle": "->"})
    ax.text(-1.2, LANES["audio"][1], f"waveform\n{audio_shape[0]}×{audio_shape[1]}\n(mu-law)", ha="center",
            va="center", fontsize=FONT_SIZE, color="tab:green")
    ax.annotate("", (x_of["sf/conv1_1"] - HALF, LANES["audio"][1]), (-0.62, LANES["audio"][1]),
                arrowprops={"arrowstyle": "->"})
    ax.set_xlim(-1.85, x_of["joint/logits"] + HALF + 0.1)
    ax.set_ylim(-0.05, 4.0)
    ax.axis("off")
    fig.suptitle(textwrap.fill(title, 95), fontsize=11)
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
