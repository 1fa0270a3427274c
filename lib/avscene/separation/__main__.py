"""``python -m avscene.separation separate VIDEO --out DIR``: on/off-screen separation of any clip (Owens & Efros
§6; reference notes §1.7, the original's ``sep_video.py``).

Writes ``on.wav``, ``off.wav`` and the frames with the on-screen track (``on.mp4``, or ``on.mkv`` with FLAC
at rates AAC cannot take) into ``DIR``, which is created only once everything succeeded. Without
``--weights`` the model is the profile's run ``separation/<variant>/seed<k>`` (found, fetched or trained);
with it, ``runs.build(cfg, variant)`` loads that state dict. A bad input prints one line
``error: <path>: <reason>`` on stderr and exits with code 2, writing nothing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
    return p


def _error(path: object, reason: str) -> int:
    print(f"error: {path}: {reason}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0, or 2 after one ``error:`` line)."""
    args = parser().parse_args(argv)
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
