"""Synthetic-world generation speed (clips/s per core at each profile's size) and the step-3 acceptance figures.

One "clip" is one pretext video at the profile's ``cfg.media`` sizes, with all its ground truth:
``video_frames`` frames of ``frame_size``^2 px RGB, ``video_samples`` samples of stereo audio, masks,
stems and events (``World(cfg.media, difficulty).clip(i)``; cpu profile: 120 x 72 x 72 frames, 8 s at
8 kHz). Generation is single-threaded numpy/scipy, so clips per CPU-second is clips/s per core;
wall-clock rate is printed too (they differ on a busy machine).

``--pairs N`` also measures, on N aligned/shifted pairs at ``--acceptance-profile``, the held-out
accuracy of the sync baseline and of audio-only / frames-only global-statistics classifiers.
"""
from __future__ import annotations

import argparse
import time

from avscene import config
from avscene.bench.common import print_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profiles", default="smoke,cpu,colab,gpu", help="comma-separated profiles to time")
    parser.add_argument("--difficulty", default="default", help="difficulty preset (easy, default, hard)")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum timing per profile")
    parser.add_argument("--pairs", type=int, default=0, help="also run the acceptance measurement on N pairs")
    parser.add_argument("--acceptance-profile", default="cpu")


def _time(cfg: config.Profile, difficulty: str, min_seconds: float) -> dict:
    from avscene.synthetic import World

    world = World(cfg.media, difficulty, seed=cfg.seed)
    world.clip(10_000)  # warm the texture and noise banks
    n, w0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - w0 < min_seconds or n < 3:
        world.clip(n)
        n += 1
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    m = cfg.media
    return {"profile": cfg.name, "frames": f"{m.video_frames}x{m.frame_size}px", "audio": f"{m.channels}x{m.video_samples}",
            "clips": n, "clips_per_cpu_s": n / cpu, "clips_per_wall_s": n / wall, "ms_per_clip_cpu": 1e3 * cpu / n}


def run(args: argparse.Namespace) -> dict:
    rows = [_time(config.get(p), args.difficulty, args.seconds) for p in args.profiles.split(",") if p]
    print_table(f"synthetic world generation ({args.difficulty}); clips_per_cpu_s = clips/s per core", rows)
    result: dict = {"generation": rows}
    if args.pairs:
        from avscene.synthetic import acceptance

        t0 = time.perf_counter()
        acc = acceptance.measure(config.get(args.acceptance_profile), args.difficulty, args.pairs, progress=True)
        acc["seconds"] = time.perf_counter() - t0
        print_table(f"acceptance on {args.pairs} aligned/shifted pairs ({args.acceptance_profile}, {args.difficulty}); "
                    "held-out accuracy", [acc])
        result["acceptance"] = acc
    return result
