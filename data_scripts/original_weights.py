#!/usr/bin/env python
"""Download the authors' released TensorFlow weights (``multisensory-nets.zip``, the original repository's
``download_models.sh``) and convert them for avscene (step 14; notebook 09).

The zip holds ``shift/net.tf-650000``, ``cam/net.tf-675000``, ``sep/full/net.tf-160000`` and
``sep/unet-pit/net.tf-160000`` (reference notes §1.9). Each is converted with ``python -m avscene.convert``
(pure Python, no TensorFlow) to ``<out>/converted/<model>.pt`` and registered as ``original/<model>``, so a
notebook or ``python -m avscene demo`` can ask for it. Resumable: a downloaded zip is kept and not fetched
again; ``--sha256`` pins the zip's checksum (the script prints the checksum it saw, so a course can pin it).

Example: python data_scripts/original_weights.py --out data/original-weights
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DownloadFn, as_downloader, extract  # noqa: E402

URL = "http://people.eecs.berkeley.edu/~owens/multisensory-nets.zip"
ZIP = "multisensory-nets.zip"
#: Each released model: the folder its checkpoint sits in (the path's last parts) and its step.
CHECKPOINTS = {"shift": (("shift",), 650000), "cam": (("cam",), 675000),
               "sep_full": (("sep", "full"), 160000), "sep_pit": (("sep", "unet-pit"), 160000)}


def find_checkpoints(root: Path) -> dict[str, Path]:
    """``{model: prefix}`` of the released checkpoints found under ``root`` (whatever folder the zip puts
    them in): ``<...>/shift/net.tf-650000.index`` is ``shift``, ``<...>/sep/full/...`` is ``sep_full``."""
    found: dict[str, Path] = {}
    for index in sorted(root.rglob("*.index")):
        for model, (parts, step) in CHECKPOINTS.items():
            if index.parent.parts[-len(parts):] == parts and index.name == f"net.tf-{step}.index":
                found[model] = index.with_suffix("")
    return found


def main(argv: list[str] | None = None, downloader: DownloadFn | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="folder for the zip, its contents and converted files")
    p.add_argument("--url", default=URL, help=f"where the zip is (default {URL})")
    p.add_argument("--sha256", default=None, help="expected sha256 of the zip (checked when given)")
    p.add_argument("--models", nargs="+", choices=sorted(CHECKPOINTS), default=sorted(CHECKPOINTS))
    p.add_argument("--no-register", action="store_true", help="convert only; do not register original/<model>")
    p.add_argument("--downloader", default=None, help="download command template with {url} and {out}")
    args = p.parse_args(argv)

    from avscene.convert import convert as C
    from avscene.convert import registry
    from avscene.convert.tf_checkpoint import CheckpointError
    from avscene.course.hub import sha256_file

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    archive = out / ZIP
    if not archive.exists():
        print(f"downloading {args.url} -> {archive} (several hundred MB)")
        try:
            as_downloader(downloader or args.downloader)(args.url, archive)
        except Exception as exc:  # network, HTTP or downloader errors: one line
            print(f"error: could not download {args.url}: {exc}", file=sys.stderr)
            return 2
    digest = sha256_file(archive)
    print(f"{archive}: sha256 {digest}")
    if args.sha256 and digest != args.sha256.lower():
        print(f"error: {archive} has sha256 {digest}, expected {args.sha256}; delete it and run again",
              file=sys.stderr)
        return 2
    contents = out / "multisensory-nets"
    if not find_checkpoints(contents):
        try:
            extract(archive, contents)
        except RuntimeError as exc:
            print(f"error: {exc}; delete {archive} and run again", file=sys.stderr)
            return 2
    found = find_checkpoints(contents)
    status = 0
    for model in args.models:
        if model not in found:
            print(f"error: {archive} holds no {'/'.join(CHECKPOINTS[model][0])}/net.tf-{CHECKPOINTS[model][1]}",
                  file=sys.stderr)
            status = 2
            continue
        try:
            converted = C.convert(found[model], model)
        except (C.ConversionError, CheckpointError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 2
            continue
        converted.source["archive"] = {"url": args.url, "sha256": digest}
        target = C.save(converted, out / "converted" / f"{model}.pt")
        line = f"{found[model]} -> {target} ({model}, step {converted.step})"
        if not args.no_register:
            entry = registry.register(target)
            line += f"; registered original/{model} (sha256 {entry['sha256'][:16]}...)"
        print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
