"""``python -m avscene.separation separate VIDEO --out DIR``: on/off-screen separation of any clip (Owens & Efros
§6; reference notes §1.7, the original's ``sep_video.py``); ``python -m avscene.separation train``: a
separation run on the synthetic world or on VoxCeleb2 (notebook 06), outside notebooks.

``separate`` writes ``on.wav``, ``off.wav`` and the frames with the on-screen track (``on.mp4``, or ``on.mkv`` with FLAC
at rates AAC cannot take) into ``DIR``, which is created only once everything succeeded. Without
``--weights`` the model is the profile's run ``separation/<variant>/seed<k>`` (found, fetched or trained);
with it, ``runs.build(cfg, variant)`` loads that state dict. A bad input prints one line
``error: <path>: <reason>`` on stderr and exits with code 2, writing nothing.

``train`` obtains the run ``separation[-<data>]/<variant>/seed<k>`` (found, fetched or trained:
``avscene.separation.runs.train``) on ``--data``, then prints its held-out scores (mean SI-SDR improvement,
on/off assignment accuracy and L1, over all test mixtures and split by same / different class) and one JSON
line of the result (also appended to ``--out``)::

    python data_scripts/voxceleb2.py --out data/voxceleb2 --archives ...     # once: train.csv, test.csv
    python -m avscene.separation train --data voxceleb2 --root data/voxceleb2 --meta vox2_meta.csv \\
        --cache /big/vox-cache --profile gpu --variant full --seed 0

``--data voxceleb2`` scans the lists and decodes every usable video once into the clip cache
(``avscene.separation.voxceleb2``: broken, silent, soundless and too-short videos are skipped and reported);
with ``--meta`` (the official ``vox2_meta.csv``) the classes are the speakers' genders, so ``same class``
means a same-gender mixture; without it there are no classes and that split is meaningless. The run's
name holds the data's name (``separation-voxceleb2[-gender]-<hash>/<variant>/seed<k>``), so it never
replaces a run of the synthetic world or of another list. A bad root, list or meta file
prints one ``error: <path>: <reason>`` line and exits with code 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import config
from ..io.errors import MediaError
from . import runs
from .separate import MASKS, decode, separate, write

EXIT_ERROR = 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m avscene.separation", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("separate", help="split a video's sound into on- and off-screen tracks")
    s.add_argument("video", type=Path, help="any video file with an audio track")
    s.add_argument("--out", type=Path, required=True, help="folder for on.wav, off.wav and on.mp4/.mkv")
    s.add_argument("--profile", default="cpu", choices=config.PROFILE_NAMES, help="sizes and run (default cpu)")
    s.add_argument("--weights", type=Path, default=None, help="a SeparationNet state dict (.pt) instead of the run")
    s.add_argument("--variant", default="full", choices=tuple(runs.VARIANTS), help="separation variant")
    s.add_argument("--seed", type=int, default=0, help="the run's seed")
    s.add_argument("--mask", choices=MASKS, default=None, help="grey this half of every frame (value 128)")
    t = sub.add_parser("train", help="obtain a separation run and print its held-out scores")
    t.add_argument("--data", choices=("synthetic", "voxceleb2"), default="synthetic",
                   help="the profile's synthetic world (default) or VoxCeleb2")
    t.add_argument("--root", type=Path, default=None, help="VoxCeleb2 folder holding train.csv and test.csv")
    t.add_argument("--meta", type=Path, default=None, help="vox2_meta.csv: the speakers' genders as classes")
    t.add_argument("--cache", type=Path, default=None,
                   help="clip cache folder (default: <root>/.avscene-cache-<profile>)")
    t.add_argument("--workers", type=int, default=None, help="processes scanning and decoding (default: all)")
    t.add_argument("--profile", default="cpu", choices=config.PROFILE_NAMES, help="sizes and run (default cpu)")
    t.add_argument("--variant", default="full", choices=tuple(runs.VARIANTS), help="separation variant")
    t.add_argument("--seed", type=int, default=0, help="the run's seed")
    t.add_argument("--out", type=Path, default=None, help="append the JSON result line to this file")
    return p


def _error(path: object, reason: str) -> int:
    print(f"error: {path}: {reason}", file=sys.stderr)
    return EXIT_ERROR


def summary(scores: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """Means of ``sisdri`` (dB), ``assign`` and ``l1`` and the count ``n`` over ``all`` test mixtures and over
    the ``same_class`` / ``different_class`` ones (``None`` for an empty split)."""
    same = np.asarray(scores["same_class"], dtype=bool)
    out: dict[str, dict[str, Any]] = {}
    for split, keep in (("all", np.ones_like(same)), ("same_class", same), ("different_class", ~same)):
        n = int(keep.sum())
        out[split] = {"n": n, **{k: float(np.mean(np.asarray(scores[k], dtype=np.float64)[keep])) if n else None
                                 for k in ("sisdri", "assign", "l1")}}
    return out


def _show(split: dict[str, Any]) -> str:
    if not split["n"]:
        return "none"
    return f"sisdri {split['sisdri']:.2f} dB, assign {split['assign']:.3f}, l1 {split['l1']:.4f} (n={split['n']})"


def train_main(args: argparse.Namespace) -> int:
    """``train``: the run on ``--data``, its held-out scores and a JSON result line (notebook 06; paper §6)."""
    cfg = config.get(args.profile)
    report = None
    if args.data == "voxceleb2":
        from .voxceleb2 import DataError, load

        if args.root is None:
            return _error("--root", "--data voxceleb2 needs the folder data_scripts/voxceleb2.py prepared")
        try:
            data, report = load(args.root, cfg, cache_dir=args.cache, meta=args.meta, workers=args.workers)
        except DataError as e:
            if e.report is not None:
                print("\n".join(e.report.lines()), flush=True)
            return _error(e.path, e.problem)
        print("\n".join(report.lines()), flush=True)
    else:
        data = runs.synthetic_data(cfg)
    trained = runs.train(cfg, args.variant, args.seed, data=data)
    means = summary(runs.scores(cfg, args.variant, args.seed, data=data))
    print(f"held-out scores of '{args.variant}' (seed {args.seed}) on {data.name}: {_show(means['all'])}; "
          f"same class: {_show(means['same_class'])}; different class: {_show(means['different_class'])}")
    result = {"data": data.name, "profile": cfg.name, "variant": args.variant, "seed": args.seed,
              "steps": cfg.separation.train.steps, "clip_frames": cfg.separation.clip_frames,
              "train_videos": len(data.train), "test_videos": len(data.test), "scores": means,
              "run_dir": str(trained.run_dir), **({"voxceleb2": report.to_dict()} if report is not None else {})}
    line = json.dumps(result)
    print(line, flush=True)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0, or 2 after one ``error:`` line)."""
    args = parser().parse_args(argv)
    if args.command == "train":
        return train_main(args)
    cfg = config.get(args.profile)
    try:
        clip = decode(args.video, cfg)  # bad inputs fail before any model is fetched or trained
    except MediaError as e:
        return _error(e.path, e.problem)
    if args.weights is not None:
        try:
            net = runs.build(cfg, args.variant)
            net.load_state_dict(torch.load(args.weights, map_location="cpu"))
        except (OSError, RuntimeError) as e:
            return _error(args.weights, str(e).splitlines()[0] if str(e) else type(e).__name__)
    else:
        net = runs.train(cfg, args.variant, args.seed).model
    result = separate(clip, net, cfg, mask=args.mask)
    paths = write(result, args.out)
    rate = result.seconds / max(result.elapsed, 1e-9)
    print(f"{result.path}: {result.windows} windows, {result.seconds:.2f} s of audio in {result.elapsed:.2f} s "
          f"({rate:.1f} s of audio per s of compute)")
    for p in paths:
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
