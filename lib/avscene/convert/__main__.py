"""``python -m avscene.convert CHECKPOINT_PREFIX --model shift|cam|sep_full|sep_pit --out FILE.pt [--register]``.

Converts one of the authors' released TensorFlow 1 checkpoints (``net.tf-650000`` = the prefix of
``net.tf-650000.index`` and ``net.tf-650000.data-00000-of-00001``) into our network and writes it, with where
it came from, to ``FILE.pt`` (``avscene.convert.load`` reads it back); ``--register`` also files it as
``original/<model>`` in the local registry (``avscene.convert.registry``). Reads checkpoints in pure Python:
no TensorFlow needed. ``--list PREFIX`` prints a checkpoint's variables; ``--registered`` the registry.
Errors are one message naming the file and every problem, exit status 2, and nothing written.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

EXIT_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    from .convert import MODELS

    p = argparse.ArgumentParser(prog="python -m avscene.convert", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", nargs="?", help="checkpoint prefix, e.g. results/nets/shift/net.tf-650000 "
                   "(or its .index file, or a folder holding one checkpoint)")
    p.add_argument("--model", choices=MODELS, help="which released model the checkpoint is")
    p.add_argument("--out", type=Path, help="the converted file to write (.pt)")
    p.add_argument("--register", action="store_true", help="also register it as original/<model>")
    p.add_argument("--ignore", action="append", default=[], metavar="REGEX",
                   help="skip original variables matching REGEX (listed as ignored); repeatable")
    p.add_argument("--list", action="store_true", help="print the checkpoint's variables and exit")
    p.add_argument("--registered", action="store_true", help="print the registered original models and exit")
    return p


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from . import registry
    from .convert import ConversionError, convert, save
    from .tf_checkpoint import CheckpointError, CheckpointReader, latest_prefix

    if args.registered:
        for name, entry in sorted(registry.manifest()["models"].items()):
            print(f"original/{name}: {registry.root() / entry['file']} sha256 {entry['sha256'][:16]}... "
                  f"step {entry.get('step')} from {entry.get('source', {}).get('checkpoint', '?')}")
        return 0
    if not args.checkpoint:
        return _error("give a checkpoint prefix (e.g. results/nets/shift/net.tf-650000)")
    try:
        prefix = latest_prefix(args.checkpoint) if Path(args.checkpoint).is_dir() else args.checkpoint
        if args.list:
            for name, info in CheckpointReader(prefix).variables().items():
                print(f"{name}\t{info.dtype}\t{list(info.shape)}")
            return 0
        if not args.model or not args.out:
            return _error("--model and --out are required to convert")
        for pattern in args.ignore:
            re.compile(pattern)
        converted = convert(prefix, args.model, ignore=tuple(args.ignore))
        out = save(converted, args.out)
    except (ConversionError, CheckpointError, re.error, OSError) as exc:
        return _error(str(exc))
    n = sum(v.numel() for v in converted.model.state_dict().values())
    print(f"{converted.source['checkpoint']} -> {out}: {args.model} {converted.config}, {n:,} values, "
          f"step {converted.step}; skipped {len(converted.ignored)} original variables "
          f"({', '.join(sorted(set(converted.ignored.values())))[:200] or 'none'})")
    if args.register:
        entry = registry.register(out)
        print(f"registered original/{args.model}: {registry.root() / entry['file']} (sha256 {entry['sha256']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
