"""``python -m avscene.action finetune``: action recognition by fine-tuning, outside notebooks (Owens & Efros
§5; notebook 05).

Fine-tune on UCF-101's official split 1 from the shift run (the paper's row) or from scratch::

    python data_scripts/ucf101.py --out data/ucf101          # once: download, extract, ucf101.csv
    python -m avscene.action prepare --root data/ucf101 --profile gpu --cache /big/ucf-cache
    python -m avscene.action finetune --data ucf101 --root data/ucf101 --split 1 --profile gpu \\
        --init shift --cache /big/ucf-cache                  # or --init scratch; --variant audio_zeroed ...
    torchrun --nproc_per_node 8 -m avscene.action finetune ... # several GPUs (after `prepare`)

``--data synthetic`` fine-tunes on the profile's synthetic action set instead (the runs notebook 05 uses).
``finetune`` scans the videos and decodes them once into the clip cache (``avscene.action.ucf101``; videos
without sound are fed silence, broken or too-short ones are skipped, all of it reported), trains the run
``action-ucf101-split<k>-<hash>/<variant>/<labels per class>/seed<k>`` (found, resumed or trained like every
run: ``avscene.course.hub``), prints its test accuracy (``cfg.action.test_windows`` evenly spaced clips per
test video, their class probabilities averaged) and a JSON line of the result (also appended to ``--out``).
``--init shift`` is the variant ``pretrained`` (its shift run is obtained first: found, or pretrained on the
synthetic world), ``--init scratch`` is ``scratch``; ``--variant`` picks any row of
``avscene.action.finetune.VARIANTS``. Under torchrun, rank 0 prepares the cache while the others wait at a
barrier (which times out after the process group's timeout): run ``prepare`` once first on a big dataset.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

INIT_VARIANT = {"shift": "pretrained", "scratch": "scratch"}


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``finetune`` and ``prepare``."""
    from .finetune import VARIANTS

    parser = argparse.ArgumentParser(prog="python -m avscene.action", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", choices=("ucf101", "synthetic"), default="synthetic")
    common.add_argument("--root", type=Path, default=None, help="UCF-101 folder holding ucf101.csv")
    common.add_argument("--split", type=int, choices=(1, 2, 3), default=1, help="UCF-101's official split")
    common.add_argument("--profile", default="gpu")
    common.add_argument("--cache", type=Path, default=None,
                        help="clip cache folder (default: <root>/.avscene-cache-<profile>)")
    common.add_argument("--workers", type=int, default=None, help="processes scanning and decoding (default: all)")
    sub.add_parser("prepare", parents=[common], help="scan and cache UCF-101 only, and print the report"
                   ).set_defaults(data="ucf101")
    p = sub.add_parser("finetune", parents=[common], help="fine-tune one variant and print its test accuracy")
    p.add_argument("--init", choices=tuple(INIT_VARIANT), default="shift",
                   help="shift: start from the shift run (variant pretrained); scratch: variant scratch")
    p.add_argument("--variant", choices=tuple(VARIANTS), default=None, help="overrides --init")
    p.add_argument("--per-class", type=int, default=None, help="labelled training videos per class (default: all)")
    p.add_argument("--seed", type=int, default=0, help="fine-tuning seed")
    p.add_argument("--steps", type=int, default=None, help="training steps (default: the profile's)")
    p.add_argument("--retrain", action="store_true", help="train again even if a finished run exists")
    p.add_argument("--out", type=Path, default=None, help="append the JSON result line to this file")
    return parser


def variant_of(args: argparse.Namespace) -> str:
    """The variant a command line asks for: ``--variant``, else ``--init`` (shift -> pretrained)."""
    return args.variant or INIT_VARIANT[args.init]


def action_data(cfg, args: argparse.Namespace, *, verbose: bool):
    """``(ActionData, report or None)`` for ``--data``; UCF-101 is prepared by rank 0 first, the other ranks
    then read the finished cache."""
    from ..train import distributed
    from .finetune import synthetic_data
    from .ucf101 import load

    if args.data == "synthetic":
        return synthetic_data(cfg), None
    lead = distributed.rank() == 0
    if not lead:
        distributed.barrier()
    try:
        return load(cfg, args.root, args.split, cache_dir=args.cache, workers=args.workers, verbose=verbose)
    finally:
        if lead:
            distributed.barrier()


def result_line(cfg, args: argparse.Namespace, variant: str, data, report, trained, accuracy: float) -> dict[str, Any]:
    """The JSON result: what ran, on which videos, and its test accuracy."""
    return {"data": data.name, "profile": cfg.name, "variant": variant, "per_class": args.per_class,
            "seed": args.seed, "steps": cfg.action.finetune.steps, "clip_frames": cfg.action.clip_frames,
            "test_windows": cfg.action.test_windows, "train_videos": len(data.train), "test_videos": len(data.test),
            "test_accuracy": accuracy, "run_dir": str(trained.run_dir),
            **({"ucf101": report.to_dict()} if report is not None else {})}


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring); 0 on success."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.data == "ucf101" and args.root is None:
        parser.error("--data ucf101 needs --root (the folder data_scripts/ucf101.py prepared)")
    if args.cmd == "prepare" and args.data != "ucf101":
        parser.error("prepare is for --data ucf101")

    from .. import config, runtime
    from ..train import distributed

    runtime.flush_denormals()
    device = distributed.init_from_env()
    lead = distributed.rank() == 0
    try:
        cfg = config.get(args.profile)
        if getattr(args, "steps", None):
            cfg = cfg.replace(**{"action.finetune": dataclasses.replace(cfg.action.finetune, steps=args.steps)})
        data, report = action_data(cfg, args, verbose=lead)
        if report is not None and lead:
            print("\n".join(report.lines()), flush=True)
        if args.cmd == "prepare":
            return 0
        from .finetune import finetune, test_accuracy

        variant = variant_of(args)
        trained = finetune(cfg, variant, args.per_class, args.seed, data=data, device=device, retrain=args.retrain)
        accuracy = test_accuracy(trained)
        if lead:
            w = cfg.action.test_windows
            print(f"test accuracy {accuracy:.4f} ({100 * accuracy:.1f} %) of '{variant}' on {len(data.test)} test "
                  f"videos of {data.name}: {w} clip{'s' if w > 1 else ''} of {cfg.action.clip_frames} frames per "
                  "video, class probabilities averaged")
            line = json.dumps(result_line(cfg, args, variant, data, report, trained, accuracy))
            print(line, flush=True)
            if args.out is not None:
                args.out.parent.mkdir(parents=True, exist_ok=True)
                with open(args.out, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
    finally:
        distributed.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
