"""Clip loading speed: decode-on-the-fly (``load_clip``) vs the clip cache, per profile clip shape.

``python -m avscene.bench io [--profiles cpu gpu] [--videos 2] [--source-size 360x640]``: writes a few
synthetic H.264/AAC source videos (10.1 s, 29.97 fps, 44.1 kHz stereo, like AudioSet downloads) to a
temporary folder, then times reading random ``clip_frames``-long windows at each profile's fps, sample
rate and frame size, both by decoding and from the cache (after a one-off build, also timed).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from avscene import config
from avscene.bench.common import print_table, rate
from avscene.io import ClipCache, load_clip, write_av


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profiles", nargs="+", default=["cpu", "gpu"], choices=config.PROFILE_NAMES)
    parser.add_argument("--videos", type=int, default=2, help="source videos to sample clips from")
    parser.add_argument("--source-seconds", type=float, default=10.1)
    parser.add_argument("--source-size", default="360x640", help="HxW of the source videos")
    parser.add_argument("--min-seconds", type=float, default=3.0, help="time each measurement this long")
    parser.add_argument("--workdir", help="keep sources and caches here (default: a temporary folder)")


def make_source(path: Path, seconds: float, h: int, w: int, seed: int) -> None:
    """A moving-gradient video with noise-burst audio: ``[T, h, w, 3]`` at 29.97 fps, stereo 44.1 kHz."""
    fps, sr = 29.97, 44100
    t = int(seconds * fps)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    noise = rng.normal(0, 6, size=(h, w, 3)).astype(np.float32)
    frames = np.empty((t, h, w, 3), np.uint8)  # built frame by frame: peak memory stays the loader's
    for i in range(t):
        base = (np.sin((xx + 3.0 * i) / 37.0) + np.cos((yy - 3.0 * i) / 23.0)) * 60 + 128
        frames[i] = np.clip(np.stack([base, base[::-1], base[:, ::-1]], axis=-1) + noise, 0, 255)
    audio = (0.1 * rng.standard_normal((2, int(seconds * sr)))).astype(np.float32)
    write_av(path, frames, audio, fps, sr)


def run(args: argparse.Namespace) -> dict:
    h, w = (int(v) for v in args.source_size.lower().split("x"))
    tmp = None if args.workdir else tempfile.TemporaryDirectory(prefix="avscene-bench-io-")
    work = Path(args.workdir or tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    sources = []
    for i in range(args.videos):
        path = work / f"source{i}.mp4"
        if not path.exists():
            make_source(path, args.source_seconds, h, w, seed=i)
        sources.append(path)
    rows, result = [], {"source": f"{args.videos} x {args.source_seconds} s {h}x{w} H.264/AAC 29.97 fps"}
    rng = np.random.default_rng(0)
    for name in args.profiles:
        m = config.get(name).media
        seconds = m.clip_frames / m.fps
        cache = ClipCache.from_profile(work / f"cache-{name}", config.get(name))
        t0 = time.perf_counter()
        for s in sources:
            cache.build(s, overwrite=True)
        build_s = (time.perf_counter() - t0) / len(sources)
        readers = [cache.open(s) for s in sources]
        span = min(r.duration for r in readers) - seconds - 0.05
        start0 = max(r.start for r in readers)

        def decode() -> None:
            s = sources[rng.integers(len(sources))]
            load_clip(s, start0 + rng.uniform(0, span), seconds, fps=m.fps, sample_rate=m.sample_rate,
                      channels=m.channels, size=m.frame_size)

        def cached() -> None:
            s = sources[rng.integers(len(sources))]
            cache.load(s, start0 + rng.uniform(0, span), seconds)

        dec = rate(decode, 1, min_seconds=args.min_seconds)
        hit = rate(cached, 1, min_seconds=args.min_seconds)
        store_mib = sum(f.stat().st_size for f in (work / f"cache-{name}").rglob("*.npy")) / 2**20 / len(sources)
        row = {"profile": name, "clip": f"{m.clip_frames}x{m.frame_size}px {m.fps}fps {m.sample_rate}Hz",
               "decode_clips_s": dec["items_per_s"], "cache_clips_s": hit["items_per_s"],
               "speedup": hit["items_per_s"] / dec["items_per_s"], "build_s_per_video": build_s,
               "cache_mib_per_video": store_mib}
        rows.append(row)
        result[name] = row
    print_table(f"clip loading ({result['source']})", rows)
    if tmp is not None:
        tmp.cleanup()
    return result
