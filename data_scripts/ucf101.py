#!/usr/bin/env python
"""Download and prepare UCF-101 (action recognition fine-tuning, paper §5) with its 3 official splits.

Downloads the official archives (UCF101.rar and the recognition-task split lists zip; or ``--archives``
you already have), verifies them (``--checksums`` md5 file if given, archive integrity), extracts them
(RAR needs unrar, 7z or bsdtar), and writes ``ucf101.csv``: ``path,label,label_index,split1,split2,split3``
(each split ``train``/``test``). Then probes every video with ``avscene.datasets.scan`` and reports how
many have sound. NOTE: only about half of UCF-101's videos have an audio track, so audio-visual use
of UCF-101 works on that half; vision-only fine-tuning uses all (``require_audio=False``).
Resumable: finished downloads and extractions are kept; failures are logged to ``failures.log``.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (DownloadFn, FailureLog, add_common_arguments, as_downloader, extract,  # noqa: E402
                     read_checksums, verify_md5)

VIDEOS_URL = "https://www.crcv.ucf.edu/data/UCF101/UCF101.rar"
SPLITS_URL = "https://www.crcv.ucf.edu/data/UCF101/UCF101TrainTestSplits-RecognitionTask.zip"


def fetch_archive(url: str, folder: Path, downloader: DownloadFn, checksums: dict[str, str]) -> Path:
    path = folder / Path(url).name
    folder.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        downloader(url, path)
    verify_md5(path, checksums.get(path.name))
    return path


def extract_once(archive: Path, dest: Path) -> None:
    marker = dest / f".extracted-{archive.name}"
    if marker.exists():
        return
    extract(archive, dest)
    marker.write_text("ok\n")


def _find(root: Path, name: str) -> Path | None:
    hits = list(root.rglob(name))
    return hits[0] if hits else None


def build_index(out: Path, failures: FailureLog) -> Path:
    """Write ``ucf101.csv`` from classInd.txt, trainlist0k.txt and testlist0k.txt under ``out``."""
    class_ind = _find(out, "classInd.txt")
    if class_ind is None:
        raise FileNotFoundError(f"{out}: classInd.txt not found (split lists not extracted?)")
    lists = class_ind.parent
    labels = {}
    for line in class_ind.read_text().split("\n"):
        if line.strip():
            idx, name = line.split()
            labels[name.lower()] = (name, int(idx) - 1)
    videos = {p.name.lower(): p for p in out.rglob("*.avi")}
    splits: dict[str, dict[str, str]] = {}
    for k in (1, 2, 3):
        for part in ("train", "test"):
            f = lists / f"{part}list0{k}.txt"
            if not f.exists():
                raise FileNotFoundError(f"{f} missing")
            for line in f.read_text().split("\n"):
                if line.strip():
                    rel = line.split()[0]
                    splits.setdefault(rel.split("/")[-1].lower(), {})[f"split{k}"] = part
    index = out / "ucf101.csv"
    rows = 0
    with open(index, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "label", "label_index", "split1", "split2", "split3"])
        for key, where in sorted(splits.items()):
            video = videos.get(key)
            if video is None:
                failures(key, "listed in the split files but not found in the extracted videos")
                continue
            name, idx = labels.get(video.parent.name.lower(), (video.parent.name, -1))
            w.writerow([str(video.relative_to(out)), name, idx,
                        where.get("split1", ""), where.get("split2", ""), where.get("split3", "")])
            rows += 1
    print(f"ucf101: indexed {rows} videos in {index}")
    return index


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ucf101.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p)
    p.add_argument("--videos-url", default=VIDEOS_URL)
    p.add_argument("--splits-url", default=SPLITS_URL)
    p.add_argument("--archives", nargs="*", type=Path, default=None,
                   help="use these local archives instead of downloading (videos and split lists)")
    p.add_argument("--checksums", type=Path, default=None, help="md5sum-style file to verify the archives")
    p.add_argument("--min-duration", type=float, default=1.0, help="scan: shortest usable video (s)")
    return p


def main(argv: list[str] | None = None, downloader: DownloadFn | None = None) -> int:
    args = build_parser().parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    failures = FailureLog(out / "failures.log")
    dl = downloader or as_downloader(args.downloader)
    sums = read_checksums(args.checksums)
    try:
        if args.archives:
            archives = list(args.archives)
            for a in archives:
                verify_md5(a, sums.get(a.name))
        else:
            archives = [fetch_archive(u, out / "archives", dl, sums) for u in (args.videos_url, args.splits_url)]
        for a in archives:
            extract_once(a, out)
        index = build_index(out, failures)
    except Exception as e:  # noqa: BLE001 - report, log, exit non-zero
        failures("ucf101", f"{type(e).__name__}: {e}")
        return 1
    from avscene.datasets import scan
    found = scan(index, min_duration=args.min_duration, require_audio=False, workers=args.workers)
    with_audio = sum(e.info.has_audio for e in found)
    print(f"ucf101: {len(found)} usable videos, {with_audio} with an audio track")
    return 0 if failures.count == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
