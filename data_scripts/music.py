#!/usr/bin/env python
"""Fetch MUSIC (Zhao et al., *The Sound of Pixels*, ECCV 2018): YouTube solo performances of musical
instruments, for Sound of Pixels' Mix-and-Separate and co-segmentation (notebook ``08_coseg``).

Reads the public video-ID list of ``github.com/roudimit/MUSIC_dataset`` (``MUSIC_solo_videos.json``, 11
instruments, 536 videos; or ``MUSIC21_solo_videos.json``, 21 instruments), a JSON object
``{"version": ..., "videos": {"<instrument>": ["<YouTube id>", ...], ...}}`` (``--list``: a path or URL; by
default the raw GitHub URL below). Keeps ``--instruments`` (default: all) and the first ``--max-per-class``
videos of each, downloads every video with yt-dlp (or ``--downloader``) and converts the whole of it to an
H.264/AAC mp4 with frames at **8 fps** and **mono audio at 11,025 Hz**: the rates of the official
preprocessing (Sound of Pixels README; reference notes §3.1). Frames are downscaled so that the long side is at
most ``--max-side`` (default 480: short side 270 for 16:9, above the 246 px the official training resizes to).
Each result is checked (it must probe with audio at those rates) and recorded in ``manifest.csv``; failures
are logged to ``failures.log`` and skipped (many YouTube videos are gone). Resumable: a good converted file is
never fetched again. Finally ``train.csv`` and ``test.csv`` (``path,instrument,video``, paths relative to
``--out``) list this run's selection of videos that are present, split per video by a stable hash
(``--test-fraction``, ``--seed``): a video is in exactly one list, whatever else the folder holds. The
official index script keeps videos with more than 20 s of frames; ``--min-duration`` (the scan's report)
flags the shorter ones, and the loader (``avscene.coseg.music``) skips videos too short for a mixture.

Example: python data_scripts/music.py --out data/music --instruments accordion cello --max-per-class 20
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    DownloadFn,
    FailureLog,
    Manifest,
    add_common_arguments,
    as_downloader,
    run_parallel,
    youtube_download,
)
from audioset import read_text  # noqa: E402
from avscene.io import MediaError, probe, write_av  # noqa: E402
from avscene.io.load import load_span  # noqa: E402
from voxceleb2 import _hash_fraction  # noqa: E402

LIST_URL = "https://raw.githubusercontent.com/roudimit/MUSIC_dataset/master/MUSIC_solo_videos.json"
FPS = 8.0  # the official preprocessing's frame rate
SAMPLE_RATE = 11025  # the official preprocessing's sample rate (mono)
MANIFEST_FIELDS = ["id", "instrument", "path", "duration", "status"]
LIST_FIELDS = ["path", "instrument", "video"]


def parse_list(text: str) -> list[dict[str, str]]:
    """``[{"video", "instrument"}]`` in the list's order from a MUSIC video-ID JSON (``{"videos":
    {instrument: [ids]}}``); a video listed twice keeps its first instrument. ``ValueError`` if malformed."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise ValueError(f"the MUSIC list is not JSON: {e}") from None
    videos = doc.get("videos") if isinstance(doc, dict) else None
    if not isinstance(videos, dict) or not all(isinstance(v, list) for v in videos.values()):
        raise ValueError('not a MUSIC video list: expected {"videos": {"<instrument>": ["<youtube id>", ...]}}')
    rows, seen = [], set()
    for instrument, ids in videos.items():
        for ytid in ids:
            ytid = str(ytid).strip()
            if ytid and ytid not in seen:
                seen.add(ytid)
                rows.append({"video": ytid, "instrument": str(instrument).strip()})
    return rows


def select(rows: list[dict[str, str]], instruments: list[str] | None, max_per_class: int | None) -> list[dict]:
    """The rows of ``instruments`` (all when ``None``), at most ``max_per_class`` per instrument, in list order."""
    taken: dict[str, int] = {}
    picked = []
    for r in rows:
        if instruments is not None and r["instrument"] not in instruments:
            continue
        if max_per_class is not None and taken.get(r["instrument"], 0) >= max_per_class:
            continue
        taken[r["instrument"]] = taken.get(r["instrument"], 0) + 1
        picked.append(r)
    return picked


def is_converted(path: Path) -> bool:
    """True if ``path`` probes as video with mono audio at :data:`FPS` / :data:`SAMPLE_RATE`."""
    try:
        info = probe(path)
    except MediaError:
        return False
    return (info.has_audio and abs(info.fps - FPS) < 1e-3 and info.sample_rate == SAMPLE_RATE
            and info.channels == 1 and info.av_duration > 0)


def _even_size(height: int, width: int, max_side: int | None) -> tuple[int, int]:
    """``(H, W)``: the source size scaled down so the long side is at most ``max_side``, both made even."""
    if max_side and max(height, width) > max_side:
        scale = max_side / max(height, width)
        height, width = round(height * scale), round(width * scale)
    return max(2, height - height % 2), max(2, width - width % 2)


