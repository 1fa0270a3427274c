"""``python -m avscene demo VIDEO --out DIR [--weights original|cpu|PATH] [--start S] [--duration D] [--device D]``.

Sync offset curve (``sync.png``, ``sync.json``), CAM overlay (``cam.mp4``) and, with separation weights,
on/off-screen sound (``on.wav``, ``off.wav``, ``on_screen.mp4``) of your own video (notebook 09;
``avscene.demo``). A bad video, weights that are not there or an unusable ``--out`` print one line
``error: <what>: <why>`` on stderr and exit with status 2, writing nothing; Ctrl-C writes nothing either.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The demo's arguments (also ``python -m avscene demo``'s)."""
    p.add_argument("video", type=Path, help="any video file with an audio track")
    p.add_argument("--out", type=Path, required=True,
                   help="folder for the outputs (created at the end; an existing one keeps its other files)")
    p.add_argument("--weights", default="original",
                   help="original (the authors' converted weights, default), cpu (this course's runs trained on the "
                        "synthetic world), or a converted .pt file or folder of shift.pt / cam.pt / sep_full.pt")
    p.add_argument("--start", type=float, default=0.0, help="seconds into the video to start at (default 0)")
    p.add_argument("--duration", type=float, default=None, help="seconds to process (default: to the end)")
    p.add_argument("--device", default=None, help="torch device (default: cuda, else mps, else cpu)")
    p.add_argument("--batch", type=int, default=4, help="windows per network call (default 4; the sync search scores 4x as many offsets per call): "
                   "lower it when memory runs short")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m avscene.demo", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    return p


def _error(path: object, reason: str) -> int:
    print(f"error: {path}: {reason}", file=sys.stderr)
    return EXIT_ERROR


def run_args(args: argparse.Namespace) -> int:
    """Run the demo for parsed arguments; the exit status (0; 2 after one ``error:`` line; 130 on Ctrl-C)."""
    from .. import runtime
    from ..io.errors import MediaError
    from .run import demo
    from .weights import DemoError

    runtime.flush_denormals()
    try:
        demo(args.video, args.out, args.weights, start=args.start, duration=args.duration, device=args.device,
             batch=max(1, args.batch))
    except (MediaError, DemoError) as exc:
        return _error(exc.path, exc.problem.splitlines()[0] if exc.problem else type(exc).__name__)
    except KeyboardInterrupt:
        print(f"error: {args.out}: interrupted; nothing written", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_args(parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
