#!/usr/bin/env python
"""Fetch AudioSet's 10-s segments (the shift model's pretraining data, paper §3.1) as mp4 files.

Reads an official segment CSV (balanced_train_segments.csv, eval_segments.csv or
unbalanced_train_segments.csv: ``YTID, start_seconds, end_seconds, positive_labels``; a path or URL),
keeps segments of ``--classes`` (display names or MIDs from class_labels_indices.csv) up to
``--max-videos``, downloads each video with yt-dlp (or ``--downloader``), trims the segment to an
H.264/AAC mp4 at the source's rates, verifies its duration, and records it in ``manifest.csv``.
Resumable: good files are kept, never overwritten; every failure is logged to ``failures.log``.
Many YouTube videos are gone: expect a fraction of failures. Finally the folder is scanned with
``avscene.datasets.scan`` (``--min-duration``).

Example: python data_scripts/audioset.py --segments balanced_train_segments.csv --out data/audioset \\
             --classes "Speech" "Dog" --max-videos 500
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (DownloadFn, FailureLog, Manifest, add_common_arguments, as_downloader,  # noqa: E402
                     fetch_youtube_segment, run_parallel)

CSV_BASE = "http://storage.googleapis.com/eu_audioset/youtube_corpus/v1/csv/"
MANIFEST_FIELDS = ["id", "ytid", "start", "end", "labels", "path", "duration", "status"]


def read_text(source: str, downloader: DownloadFn, out: Path) -> str:
    """A local file's text, or a URL fetched (once) through the downloader into ``out``."""
    if "://" not in source:
        return Path(source).read_text(encoding="utf-8")
    local = out / Path(source).name
    if not local.exists():
        downloader(source, local)
    return local.read_text(encoding="utf-8")


def parse_segments(text: str) -> list[dict]:
    """Rows of an AudioSet segment CSV (``#`` comment lines skipped; labels split on commas)."""
    rows = []
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    for rec in reader:
        if not rec or rec[0].startswith("#"):
            continue
        if len(rec) < 4:
            raise ValueError(f"malformed AudioSet segment row: {rec}")
        rows.append({"ytid": rec[0], "start": float(rec[1]), "end": float(rec[2]),
                     "labels": [m.strip() for m in ",".join(rec[3:]).split(",") if m.strip()]})
    return rows


def parse_labels(text: str) -> dict[str, str]:
    """class_labels_indices.csv (``index,mid,display_name``) -> ``{display_name: mid}``."""
    return {row["display_name"]: row["mid"] for row in csv.DictReader(io.StringIO(text))}


def select(rows: list[dict], mids: set[str] | None, max_videos: int | None) -> list[dict]:
    picked = [r for r in rows if mids is None or mids.intersection(r["labels"])]
    return picked[:max_videos] if max_videos else picked


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="audioset.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p)
    p.add_argument("--segments", default=CSV_BASE + "balanced_train_segments.csv",
                   help="segment CSV path or URL (default: the official balanced_train_segments.csv)")
    p.add_argument("--labels", default=CSV_BASE + "class_labels_indices.csv",
                   help="class_labels_indices.csv path or URL (to resolve --classes display names)")
    p.add_argument("--classes", nargs="*", default=None, help="display names or MIDs (/m/...) to keep")
    p.add_argument("--max-videos", type=int, default=None, help="stop after this many segments")
    p.add_argument("--max-side", type=int, default=None, help="downscale so the long side is at most this")
    p.add_argument("--min-duration", type=float, default=9.0, help="scan: shortest usable clip (s)")
    return p


def main(argv: list[str] | None = None, downloader: DownloadFn | None = None) -> int:
    args = build_parser().parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    dl = downloader or as_downloader(args.downloader)
    rows = parse_segments(read_text(args.segments, dl, out))
    mids = None
    if args.classes:
        names = parse_labels(read_text(args.labels, dl, out)) if any(not c.startswith("/m/") and
                                                                        not c.startswith("/t/") for c in args.classes) else {}
        unknown = [c for c in args.classes if not c.startswith(("/m/", "/t/")) and c not in names]
        if unknown:
            print(f"unknown AudioSet classes: {unknown}", file=sys.stderr)
            return 2
        mids = {c if c.startswith(("/m/", "/t/")) else names[c] for c in args.classes}
    todo = select(rows, mids, args.max_videos)
    manifest = Manifest(out / "manifest.csv", MANIFEST_FIELDS)
    failures = FailureLog(out / "failures.log")

    def fetch(r: dict) -> dict:
        seg_id = f"{r['ytid']}_{int(r['start'] * 1000)}"
        dst = out / "videos" / f"{seg_id}.mp4"
        res = fetch_youtube_segment(r["ytid"], r["start"], r["end"], dst, dl, out / ".tmp",
                                    max_side=args.max_side)
        if res["status"] == "fetched" or seg_id not in manifest.rows:
            manifest.add({"id": seg_id, "ytid": r["ytid"], "start": r["start"], "end": r["end"],
                          "labels": ";".join(r["labels"]), "path": str(dst.relative_to(out)), **res})
        return res

    results = run_parallel(todo, fetch, workers=args.workers, desc="audioset", failures=failures,
                           name=lambda r: r["ytid"])
    ok = [r for r in results if r]
    print(f"audioset: {sum(r['status'] == 'fetched' for r in ok)} fetched, "
          f"{sum(r['status'] == 'exists' for r in ok)} already there, {len(todo) - len(ok)} failed "
          f"(see {failures.path})")
    from avscene.datasets import scan
    if (out / "manifest.csv").is_file():
        scan(out / "manifest.csv", min_duration=args.min_duration)
    return 0 if len(ok) == len(todo) else 1


if __name__ == "__main__":
    sys.exit(main())