def convert(src: Path, dst: Path, *, max_side: int | None = None) -> float:
    """Re-encode the whole audio-visual span of ``src`` as ``dst`` (H.264/AAC mp4): frames uint8 ``[T, H, W,
    3]`` at :data:`FPS`, audio float32 ``[1, N]`` at :data:`SAMPLE_RATE` (downmixed), both starting at 0;
    returns its duration (s). Holds the decoded video in memory (about 3 MB a second at 480x270)."""
    info = probe(src)
    if not info.has_audio:
        raise MediaError(src, "no audio stream")
    clip = load_span(src, info, fps=FPS, sample_rate=SAMPLE_RATE, channels=1,
                     size=_even_size(info.height, info.width, max_side))
    part = dst.with_name(dst.stem + ".part.mp4")
    write_av(part, clip.frames, clip.audio, FPS, SAMPLE_RATE)
    part.replace(dst)
    return clip.duration


def fetch_video(ytid: str, dst: Path, downloader: DownloadFn, tmp_dir: Path, *,
                max_side: int | None = None) -> dict:
    """Fetch YouTube video ``ytid`` and convert it to ``dst`` (:func:`convert`); a converted ``dst`` is kept.
    Returns ``{"status": "exists" | "fetched", "duration": seconds}``."""
    if dst.exists() and is_converted(dst):
        return {"status": "exists", "duration": round(probe(dst).av_duration, 3)}
    with youtube_download(ytid, downloader, tmp_dir) as raw:
        dst.parent.mkdir(parents=True, exist_ok=True)
        duration = convert(raw, dst, max_side=max_side)
    return {"status": "fetched", "duration": round(duration, 3)}


def split(video: str, test_fraction: float, seed: int) -> str:
    """``"test"`` or ``"train"`` for ``video`` by a stable hash of ``(seed, video)``."""
    return "test" if _hash_fraction(video, seed) < test_fraction else "train"


def write_lists(out: Path, rows: list[dict[str, str]], test_fraction: float, seed: int) -> tuple[int, int]:
    """Write ``out/train.csv`` and ``out/test.csv`` (``path,instrument,video``) from ``rows`` (each with
    ``path`` relative to ``out``, ``instrument``, ``video``) split per video; returns ``(train, test)`` sizes."""
    parts: dict[str, list[dict[str, str]]] = {"train": [], "test": []}
    for r in rows:
        parts[split(r["video"], test_fraction, seed)].append(r)
    for name, chosen in parts.items():
        tmp = out / f"{name}.csv.part"
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=LIST_FIELDS, extrasaction="ignore")
            w.writeheader()
            w.writerows(chosen)
        tmp.replace(out / f"{name}.csv")
    counts = {name: len({r["instrument"] for r in chosen}) for name, chosen in parts.items()}
    print(f"music: train {len(parts['train'])} videos / {counts['train']} instruments, "
          f"test {len(parts['test'])} videos / {counts['test']} instruments")
    return len(parts["train"]), len(parts["test"])


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="music.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p)
    p.add_argument("--list", default=LIST_URL,
                   help="MUSIC video-ID JSON path or URL (default: the official MUSIC_solo_videos.json)")
    p.add_argument("--instruments", nargs="*", default=None, help="instruments to keep (default: all)")
    p.add_argument("--max-per-class", type=int, default=None, help="at most this many videos per instrument")
    p.add_argument("--max-side", type=int, default=480, help="downscale so the long side is at most this")
    p.add_argument("--test-fraction", type=float, default=0.1, help="share of videos in test.csv")
    p.add_argument("--seed", type=int, default=0, help="seed of the per-video hash split")
    p.add_argument("--min-duration", type=float, default=20.0, help="scan: shortest usable video (s)")
    p.add_argument("--no-scan", action="store_true", help="skip probing every listed video")
    return p


def main(argv: list[str] | None = None, downloader: DownloadFn | None = None) -> int:
    args = build_parser().parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    dl = downloader or as_downloader(args.downloader)
    try:
        rows = parse_list(read_text(args.list, dl, out))
    except (OSError, ValueError, RuntimeError) as e:
        print(f"music: cannot read the list {args.list}: {e}", file=sys.stderr)
        return 2
    if args.instruments:
        unknown = sorted(set(args.instruments) - {r["instrument"] for r in rows})
        if unknown:
            print(f"unknown MUSIC instruments: {unknown}", file=sys.stderr)
            return 2
    todo = select(rows, args.instruments or None, args.max_per_class)
    manifest = Manifest(out / "manifest.csv", MANIFEST_FIELDS)
    failures = FailureLog(out / "failures.log")

    def fetch(r: dict) -> dict:
        dst = out / "videos" / r["instrument"].replace(" ", "_") / f"{r['video']}.mp4"
        res = fetch_video(r["video"], dst, dl, out / ".tmp", max_side=args.max_side)
        rel = str(dst.relative_to(out))
        if res["status"] == "fetched" or r["video"] not in manifest.rows:
            manifest.add({"id": r["video"], "instrument": r["instrument"], "path": rel, **res})
        return {**r, **res, "path": rel}

    results = run_parallel(todo, fetch, workers=args.workers, desc="music", failures=failures,
                           name=lambda r: r["video"])
    ok = [r for r in results if r]
    print(f"music: {sum(r['status'] == 'fetched' for r in ok)} fetched, "
          f"{sum(r['status'] == 'exists' for r in ok)} already there, {len(todo) - len(ok)} failed "
          f"(see {failures.path})")
    write_lists(out, ok, args.test_fraction, args.seed)
    if not args.no_scan:
        from avscene.datasets import scan
        for name in ("train", "test"):
            scan(out / f"{name}.csv", min_duration=args.min_duration, workers=args.workers)
    return 0 if len(ok) == len(todo) else 1


if __name__ == "__main__":
    sys.exit(main())
