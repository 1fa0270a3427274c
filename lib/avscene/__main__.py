"""``python -m avscene <command>``: ``demo`` runs the models on your own video (``avscene.demo``)."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from .demo.__main__ import add_arguments, run_args

    parser = argparse.ArgumentParser(prog="python -m avscene", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    add_arguments(sub.add_parser("demo", help="sync curve, CAM video and on/off-screen sound of your own video"))
    args = parser.parse_args(argv)
    return run_args(args)


if __name__ == "__main__":
    sys.exit(main())
