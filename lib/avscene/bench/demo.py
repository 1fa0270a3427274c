"""Demo speed (notebook 09): seconds of video per second of wall time through each part of ``python -m avscene
demo`` (decode, sync, cam, separation, writing) on a generated clip at the weights' media, and peak memory.

``python -m avscene.bench demo [--weights random|original|cpu|PATH] [--width 64] [--seconds S]``. The default
``random`` needs no registered weights: randomly initialised networks at the original's full width
(``ShiftNet(64)`` for sync, ``ShiftNet(64, cam_levels=1)`` for the CAM, the released ``sep_full`` sizes for
separation; ``--width`` scales all three) and media (29.97 fps, 21 kHz stereo, 224 px, 125-frame windows,
±15 frames; the separation net's 63): speed does not depend on the weights' values. The clip (default: the
shortest every part accepts plus half a second) is a moving square over noise with a tone, 640 x 360 H.264 and
FLAC in Matroska, written once; one demo run is timed (:func:`avscene.demo.run.demo`'s own timings).
"""
from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from avscene import runtime
from avscene.bench.common import print_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", default="random",
                        help="random (untrained networks at --width, default), original, cpu or a converted path")
    parser.add_argument("--width", type=int, default=64, help="width of the random networks (default 64: the original)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="clip length (default: the shortest every part accepts, plus 0.5 s)")
    parser.add_argument("--source-size", default="640x360", help="the generated clip's WxH (default 640x360)")
    parser.add_argument("--fps", type=float, default=None, help="random networks: frame rate (default 29.97)")
    parser.add_argument("--frame-size", type=int, default=None, help="random networks: input side (default 224)")
    parser.add_argument("--clip-frames", type=int, default=None,
                        help="random networks: sync/CAM window in frames (default 125)")
    parser.add_argument("--max-offset", type=int, default=None, help="random networks: sync range (default 15)")
    parser.add_argument("--no-separation", action="store_true", help="random networks: leave separation out")
    parser.add_argument("--device", default=None, help="torch device (default: cuda, else mps, else cpu)")


def random_weights(width: int = 64, *, fps: float | None = None, frame_size: int | None = None,
                   clip_frames: int | None = None, max_offset: int | None = None, separation: bool = True):
    """Untrained networks at ``width`` and the original's media (each size overridable), labelled as such."""
    from avscene.convert.convert import build, original_media
    from avscene.demo.weights import Media, Model, Weights, sep_window_frames
    from avscene.models import ShiftNet

    torch.manual_seed(0)
    o = original_media("shift")
    fps = float(fps or o["fps"])
    media = Media(fps, int(o["sample_rate"]), int(o["channels"]), int(frame_size or o["frame_size"]),
                  int(clip_frames or o["clip_frames"]), int(o["max_offset"] if max_offset is None else max_offset))
    tag = "untrained, for timing only"
    sync = Model("sync", "shift", ShiftNet(width).eval(), media, f"random ShiftNet({width}) ({tag})")
    cam = Model("cam", "cam", ShiftNet(width, cam_levels=1).eval(), media,
                f"random ShiftNet({width}, cam_levels=1) ({tag})")
    sep = None
    if separation:
        cfg = {"width": width, "audio_channels": 2, "bn_scale": True, "unet_width": width, "levels": 9}
        net = build("sep_full", cfg).eval()
        s = original_media("sep_full")
        frames = max(sep_window_frames(net, fps, media.sample_rate), s["clip_frames"] if fps == s["fps"] else 0)
        sep = Model("separation", "sep_full", net,
                    Media(fps, media.sample_rate, media.channels, media.frame_size, frames),
                    f"random SeparationNet (u-net width {width}, 9 levels; video ShiftNet({width})) ({tag})")
    return Weights(f"random (width {width})", sync, cam, sep)


def make_clip(path: Path, seconds: float, fps: float, sample_rate: int, size: tuple[int, int]) -> Path:
    """A moving bright square over noise with a tone (H.264 + FLAC in Matroska: any sample rate)."""
    from avscene.io.write import write_av

    rng = np.random.default_rng(0)
    t, (w, h) = round(seconds * fps), size
    frames = rng.integers(0, 60, (t, h, w, 3), dtype=np.uint8)
    side = max(2, h // 4)
    for i in range(t):
        x = (7 * i) % max(1, w - side)
        frames[i, h // 3:h // 3 + side, x:x + side] = 230
    n = round(seconds * sample_rate)
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / sample_rate)
    audio = (tone + 0.05 * rng.standard_normal((2, n))).astype(np.float32)
    write_av(path, frames, audio, fps, sample_rate, audio_codec="flac")
    return path


def measure(weights: Any, *, seconds: float | None = None, source_size: tuple[int, int] = (640, 360),
            device: str | None = None) -> dict[str, Any]:
    """One demo run on a generated clip at ``weights``' sync media: per part, wall seconds and seconds of
    video per second (``video_s_per_s``), and the windows each model part ran."""
    from avscene.demo import media as M
    from avscene.demo.run import demo
    from avscene.demo.weights import resolve

    w = resolve(weights)
    m = w.sync.media
    need = max(n.seconds for n in M.needs(w))
    seconds = float(seconds or math.ceil(need * 10) / 10 + 0.5)
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        video = make_clip(Path(tmp) / "clip.mkv", seconds, m.fps, m.sample_rate, source_size)
        result = demo(video, Path(tmp) / "out", w, device=device, progress=False, log=lines.append)
    rows = [{"part": part, "wall_s": round(t, 3),
             "video_s_per_s": result.seconds / max(t, 1e-9) if part != "weights" else "",
             "windows": result.windows.get(part, "")} for part, t in result.timings.items()]
    total = sum(t for p, t in result.timings.items() if p != "weights")
    rows.append({"part": "total (weights excluded)", "wall_s": round(total, 3),
                 "video_s_per_s": result.seconds / max(total, 1e-9), "windows": ""})
    return {"weights": w.name, "labels": result.labels, "clip_seconds": result.seconds, "rows": rows,
            "log": lines}


def run(args: argparse.Namespace) -> dict[str, Any]:
    device = args.device or str(runtime.pick_device())
    if args.weights == "random":
        weights = random_weights(args.width, fps=args.fps, frame_size=args.frame_size, clip_frames=args.clip_frames,
                                 max_offset=args.max_offset, separation=not args.no_separation)
        print(f"randomly initialised networks (untrained; speed does not depend on the weights) at width "
              f"{args.width}{' (the original full width: ShiftNet(64))' if args.width == 64 else ''}")
    else:
        weights = args.weights
    size = tuple(int(x) for x in args.source_size.lower().split("x"))
    result = measure(weights, seconds=args.seconds, source_size=size, device=device)
    for role, label in result["labels"].items():
        print(f"{role}: {label or 'skipped'}")
    print_table(f"demo on {device} ({torch.get_num_threads()} threads): a {result['clip_seconds']:.2f}-s "
                f"{size[0]}x{size[1]} clip; video_s_per_s = seconds of video per second of wall time", result["rows"])
    return {"device": device, **result}
