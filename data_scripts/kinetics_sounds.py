#!/usr/bin/env python
"""Fetch Kinetics-Sounds: the Kinetics classes with audible actions (Arandjelović & Zisserman,
*Look, Listen and Learn*, 2017), used by the audio-visual correspondence papers.

Reads official Kinetics CSVs (``label,youtube_id,time_start,time_end,split[,is_cc]``; paths or URLs),
keeps the Kinetics-Sounds classes (``KINETICS_SOUNDS``, or ``--classes-file`` with one class a line),
and fetches each ~10-s segment like ``audioset.py``: yt-dlp (or ``--downloader``), trim to H.264/AAC
mp4, verify the duration, record ``manifest.csv`` (with label and split), log failures; resumable.
Note: the L3 paper counts 34 classes on a pre-release Kinetics; the 31 below are the ones present in
Kinetics-400 as used by later work. Pass ``--classes-file`` to use another list.
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
from audioset import read_text  # noqa: E402

KINETICS_SOUNDS = (
    "blowing nose", "blowing out candles", "bowling", "chopping wood", "dribbling basketball",
    "laughing", "mowing lawn", "playing accordion", "playing bagpipes", "playing bass guitar",
    "playing clarinet", "playing drums", "playing guitar", "playing harmonica", "playing keyboard",
    "playing organ", "playing piano", "playing saxophone", "playing trombone", "playing trumpet",
    "playing violin", "playing xylophone", "ripping paper", "shoveling snow", "shuffling cards",
    "singing", "stomping grapes", "tap dancing", "tapping guitar", "tapping pen", "tickling",
)
MANIFEST_FIELDS = ["id", "ytid", "start", "end", "label", "split", "path", "duration", "status"]


def parse_kinetics(text: str) -> list[dict]:
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        missing = {"label", "youtube_id", "time_start", "time_end"} - set(row)
        if missing:
            raise ValueError(f"not a Kinetics CSV: missing columns {sorted(missing)}")
        rows.append({"ytid": row["youtube_id"], "start": float(row["time_start"]),
                     "end": float(row["time_end"]), "label": row["label"].strip().strip('"'),
                     "split": row.get("split", "")})
    return rows


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kinetics_sounds.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p)
    p.add_argument("--csv", nargs="+", required=True, help="Kinetics CSV paths or URLs (train, validate)")
    p.add_argument("--classes-file", type=Path, default=None, help="one class name a line")
    p.add_argument("--max-videos", type=int, default=None, help="stop after this many segments")
    p.add_argument("--max-side", type=int, default=None, help="downscale so the long side is at most this")
    p.add_argument("--min-duration", type=float, default=5.0, help="scan: shortest usable clip (s)")
    return p


def main(argv: list[str] | None = None, downloader: DownloadFn | None = None) -> int:
    args = build_parser().parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    dl = downloader or as_downloader(args.downloader)
    classes = set(KINETICS_SOUNDS)
    if args.classes_file:
        classes = {c.strip() for c in args.classes_file.read_text().splitlines() if c.strip()}
    rows = [r for src in args.csv for r in parse_kinetics(read_text(src, dl, out)) if r["label"] in classes]
    todo = rows[: args.max_videos] if args.max_videos else rows
    manifest = Manifest(out / "manifest.csv", MANIFEST_FIELDS)
    failures = FailureLog(out / "failures.log")

    def fetch(r: dict) -> dict:
        seg_id = f"{r['ytid']}_{int(r['start']):06d}_{int(r['end']):06d}"
        dst = out / "videos" / r["label"].replace(" ", "_") / f"{seg_id}.mp4"
        res = fetch_youtube_segment(r["ytid"], r["start"], r["end"], dst, dl, out / ".tmp",
                                    max_side=args.max_side)
        if res["status"] == "fetched" or seg_id not in manifest.rows:
            manifest.add({"id": seg_id, **r, "path": str(dst.relative_to(out)), **res})
        return res

    results = run_parallel(todo, fetch, workers=args.workers, desc="kinetics-sounds", failures=failures,
                           name=lambda r: r["ytid"])
    ok = [r for r in results if r]
    print(f"kinetics-sounds: {len(ok)} of {len(todo)} segments present, {len(todo) - len(ok)} failed "
          f"(see {failures.path})")
    from avscene.datasets import scan
    if (out / "manifest.csv").is_file():
        scan(out / "manifest.csv", min_duration=args.min_duration)
    return 0 if len(ok) == len(todo) else 1


if __name__ == "__main__":
    sys.exit(main())
