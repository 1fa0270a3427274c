"""What notebook 02 shows about ``ShiftNet``: a per-layer table (output shape, parameters, FLOPs), the
FLOPs per clip and the temporal receptive field in seconds (reference notes §1.3).

Everything runs on any device, including ``meta`` (shape inference only: the paper-size table costs
milliseconds and no memory). FLOPs are ``torch.utils.flop_counter.FlopCounterMode``'s: convolutions
and matmuls, 2 per multiply-add; batch norm, ReLU, pooling and the mu-law are not counted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .blocks import ResBlock, SameConv, SameMaxPool
from .shift_net import ShiftNet, count_parameters

#: Table rows in the reference table's order (notes §1.3): (row name, module path or None, role).
LAYERS: tuple[tuple[str, str | None, str], ...] = (
    ("sf/conv1_1", "sf.conv1_1", "conv + BN + ReLU"),
    ("sf/pool", "sf.pool", "max-pool (VALID)"),
    ("sf/conv2_1", "sf.conv2_1", "block2"),
    ("sf/conv3_1", "sf.conv3_1", "block2"),
    ("sf/conv4_1", "sf.conv4_1", "block2"),
    ("sf/align", "sf.align", "max-pool to the video's steps"),
    ("sf/conv5_1", "sf.conv5_1", "conv + BN + ReLU"),
    ("im/conv1", "im.conv1", "conv + BN + ReLU"),
    ("im/pool", "im.pool", "max-pool (SAME)"),
    ("im/conv2_1", "im.conv2_1", "block3"),
    ("im/conv2_2", "im.conv2_2", "block3 (scale 0)"),
    ("fusion", None, "concat(video, tiled audio)"),
    ("im/merge1", "im.merge.merge1", "conv + BN + ReLU"),
    ("im/merge2", "im.merge.merge2", "conv + bias"),
    ("merge add", "im.merge.bn", "+ shortcut, BN, ReLU"),
    ("im/conv3_1", "im.conv3_1", "block3"),
    ("im/conv3_2", "im.conv3_2", "block3 (scale 1)"),
    ("im/conv4_1", "im.conv4_1", "block3"),
    ("im/conv4_2", "im.conv4_2", "block3"),
    ("im/conv5_1", "im.conv5_1", "block3"),
    ("im/conv5_2", "im.conv5_2", "block3 (scale 2, last_conv)"),
    ("GAP", None, "mean over T, H, W"),
    ("joint/logits", "logits", "1×1×1 conv + bias"),
)


def example_inputs(frames: int, size: int, samples: int, channels: int = 2, batch: int = 1,
                   device: str | torch.device = "meta") -> tuple[torch.Tensor, torch.Tensor]:
    """``frames [B, 3, T, S, S]`` and ``audio [B, C, N]`` (uniform in [-1, 1] unless on ``meta``)."""
    shape_v, shape_a = (batch, 3, frames, size, size), (batch, channels, samples)
    if torch.device(device).type == "meta":
        return torch.empty(shape_v, device=device), torch.empty(shape_a, device=device)
    return (torch.rand(shape_v, device=device) * 2 - 1, torch.rand(shape_a, device=device) * 2 - 1)


def layer_table(net: ShiftNet, frames: torch.Tensor, audio: torch.Tensor) -> list[dict[str, Any]]:
    """One row per layer of the reference table: output shape (C × T × H × W, or C × L for audio;
    no batch), parameters, forward GFLOPs per clip. Runs one forward (in eval mode, no grad)."""
    modules = dict(net.named_modules())
    shapes: dict[str, tuple[int, ...]] = {}
    hooks = []
    for _, path, _ in LAYERS:
        if path is None:
            continue

        def hook(mod, args, out, path=path):
            shapes[path] = tuple(out.shape[1:])
            if path == "im.merge.merge1":
                shapes["fusion"] = tuple(args[0].shape[1:])
        hooks.append(modules[path].register_forward_hook(hook))
    training = net.training
    net.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            net(frames, audio)  # through __call__, so the counter names modules "ShiftNet.<path>"
    finally:
        net.train(training)
        for h in hooks:
            h.remove()
    shapes["GAP"] = (shapes["im.conv5_2"][0], 1, 1, 1)
    flops = {name.removeprefix(type(net).__name__ + "."): sum(ops.values())
             for name, ops in counter.get_flop_counts().items()}
    batch = frames.shape[0]
    rows = []
    for name, path, role in LAYERS:
        mod = modules.get(path) if path else None
        key = path or name
        rows.append({
            "layer": name, "op": role, **_kernel_stride(mod),
            "out_shape": "×".join(str(s) for s in shapes[key]) if key in shapes else "-",
            "params": count_parameters(mod) if mod is not None else 0,
            "gflops": flops.get(path, 0) / batch / 1e9 if path else 0.0,
        })
    return rows


def _kernel_stride(mod: nn.Module | None) -> dict[str, str]:
    if isinstance(mod, ResBlock):
        mod = mod.conv1
    if isinstance(mod, (SameConv, SameMaxPool)):
        return {"kernel": "×".join(map(str, mod.kernel)), "stride": "×".join(map(str, mod.stride))}
    return {"kernel": "-", "stride": "-"}


def flops_per_clip(net: ShiftNet, frames: torch.Tensor, audio: torch.Tensor,
                   backward: bool = False) -> float:
    """Forward (or forward + backward, parameter and activation gradients) FLOPs per clip."""
    with FlopCounterMode(display=False) as counter:
        logits = net(frames, audio)
        if backward:
            logits.sum().backward()
    if backward:
        net.zero_grad(set_to_none=True)
    return counter.get_total_flops() / frames.shape[0]


@dataclass(frozen=True)
class ReceptiveField:
    """Temporal receptive field of one unit (notes §1.3): frames / samples and seconds."""

    fusion_frames: float  # one fusion step (scale 0, video only), in input frames
    fusion_samples: float  # one fused audio step (after sf/conv5_1), in input samples
    last_frames: float  # one last_conv unit, in input frames
    last_samples: float  # one last_conv unit, in input samples
    fps: float
    sample_rate: float

    @property
    def fusion_seconds(self) -> tuple[float, float]:
        return self.fusion_frames / self.fps, self.fusion_samples / self.sample_rate

    @property
    def last_seconds(self) -> tuple[float, float]:
        return self.last_frames / self.fps, self.last_samples / self.sample_rate


def _chain(layers: list[tuple[float, float]]) -> tuple[float, float]:
    """Receptive field and jump of a chain of (kernel, stride) layers along time."""
    rf, jump = 1.0, 1.0
    for k, s in layers:
        rf += (k - 1) * jump
        jump *= s
    return rf, jump


def _time_layers(mod: nn.Module) -> list[tuple[float, float]]:
    if isinstance(mod, ResBlock):
        return _time_layers(mod.conv1) + _time_layers(mod.conv2)
    if isinstance(mod, (SameConv, SameMaxPool)):
        return [(mod.kernel[0], mod.stride[0])]
    return [(1, 1)]  # 1×1 ops: merge, BN


def receptive_field(net: ShiftNet, frames: int, samples: int, fps: float,
                    sample_rate: float) -> ReceptiveField:
    """Theoretical temporal receptive field (padding included) for ``frames``/``samples`` inputs.

    The audio-to-video max-pool is counted as a window of ``ceil(L / T) + 1`` audio steps (its widest
    adaptive bin) with stride ``L / T``.
    """
    im, sf = net.im, net.sf
    video_pre = [l for n in ("conv1", "pool", "conv2_1", "conv2_2") for l in _time_layers(im[n])]
    post = [l for n in ("merge", "conv3_1", "conv3_2", "conv4_1", "conv4_2", "conv5_1", "conv5_2")
            for l in _time_layers(im[n])]
    t_v = frames
    for k, s in video_pre:
        t_v = math.ceil(t_v / s)
    audio_pre = [l for n in ("conv1_1", "pool", "conv2_1", "conv3_1", "conv4_1")
                 for l in _time_layers(getattr(sf, n))]
    length = samples
    for i, (k, s) in enumerate(audio_pre):
        length = (length - k) // s + 1 if i == 1 else math.ceil(length / s)  # sf/pool is VALID
    ratio = length / t_v
    audio_fused = audio_pre + [(math.ceil(ratio) + 1, ratio)] + _time_layers(sf.conv5_1)
    return ReceptiveField(
        fusion_frames=_chain(video_pre)[0], fusion_samples=_chain(audio_fused)[0],
        last_frames=_chain(video_pre + post)[0], last_samples=_chain(audio_fused + post)[0],
        fps=fps, sample_rate=sample_rate)


def describe(width: int, frames: int, size: int, samples: int, channels: int = 2, cam_levels: int = 0,
             fps: float = 29.97, sample_rate: float = 21000) -> dict[str, Any]:
    """The whole summary of a ``ShiftNet(width)`` at an input size, on the ``meta`` device:
    ``{"rows", "params", "gflops_forward", "gflops_train", "rf"}`` (FLOPs per clip)."""
    with torch.device("meta"):
        net = ShiftNet(width, audio_channels=channels, cam_levels=cam_levels)
        v, a = example_inputs(frames, size, samples, channels, batch=1, device="meta")
        rows = layer_table(net, v, a)
        fwd = flops_per_clip(net, v, a)
        train = flops_per_clip(net, v, a, backward=True)
    return {"rows": rows, "params": count_parameters(net), "gflops_forward": fwd / 1e9,
            "gflops_train": train / 1e9, "rf": receptive_field(net, frames, samples, fps, sample_rate)}


def describe_receptive_field(rf: ReceptiveField) -> str:
    """One sentence of a receptive field in frames, samples and seconds (notebook 02)."""
    v0, a0 = rf.fusion_seconds
    v1, a1 = rf.last_seconds
    return (f"fusion unit sees {rf.fusion_frames:.0f} frames = {v0:.2f} s of video and {rf.fusion_samples:,.0f} "
            f"samples = {a0:.2f} s of audio; a last_conv unit {rf.last_frames:.0f} frames = {v1:.2f} s and "
            f"{rf.last_samples:,.0f} samples = {a1:.2f} s")


def joint_share(summary: dict[str, Any]) -> tuple[float, float]:
    """Shares of the parameters and of the forward FLOPs in the layers after the fusion (which see fused
    audio-visual features), from a :func:`describe` summary (notebook 02)."""
    rows = summary["rows"]
    after = [r["layer"] for r in rows].index("fusion")
    return (sum(r["params"] for r in rows[after:]) / summary["params"],
            sum(r["gflops"] for r in rows[after:]) / summary["gflops_forward"])


def format_table(rows: list[dict[str, Any]], columns: tuple[str, ...] = (
        "layer", "op", "kernel", "stride", "out_shape", "params", "gflops")) -> str:
    """``layer_table`` rows as fixed-width text (notebook 02), with a total line."""
    def fmt(col: str, v: Any) -> str:
        if col == "params":
            return f"{v:,}"
        if col == "gflops":
            return f"{v:.3g}" if v else "0"
        return str(v)

    body = [[fmt(c, r.get(c, "")) for c in columns] for r in rows]
    total = ["total"] + [""] * (len(columns) - 1)
    for i, c in enumerate(columns):
        if c in ("params", "gflops"):
            total[i] = fmt(c, sum(r[c] for r in rows))
    body.append(total)
    widths = [max(len(c), *(len(line[i]) for line in body)) for i, c in enumerate(columns)]
    right = {"params", "gflops"}
    lines = ["  ".join(c.rjust(w) if c in right else c.ljust(w) for c, w in zip(columns, widths))]
    for line in body:
        lines.append("  ".join(v.rjust(w) if c in right else v.ljust(w)
                               for c, v, w in zip(columns, line, widths)))
    return "\n".join(lines)
