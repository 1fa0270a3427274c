#!/usr/bin/env python
"""Prepare VoxCeleb2 (speech separation, paper §6) from the archives you obtained with credentials.

VoxCeleb2 needs a registration: download ``vox2_dev_mp4_parta*`` and ``vox2_test_mp4.zip`` yourself (or
give ``--urls-file`` plus a ``--downloader`` command carrying your credentials, e.g.
``"curl -fsSL -u USER:PASS -o {out} {url}"``). This script joins split parts (``*_partaa``, ...),
verifies ``--checksums`` if given, extracts, and writes identity-disjoint ``train.csv`` / ``test.csv``
(``path,identity,video``): the official dev identities for training and test identities for testing;
with only one set present, identities are split by a stable hash (``--test-fraction``).
Resumable (joins and extractions are kept); failures are logged to ``failures.log``.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (DownloadFn, FailureLog, add_common_arguments, as_downloader, extract,  # noqa: E402
                     read_checksums, verify_md5)

_PART = re.compile(r"^(?P<stem>.+)_part[a-z]{2}$")
_IDENTITY = re.compile(r"^id\d+$")


def join_parts(archives: list[Path], folder: Path) -> list[Path]:
    """Concatenate ``<stem>_partaa, _partab, ...`` into ``<stem>.zip``; other archives pass through."""
    groups: dict[str, list[Path]] = {}
    whole = []
    for a in archives:
        m = _PART.match(a.name)
        if m:
            groups.setdefault(m["stem"], []).append(a)
        else:
            whole.append(a)
    for stem, parts in groups.items():
        target = folder / f"{stem}.zip"
        if not target.exists():
            tmp = target.with_name(target.name + ".part")
            with open(tmp, "wb") as out:
                for part in sorted(parts):
                    with open(part, "rb") as fh:
                        shutil.copyfileobj(fh, out, length=1 << 22)
            tmp.replace(target)
        whole.append(target)
    return whole


def set_name(archive: Path) -> str:
    return "test" if "test" in archive.name.lower() else "dev"


def collect(root: Path) -> list[tuple[str, str, str]]:
    """``(path relative to root, identity, video id)`` of every mp4 / m4a under ``root``."""
    found = []
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() not in (".mp4", ".m4a") or not p.is_file():
            continue
        ident = next((part for part in p.parts if _IDENTITY.match(part)), None)
        if ident is None:
            continue
        found.append((str(p.relative_to(root.parent)), ident, p.parent.name))
    return found


def _hash_fraction(identity: str, seed: int) -> float:
    return int(hashlib.sha1(f"{seed}:{identity}".encode()).hexdigest()[:8], 16) / 2**32


def write_lists(out: Path, test_fraction: float, seed: int) -> tuple[int, int]:
    dev = collect(out / "dev") if (out / "dev").exists() else []
    test = collect(out / "test") if (out / "test").exists() else []
    if dev and test:
        train_rows, test_rows = dev, test
    else:
        rows = dev or test
        train_rows = [r for r in rows if _hash_fraction(r[1], seed) >= test_fraction]
        test_rows = [r for r in rows if _hash_fraction(r[1], seed) < test_fraction]
    overlap = {r[1] for r in train_rows} & {r[1] for r in test_rows}
    if overlap:
        raise RuntimeError(f"identities in both train and test: {sorted(overlap)[:5]} ...")
    for name, rows in (("train", train_rows), ("test", test_rows)):
        with open(out / f"{name}.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["path", "identity", "video"])
            w.writerows(rows)
    print(f"voxceleb2: train {len(train_rows)} clips / {len({r[1] for r in train_rows})} identities, "
          f"test {len(test_rows)} clips / {len({r[1] for r in test_rows})} identities")
    return len(train_rows), len(test_rows)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="voxceleb2.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p)
    p.add_argument("--archives", nargs="*", type=Path, default=[], help="archives / parts you downloaded")
    p.add_argument("--urls-file", type=Path, default=None, help="URLs to fetch with --downloader")
    p.add_argument("--checksums", type=Path, default=None, help="md5sum-style file for the archives/parts")
    p.add_argument("--test-fraction", type=float, default=0.1, help="identity share for test (one set only)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-duration", type=float, default=2.0, help="scan: shortest usable clip (s)")
    p.add_argument("--no-scan", action="store_true", help="skip probing every clip")
    return p


def main(argv: list[str] | None = None, downloader: DownloadFn | None = None) -> int:
    args = build_parser().parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    failures = FailureLog(out / "failures.log")
    dl = downloader or as_downloader(args.downloader)
    sums = read_checksums(args.checksums)
    archives = list(args.archives)
    if args.urls_file:
        for url in args.urls_file.read_text().split():
            target = out / "archives" / Path(url).name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                try:
                    dl(url, target)
                except Exception as e:  # noqa: BLE001
                    failures(url, f"{type(e).__name__}: {e}")
                    continue
            archives.append(target)
    if not archives:
        print("voxceleb2: no archives given (--archives or --urls-file)", file=sys.stderr)
        return 2
    try:
        for a in archives:
            verify_md5(a, sums.get(a.name))
        (out / "archives").mkdir(exist_ok=True)
        for zipped in join_parts(archives, out / "archives"):
            dest = out / set_name(zipped)
            marker = dest / f".extracted-{zipped.name}"
            if not marker.exists():
                extract(zipped, dest)
                marker.write_text("ok\n")
        write_lists(out, args.test_fraction, args.seed)
    except Exception as e:  # noqa: BLE001
        failures("voxceleb2", f"{type(e).__name__}: {e}")
        return 1
    if not args.no_scan:
        from avscene.datasets import scan
        for name in ("train", "test"):
            scan(out / f"{name}.csv", min_duration=args.min_duration, workers=args.workers)
    return 0 if failures.count == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
