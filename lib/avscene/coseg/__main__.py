"""``python -m avscene.coseg train``: a Sound of Pixels or co-segmentation run on the synthetic world or on MUSIC
(notebook 08; reference notes §3), outside notebooks.

It obtains the run ``coseg[-<data>]/<variant>/seed<k>`` (found, fetched or trained: ``avscene.coseg.runs.train``;
``coseg`` first obtains the ``sop`` run it continues), scores it on the held-out mixtures (SDR / SIR / SAR / NSDR
with ``mir_eval``, mixtures with a silent source skipped and counted) and prints one JSON line of the result
(also appended to ``--out``)::

    python data_scripts/music.py --out data/music          # once: 8-fps, 11,025-Hz videos, train.csv, test.csv
    python -m avscene.coseg train --data music --root data/music --cache /big/music-cache --profile gpu

``--data music`` scans the lists and decodes every usable video once into the clip cache at the profile's
co-segmentation media (``runs.profile``: 8 fps, 11,025 Hz under ``gpu``); broken, silent, soundless and too-short
videos are skipped and reported (``avscene.coseg.music``). The run's name holds the data's name, so it never
replaces a run of the synthetic world or of another list. A bad root or list prints one ``error: <path>:
<reason>`` line and exits with code 2.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .. import config
from ..separation.__main__ import EXIT_ERROR, _error  # noqa: F401 (EXIT_ERROR: the exit code callers test)
from . import runs, scores


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m avscene.coseg", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="obtain a Sound of Pixels / co-segmentation run and print its held-out scores")
    t.add_argument("--data", choices=("synthetic", "music"), default="synthetic",
                   help="the profile's synthetic world (default) or MUSIC")
    t.add_argument("--root", type=Path, default=None, help="MUSIC folder holding train.csv and test.csv")
    t.add_argument("--cache", type=Path, default=None,
                   help="clip cache folder (default: <root>/.avscene-cache-<profile>)")
    t.add_argument("--workers", type=int, default=None, help="processes scanning and decoding (default: all)")
    t.add_argument("--profile", default="cpu", choices=config.PROFILE_NAMES, help="sizes and run (default cpu)")
    t.add_argument("--variant", default="sop", choices=tuple(runs.VARIANTS), help="the run's variant")
    t.add_argument("--seed", type=int, default=0, help="the run's seed")
    t.add_argument("--out", type=Path, default=None, help="append the JSON result line to this file")
    return p


def needs(cfg: config.Profile) -> tuple[int, int]:
    """Frames and samples a video must hold for one Mix-and-Separate window (its frames and the sound around
    the centre, with a frame of margin for the window's rounding)."""
    c, media = cfg.coseg, runs.profile(cfg).media
    frames = (c.frames - 1) * c.frame_spacing + 1
    return frames, c.samples + math.ceil(media.sample_rate / media.fps)


def load_data(args: argparse.Namespace, cfg: config.Profile):
    """The run's ``SeparationData``: the synthetic world, or MUSIC under ``args.root`` (prints its report)."""
    if args.data == "synthetic":
        return runs.synthetic_data(cfg)
    from . import music

    if args.root is None:
        raise music.DataError("--root", "--data music needs --root, the folder data_scripts/music.py wrote")
    frames, samples = needs(cfg)
    data, report = music.load(args.root, runs.profile(cfg), cache_dir=args.cache, workers=args.workers,
                              frames_needed=frames, samples_needed=samples)
    print("\n".join(report.lines()))
    return data


def train(args: argparse.Namespace) -> dict[str, Any]:
    cfg = config.get(args.profile)
    data = load_data(args, cfg)
    trained = runs.train(cfg, args.variant, args.seed, data=data)
    task = runs.task(cfg, args.variant)
    task.on_step(runs.final_step(cfg, args.variant))
    held = scores.held_out_set(runs.held_out(cfg, data), task)
    if task.oracle:  # the control separates by each source's class, as it trained
        method = scores.no_frames_method(trained.model, task, np.arange(trained.model.synth.channels))
    else:
        method = scores.model_method(trained.model, task)
    s = scores.score(held, scores.estimates(held, method))
    return {"data": data.name, "profile": cfg.name, "variant": args.variant, "seed": args.seed,
            "run": str(trained.run_dir), "mixtures": len(held), "skipped": s.skipped,
            **{k: round(v, 3) for k, v in s.mean().items()}}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from ..separation.voxceleb2 import DataError

    try:
        result = train(args)
    except DataError as exc:
        return _error(exc.path, exc.problem)
    line = json.dumps(result)
    print(f"held-out SDR {result['sdr']:+.2f} dB, SIR {result['sir']:+.2f}, SAR {result['sar']:+.2f}, NSDR "
          f"{result['nsdr']:+.2f} over {result['mixtures'] - result['skipped']} of {result['mixtures']} mixtures")
    print(line)
    if args.out is not None:
        with open(args.out, "a") as fh:
            fh.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
